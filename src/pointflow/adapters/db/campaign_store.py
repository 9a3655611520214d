"""Campaign rollouts set from the console: a product manager sets shadow or pilot at once and proposes
live, which someone with the risk role approves; the offers engine reads `campaign_rollouts`."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from pointflow.adapters.db.audit_store import open_appender
from pointflow.adapters.db.change_store import UnknownChange
from pointflow.adapters.db.change_tables import campaign_changes, campaign_rollouts
from pointflow.adapters.db.engine import Database
from pointflow.adapters.db.offer_tables import offer_budgets
from pointflow.domain.ids import new_id
from pointflow.domain.maker_checker import (
    ChangeRefused,
    ChangeState,
    Pending,
    check_campaign_approval,
    check_campaign_rejection,
    check_proposer,
    check_rollout,
    needs_risk_approval,
)
from pointflow.domain.money import UNITS_PER_MAJOR
from pointflow.domain.offer_programme import Campaign, OfferProgramme


@dataclass(frozen=True, slots=True)
class CampaignChange:
    id: str
    campaign: str
    mode: str
    pilot_share: float
    state: str
    proposed_by: str
    proposed_at: datetime
    reviewed_by: str | None
    reason: str | None
    decided_at: datetime | None


@dataclass(frozen=True, slots=True)
class CampaignView:
    id: str
    name: str
    mode: str
    pilot_share: float
    set_in: str  # "console" or "programme file"
    budget_points: int
    spent_points: int
    budget_money: Decimal
    spent_money: Decimal
    waiting: CampaignChange | None  # a live proposal waiting for risk


class SqlCampaigns:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db, self.clock = db, clock

    def views(self, offers: OfferProgramme) -> list[CampaignView]:
        with self.db.reader.connect() as conn:
            set_here = {r.campaign: r for r in conn.execute(select(campaign_rollouts))}
            spent = {r.campaign: r for r in conn.execute(select(offer_budgets))}
            waiting = {c.campaign: c for c in _changes(conn, state=ChangeState.PROPOSED.value)}
        return [
            _view(c, offers, set_here.get(c.id), spent.get(c.id), waiting.get(c.id)) for c in offers.campaigns
        ]

    def changes(self, limit: int = 50) -> list[CampaignChange]:
        with self.db.reader.connect() as conn:
            return _changes(conn, limit=limit)

    def propose(
        self,
        offers: OfferProgramme,
        campaign: str,
        *,
        mode: str,
        pilot_share: float,
        proposer: str,
        roles: Collection[str],
    ) -> CampaignChange:
        """Shadow or pilot takes effect now; live waits for risk. A newer change supersedes a waiting one."""
        check_proposer(roles)
        if campaign not in {c.id for c in offers.campaigns}:
            raise ChangeRefused(f"no campaign {campaign!r} in the active programme", field="campaign")
        check_rollout(mode, pilot_share)
        share = pilot_share if mode == "pilot" else 0.0
        change_id, now = new_id(), self.clock()
        waits = needs_risk_approval(mode)
        with self.db.write() as conn:
            self._supersede(conn, campaign, change_id, now)
            state = ChangeState.PROPOSED if waits else ChangeState.APPLIED
            row = {
                "id": change_id,
                "campaign": campaign,
                "mode": mode,
                "pilot_share": share,
                "state": state.value,
                "proposed_by": proposer,
                "proposed_at": now,
            }
            conn.execute(insert(campaign_changes).values(**row))
            action = "campaign.live_proposed" if waits else "campaign.rollout_set"
            _audit(
                conn,
                now,
                proposer,
                action,
                campaign,
                {"change": change_id, "mode": mode, "pilot_share": share},
            )
            if not waits:
                _set_rollout(conn, campaign, mode, share, change_id, now)
        return CampaignChange(**row, reviewed_by=None, reason=None, decided_at=None)  # type: ignore[arg-type]

    def approve(self, change_id: str, *, approver: str, roles: Collection[str]) -> None:
        """Someone with the risk role, not the proposer, lets the campaign go live."""
        with self._refusals_audited(change_id, approver), self.db.write() as conn:
            change = _locked(conn, change_id)
            check_campaign_approval(_pending(change), approver=approver, roles=roles)
            now = self.clock()
            _decide(conn, change_id, ChangeState.APPLIED, approver, None, now)
            _set_rollout(conn, change.campaign, change.mode, change.pilot_share, change_id, now)
            _audit(conn, now, approver, "campaign.live_approved", change.campaign, {"change": change_id})

    def reject(self, change_id: str, *, reviewer: str, roles: Collection[str], reason: str) -> None:
        with self._refusals_audited(change_id, reviewer), self.db.write() as conn:
            change = _locked(conn, change_id)
            check_campaign_rejection(_pending(change), reviewer=reviewer, roles=roles, reason=reason)
            now = self.clock()
            _decide(conn, change_id, ChangeState.REJECTED, reviewer, reason, now)
            details = {"change": change_id, "reason": reason}
            _audit(conn, now, reviewer, "campaign.live_rejected", change.campaign, details)

    @contextmanager
    def _refusals_audited(self, change_id: str, actor: str) -> Iterator[None]:
        """A refused decision is recorded in a transaction of its own: the attempt's own rolls back."""
        try:
            yield
        except ChangeRefused as refused:
            with self.db.write() as conn:
                details = {"change": change_id, "field": refused.field, "reason": refused.detail}
                _audit(conn, self.clock(), actor, "campaign.decision_refused", f"change:{change_id}", details)
            raise

    def _supersede(self, conn: Connection, campaign: str, by: str, now: datetime) -> None:
        c = campaign_changes.c
        waiting = conn.execute(
            select(c.id).where(c.campaign == campaign, c.state == ChangeState.PROPOSED.value)
        ).scalars()
        for old in list(waiting):
            conn.execute(
                update(campaign_changes)
                .where(c.id == old)
                .values(state=ChangeState.REJECTED.value, reason=f"superseded by change {by}", decided_at=now)
            )


def _view(
    campaign: Campaign, offers: OfferProgramme, set_here: Any, spent: Any, waiting: CampaignChange | None
) -> CampaignView:
    configured = offers.rollout_of(campaign.id)
    mode, share = (
        (set_here.mode, set_here.pilot_share) if set_here else (configured.mode, configured.pilot_share)
    )
    units = int(spent.spent_units) if spent else 0
    return CampaignView(
        id=campaign.id,
        name=campaign.name,
        mode=mode,
        pilot_share=float(share),
        set_in="console" if set_here else "programme file",
        budget_points=campaign.budget_points,
        spent_points=int(spent.spent_points) if spent else 0,
        budget_money=campaign.budget_money,
        spent_money=Decimal(units) / UNITS_PER_MAJOR,
        waiting=waiting,
    )


def _changes(conn: Connection, *, state: str | None = None, limit: int = 200) -> list[CampaignChange]:
    query = select(campaign_changes).order_by(campaign_changes.c.proposed_at.desc()).limit(limit)
    if state is not None:
        query = query.where(campaign_changes.c.state == state)
    return [CampaignChange(**r._mapping) for r in conn.execute(query)]


def _locked(conn: Connection, change_id: str) -> CampaignChange:
    row = conn.execute(
        select(campaign_changes).where(campaign_changes.c.id == change_id).with_for_update()
    ).first()
    if row is None:
        raise UnknownChange(change_id)
    return CampaignChange(**row._mapping)


def _pending(change: CampaignChange) -> Pending:
    return Pending(change.proposed_by, change.state)


def _decide(
    conn: Connection, change_id: str, state: ChangeState, reviewer: str, reason: str | None, now: datetime
) -> None:
    conn.execute(
        update(campaign_changes)
        .where(campaign_changes.c.id == change_id)
        .values(state=state.value, reviewed_by=reviewer, reason=reason, decided_at=now)
    )


def _set_rollout(
    conn: Connection, campaign: str, mode: str, share: float, change_id: str, now: datetime
) -> None:
    conn.execute(delete(campaign_rollouts).where(campaign_rollouts.c.campaign == campaign))
    conn.execute(
        insert(campaign_rollouts).values(
            campaign=campaign, mode=mode, pilot_share=share, change_id=change_id, set_at=now
        )
    )


def _audit(conn: Connection, at: datetime, actor: str, action: str, campaign: str, details: Any) -> None:
    appender = open_appender(conn)
    appender.add(
        at=at, actor=f"console:{actor}", action=action, subject=f"campaign:{campaign}", details=details
    )
    appender.flush(conn)
