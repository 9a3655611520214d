"""Checks a validated mapping against the canonical fields and compiles its paths; problems name their key."""

from __future__ import annotations

import re

from pointflow.adapters.connectors.mapping.canonical import CANONICAL, EXTRA, EXTRA_KINDS, Canonical
from pointflow.adapters.connectors.mapping.checks import Checks, Problem
from pointflow.adapters.connectors.mapping.compiled import (
    CompiledCondition,
    CompiledField,
    CompiledMapping,
    CompiledTest,
    Shaping,
    Source,
)
from pointflow.adapters.connectors.mapping.digest import Digest
from pointflow.adapters.connectors.mapping.model import (
    Condition,
    EventTest,
    FieldSpec,
    FieldType,
    MappingSpec,
)
from pointflow.adapters.connectors.mapping.paths import DocumentPath, JsonPath, PathError, XmlPath
from pointflow.adapters.connectors.mapping.shape import normalised

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
# `delivery.<name>` marks an extra that describes the message, not the posting (kept out of the event hash).
_EXTRA_NAME = re.compile(r"^(delivery\.)?[A-Za-z_][A-Za-z0-9_]{0,63}$")
_PREFIX = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
# The raw of each item holds that item alone, so an items path that picks by position would pick
# differently when the raw is replayed.
_POSITIONAL = {
    "json": re.compile(r"\[\s*-?\d|:\s*\]|\[\s*:"),
    "xml": re.compile(r"\[\s*\d|position\s*\(|last\s*\(|(preceding|following)(-sibling)?\s*::"),
}


class _Compiler(Checks):
    def __init__(self, spec: MappingSpec) -> None:
        super().__init__(spec)
        self.item_paths: dict[str, DocumentPath] = {}
        self.item_lists: dict[str, JsonPath | XmlPath] = {}

    def path(self, key: str, text: str) -> JsonPath | XmlPath | None:
        try:
            if self.spec.format == "json":
                return JsonPath(text, empty_is_absent=self.spec.empty_is_absent)
            return XmlPath(text, self.spec.namespaces)
        except PathError as error:
            self.problem(key, str(error))
            return None

    def source(self, key: str, given: FieldSpec | EventTest | Condition, name: str) -> Source | None:
        native = given.name or name
        if given.path is not None:
            return self._path_source(key, given)
        if given.context is not None:
            if given.context not in self.spec.context:
                known = ", ".join(self.spec.context) or "none"
                self.problem(f"{key}.context", f"no context value named {given.context!r} (known: {known})")
                return None
            return Source(
                given.name or _context_text(self.spec.context[given.context]), context=given.context
            )
        assert isinstance(given, FieldSpec)
        if given.digest is not None:
            return self._digest(key, given, given.name or "digest")
        if given.tag_of is not None:
            return Source(given.name or f"the tag of {given.tag_of}", tag_of=given.tag_of)
        if given.field is not None:
            return self._field_source(key, given.field, given.name)
        return Source(native, constant=given.constant)

    def _path_source(self, key: str, given: FieldSpec | EventTest | Condition) -> Source | None:
        assert given.path is not None
        paths = (given.path,) if isinstance(given.path, str) else given.path
        many = isinstance(given, FieldSpec) and given.many != "one"
        if many and len(paths) > 1:
            self.problem(f"{key}.many", "many reads one path, not a joined one")
            return None
        for text in paths:
            compiled = self.path(f"{key}.path", text)
            if compiled is not None and many:
                self.item_lists[text] = compiled
            elif compiled is not None:
                self.item_paths[text] = compiled
        separator = given.separator if isinstance(given, FieldSpec) else ""
        return Source(given.name or " + ".join(paths), paths=paths, separator=separator, many=many)

    def _field_source(self, key: str, name: str, native: str | None) -> Source | None:
        if name not in CANONICAL or name == "amount":
            self.problem(f"{key}.field", f"{name!r} is not a canonical field another field can read")
            return None
        return Source(native or name, field=name)

    def _digest(self, key: str, given: FieldSpec, native: str) -> Source | None:
        assert given.digest is not None
        spec = given.digest
        target = self.path(f"{key}.digest.of", spec.of)
        parts = [self.path(f"{key}.digest.with.{i}", text) for i, text in enumerate(spec.parts)]
        if target is None or any(p is None for p in parts):
            return None
        reader_key = f"<digest {key}>"
        self.item_paths[reader_key] = Digest(
            reader_key,
            target,
            tuple(p for p in parts if p is not None),
            leave_out=frozenset(spec.leave_out),
            length=spec.length,
            prefix=spec.prefix,
        )
        return Source(native, paths=(reader_key,))

    def run(self) -> CompiledMapping | None:
        self._check_namespaces()
        items = self._items()
        context = {name: self._context(name, text) for name, text in self.spec.context.items()}
        fields = {name: self.field(name, spec) for name, spec in self._canonical_specs()}
        extra = [self.field(f"extra.{name}", spec) for name, spec in self.spec.fields.extra.items()]
        tests = [self.test(f"event.when.{i}", t) for i, t in enumerate(self.spec.event.when)]
        allow_empty = self._allow_empty()
        self.check_needed(fields)
        self.check_references(fields)
        if self.problems or items is None or allow_empty is None:
            return None
        return CompiledMapping(
            spec=self.spec,
            items=items,
            item_paths=self.item_paths,
            item_lists=self.item_lists,
            context_paths={k: v for k, v in context.items() if v is not None},
            fields={k: v for k, v in fields.items() if v is not None},
            tests=tuple(t for t in tests if t is not None),
            otherwise=self.spec.event.otherwise,
            extra=tuple(e for e in extra if e is not None),
            allow_empty=allow_empty,
        )

    def _allow_empty(self) -> bool | JsonPath | XmlPath | None:
        given = self.spec.allow_empty
        return given if isinstance(given, bool) else self.path("allow_empty", given)

    def _canonical_specs(self) -> list[tuple[str, FieldSpec]]:
        return [(n, s) for n in CANONICAL if (s := getattr(self.spec.fields, n)) is not None]

    def _check_namespaces(self) -> None:
        if self.spec.namespaces and self.spec.format != "xml":
            self.problem("namespaces", "only XML mappings use namespaces")
        if self.spec.empty_is_absent and self.spec.format != "json":
            self.problem("empty_is_absent", "XML mappings already read an empty element as absent")
        for prefix in self.spec.namespaces:
            if not _PREFIX.match(prefix):
                self.problem(f"namespaces.{prefix}", "a namespace prefix is a name such as c or camt")

    def _items(self) -> JsonPath | XmlPath | None:
        text = self.spec.items_path
        if _POSITIONAL[self.spec.format].search(text):
            self.problem("items", "select items by name or condition, not by position")
            return None
        return self.path("items", text)

    def _context(self, name: str, text: str | tuple[str, ...]) -> tuple[DocumentPath, ...] | None:
        if not _NAME.match(name):
            self.problem(f"context.{name}", "a context name is a word such as account or currency")
        texts = (text,) if isinstance(text, str) else text
        paths = [self.path(f"context.{name}", t) for t in texts]
        return None if any(p is None for p in paths) else tuple(p for p in paths if p is not None)

    def test(self, key: str, given: EventTest) -> CompiledTest | None:
        source = self.source(key, given, given.path or given.context or "event")
        patterns = [(p, self.regex(f"{key}.patterns", p), o) for p, o in given.patterns.items()]
        when = self.conditions(f"{key}.when", given.when)
        unless = self.conditions(f"{key}.unless", given.unless)
        for i, condition in enumerate((*given.when, *given.unless)):
            if condition.field is not None:
                self.problem(f"{key}.when.{i}.field", "the event rule runs before the fields: test a path")
        if source is None or when is None or unless is None:
            return None
        compiled = tuple((regex, outcome) for _, regex, outcome in patterns if regex is not None)
        return CompiledTest(
            source, dict(given.values), given.missing, given.unknown, compiled, when=when, unless=unless
        )

    def field(self, name: str, given: FieldSpec) -> CompiledField | None:
        key = f"fields.{name}"
        canonical = EXTRA if name.startswith("extra.") else CANONICAL[name]
        if name.startswith("extra.") and not _EXTRA_NAME.match(name[6:]):
            self.problem(key, "an extra field's name is a word such as bank_code or delivery.message_id")
        if given.cases is None:
            return self.leaf(name, given, canonical, key)
        cases = [self.leaf(name, case, canonical, f"{key}.cases.{i}") for i, case in enumerate(given.cases)]
        if any(c is None for c in cases):
            return None
        compiled = tuple(c for c in cases if c is not None)
        self.collect_references(name, compiled)
        native_type = canonical.default_type
        built = CompiledField(
            name=name,
            source=Source(given.name or compiled[0].source.native),
            kind=EXTRA_KINDS[native_type] if canonical is EXTRA else canonical.kind,
            native_type=native_type,
            required=self.required(key, given, canonical),
            default=given.default,
            choices=canonical.choices,
            cases=compiled,
        )
        self.check_default(key, built, given, canonical)
        return built

    def leaf(self, name: str, given: FieldSpec, canonical: Canonical, key: str) -> CompiledField | None:
        source = self.source(key, given, name)
        kind_type = self._type(key, name, given, canonical)
        when = self.conditions(f"{key}.when", given.when)
        unless = self.conditions(f"{key}.unless", given.unless)
        shaping = self.shaping(key, given)
        if source is None or kind_type is None or when is None or unless is None or shaping is None:
            return None
        values = given.values
        if given.ignore_case and values is not None:
            values = {k.casefold(): v for k, v in values.items()}
        built = CompiledField(
            name=name,
            source=source,
            kind=EXTRA_KINDS[kind_type] if canonical is EXTRA else canonical.kind,
            native_type=kind_type,
            required=self.required(key, given, canonical) if ".cases." not in key else False,
            default=given.default,
            values=values,
            otherwise=given.otherwise,
            formats=given.formats,
            zone=self.zone(key, given.timezone),
            sign=given.sign,
            max_length=given.max_length or (256 if given.truncate is None else 100_000),
            choices=canonical.choices,
            when=when,
            unless=unless,
            tag=given.tag,
            many=given.many,
            skip_invalid=given.skip_invalid,
            shaping=shaping,
            ignore_case=given.ignore_case,
            truncate=given.truncate,
        )
        self.check_options(key, built, given, canonical)
        self.collect_references(name, (built,))
        return built

    def _type(self, key: str, name: str, given: FieldSpec, canonical: Canonical) -> FieldType | None:
        chosen: FieldType = given.type or canonical.default_type
        if chosen not in canonical.types:
            self.problem(f"{key}.type", f"{name} takes type {' or '.join(sorted(canonical.types))}")
            return None
        return chosen

    def conditions(self, key: str, given: tuple[Condition, ...]) -> tuple[CompiledCondition, ...] | None:
        found: list[CompiledCondition | None] = []
        for i, condition in enumerate(given):
            found.append(self._condition(f"{key}.{i}", condition))
        return None if any(c is None for c in found) else tuple(c for c in found if c is not None)

    def _condition(self, key: str, given: Condition) -> CompiledCondition | None:
        if given.field is not None:
            if given.field not in CANONICAL or given.field == "amount":
                self.problem(f"{key}.field", f"{given.field!r} is not a canonical field a condition can read")
                return None
            source = None
        else:
            source = self.source(key, given, given.path or given.context or "")
            if source is None:
                return None
        pattern = self.regex(f"{key}.matches", given.matches, ignore_case=given.ignore_case)
        if given.matches is not None and pattern is None:
            return None
        choices = given.choices
        if choices is not None and given.ignore_case:
            choices = tuple(c.casefold() for c in choices)
        return CompiledCondition(
            source=source,
            field=given.field,
            present=given.present,
            choices=frozenset(choices) if choices is not None else None,
            pattern=pattern,
            ignore_case=given.ignore_case,
            kind=given.kind,
        )

    def shaping(self, key: str, given: FieldSpec) -> Shaping | None:
        pattern = self.regex(f"{key}.pattern", given.pattern)
        if given.pattern is not None and pattern is None:
            return None
        keywords = tuple(
            (value, tuple(normalised(word) for word in words))
            for value, words in (given.keywords or {}).items()
        )
        return Shaping(given.normalize_space, pattern, keywords, given.casing)


def _context_text(text: str | tuple[str, ...]) -> str:
    return text if isinstance(text, str) else " | ".join(text)


def compile_mapping(spec: MappingSpec) -> tuple[CompiledMapping | None, list[Problem]]:
    """The runnable mapping, or None and every problem found (each as mapping key and reason)."""
    compiler = _Compiler(spec)
    return compiler.run(), compiler.problems
