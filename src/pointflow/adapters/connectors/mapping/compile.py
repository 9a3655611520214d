"""Checks a validated mapping against the canonical fields and compiles its paths; problems name their key."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pointflow.adapters.connectors.mapping.canonical import CANONICAL, EXTRA, EXTRA_KINDS, Canonical
from pointflow.adapters.connectors.mapping.compiled import (
    CompiledField,
    CompiledMapping,
    CompiledTest,
    Source,
)
from pointflow.adapters.connectors.mapping.convert import Clock, convert
from pointflow.adapters.connectors.mapping.model import EventTest, FieldSpec, FieldType, MappingSpec
from pointflow.adapters.connectors.mapping.paths import DocumentPath, JsonPath, PathError, XmlPath
from pointflow.domain.errors import InvalidEvent

Problem = tuple[str, str]
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
# `delivery.<name>` marks an extra that describes the message, not the posting (kept out of the event hash).
_EXTRA_NAME = re.compile(r"^(delivery\.)?[A-Za-z_][A-Za-z0-9_]{0,63}$")
_PREFIX = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")
_OFFSET = re.compile(r"^([+-])([01][0-9]|2[0-3]):([0-5][0-9])$")
_DIRECTIVES = frozenset("aAwdbBmyYHIpMSfzjUWcxXGuVZ%")
# The raw of each item holds that item alone, so an items path that picks by position would pick
# differently when the raw is replayed.
_POSITIONAL = {
    "json": re.compile(r"\[\s*-?\d|:\s*\]|\[\s*:"),
    "xml": re.compile(r"\[\s*\d|position\s*\(|last\s*\(|(preceding|following)(-sibling)?\s*::"),
}
_REVERSALS = {"reversal", "refund", "chargeback"}
_CHECK_CLOCK = Clock(lambda: datetime.max.replace(tzinfo=UTC), 0)


class _Compiler:
    def __init__(self, spec: MappingSpec) -> None:
        self.spec = spec
        self.problems: list[Problem] = []
        self.item_paths: dict[str, DocumentPath] = {}

    def problem(self, key: str, message: str) -> None:
        self.problems.append((key, message))

    def path(self, key: str, text: str) -> JsonPath | XmlPath | None:
        try:
            if self.spec.format == "json":
                return JsonPath(text)
            return XmlPath(text, self.spec.namespaces)
        except PathError as error:
            self.problem(key, str(error))
            return None

    def source(self, key: str, given: FieldSpec | EventTest, name: str) -> Source | None:
        if given.path is not None:
            paths = (given.path,) if isinstance(given.path, str) else given.path
            for text in paths:
                compiled = self.path(f"{key}.path", text)
                if compiled is not None:
                    self.item_paths[text] = compiled
            separator = given.separator if isinstance(given, FieldSpec) else ""
            return Source(" + ".join(paths), paths=paths, separator=separator)
        if given.context is not None:
            if given.context not in self.spec.context:
                known = ", ".join(self.spec.context) or "none"
                self.problem(f"{key}.context", f"no context value named {given.context!r} (known: {known})")
                return None
            return Source(self.spec.context[given.context], context=given.context)
        assert isinstance(given, FieldSpec)
        return Source(name, constant=given.constant)

    def run(self) -> CompiledMapping | None:
        self._check_namespaces()
        items = self._items()
        context = {name: self._context(name, text) for name, text in self.spec.context.items()}
        fields = {name: self.field(name, spec) for name, spec in self._canonical_specs()}
        extra = [self.field(f"extra.{name}", spec) for name, spec in self.spec.fields.extra.items()]
        tests = [self.test(f"event.when.{i}", t) for i, t in enumerate(self.spec.event.when)]
        self._check_needed(fields)
        if self.problems or items is None:
            return None
        return CompiledMapping(
            spec=self.spec,
            items=items,
            item_paths=self.item_paths,
            context_paths={k: v for k, v in context.items() if v is not None},
            fields={k: v for k, v in fields.items() if v is not None},
            tests=tuple(t for t in tests if t is not None),
            otherwise=self.spec.event.otherwise,
            extra=tuple(e for e in extra if e is not None),
        )

    def _canonical_specs(self) -> list[tuple[str, FieldSpec]]:
        return [(n, s) for n in CANONICAL if (s := getattr(self.spec.fields, n)) is not None]

    def _check_namespaces(self) -> None:
        if self.spec.namespaces and self.spec.format != "xml":
            self.problem("namespaces", "only XML mappings use namespaces")
        for prefix in self.spec.namespaces:
            if not _PREFIX.match(prefix):
                self.problem(f"namespaces.{prefix}", "a namespace prefix is a name such as c or camt")

    def _items(self) -> JsonPath | XmlPath | None:
        text = self.spec.items_path
        if _POSITIONAL[self.spec.format].search(text):
            self.problem("items", "select items by name or condition, not by position")
            return None
        return self.path("items", text)

    def _context(self, name: str, text: str) -> DocumentPath | None:
        if not _NAME.match(name):
            self.problem(f"context.{name}", "a context name is a word such as account or currency")
        return self.path(f"context.{name}", text)

    def test(self, key: str, given: EventTest) -> CompiledTest | None:
        source = self.source(key, given, "event")
        if source is None:
            return None
        return CompiledTest(source, dict(given.values), given.missing, given.unknown)

    def field(self, name: str, given: FieldSpec) -> CompiledField | None:
        key = f"fields.{name}"
        canonical = EXTRA if name.startswith("extra.") else CANONICAL[name]
        if name.startswith("extra.") and not _EXTRA_NAME.match(name[6:]):
            self.problem(key, "an extra field's name is a word such as bank_code or delivery.message_id")
        source = self.source(key, given, name)
        kind_type = self._type(key, name, given, canonical)
        if source is None or kind_type is None:
            return None
        built = CompiledField(
            name=name,
            source=source,
            kind=EXTRA_KINDS[kind_type] if canonical is EXTRA else canonical.kind,
            native_type=kind_type,
            required=self._required(key, given, canonical),
            default=given.default,
            values=given.values,
            otherwise=given.otherwise,
            formats=given.formats,
            zone=self._zone(key, given.timezone),
            sign=given.sign,
            max_length=given.max_length or 256,
            choices=canonical.choices,
        )
        self._check_options(key, built, given, canonical)
        return built

    def _type(self, key: str, name: str, given: FieldSpec, canonical: Canonical) -> FieldType | None:
        chosen: FieldType = given.type or canonical.default_type
        if chosen not in canonical.types:
            self.problem(f"{key}.type", f"{name} takes type {' or '.join(sorted(canonical.types))}")
            return None
        return chosen

    def _required(self, key: str, given: FieldSpec, canonical: Canonical) -> bool:
        if canonical.needed == "optional":
            return bool(given.required)
        if given.required is False and given.default is None:
            self.problem(f"{key}.required", "this canonical field cannot be left out; give a default instead")
        return True

    def _zone(self, key: str, name: str | None) -> tzinfo | None:
        if name is None:
            return None
        if name in ("UTC", "Z"):
            return UTC
        if offset := _OFFSET.match(name):
            sign = -1 if offset[1] == "-" else 1
            return timezone(sign * timedelta(hours=int(offset[2]), minutes=int(offset[3])))
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            self.problem(f"{key}.timezone", f"{name!r} is not UTC, an offset like +05:30 or an IANA zone")
            return None

    def _check_options(self, key: str, built: CompiledField, given: FieldSpec, canonical: Canonical) -> None:
        if (given.constant or given.default) and not canonical.fixed_ok:
            self.problem(key, "this field cannot have a constant or a default")
        if given.sign != "positive" and built.name != "amount":
            self.problem(f"{key}.sign", "only the amount has a sign")
        if (given.formats or given.timezone) and built.native_type not in ("date", "datetime"):
            self.problem(f"{key}.formats", "formats and timezone are for type date or datetime")
        for pattern in given.formats:
            if not re.search("%", pattern) or set(re.findall(r"%(.)", pattern)) - _DIRECTIVES:
                self.problem(f"{key}.formats", f"{pattern!r} is not a strptime format such as %Y-%m-%d")
        if given.values is not None and built.kind in ("amount", "instant", "day"):
            self.problem(f"{key}.values", "value tables are for text, codes and enums")
        if given.otherwise is not None and given.values is None:
            self.problem(f"{key}.otherwise", "otherwise says what an unlisted value means: give values too")
        if given.constant is not None and given.values is not None:
            self.problem(f"{key}.values", "a constant is already canonical: it needs no value table")
        self._check_fixed(key, built, given)

    def _check_fixed(self, key: str, built: CompiledField, given: FieldSpec) -> None:
        """Constants, defaults and the targets of a value table are canonical values: they must convert."""
        fixed = {"constant": given.constant, "default": given.default, "otherwise": given.otherwise}
        fixed.update({f"values.{k}": v for k, v in (given.values or {}).items()})
        for option, value in fixed.items():
            if value is None or built.kind in ("amount", "instant", "day"):
                continue
            named = dataclasses.replace(built, source=Source(f"{key}.{option}"), native_type="text")
            try:
                convert(named, value, _CHECK_CLOCK)
            except InvalidEvent as error:
                self.problem(f"{key}.{option}", error.detail)

    def _check_needed(self, fields: dict[str, CompiledField | None]) -> None:
        outcomes = self._outcomes()
        if "posted" in outcomes and self.spec.fields.account_id is None:
            self.problem("fields.account_id", "required: the event rule can yield posted transactions")
        if outcomes & _REVERSALS and self.spec.fields.original_source_id is None:
            self.problem("fields.original_source_id", "required: the event rule can yield reversals")
        amount = fields.get("amount")
        if amount is not None and amount.sign.startswith("negative") and self.spec.fields.direction:
            self.problem("fields.amount.sign", "the sign sets the direction: leave fields.direction out")

    def _outcomes(self) -> set[str]:
        found: set[str] = {self.spec.event.otherwise}
        for t in self.spec.event.when:
            found |= {t.missing, t.unknown, *t.values.values()}
        return found


def compile_mapping(spec: MappingSpec) -> tuple[CompiledMapping | None, list[Problem]]:
    """The runnable mapping, or None and every problem found (each as mapping key and reason)."""
    compiler = _Compiler(spec)
    return compiler.run(), compiler.problems
