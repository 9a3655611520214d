"""The console's pages and the roles each needs: the navigation shows a person only what they may open."""

from __future__ import annotations

from dataclasses import dataclass

from pointflow.governance.access import ConsoleRole, Person

EVERY_ROLE = frozenset(ConsoleRole)
ADMIN_ONLY: frozenset[ConsoleRole] = frozenset()  # admin opens every page


@dataclass(frozen=True, slots=True)
class Page:
    path: str
    title: str
    roles: frozenset[ConsoleRole]  # admin may open every page whatever is listed


# A new page adds itself here and declares the same roles on its route with `require_roles(...)`.
PAGES: list[Page] = [
    Page("/console/", "Overview", EVERY_ROLE),
    Page("/console/approvals", "Approvals", frozenset({ConsoleRole.MARKETING_OPS})),
    Page("/console/members", "Members", EVERY_ROLE),
    Page("/console/programme", "Programme", EVERY_ROLE),
    Page("/console/campaigns", "Campaigns", EVERY_ROLE),
    Page("/console/models", "Models", frozenset({ConsoleRole.RISK, ConsoleRole.VIEWER})),
    Page("/console/fairness", "Fairness", frozenset({ConsoleRole.RISK})),
    Page("/console/audit", "Audit", frozenset({ConsoleRole.RISK})),
    Page("/console/outbox", "Outbox", ADMIN_ONLY),
    Page("/console/quarantine", "Quarantine", ADMIN_ONLY),
]


def navigation(person: Person) -> list[Page]:
    return [page for page in PAGES if person.holds(page.roles)]
