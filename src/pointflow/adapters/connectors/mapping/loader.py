"""Reads mapping files (YAML) into runnable mappings; any problem raises MappingInvalid naming the key."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

import pointflow
from pointflow.adapters.connectors.mapping.compile import compile_mapping
from pointflow.adapters.connectors.mapping.compiled import CompiledMapping
from pointflow.adapters.connectors.mapping.model import MappingSpec

_NULL = "tag:yaml.org,2002:null"
MAPPING_SUFFIXES = (".yaml", ".yml")


class MappingInvalid(ValueError):
    """A mapping file that cannot be used; `problems` pairs each mapping key with the reason."""

    def __init__(self, source: str, problems: Sequence[tuple[str, str]]) -> None:
        self.source = source
        self.problems = list(problems)
        listed = "; ".join(f"{key}: {reason}" for key, reason in self.problems)
        super().__init__(f"mapping {source} is invalid: {listed}")


class _MappingLoader(yaml.SafeLoader):
    """Every scalar stays text (pydantic converts it), so YAML 1.1 never turns `no` into false or 0742
    into an octal number; only null is recognised. Repeated keys are refused."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_MappingLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag == _NULL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_mapping_text(text: str, *, source: str = "<text>") -> CompiledMapping:
    """Parse, validate and compile a mapping from YAML text."""
    try:
        data = yaml.load(text, Loader=_MappingLoader)  # safe: the loader is a SafeLoader
    except yaml.YAMLError as error:
        raise MappingInvalid(source, [("<yaml>", _describe(error))]) from None
    if not isinstance(data, dict):
        raise MappingInvalid(source, [("<root>", "a mapping file is a YAML mapping of keys")])
    try:
        spec = MappingSpec.model_validate(data)
    except ValidationError as error:
        raise MappingInvalid(source, [(_key(e["loc"]), e["msg"]) for e in error.errors()]) from None
    compiled, problems = compile_mapping(spec)
    if compiled is None:
        raise MappingInvalid(source, problems)
    return compiled


def load_mapping_file(path: str | Path) -> CompiledMapping:
    """Parse, validate and compile the mapping file at `path`."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise MappingInvalid(str(path), [("<file>", str(error))]) from None
    return load_mapping_text(text, source=Path(path).name)


def mapping_files(directory: str | Path) -> list[Path]:
    """The mapping files of a directory, in name order."""
    return sorted(p for p in Path(directory).iterdir() if p.suffix in MAPPING_SUFFIXES and p.is_file())


def shipped_mappings_dir() -> Path:
    """The mappings shipped in the package: the starters and the connectors written again as mappings."""
    return Path(pointflow.__file__).parent / "mappings"


def _key(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "<root>"


def _describe(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    if mark is None:
        return str(problem)
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
