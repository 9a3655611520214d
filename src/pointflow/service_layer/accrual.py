"""Posted and reversed transactions: dedupe, earn rules, postings, lots and audit in one transaction."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from pointflow.domain.earning import EarnInput, EarnResult, evaluate, period_key
from pointflow.domain.errors import InvalidEvent
from pointflow.domain.events import (
    CanonicalEvent,
    TransactionPosted,
    TransactionReversed,
    differing_fields,
    event_record,
    pseudonymous,
    record_text,
    text_hash,
)
from pointflow.domain.ids import new_id
from pointflow.domain.ledger import MemberBalances, plan_accrual, plan_clawback
from pointflow.domain.members import AccrualRecord, Lot, LotState, Member
from pointflow.domain.money import CustomerToken, Points
from pointflow.domain.programme import EarnRule, Programme, expiry_date
from pointflow.domain.reversal import check_reversal, clawback_points
from pointflow.service_layer.lots import consume
from pointflow.service_layer.offer_ports import Accrued, NoOffers, OfferHook, programme_with
from pointflow.service_layer.ports import LedgerSession, LedgerSessions, MemberScoring, Touched, WriteConflict
from pointflow.service_layer.rule_trace import trace_rows

_ATTEMPTS = 5
Status = Literal["accepted", "duplicate", "conflict", "rejected"]


@dataclass(frozen=True, slots=True)
class ActiveProgramme:
    version: int
    programme: Programme


@dataclass(frozen=True, slots=True)
class Outcome:
    source_id: str
    status: Status
    points: int = 0  # points accrued (positive) or clawed back (negative)
    token: CustomerToken | None = None
    detail: str | None = None
    field: str | None = None
    differing: tuple[str, ...] = ()  # canonical field names, for a conflict


@dataclass(frozen=True, slots=True)
class LedgerDeps:
    sessions: LedgerSessions
    programme: Callable[[], ActiveProgramme]
    tokenise: Callable[[str], CustomerToken]
    mcc_range: Callable[[str], str | None]
    clock: Callable[[], datetime]
    scoring: MemberScoring | None = None  # scores the group's members at its end (decision 0009)
    offers: OfferHook = field(default_factory=NoOffers)  # next-best offers: earn rules and decisions


def ingest(events: Sequence[CanonicalEvent], deps: LedgerDeps, *, actor: str) -> list[Outcome]:
    """Apply a batch of canonical events in one transaction; each event has its effect at most once."""
    active = deps.programme()
    for attempt in range(_ATTEMPTS):
        try:
            with deps.sessions.begin() as session:
                return _Batch(session, deps, active, actor).run(events)
        except WriteConflict:
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@dataclass
class _Batch:
    session: LedgerSession
    deps: LedgerDeps
    active: ActiveProgramme
    actor: str
    now: datetime = field(init=False)
    members: dict[str, Member] = field(default_factory=dict)
    usage: dict[str, dict[tuple[str, str], Decimal]] = field(default_factory=dict)  # by token
    seen: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)  # key → (hash, canonical)
    touched: set[str] = field(default_factory=set)
    latest: dict[str, CanonicalEvent] = field(default_factory=dict)  # by token: the latest booked, to score
    offer_rules: dict[str, tuple[EarnRule, ...]] = field(default_factory=dict)  # accepted offers, by token

    def __post_init__(self) -> None:
        self.now = self.deps.clock()

    def run(self, events: Sequence[CanonicalEvent]) -> list[Outcome]:
        self._preload(events)
        outcomes = [self._one(event) for event in events]
        self._score()
        self._persist_members()
        return outcomes

    def _score(self) -> None:
        if self.deps.scoring is None or not self.latest:
            return
        touched = [
            Touched(t, e.booked_at, e.source.system, e.source.id, self.members[t].balances.available)
            for t, e in self.latest.items()
        ]
        self.deps.scoring.score_group(self.session, touched, programme=self.active.programme, at=self.now)

    def _preload(self, events: Sequence[CanonicalEvent]) -> None:
        self.seen.update(self.session.inbox_records([(e.source.system, e.source.id) for e in events]))
        self.session.prefetch_reversed(
            {(e.source.system, e.original_source_id) for e in events if isinstance(e, TransactionReversed)}
        )
        tokens = {self.deps.tokenise(e.customer_id) for e in events}
        self.members.update(self.session.members(tokens))
        self.offer_rules = self.deps.offers.earn_rules(
            self.session, tokens, self.now, programme=self.active.programme
        )
        periods = self._period_keys(e.booked_at for e in events if isinstance(e, TransactionPosted))
        for (token, rule_id, period), used in self.session.usage(tokens, periods).items():
            self.usage.setdefault(token, {})[(rule_id, period)] = used

    def _period_keys(self, times: Any) -> set[str]:
        capped = {r.cap.period for r in self.active.programme.rules if r.cap is not None}
        return {period_key(p, at) for at in times for p in capped}

    def _one(self, event: CanonicalEvent) -> Outcome:
        key = (event.source.system, event.source.id)
        record = pseudonymous(event_record(event), self.deps.tokenise)
        text = record_text(record)
        digest = text_hash(text)
        if key in self.seen:
            return self._repeat(event, record, digest)
        if isinstance(event, TransactionPosted):
            outcome = self._accrue(event, digest, text)
        else:
            outcome = self._reverse(event, digest, text)
        if outcome.status == "accepted":
            self.seen[key] = (digest, text)
            self._to_score(event, outcome.token)
        return outcome

    def _to_score(self, event: CanonicalEvent, token: str | None) -> None:
        known = self.latest.get(token) if token else None
        if token and (known is None or event.booked_at >= known.booked_at):
            self.latest[token] = event

    def _repeat(self, event: CanonicalEvent, record: dict[str, Any], digest: str) -> Outcome:
        stored_hash, stored_text = self.seen[(event.source.system, event.source.id)]
        if stored_hash == digest:
            return Outcome(event.source.id, "duplicate", detail="already processed; no second effect")
        fields = tuple(differing_fields(json.loads(stored_text), record))
        return Outcome(
            event.source.id,
            "conflict",
            field=fields[0] if fields else None,
            detail=f"{event.source.id} was already processed with other content; nothing changed",
            differing=fields,
        )

    def _member(self, event: CanonicalEvent) -> Member:
        token = self.deps.tokenise(event.customer_id)
        member = self.members.get(token)
        if member is None:
            tier = self.active.programme.tiers[0].name
            member = Member(token, tier, MemberBalances(), is_new=True)
            self.members[token] = member
            self.session.add_member(member, event.customer_id, self.now)
        self.touched.add(token)
        return member

    def _inbox(self, event: CanonicalEvent, digest: str, text: str) -> str:
        inbox_id = new_id()
        key = (event.source.system, event.source.id)
        kind = "transaction.posted" if isinstance(event, TransactionPosted) else "transaction.reversed"
        self.session.add_inbox(
            id=inbox_id, key=key, content_hash=digest, event_type=kind, canonical=text, at=self.now
        )
        return inbox_id

    def _accrue(self, event: TransactionPosted, digest: str, text: str) -> Outcome:
        member = self._member(event)
        programme = programme_with(self.active.programme, self.offer_rules.get(member.token, ()))
        earn, before = self._earn_input(event, member), member.balances.available
        result = evaluate(programme, earn, self._usage_of(member))
        inbox_id, accrual_id = self._inbox(event, digest, text), new_id()
        posting_id, lot_id = self._post_accrual(event, member, result.points, accrual_id)
        self._record_usage(member.token, result)
        self.session.add_row(
            "accruals",
            {
                "id": accrual_id,
                "inbox_id": inbox_id,
                "token": member.token,
                "source_system": event.source.system,
                "source_id": event.source.id,
                "amount": event.money.amount,
                "currency": event.money.currency,
                "booked_at": event.booked_at,
                "mcc": event.mcc,
                "points": result.points,
                "exact_points": result.exact,
                "excluded_by": result.excluded_by,
                "trace": trace_rows(result.lines),
                "programme_version": self.active.version,
                "posting_id": posting_id,
                "lot_id": lot_id,
            },
        )
        self.session.count_activity(
            token=member.token,
            booked_at=event.booked_at,
            currency=event.money.currency,
            mcc=event.mcc,
            amount=event.money.amount,
            points=result.points,
        )
        self._after_accrual(event, member, earn, before, result)
        return Outcome(event.source.id, "accepted", result.points, member.token)

    def _after_accrual(
        self, event: TransactionPosted, member: Member, earn: EarnInput, before: int, result: EarnResult
    ) -> None:
        """Offers: only for a member with offer rules or an event recent enough to decide on, so that a
        replay of history does not build a record for each event that nothing reads."""
        programme = self.active.programme
        if member.token in self.offer_rules or self.deps.offers.considers(
            event.booked_at, self.now, programme=programme
        ):
            cause = f"{event.source.system}:{event.source.id}"
            offered = Accrued.of(member, earn, before, result, cause, self.now, self.actor, programme)
            self.deps.offers.after_accrual(self.session, offered)

    def _earn_input(self, event: TransactionPosted, member: Member) -> EarnInput:
        return EarnInput(
            amount=event.money.amount,
            currency=event.money.currency,
            direction=event.direction,
            transaction_type=event.transaction_type,
            mcc=event.mcc,
            iso_range=self.deps.mcc_range(event.mcc) if event.mcc else None,
            merchant_country=event.merchant_country,
            channel=event.channel,
            booked_at=event.booked_at,
            tier=member.tier,
        )

    def _usage_of(self, member: Member) -> dict[tuple[str, str], Decimal]:
        return self.usage.get(member.token, {})

    def _record_usage(self, token: CustomerToken, result: EarnResult) -> None:
        mine = self.usage.setdefault(token, {})
        for (rule_id, period), used in result.usage.items():
            mine[(rule_id, period)] = mine.get((rule_id, period), Decimal(0)) + used
            self.session.set_usage((str(token), rule_id, period), mine[(rule_id, period)])

    def _post_accrual(
        self, event: TransactionPosted, member: Member, points: int, accrual_id: str
    ) -> tuple[str | None, str | None]:
        if points <= 0:
            return None, None
        policy = self.active.programme.lots
        hold = policy.pending_days > 0
        plan = plan_accrual(member.token, Points(points), member.balances.debt, hold=hold)
        posting_id = new_id()
        self.session.add_posting(
            id=posting_id,
            kind="earn",
            key=f"earn:{accrual_id}",  # time-ordered: the unique index grows at its end
            token=member.token,
            at=self.now,
            memo=f"{points} points for {event.source.id}",
            legs=plan.legs,
        )
        member.balances = member.balances.apply(plan.legs)
        self._audit(
            "points.accrued",
            member.token,
            source_id=event.source.id,
            points=points,
            posting_id=posting_id,
            debt_repaid=plan.debt_repaid,
        )
        if plan.lot_points == 0:
            return posting_id, None
        earned_on = event.booked_at.date()
        lot = Lot(
            new_id(),
            member.token,
            plan.lot_points,
            plan.lot_points,
            earned_on,
            expiry_date(policy.expiry, earned_on),
            earned_on + timedelta(days=policy.pending_days) if hold else None,
            LotState.PENDING if hold else LotState.AVAILABLE,
        )
        self.session.add_lot(lot, posting_id=posting_id, accrual_id=accrual_id)
        return posting_id, lot.id

    def _reverse(self, event: TransactionReversed, digest: str, text: str) -> Outcome:
        original = self.session.accrual(event.source.system, event.original_source_id)
        try:
            points = self._clawback_size(event, original)
        except InvalidEvent as problem:
            return Outcome(event.source.id, "rejected", detail=problem.detail, field=problem.field)
        assert original is not None
        member = self._member(event)
        inbox_id, posting_id, debt = self._inbox(event, digest, text), None, 0
        if points:
            posting_id, debt = self._claw(event, original, member, points)
        self.session.add_row(
            "reversals",
            {
                "id": new_id(),
                "inbox_id": inbox_id,
                "accrual_id": original.id,
                "kind": event.kind.value,
                "amount": event.money.amount,
                "points": points,
                "debt_points": debt,
                "posting_id": posting_id,
                "booked_at": event.booked_at,
            },
        )
        return Outcome(event.source.id, "accepted", -points, member.token)

    def _clawback_size(self, event: TransactionReversed, original: AccrualRecord | None) -> int:
        check_reversal(event, original, self.deps.tokenise(event.customer_id))
        assert original is not None
        return clawback_points(
            original_points=original.points,
            original_amount=original.amount,
            reversed_before=self.session.reversed_so_far(original.id),
            reversing=event.money.amount,
        )

    def _lots_to_claw(self, original: AccrualRecord, member: Member, points: int) -> dict[str, Lot]:
        """The transaction's own lot when it covers the clawback (the plan takes from it first), else all."""
        own = self.session.lot(member.token, original.lot_id) if original.lot_id else None
        if own is not None and own.state is not LotState.CLOSED and own.remaining >= points:
            return {own.id: own}
        return {lot.id: lot for lot in self.session.open_lots(member.token)}

    def _claw(
        self, event: TransactionReversed, original: AccrualRecord, member: Member, points: int
    ) -> tuple[str, int]:
        lots = self._lots_to_claw(original, member, points)
        origin = lots.get(original.lot_id) if original.lot_id else None
        plan = plan_clawback(
            member.token,
            points,
            origin.view() if origin else None,
            [lot.view() for lot in lots.values()],
        )
        posting_id = new_id()
        self.session.add_posting(
            id=posting_id,
            kind="clawback",
            key=f"clawback:{event.source.system}:{event.source.id}",
            token=member.token,
            at=self.now,
            memo=f"{event.kind.value} of {original.source_id}",
            legs=plan.legs,
        )
        consume(self.session, lots, plan.allocations, posting_id=posting_id)
        member.balances = member.balances.apply(plan.legs)
        if plan.debt_points:
            self.session.add_row(
                "points_debts",
                {
                    "id": new_id(),
                    "token": member.token,
                    "posting_id": posting_id,
                    "points": plan.debt_points,
                    "reason": f"{event.kind.value} of {original.source_id}: points already spent",
                    "created_at": self.now,
                },
            )
        self._audit(
            "points.clawed_back",
            member.token,
            source_id=event.source.id,
            points=points,
            original=original.source_id,
            posting_id=posting_id,
            debt=plan.debt_points,
        )
        return posting_id, plan.debt_points

    def _audit(self, action: str, token: CustomerToken, **details: Any) -> None:
        self.session.audit(
            at=self.now, actor=self.actor, action=action, subject=f"member:{token}", details=details
        )

    def _persist_members(self) -> None:
        for token in self.touched:
            member = self.members[token]
            self.session.save_member(member)
            member.is_new = False
        self.touched.clear()
