"""The console's pages and the roles each needs: the navigation shows a person only what they may open."""

from __future__ import annotations

from dataclasses import dataclass

from pointflow.governance.access import ConsoleRole, Person

EVERY_ROLE = frozenset(ConsoleRole)


@dataclass(frozen=True, slots=True)
class Page:
    path: str
    title: str
    roles: frozenset[ConsoleRole]  # admin may open every page whatever is listed


# A new page adds itself here and declares the same roles on its route with `require_roles(...)`.
PAGES: list[Page] = [
    Page("/console/", "Overview", EVERY_ROLE),
    Page("/console/programme", "Programme", EVERY_ROLE),
    Page("/console/campaigns", "Campaigns", EVERY_ROLE),
]


def navigation(person: Person) -> list[Page]:
    return [page for page in PAGES if person.holds(page.roles)]
