"""What `pointflow demo` adds for the console: a user per role, offers waiting for approval, live postings.

Everything goes through the same paths as production: users through the console's own service, offers
decided by the offers engine on very large deposits of members in the pilot, postings in the sandbox
bank's native format through its connector and the ingress every other source uses.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal

from pointflow.adapters.db import offer_views
from pointflow.bootstrap import Container
from pointflow.domain.events import (
    CanonicalEvent,
    Direction,
    SourceRef,
    TransactionPosted,
    TransactionType,
)
from pointflow.domain.money import Money
from pointflow.domain.offer_policy import pilot_bucket
from pointflow.governance.access import ConsoleRole
from pointflow.governance.passwords import generate_password
from pointflow.service_layer.ingress import receive
from pointflow.sim.bank import SimCustomer
from pointflow.sim.emit import canonical_history, first_day, native_documents
from pointflow.sim.platforms import SandboxPlatform

DEMO_USERS: tuple[tuple[str, tuple[ConsoleRole, ...]], ...] = (
    ("viewer", (ConsoleRole.VIEWER,)),
    ("marketing", (ConsoleRole.MARKETING_OPS,)),
    ("product", (ConsoleRole.PRODUCT_MANAGER,)),
    ("product2", (ConsoleRole.PRODUCT_MANAGER,)),  # maker-checker needs a second product manager
    ("risk", (ConsoleRole.RISK,)),
    ("admin", (ConsoleRole.ADMIN,)),
)
PREMIER_DEPOSIT = Decimal("150000.00")  # the sample programme's very-large-deposit trigger fires at 100,000
LIVE_SEED = 2026
PILOT_CAMPAIGN = "everyday"  # the campaign of the Premier welcome offer: its pilot hashes members


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    roles: tuple[ConsoleRole, ...]
    password: str


def create_demo_users(container: Container) -> list[DemoUser]:
    """One console user per role (two product managers), each with a freshly generated password."""
    made = []
    for username, roles in DEMO_USERS:
        password = generate_password()
        container.console.create_user(username=username, password=password, roles=frozenset(roles))
        made.append(DemoUser(username, roles, password))
    return made


def propose_premier_offers(
    container: Container, sandbox: SandboxPlatform, customers: Sequence[SimCustomer], *, count: int = 3
) -> int:
    """Very large deposits of members in the offers pilot, one at a time until `count` offers wait: the
    offers engine proposes a high-value welcome offer, which waits for a person with the marketing role
    (unless a guardrail or the contact policy refuses it, as it does for a member offered twice this
    week). Returns the offers waiting."""
    share = _pilot_share(container)
    now = container.clock()
    waiting = _waiting(container)
    for n, customer in enumerate(customers):
        if waiting >= count:
            break
        if pilot_bucket(container.tokeniser.token(customer.customer_id), PILOT_CAMPAIGN) < share:
            _send(container, sandbox, [_deposit(customer, now, n)])
            waiting = _waiting(container)
    return waiting


def _waiting(container: Container) -> int:
    with container.db.reader.connect() as conn:
        return len(offer_views.pending(conn, 500))


def live_postings(
    container: Container,
    sandbox: SandboxPlatform,
    customers: int,
    stop: threading.Event,
    *,
    every: float = 1.0,
) -> None:
    """Until `stop`, a few of the sandbox bank's customers' transactions each `every` seconds, booked now."""
    rng = random.Random(LIVE_SEED)
    source = _live_events(customers)
    while not stop.wait(every):
        now = container.clock()
        batch = [_now(event, now) for event in _take(source, rng.randint(1, 4))]
        if batch:
            _send(container, sandbox, batch)


def _pilot_share(container: Container) -> float:
    offers = container.programmes.active().programme.offers
    return 0.0 if offers is None else offers.rollout.pilot_share


def _deposit(customer: SimCustomer, now: datetime, n: int) -> TransactionPosted:
    return TransactionPosted(
        source=SourceRef("demo", f"premier-deposit-{now:%Y%m%d}-{n}"),
        customer_id=customer.customer_id,
        account_id=customer.account_id,
        money=Money(PREMIER_DEPOSIT, "USD"),
        direction=Direction.CREDIT,
        transaction_type=TransactionType.DEPOSIT,
        booked_at=now,
        value_date=now.date(),
    )


def _live_events(customers: int) -> Iterator[CanonicalEvent]:
    """An endless supply of fresh transactions: this month of another seed of the synthetic bank, repeated."""
    rounds = 0
    while True:
        for event in canonical_history(customers, 1, first_day(0), seed=LIVE_SEED + rounds):
            if isinstance(event, TransactionPosted):
                yield replace(event, source=replace(event.source, id=f"live-{rounds}-{event.source.id}"))
        rounds += 1


def _take(source: Iterator[CanonicalEvent], n: int) -> list[CanonicalEvent]:
    return [next(source) for _ in range(n)]


def _now(event: CanonicalEvent, now: datetime) -> CanonicalEvent:
    return replace(event, booked_at=now.astimezone(UTC), value_date=now.date())


def _send(container: Container, sandbox: SandboxPlatform, events: Sequence[CanonicalEvent]) -> int:
    """The events in the sandbox's native format, through its connector and the common ingress."""
    connector = container.connectors[sandbox.name]
    items = [item for doc in native_documents(sandbox, events) for item in connector.split(doc)]
    results = receive(
        items,
        connector=connector,
        deps=container.ledger_deps(),
        quarantine=container.quarantine,
        actor="demo",
    )
    return sum(r.status == "accepted" for r in results)


def store_liability_forecast(container: Container) -> None:
    """The liability forecast as `pointflow forecast liability` stores it, so the overview draws it."""
    from pointflow.adapters.db.liability_store import record_forecast
    from pointflow.entrypoints.cli_forecast import liability_report

    today = container.clock().date()
    record_forecast(container.db, liability_report(container, today, 12, 12), at=container.clock())
