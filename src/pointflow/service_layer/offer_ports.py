"""The ports next-best offers need: their store inside the ledger's transaction, and the acceptance model."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from pointflow.domain.arbitration import Estimate, Posterior
from pointflow.domain.earning import EarnInput, EarnResult
from pointflow.domain.members import Member
from pointflow.domain.offer_policy import Contact
from pointflow.domain.offer_programme import OfferDefinition
from pointflow.domain.programme import EarnRule, Programme
from pointflow.service_layer.ports import LedgerSession


@dataclass(frozen=True, slots=True)
class StoredOffer:
    id: str
    token: str
    decision_id: str
    offer_code: str
    kind: str
    campaign: str
    channel: str
    state: str
    terms: Mapping[str, str]
    proposal_hash: str
    expected_points: int
    cost_units: int
    approval_reasons: Sequence[str]
    proposed_by: str
    approval_due: datetime | None
    valid_from: datetime
    valid_until: datetime
    segment: str
    posting_id: str | None = None  # the ledger posting that paid the offer at acceptance (flat bonus)


class OfferStore(Protocol):
    """Offers inside one database transaction; every write is part of that transaction."""

    def joined_on(self, token: str) -> date | None: ...
    def open_offer_points(self, token: str) -> int: ...
    def contacts(self, token: str, since: datetime) -> list[Contact]: ...
    def suppressed_by(self, token: str) -> tuple[str, ...]: ...
    def campaign_rollout(self, campaign: str) -> tuple[str, float] | None:
        """The (mode, pilot share) set for the campaign in the console, if any (campaign_rollouts)."""
        ...

    def prefetch_activity(self, tokens: Collection[str], since: date) -> None:
        """Read the activity of a commit group's members after `since` once, for the group's decisions."""
        ...

    def activity(self, token: str, since: date) -> list[tuple[date, str, int]]:
        """(day, MCC, transactions) of the member's activity after `since`, this transaction's included."""
        ...

    def posteriors(self, segment: str, codes: Collection[str]) -> dict[str, Posterior]: ...
    def reserve_budget(
        self, campaign: str, *, points: int, units: int, budget_points: int, budget_units: int
    ) -> bool:
        """Add to the campaign's spent counters only if they stay within budget (atomic, row-locked)."""
        ...

    def count_issue(self, kind: str, period_key: str, most: int | None) -> bool:
        """Count one more offer of `kind` in the period only if that stays at or below `most`."""
        ...

    def add_offer(self, row: Mapping[str, Any]) -> None: ...
    def add_decision(self, row: Mapping[str, Any]) -> None: ...
    def offer(self, offer_id: str, *, lock: bool) -> StoredOffer | None: ...
    def update_offer(self, offer_id: str, *, expected_state: str, **values: Any) -> bool:
        """Change an offer only if it is still in `expected_state`; False when another change came first."""
        ...

    def segment_norm(self, segment: str, since: datetime) -> Decimal | None:
        """Mean value to the member of offers issued to the segment since then; None with too few."""
        ...

    def learn(self, offer_code: str, segment: str, *, accepted: int, ignored: int) -> None: ...
    def due_approvals(self, as_of: datetime, limit: int) -> list[StoredOffer]: ...
    def unanswered(self, as_of: datetime, limit: int) -> list[StoredOffer]:
        """Issued offers whose validity ended by `as_of` without an answer."""
        ...

    def accepted_rules(self, tokens: Collection[str], at: datetime) -> dict[str, list[StoredOffer]]: ...
    def member_page(self, *, after: str, limit: int) -> list[str]:
        """Member tokens after `after`, in token order."""
        ...

    def decided(self, tokens: Collection[str], cause: str) -> set[str]:
        """The tokens among `tokens` that already have a decision with this cause."""
        ...

    def signals(self, token: str, today: date) -> MemberSignals:
        """The member's newest stored scores as of today and the day before, and their stored segment."""
        ...

    def last_active(self, tokens: Collection[str], until: date) -> dict[str, date]:
        """The last day on or before `until` each member had activity (members without any are left out)."""
        ...

    def add_scores(self, model: str, as_of: date, scores: Mapping[str, StoredScore], at: datetime) -> int:
        """Store `model` scores for `as_of`, skipping members that have one that day; how many were added."""
        ...


class OfferStores(Protocol):
    def open(self, session: LedgerSession) -> OfferStore:
        """The offer store over the ledger session's own transaction."""
        ...


@dataclass(frozen=True, slots=True)
class StoredScore:
    """One `member_scores` row as decisioning reads it: the probability, where it came from, how sure."""

    probability: float
    source: str  # "model:propensity/v0003", "fallback-rule", "rule:recency"
    low_confidence: bool
    reasons: tuple[str, ...]
    as_of: date


@dataclass(frozen=True, slots=True)
class MemberSignals:
    """What the stores hold about a member for a decision on `today`: the newest propensity and churn
    scores as of today and as of the day before (a crossing is between the two), and the stored segment."""

    today: date
    propensity: StoredScore | None = None
    propensity_before: StoredScore | None = None
    churn: StoredScore | None = None
    churn_before: StoredScore | None = None
    segment: str | None = None


class AcceptanceModel(Protocol):
    """P(accept) for one member and offer, from the member's stored signals and the offer's posterior in the
    member's segment; None means it cannot say (the rule-based offer is then used and the record says so)."""

    def estimate(
        self, signals: MemberSignals, offer: OfferDefinition, posterior: Posterior
    ) -> Estimate | None: ...


class DriftSwitch(Protocol):
    def reason(self, model: str, version: str) -> str | None:
        """Why this model version is switched to the rule by a drift check, or None."""
        ...


class NoModel:
    """No acceptance model deployed: every decision takes the rule-based offer and records why."""

    def estimate(
        self,
        signals: MemberSignals,  # noqa: ARG002
        offer: OfferDefinition,  # noqa: ARG002
        posterior: Posterior,  # noqa: ARG002
    ) -> Estimate | None:
        return None


@dataclass(frozen=True, slots=True)
class Accrued:
    """One accepted transaction, or a scheduled look at a member (no transaction), as decisioning sees it."""

    token: str
    tier: str
    transaction: EarnInput | None
    points_before: int
    points_after: int
    applied_rules: tuple[str, ...]
    cause: str  # source system and id
    at: datetime
    actor: str
    programme: Programme

    @classmethod
    def of(
        cls,
        member: Member,
        transaction: EarnInput,
        points_before: int,
        result: EarnResult,
        cause: str,
        at: datetime,
        actor: str,
        programme: Programme,
    ) -> Accrued:
        applied = tuple(line.rule_id for line in result.lines if line.outcome in ("applied", "capped"))
        after = member.balances.available
        return cls(
            member.token, member.tier, transaction, points_before, after, applied, cause, at, actor, programme
        )


def programme_with(programme: Programme, rules: tuple[EarnRule, ...]) -> Programme:
    """The programme plus a member's temporary earn rules from accepted offers."""
    return programme.model_copy(update={"rules": (*programme.rules, *rules)}) if rules else programme


class OfferHook(Protocol):
    """What the accrual commit group asks of offers: members' temporary earn rules, and decisions."""

    def earn_rules(
        self, session: LedgerSession, tokens: Collection[str], at: datetime, *, programme: Programme
    ) -> dict[str, tuple[EarnRule, ...]]:
        """The group's members' temporary earn rules; also reads once what the group's decisions need."""
        ...

    def considers(self, booked_at: datetime, at: datetime, *, programme: Programme) -> bool:
        """Whether a transaction booked at `booked_at` and processed at `at` may lead to a decision."""
        ...

    def after_accrual(self, session: LedgerSession, accrued: Accrued) -> None:
        """Mark the member's offers whose rules earned as redeemed, and decide when `considers` said so."""
        ...


class NoOffers:
    """Offers switched off: no temporary earn rules, no decisions."""

    def earn_rules(
        self,
        session: LedgerSession,  # noqa: ARG002
        tokens: Collection[str],  # noqa: ARG002
        at: datetime,  # noqa: ARG002
        *,
        programme: Programme,  # noqa: ARG002
    ) -> dict[str, tuple[EarnRule, ...]]:
        return {}

    def considers(self, booked_at: datetime, at: datetime, *, programme: Programme) -> bool:  # noqa: ARG002
        return False

    def after_accrual(self, session: LedgerSession, accrued: Accrued) -> None:
        pass
