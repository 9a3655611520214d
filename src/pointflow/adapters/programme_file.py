"""Reads a programme file (YAML) into a validated Programme; YAML errors become ProgrammeInvalid."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from decimal import Decimal
from pathlib import Path

import yaml

import pointflow
from pointflow.domain.programme import Programme, ProgrammeInvalid, parse_programme


class _ProgrammeLoader(yaml.SafeLoader):
    """safe_load that reads decimals exactly (0.01 stays 0.01) and refuses repeated keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, object]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                line = key_node.start_mark.line + 1
                raise ProgrammeInvalid([("<yaml>", f"line {line}: key {key!r} appears twice")])
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    text = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    return Decimal(text.replace("_", ""))


_ProgrammeLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def load_programme_text(text: str) -> Programme:
    """Parse and validate a programme from YAML text."""
    try:
        data = yaml.load(text, Loader=_ProgrammeLoader)  # safe: the loader is a SafeLoader
    except yaml.YAMLError as exc:
        raise ProgrammeInvalid([("<yaml>", _describe(exc))]) from None
    if not isinstance(data, Mapping):
        raise ProgrammeInvalid([("<root>", "a programme file must be a YAML mapping of fields")])
    return parse_programme(data)


def load_programme_file(path: str | Path) -> Programme:
    """Parse and validate the programme file at `path`."""
    return load_programme_text(Path(path).read_text(encoding="utf-8"))


def sample_programme_path() -> Path:
    """The sample programme shipped in the package."""
    return Path(pointflow.__file__).parent / "programmes" / "sample.yaml"


def _describe(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is None:
        return str(problem)
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
