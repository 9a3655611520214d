"""What the member 360 page shows, read through the adapters: balances, lots, ledger, scores, decisions,
offers, and the member's personal data from the core, masked unless a person may and asks to see it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pointflow.adapters.core_http import CoreUnavailable
from pointflow.adapters.db import member_reads, offer_views, views
from pointflow.bootstrap import Container, CoreNotConfigured
from pointflow.governance.access import ConsoleRole, Person
from pointflow.service_layer.offer_ports import StoredOffer

LEDGER_PAGE = 20
UNMASK_ROLES = frozenset({ConsoleRole.RISK})  # and admin, who holds every role


@dataclass(frozen=True, slots=True)
class Member360:
    token: str
    summary: dict[str, Any] | None
    lots: list[dict[str, Any]] = field(default_factory=list)
    ledger: list[dict[str, Any]] = field(default_factory=list)
    older: str | None = None  # the `before` of the next ledger page, if there is one
    scores: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    offers: list[StoredOffer] = field(default_factory=list)
    accruals: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PersonalData:
    """`state`: masked (not asked for), shown, or unavailable (no core, no vault entry, no answer)."""

    state: str
    fields: dict[str, str] = field(default_factory=dict)
    note: str = ""


def may_unmask(person: Person) -> bool:
    return person.holds(UNMASK_ROLES)


def read_member(container: Container, token: str, *, before: str | None) -> Member360:
    with container.db.reader.connect() as conn:
        summary = views.member_summary(conn, token)
        if summary is None:
            return Member360(token, None)
        ledger = views.member_ledger(conn, token, limit=LEDGER_PAGE + 1, before=before)
        return Member360(
            token=token,
            summary=summary,
            lots=member_reads.open_lots(conn, token),
            ledger=ledger[:LEDGER_PAGE],
            older=ledger[LEDGER_PAGE - 1]["posting_id"] if len(ledger) > LEDGER_PAGE else None,
            scores=member_reads.latest_scores(conn, token),
            decisions=member_reads.member_decisions(conn, token),
            offers=offer_views.member_offers(conn, token, limit=50),
            accruals=member_reads.recent_accruals(conn, token),
        )


def core_configured(container: Container) -> bool:
    return container.settings.core_platform is not None and container.settings.core_url is not None


def masked(container: Container) -> PersonalData:
    if not core_configured(container):
        return PersonalData("unavailable", note="not available: no core banking platform is configured")
    return PersonalData("masked", note="masked")


def unmasked(container: Container, token: str) -> PersonalData:
    """Ask the core for the member's master record (the caller audits the read)."""
    with container.db.reader.connect() as conn:
        customer_id = member_reads.customer_id_of(conn, token)
    if customer_id is None:
        return PersonalData("unavailable", note="not available: the identity vault holds no such member")
    try:
        core = container.core()
    except CoreNotConfigured as missing:
        return PersonalData("unavailable", note=f"not available: {missing}")
    try:
        record = core.customer(customer_id)
    except CoreUnavailable as failure:
        return PersonalData("unavailable", note=f"not available: the core did not answer ({failure})")
    finally:
        core.client.close()
    return PersonalData("shown", {"customer id": customer_id, **record.pii})


def contribution_words(item: Sequence[Any] | Any) -> str:
    """A score's contribution as a sentence: which feature moved the score, which way, by how much."""
    if isinstance(item, Sequence) and not isinstance(item, str) and len(item) == 2:
        name, value = item
        if isinstance(value, int | float):
            way = "raised" if value > 0 else "lowered" if value < 0 else "did not move"
            return f"{name} {way} the score ({value:+.3f} log-odds)"
        return f"{name}: {value}"
    if isinstance(item, Mapping) and "feature" in item and "rule" in item:
        return _rule_words(item)
    return str(item)


def _rule_words(item: Mapping[str, Any]) -> str:
    """The fallback rule's input (`adapters.scoring.rule_contribution`), said as a sentence."""
    value = item.get("value")
    seen = "was not known" if value is None else f"was {value:,}"
    return f"{item['feature']} {seen}; the rule: {item['rule']}"
