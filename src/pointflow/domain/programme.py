"""The loyalty programme file as immutable, validated models: rules, tiers, lots, rewards, limits.

`parse_programme` turns a plain mapping (from YAML or JSON) into a `Programme`, or raises
`ProgrammeInvalid` listing every problem as a `(field_path, reason)` pair such as
`("rules.2.multiplier", "required for a rule of kind multiplier")`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from pointflow.domain.events import Channel, Direction, TransactionType
from pointflow.domain.expiry import add_months as add_months
from pointflow.domain.expiry import expiry_date as expiry_date
from pointflow.domain.message_config import MessagesConfig
from pointflow.domain.money import Mcc, check_currency

if TYPE_CHECKING:
    from pointflow.domain.offer_programme import OfferProgramme

_SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")


def _mcc(value: object) -> Mcc:
    if isinstance(value, int):  # YAML reads an unquoted 0742 as octal: insist on quotes
        raise ValueError(f'write the MCC {value} as a quoted four-digit string, e.g. "5812"')
    if not isinstance(value, str) or len(value) != 4 or not (value.isascii() and value.isdigit()):
        raise ValueError(f"{value!r} is not a merchant category code (four digits)")
    return Mcc(value)


def _slug(value: str) -> str:
    if len(value) > 64 or not _SLUG.fullmatch(value):
        raise ValueError(f"{value!r} is not an id: use a-z, 0-9, '-' and '_' (at most 64)")
    return value


def _country(value: str) -> str:
    if len(value) != 2 or not value.isascii() or not value.isupper():
        raise ValueError(f"{value!r} is not an ISO 3166 alpha-2 country code such as US")
    return value


MccCode = Annotated[str, BeforeValidator(_mcc)]
Slug = Annotated[str, AfterValidator(_slug)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
CountryCode = Annotated[str, AfterValidator(_country)]
CapPeriod = Literal["day", "week", "month", "quarter", "year", "lifetime"]
ExpiryPeriod = Literal["month", "quarter", "year"]
FieldError = tuple[str, str]


class ProgrammeInvalid(ValueError):
    """A programme that cannot be used, with every problem as a (field_path, reason) pair."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors: list[FieldError] = list(errors)
        listed = "; ".join(f"{path}: {reason}" if path else reason for path, reason in self.errors)
        super().__init__(f"invalid programme: {listed}")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MccRange(_Model):
    start: MccCode
    end: MccCode

    @model_validator(mode="after")
    def _ordered(self) -> MccRange:
        if self.start > self.end:
            raise ProgrammeInvalid([("end", f"range end {self.end} is before its start {self.start}")])
        return self


class Category(_Model):
    """A named group of merchant category codes: listed MCCs, MCC ranges and ISO 18245 ranges."""

    mccs: tuple[MccCode, ...] = ()
    mcc_ranges: tuple[MccRange, ...] = ()
    iso_ranges: tuple[Name, ...] = ()

    @model_validator(mode="after")
    def _not_empty(self) -> Category:
        if not (self.mccs or self.mcc_ranges or self.iso_ranges):
            raise ProgrammeInvalid([("", "a category needs at least one MCC, MCC range or ISO range")])
        return self


class Condition(_Model):
    """What a transaction must look like: every given field must hold; an empty one matches all."""

    directions: tuple[Direction, ...] = ()
    transaction_types: tuple[TransactionType, ...] = ()
    mccs: tuple[MccCode, ...] = ()
    mcc_ranges: tuple[MccRange, ...] = ()
    categories: tuple[str, ...] = ()
    iso_ranges: tuple[Name, ...] = ()
    channels: tuple[Channel, ...] = ()
    min_amount: Decimal | None = Field(default=None, ge=0)
    max_amount: Decimal | None = Field(default=None, ge=0)
    international: bool | None = None
    tiers: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _amounts_ordered(self) -> Condition:
        low, high = self.min_amount, self.max_amount
        if low is not None and high is not None and low > high:
            raise ProgrammeInvalid([("max_amount", f"{high} is below min_amount {low}")])
        return self


class Cap(_Model):
    """The most points one rule may give one member in a period."""

    points: int = Field(gt=0)
    period: CapPeriod


class EarnRule(_Model):
    id: Slug
    description: Name
    kind: Literal["multiplier", "bonus", "exclusion"]
    when: Condition
    priority: int = 0
    stop: bool = False
    multiplier: Decimal | None = Field(default=None, gt=0)
    bonus_points: int | None = Field(default=None, gt=0)
    bonus_per_unit: Decimal | None = Field(default=None, gt=0)
    cap: Cap | None = None
    valid_from: AwareDatetime | None = None
    valid_to: AwareDatetime | None = None

    @model_validator(mode="after")
    def _consistent(self) -> EarnRule:
        errors = [*_kind_errors(self), *_window_errors(self)]
        if errors:
            raise ProgrammeInvalid(errors)
        return self

    def active_at(self, at: datetime) -> bool:
        """True when valid_from ≤ at < valid_to (a missing bound is open)."""
        starts, ends = self.valid_from, self.valid_to
        return (starts is None or starts <= at) and (ends is None or at < ends)


_KIND_FIELDS: dict[str, frozenset[str]] = {
    "multiplier": frozenset({"multiplier"}),
    "bonus": frozenset({"bonus_points", "bonus_per_unit"}),
    "exclusion": frozenset(),
}


def _kind_errors(rule: EarnRule) -> Iterator[FieldError]:
    allowed = _KIND_FIELDS[rule.kind]
    for name in ("multiplier", "bonus_points", "bonus_per_unit"):
        if getattr(rule, name) is not None and name not in allowed:
            yield name, f"not allowed on a rule of kind {rule.kind}"
    if rule.kind == "multiplier" and rule.multiplier is None:
        yield "multiplier", "required for a rule of kind multiplier"
    if rule.kind == "bonus" and rule.bonus_points is None and rule.bonus_per_unit is None:
        yield "bonus_points", "a bonus rule needs bonus_points, bonus_per_unit or both"
    if rule.kind == "exclusion":
        yield from _exclusion_errors(rule)
    if rule.multiplier is not None and rule.multiplier < 1 and rule.cap is not None:
        yield "cap", "a multiplier below 1 reduces points, so a cap on it means nothing"


def _exclusion_errors(rule: EarnRule) -> Iterator[FieldError]:
    if rule.cap is not None:
        yield "cap", "an exclusion earns nothing, so it cannot have a cap"
    if rule.stop:
        yield "stop", "an exclusion already stops all earning; remove stop"


def _window_errors(rule: EarnRule) -> Iterator[FieldError]:
    starts, ends = rule.valid_from, rule.valid_to
    if starts is not None and ends is not None and starts >= ends:
        yield "valid_to", f"{ends.isoformat()} is not after valid_from {starts.isoformat()}"


class EarningPolicy(_Model):
    base_rate: Decimal = Field(ge=0)
    base_applies_to: Condition
    multiplier_mode: Literal["priority", "sum"] = "priority"


class Tier(_Model):
    name: Name
    min_qualifying_points: int = Field(ge=0)
    multiplier: Decimal = Field(ge=1)


class Expiry(_Model):
    """When earned points expire: rolling months after earning, at the end of a period, or never."""

    policy: Literal["rolling_months", "end_of_period", "never"]
    months: int | None = Field(default=None, gt=0)
    period: ExpiryPeriod | None = None
    periods_after: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _fields_fit_policy(self) -> Expiry:
        errors = list(_expiry_errors(self))
        if errors:
            raise ProgrammeInvalid(errors)
        return self


def _expiry_errors(expiry: Expiry) -> Iterator[FieldError]:
    rolling, periodic = expiry.policy == "rolling_months", expiry.policy == "end_of_period"
    if rolling != (expiry.months is not None):
        yield "months", f"{'required' if rolling else 'not allowed'} with policy {expiry.policy}"
    if periodic != (expiry.period is not None):
        yield "period", f"{'required' if periodic else 'not allowed'} with policy {expiry.policy}"
    if not periodic and expiry.periods_after:
        yield "periods_after", f"only allowed with policy end_of_period, not {expiry.policy}"


class LotPolicy(_Model):
    pending_days: int = Field(default=0, ge=0)
    expiry: Expiry


class Reward(_Model):
    id: Slug
    name: Name
    kind: Literal["travel", "cashback", "merchandise", "partner_voucher"]
    points: int = Field(gt=0)
    value: Decimal = Field(ge=0)
    partner: Name | None = None
    active: bool = True

    @model_validator(mode="after")
    def _voucher_has_partner(self) -> Reward:
        if self.kind == "partner_voucher" and self.partner is None:
            raise ProgrammeInvalid([("partner", "a partner_voucher reward needs its partner")])
        return self


class Limits(_Model):
    max_transaction_amount: Decimal = Field(default=Decimal(1_000_000), gt=0)
    max_future_skew_hours: int = Field(default=24, ge=0)
    max_batch_events: int = Field(default=1000, gt=0)
    max_body_bytes: int = Field(default=1_048_576, gt=0)


class Programme(_Model):
    id: Slug
    name: Name
    currency: str
    home_country: CountryCode
    value_per_point: Decimal = Field(ge=0)
    earning: EarningPolicy
    categories: dict[Slug, Category] = Field(default_factory=dict)
    rules: tuple[EarnRule, ...] = ()
    tiers: tuple[Tier, ...] = Field(min_length=1)
    lots: LotPolicy
    rewards: tuple[Reward, ...] = ()
    limits: Limits = Field(default_factory=Limits)
    messages: MessagesConfig = Field(default_factory=MessagesConfig)
    offers: OfferProgramme | None = None  # next-best offers (domain/offer_programme.py)

    @field_validator("currency")
    @classmethod
    def _iso_currency(cls, code: str) -> str:
        return check_currency(code)

    @model_validator(mode="after")
    def _cross_references(self) -> Programme:
        errors = [*_duplicate_ids(self), *_tier_errors(self.tiers), *_reference_errors(self)]
        errors += _sum_mode_errors(self)
        if self.offers is not None:
            errors += self.offers.reference_errors(set(self.categories), {r.id for r in self.rewards})
        if errors:
            raise ProgrammeInvalid(errors)
        return self

    def tier(self, name: str) -> Tier:
        """The tier of that name, or the first (entry) tier when the name is unknown."""
        return next((tier for tier in self.tiers if tier.name == name), self.tiers[0])

    def content_hash(self) -> str:
        """sha256 of the canonical JSON of the programme: equal content, equal hash."""
        canonical = json.dumps(self.model_dump(), sort_keys=True, separators=(",", ":"), default=_canonical)
        return hashlib.sha256(canonical.encode()).hexdigest()


def _canonical(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _duplicate_ids(programme: Programme) -> Iterator[FieldError]:
    yield from _duplicates("rules", [rule.id for rule in programme.rules])
    yield from _duplicates("rewards", [reward.id for reward in programme.rewards])


def _duplicates(field: str, ids: Sequence[str]) -> Iterator[FieldError]:
    for index, item_id in enumerate(ids):
        if item_id in ids[:index]:
            yield f"{field}.{index}.id", f"duplicate id {item_id!r}"


def _tier_errors(tiers: Sequence[Tier]) -> Iterator[FieldError]:
    if tiers[0].min_qualifying_points != 0:
        yield "tiers.0.min_qualifying_points", "the first tier must start at 0"
    for index in range(1, len(tiers)):
        before, tier = tiers[index - 1], tiers[index]
        if tier.min_qualifying_points <= before.min_qualifying_points:
            yield (
                f"tiers.{index}.min_qualifying_points",
                f"must be above {before.min_qualifying_points} of tier {before.name!r}",
            )
        if any(other.name == tier.name for other in tiers[:index]):
            yield f"tiers.{index}.name", f"duplicate tier name {tier.name!r}"


def _reference_errors(programme: Programme) -> Iterator[FieldError]:
    tiers = {tier.name for tier in programme.tiers}
    categories = set(programme.categories)
    conditions = [("earning.base_applies_to", programme.earning.base_applies_to)]
    conditions += [(f"rules.{i}.when", rule.when) for i, rule in enumerate(programme.rules)]
    for path, condition in conditions:
        yield from _unknown_names(f"{path}.categories", condition.categories, categories, "category")
        yield from _unknown_names(f"{path}.tiers", condition.tiers, tiers, "tier")


def _unknown_names(path: str, names: Sequence[str], known: set[str], what: str) -> Iterator[FieldError]:
    for index, name in enumerate(names):
        if name not in known:
            defined = ", ".join(sorted(known)) or "none"
            yield f"{path}.{index}", f"unknown {what} {name!r} (defined: {defined})"


def _sum_mode_errors(programme: Programme) -> list[FieldError]:
    if programme.earning.multiplier_mode != "sum":
        return []
    return [
        (f"rules.{index}.multiplier", "multipliers below 1 are only allowed in priority mode")
        for index, rule in enumerate(programme.rules)
        if rule.multiplier is not None and rule.multiplier < 1
    ]


def parse_programme(data: Mapping[str, object]) -> Programme:
    """Validate a plain mapping as a programme, or raise ProgrammeInvalid naming each field."""
    if not isinstance(data, Mapping):
        raise ProgrammeInvalid([("<root>", "a programme must be a mapping of fields")])
    try:
        return Programme.model_validate(data)
    except ValidationError as exc:
        raise ProgrammeInvalid(list(_field_errors(exc))) from None


def _field_errors(exc: ValidationError) -> Iterator[FieldError]:
    for error in exc.errors():
        prefix = ".".join(str(part) for part in error["loc"])
        nested = error.get("ctx", {}).get("error")
        if isinstance(nested, ProgrammeInvalid):
            for path, reason in nested.errors:
                yield ".".join(part for part in (prefix, path) if part) or "<root>", reason
        else:
            yield prefix or "<root>", error["msg"].removeprefix("Value error, ")


# The offers section refers to Condition above; it rebuilds Programme once it is defined.
import pointflow.domain.offer_programme  # noqa: E402, F401
