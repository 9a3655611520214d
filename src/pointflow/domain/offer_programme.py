"""The `offers` section of the programme file: triggers, the offer catalogue, contact policy, guardrails,
approval, campaigns with budgets and rollout modes, as immutable validated models."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from pointflow.domain import programme
from pointflow.domain.programme import CapPeriod, Condition, FieldError, ProgrammeInvalid

OfferKind = Literal[
    "bonus_points", "category_multiplier", "cashback", "discounted_redemption", "cross_sell", "partner"
]
ContactChannel = Literal["email", "push", "webhook"]
RolloutMode = Literal["shadow", "pilot", "live"]
TriggerKind = Literal[
    "transaction", "category_pattern", "points_balance", "tenure_anniversary", "score", "points_expiring",
    "schedule",
]  # fmt: skip
Share = Annotated[float, Field(ge=0, le=1)]


def _offer_slug(value: str) -> str:
    if not value or len(value) > 48 or not all((c.isalnum() and c.isascii()) or c in "-_" for c in value):
        raise ValueError(f"{value!r} is not an id: use a-z, 0-9, '-' and '_' (at most 48)")
    if value != value.lower():
        raise ValueError(f"{value!r} is not an id: use lower case")
    return value


OfferSlug = Annotated[str, AfterValidator(_offer_slug)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Rollout(_Model):
    """Shadow records decisions only; pilot issues to a hashed share and/or segments; live to all."""

    mode: RolloutMode = "shadow"
    pilot_share: Share = 0.0
    pilot_segments: tuple[Text, ...] = ()

    @model_validator(mode="after")
    def _pilot_has_members(self) -> Rollout:
        if self.mode == "pilot" and self.pilot_share == 0 and not self.pilot_segments:
            raise ProgrammeInvalid([("pilot_share", "a pilot needs a pilot_share above 0 or pilot_segments")])
        return self


class Trigger(_Model):
    """What makes a member a candidate for offers, and which offers it proposes."""

    id: OfferSlug
    kind: TriggerKind
    offers: tuple[OfferSlug, ...] = Field(min_length=1)
    when: Condition | None = None  # transaction
    category: OfferSlug | None = None  # category_pattern
    min_count: int | None = Field(default=None, gt=0)  # category_pattern
    within_days: int | None = Field(default=None, gt=0)  # category_pattern, points_expiring
    at_least: int | None = Field(default=None, gt=0)  # points_balance, points_expiring (points)
    score: Literal["churn", "propensity"] | None = None  # score
    threshold: Share | None = None  # score
    every: Literal["week", "month"] | None = None  # schedule

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> Trigger:
        errors = list(_trigger_errors(self))
        if errors:
            raise ProgrammeInvalid(errors)
        return self


_TRIGGER_FIELDS: dict[str, frozenset[str]] = {
    "transaction": frozenset({"when"}),
    "category_pattern": frozenset({"category", "min_count", "within_days"}),
    "points_balance": frozenset({"at_least"}),
    "tenure_anniversary": frozenset(),
    "score": frozenset({"score", "threshold"}),
    "points_expiring": frozenset({"within_days", "at_least"}),
    "schedule": frozenset({"every"}),
}
_OPTIONAL_TRIGGER_FIELDS = (
    "when",
    "category",
    "min_count",
    "within_days",
    "at_least",
    "score",
    "threshold",
    "every",
)


def _trigger_errors(trigger: Trigger) -> Iterator[FieldError]:
    needed = _TRIGGER_FIELDS[trigger.kind]
    for name in _OPTIONAL_TRIGGER_FIELDS:
        given = getattr(trigger, name) is not None
        if given and name not in needed:
            yield name, f"not allowed on a trigger of kind {trigger.kind}"
        elif not given and name in needed:
            yield name, f"required for a trigger of kind {trigger.kind}"


class Eligibility(_Model):
    """Who may receive an offer; an empty field does not restrict."""

    tiers: tuple[Text, ...] = ()
    segments: tuple[Text, ...] = ()
    min_tenure_days: int = Field(default=0, ge=0)
    min_points_balance: int = Field(default=0, ge=0)
    max_churn_score: Share | None = None


class OfferDefinition(_Model):
    """A catalogue offer: its terms, what it is worth to the member and what it costs the bank."""

    id: OfferSlug
    kind: OfferKind
    description: Text
    campaign: OfferSlug
    value_to_member: Decimal = Field(gt=0)  # in the programme's currency, if the member takes it
    cost_to_bank: Decimal = Field(ge=0)  # money the bank pays if taken (cashback, partner fee), not points
    expected_points: int = Field(default=0, ge=0)  # points the offer adds to the liability if taken
    validity_days: int = Field(gt=0, le=366)
    channels: tuple[ContactChannel, ...] = Field(default=("email",), min_length=1)
    lever: float = Field(default=1.0, ge=0, le=10)  # a business lever the marketing team may set
    eligibility: Eligibility = Field(default_factory=Eligibility)
    points: int | None = Field(default=None, gt=0)  # bonus_points, cross_sell
    category: OfferSlug | None = None  # category_multiplier, cashback (optional)
    multiplier: Decimal | None = Field(default=None, gt=1, le=20)  # category_multiplier
    cashback_percent: Decimal | None = Field(default=None, gt=0, le=100)  # cashback
    reward: OfferSlug | None = None  # discounted_redemption
    discount_percent: Decimal | None = Field(default=None, gt=0, lt=100)  # discounted_redemption
    product: Text | None = None  # cross_sell
    partner: Text | None = None  # partner

    @model_validator(mode="after")
    def _terms_fit_kind(self) -> OfferDefinition:
        errors = list(_offer_errors(self))
        if errors:
            raise ProgrammeInvalid(errors)
        return self


_OFFER_REQUIRED: dict[str, frozenset[str]] = {
    "bonus_points": frozenset({"points"}),
    "category_multiplier": frozenset({"category", "multiplier"}),
    "cashback": frozenset({"cashback_percent"}),
    "discounted_redemption": frozenset({"reward", "discount_percent"}),
    "cross_sell": frozenset({"product", "points"}),
    "partner": frozenset({"partner"}),
}
_OFFER_ALLOWED: dict[str, frozenset[str]] = {
    **_OFFER_REQUIRED,
    "cashback": frozenset({"cashback_percent", "category"}),
}
_TERMS = (
    "points",
    "category",
    "multiplier",
    "cashback_percent",
    "reward",
    "discount_percent",
    "product",
    "partner",
)


def _offer_errors(offer: OfferDefinition) -> Iterator[FieldError]:
    required, allowed = _OFFER_REQUIRED[offer.kind], _OFFER_ALLOWED[offer.kind]
    for name in _TERMS:
        given = getattr(offer, name) is not None
        if given and name not in allowed:
            yield name, f"not allowed on an offer of kind {offer.kind}"
        elif not given and name in required:
            yield name, f"required for an offer of kind {offer.kind}"
    if offer.points is not None and offer.expected_points < offer.points:
        yield "expected_points", f"at least the offer's {offer.points} points, which it adds to the liability"


class ContactPolicy(_Model):
    """How often a member may be contacted, and who must not be."""

    max_per_period: int = Field(default=2, gt=0)
    period: CapPeriod = "week"
    max_per_channel: dict[ContactChannel, int] = Field(default_factory=dict)
    cooldown_days_after_ignored: int = Field(default=14, ge=0)
    suppression_lists: tuple[OfferSlug, ...] = ()


class TypeCap(_Model):
    """What regulation or policy allows for one kind of offer."""

    max_points: int | None = Field(default=None, gt=0)
    max_multiplier: Decimal | None = Field(default=None, gt=1)
    max_cashback_percent: Decimal | None = Field(default=None, gt=0, le=100)
    max_value: Decimal | None = Field(default=None, gt=0)
    max_issued_per_period: int | None = Field(default=None, gt=0)
    period: CapPeriod = "month"


class Guardrails(_Model):
    member_liability_cap_points: int = Field(gt=0)  # open offers' points + balance, per member
    breakage_rate: Share = 0.0  # share of offered points expected never to be redeemed
    type_caps: dict[OfferKind, TypeCap] = Field(default_factory=dict)
    max_offers_per_member_per_period: int = Field(default=4, gt=0)  # frequency cap over all channels
    frequency_period: CapPeriod = "month"


class Approval(_Model):
    """When a person must approve an offer before it is issued."""

    points_threshold: int = Field(default=10_000, gt=0)
    value_threshold: Decimal | None = Field(default=None, gt=0)
    min_confidence: Share = 0.2  # below: anomalous (the model is unsure)
    max_norm_ratio: float = Field(default=3.0, gt=1)  # value above ratio × segment norm: anomalous
    expires_after_days: int = Field(default=3, gt=0)


class Campaign(_Model):
    id: OfferSlug
    name: Text
    budget_points: int = Field(ge=0)
    budget_money: Decimal = Field(ge=0)
    rollout: Rollout | None = None  # when absent, the programme's rollout


class OfferProgramme(_Model):
    rollout: Rollout = Field(default_factory=Rollout)
    locale: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")] = "en-US"  # of notifications
    exploration_share: Share = 0.1
    min_model_confidence: Share = 0.2  # below: the rule-based offer is used and the record says so
    # A transaction booked longer ago than this fires no transaction trigger: a replay of history or a
    # late posting is booked, but an offer "for this deposit" weeks after it would make no sense.
    max_event_age_hours: int = Field(default=72, ge=1)
    context_weights: dict[TriggerKind, float] = Field(default_factory=dict)
    contact: ContactPolicy = Field(default_factory=ContactPolicy)
    guardrails: Guardrails
    approval: Approval = Field(default_factory=Approval)
    campaigns: tuple[Campaign, ...] = Field(min_length=1)
    triggers: tuple[Trigger, ...] = ()
    catalogue: tuple[OfferDefinition, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> OfferProgramme:
        errors = [*_duplicate(self), *_unknown_references(self)]
        if errors:
            raise ProgrammeInvalid(errors)
        return self

    def reference_errors(self, categories: set[str], rewards: set[str]) -> list[FieldError]:
        """References from the offers section to the programme's categories and rewards."""
        return list(_outer_references(self, categories, rewards))

    def offer(self, offer_id: str) -> OfferDefinition | None:
        return next((o for o in self.catalogue if o.id == offer_id), None)

    def campaign(self, campaign_id: str) -> Campaign:
        return next(c for c in self.campaigns if c.id == campaign_id)

    def rollout_of(self, campaign_id: str) -> Rollout:
        """The campaign's rollout when it sets one, else the programme's."""
        return self.campaign(campaign_id).rollout or self.rollout


def _duplicate(offers: OfferProgramme) -> Iterator[FieldError]:
    for field, ids in (
        ("campaigns", [c.id for c in offers.campaigns]),
        ("triggers", [t.id for t in offers.triggers]),
        ("catalogue", [o.id for o in offers.catalogue]),
    ):
        for index, item_id in enumerate(ids):
            if item_id in ids[:index]:
                yield f"{field}.{index}.id", f"duplicate id {item_id!r}"


def _unknown_references(offers: OfferProgramme) -> Iterator[FieldError]:
    known_offers = {o.id for o in offers.catalogue}
    for t_index, trigger in enumerate(offers.triggers):
        for o_index, offer_id in enumerate(trigger.offers):
            if offer_id not in known_offers:
                yield f"triggers.{t_index}.offers.{o_index}", f"unknown offer {offer_id!r}"
    campaigns = {c.id for c in offers.campaigns}
    for index, offer in enumerate(offers.catalogue):
        if offer.campaign not in campaigns:
            yield f"catalogue.{index}.campaign", f"unknown campaign {offer.campaign!r}"


def _outer_references(
    offers: OfferProgramme, categories: set[str], rewards: set[str]
) -> Iterator[FieldError]:
    for index, offer in enumerate(offers.catalogue):
        if offer.category is not None and offer.category not in categories:
            yield f"offers.catalogue.{index}.category", f"unknown category {offer.category!r}"
        if offer.reward is not None and offer.reward not in rewards:
            yield f"offers.catalogue.{index}.reward", f"unknown reward {offer.reward!r}"
    for index, trigger in enumerate(offers.triggers):
        if trigger.category is not None and trigger.category not in categories:
            yield f"offers.triggers.{index}.category", f"unknown category {trigger.category!r}"


programme.Programme.model_rebuild(_types_namespace={"OfferProgramme": OfferProgramme})
