"""The checks a mapping's options must pass at load: each problem is the mapping key and the reason."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pointflow.adapters.connectors.mapping.canonical import CANONICAL, Canonical
from pointflow.adapters.connectors.mapping.compiled import CompiledField, Source
from pointflow.adapters.connectors.mapping.convert import Clock, convert
from pointflow.adapters.connectors.mapping.model import FieldSpec, MappingSpec
from pointflow.domain.errors import InvalidEvent

Problem = tuple[str, str]
_OFFSET = re.compile(r"^([+-])([01][0-9]|2[0-3]):([0-5][0-9])$")
_DIRECTIVES = frozenset("aAwdbBmyYHIpMSfzjUWcxXGuVZ%")
_REVERSALS = {"reversal", "refund", "chargeback"}
_CHECK_CLOCK = Clock(lambda: datetime.max.replace(tzinfo=UTC), 0)
_FIXED_KINDS = ("amount", "instant", "day")  # whose values a table or constant cannot give
_TEXT_KINDS = ("text", "extra")


class Checks:
    """Problem collection and the option checks the compiler runs on every field and case."""

    def __init__(self, spec: MappingSpec) -> None:
        self.spec = spec
        self.problems: list[Problem] = []
        self.references: dict[str, set[str]] = {}  # field → canonical fields its conditions read
        self.tags_of: dict[str, str] = {}  # extra → canonical field whose case tag it reads
        self.with_cases: set[str] = set()

    def problem(self, key: str, message: str) -> None:
        self.problems.append((key, message))

    def regex(self, key: str, text: str | None, *, ignore_case: bool = False) -> re.Pattern[str] | None:
        if text is None:
            return None
        try:
            return re.compile(text, re.IGNORECASE if ignore_case else 0)
        except re.error as error:
            self.problem(key, f"{text!r} is not a regular expression: {error}")
            return None

    def required(self, key: str, given: FieldSpec, canonical: Canonical) -> bool:
        if canonical.needed == "optional":
            return bool(given.required)
        if given.required is False and given.default is None:
            self.problem(f"{key}.required", "this canonical field cannot be left out; give a default instead")
        return True

    def zone(self, key: str, name: str | None) -> tzinfo | None:
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

    def check_options(self, key: str, built: CompiledField, given: FieldSpec, canonical: Canonical) -> None:
        if (given.constant or given.default) and not canonical.fixed_ok:
            self.problem(key, "this field cannot have a constant or a default")
        if given.sign != "positive" and built.name != "amount":
            self.problem(f"{key}.sign", "only the amount has a sign")
        if (given.formats or given.timezone) and built.native_type not in ("date", "datetime"):
            self.problem(f"{key}.formats", "formats and timezone are for type date or datetime")
        for pattern in given.formats:
            if not re.search("%", pattern) or set(re.findall(r"%(.)", pattern)) - _DIRECTIVES:
                self.problem(f"{key}.formats", f"{pattern!r} is not a strptime format such as %Y-%m-%d")
        if (given.values is not None or given.keywords) and built.kind in _FIXED_KINDS:
            self.problem(f"{key}.values", "value tables are for text, codes and enums")
        if given.otherwise is not None and given.values is None:
            self.problem(f"{key}.otherwise", "otherwise says what an unlisted value means: give values too")
        if given.ignore_case and given.values is None:
            self.problem(f"{key}.ignore_case", "ignore_case is for a value table: give values too")
        if given.constant is not None and given.values is not None:
            self.problem(f"{key}.values", "a constant is already canonical: it needs no value table")
        self._check_shapes(key, built, given)
        self._check_fixed(key, built, given)

    def _check_shapes(self, key: str, built: CompiledField, given: FieldSpec) -> None:
        in_case = ".cases." in key
        if given.tag is not None and not in_case:
            self.problem(f"{key}.tag", "a tag names a case: put it on one of a field's cases")
        if given.tag_of is not None and not built.name.startswith("extra."):
            self.problem(f"{key}.tag_of", "tag_of is for extra fields")
        elif given.tag_of is not None:
            self.tags_of[key] = given.tag_of
        if given.truncate is not None and built.kind not in _TEXT_KINDS:
            self.problem(f"{key}.truncate", "truncate is for text")
        if given.many != "one" and given.path is None:
            self.problem(f"{key}.many", "many reads a path")
        if given.default is not None and in_case:
            self.problem(f"{key}.default", "a default goes on the field, after all its cases")

    def check_default(self, key: str, built: CompiledField, given: FieldSpec, canonical: Canonical) -> None:
        """The options a field with cases keeps: its default must be a canonical value."""
        self.with_cases.add(built.name)
        if given.default is not None and not canonical.fixed_ok:
            self.problem(key, "this field cannot have a constant or a default")
        self._check_fixed(key, built, given)

    def _check_fixed(self, key: str, built: CompiledField, given: FieldSpec) -> None:
        """Constants, defaults and the targets of a table are canonical values: they must convert."""
        fixed = {"constant": given.constant, "default": given.default, "otherwise": given.otherwise}
        fixed.update({f"values.{k}": v for k, v in (given.values or {}).items()})
        fixed.update({f"keywords.{k}": k for k in (given.keywords or {})})
        for option, value in fixed.items():
            if value is None or built.kind in _FIXED_KINDS:
                continue
            named = dataclasses.replace(built, source=Source(f"{key}.{option}"), native_type="text")
            try:
                convert(named, value, _CHECK_CLOCK)
            except InvalidEvent as error:
                self.problem(f"{key}.{option}", error.detail)

    def collect_references(self, name: str, fields: tuple[CompiledField, ...]) -> None:
        found = self.references.setdefault(name, set())
        for field in fields:
            found.update(c.field for c in (*field.when, *field.unless) if c.field is not None)
            found.update(f for f in (field.source.field, field.source.tag_of) if f is not None)

    def check_references(self, fields: dict[str, CompiledField | None]) -> None:
        """Conditions may read other canonical fields, but never in a circle; tags come from cases."""
        for name in self.references:
            if self._circular(name):
                self.problem(f"fields.{name}", "its conditions read fields that read it back (a circle)")
        amount = fields.get("amount")
        if amount is not None and amount.sign.startswith("negative"):
            for name, read in self.references.items():
                if "direction" in read:
                    self.problem(f"fields.{name}", "the direction comes from the amount's sign: test amount")
        for key, target in self.tags_of.items():
            if target not in CANONICAL or target not in self.with_cases:
                self.problem(f"{key}.tag_of", f"{target!r} is not a canonical field with cases")

    def _circular(self, start: str) -> bool:
        seen: set[str] = set()
        pending = list(self.references.get(start, ()))
        while pending:
            name = pending.pop()
            if name == start:
                return True
            if name not in seen:
                seen.add(name)
                pending.extend(self.references.get(name, ()))
        return False

    def check_needed(self, fields: dict[str, CompiledField | None]) -> None:
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
            found |= {t.missing, t.unknown, *t.values.values(), *t.patterns.values()}
        return found
