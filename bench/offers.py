"""What next-best offers cost: the latency of one event that triggers a decision and issues an offer, and the
replay throughput with offers on against off.

`python -m bench.offers [--decisions 300] [--events 20000] [--skip-postgres]`:
- latency: a deposit of 20,000 USD per new member, one event per transaction through `receive`, on SQLite
  and PostgreSQL; each member has a confident stored propensity score first, so the decision is the model's
  (P(accept) from the score, the segment's posteriors and churn), then contact policy, guardrails, the budget
  reserved and the offer issued with its three outbox rows. The same deposits with offers off beside it.
- throughput: the replay's synthetic events, 500 to a transaction, into fresh SQLite databases with the
  sample programme's offers live (exploration as configured) and with offers off.
`make bench` runs it through `run` (`--skip-offers` leaves it out).
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import yaml
from sqlalchemy import func, insert, select

from bench.databases import DEFAULT_POSTGRES, Databases, databases, open_container
from bench.events import render, synthetic
from bench.replay import replay
from pointflow.adapters.connectors import CONNECTORS
from pointflow.adapters.db.offer_tables import offer_decisions, offers
from pointflow.adapters.db.tables import member_scores
from pointflow.adapters.programme_file import load_programme_file, sample_programme_path
from pointflow.bootstrap import Container
from pointflow.domain.ids import new_id
from pointflow.service_layer.ingress import receive
from pointflow.service_layer.offer_ports import NoOffers
from pointflow.service_layer.ports import RawEvent

DECISIONS = 300
EVENTS = 20_000


def live_programme(container: Container) -> None:
    """The sample programme with every campaign live: each triggered decision may issue."""
    data = load_programme_file(sample_programme_path()).model_dump(mode="json")
    offer_section = copy.deepcopy(data["offers"])
    offer_section["rollout"] = {"mode": "live", "pilot_share": 0.0, "pilot_segments": []}
    for campaign in offer_section["campaigns"]:
        campaign["rollout"] = None
    data["offers"] = offer_section
    container.programmes.load(yaml.safe_dump(data), actor="bench")


def deposit(customer: str, n: int) -> RawEvent:
    event = {
        "event_type": "transaction.posted",
        "transaction_id": f"dep_{customer}_{n}",
        "account_id": f"acc_{customer}",
        "customer_id": customer,
        "amount": "20000",
        "currency": "USD",
        "direction": "credit",
        "transaction_type": "deposit",
        # booked a minute ago: offers decide only on transactions within max_event_age_hours of now
        "timestamp": (datetime.now(UTC) - timedelta(minutes=1)).isoformat().replace("+00:00", "Z"),
    }
    return render(event)  # type: ignore[arg-type]


def confident_scores(container: Container, customers: list[str]) -> None:
    """A model's score for each member, as a commit group with a registered champion would have stored."""
    scored_at = container.clock()
    rows = [
        {
            "id": new_id(),
            "token": container.tokeniser.token(c),
            "model": "propensity",
            "source": "model:propensity/v0001",
            "probability": 0.05 + 0.3 * (i % 10) / 10,
            "low_confidence": False,
            "reasons": [],
            "contributions": [],
            "explained_by": "path",
            "imputed": [],
            "source_system": "bench",
            "source_id": f"seed-{i}",
            "as_of": scored_at.date(),  # fresh: the decision trusts it fully
            "scored_at": scored_at,
        }
        for i, c in enumerate(customers)
    ]
    with container.db.write() as conn:
        conn.execute(insert(member_scores), rows)


def timed_events(container: Container, items: list[RawEvent]) -> list[float]:
    """Seconds per event, each its own transaction (as a webhook delivers them)."""
    deps, connector = container.ledger_deps(), CONNECTORS["generic"]
    spent = []
    for item in items:
        started = time.perf_counter()
        receive([item], connector=connector, deps=deps, quarantine=container.quarantine, actor="bench")
        spent.append(time.perf_counter() - started)
    return spent


def latency(url: Callable[[str], str], count: int) -> dict[str, Any]:
    """p50/p99 of a deposit that decides and issues, beside the same deposit with offers off."""
    out: dict[str, Any] = {"events": count}
    for name, on in (("offers_on", True), ("offers_off", False)):
        container = open_container(url(name))
        try:
            customers = [f"b{name[-2:]}{i:05d}" for i in range(count)]
            if on:
                live_programme(container)
                confident_scores(container, customers)
            else:
                container = dataclasses.replace(container, offers=NoOffers())
            spent = np.array(timed_events(container, [deposit(c, 0) for c in customers])) * 1e3
            out[name] = {"p50_ms": _pct(spent, 50), "p99_ms": _pct(spent, 99), "mean_ms": _mean(spent)}
            if on:
                out[name] |= decision_counts(container)
        finally:
            container.close()
    return out


def decision_counts(container: Container) -> dict[str, Any]:
    with container.db.reader.connect() as conn:
        actions = select(offer_decisions.c.action, func.count()).group_by(offer_decisions.c.action)
        decided = {str(action): int(n) for action, n in conn.execute(actions)}
        model_based = conn.execute(
            select(func.count()).where(offer_decisions.c.fallback.is_(None))
        ).scalar_one()
        issued = conn.execute(select(func.count()).where(offers.c.state == "issued")).scalar_one()
    return {
        "actions": decided,
        "model_based": model_based,
        "issued": issued,
    }


def throughput(pool: Databases, items: list[RawEvent]) -> dict[str, Any]:
    """Events a second through the replay, offers live against offers off (SQLite)."""
    out: dict[str, Any] = {"events": len(items)}
    for name, on in (("offers_off", False), ("offers_on", True)):
        container = open_container(pool.sqlite(f"offers_replay_{name}"))
        try:
            if on:
                live_programme(container)
            else:
                container = dataclasses.replace(container, offers=NoOffers())
            done = replay(container, items)
            out[name] = {"events_per_s": round(done.events_per_s), "seconds": round(done.seconds, 2)}
            if on:
                out[name] |= decision_counts(container)
        finally:
            container.close()
    return out


def run(
    pool: Databases, *, kinds: list[str], decisions: int = DECISIONS, events: int = EVENTS
) -> dict[str, Any]:
    found: dict[str, Any] = {"latency": {}}
    for kind in kinds:
        url = (lambda n: pool.sqlite(f"offers_{n}")) if kind == "sqlite" else (lambda _: pool.postgres())
        found["latency"][kind] = latency(url, decisions)
    found["throughput"] = throughput(pool, [render(e) for e in recent(synthetic(events))])
    return found


def recent(events: list[Any], hours: float = 60.0) -> list[Any]:
    """The events in their order, booked across the last `hours` instead of months ago, as a live stream
    would be: offers decide only on transactions within the programme's max_event_age_hours."""
    start = datetime.now(UTC) - timedelta(hours=hours)
    step = timedelta(hours=hours) / max(len(events), 1)
    return [{**event, "timestamp": _iso(start + i * step)} for i, event in enumerate(events)]


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _pct(values: np.ndarray[Any, Any], q: float) -> float:
    return round(float(np.percentile(values, q)), 2)


def _mean(values: np.ndarray[Any, Any]) -> float:
    return round(float(np.mean(values)), 2)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.offers", description=__doc__)
    parser.add_argument("--decisions", type=int, default=DECISIONS)
    parser.add_argument("--events", type=int, default=EVENTS)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    args = parser.parse_args()
    kinds = ["sqlite"] if args.skip_postgres else ["sqlite", "postgresql"]
    with databases(args.postgres_url) as pool:
        found = run(pool, kinds=kinds, decisions=args.decisions, events=args.events)
    print(json.dumps(found, indent=2))


if __name__ == "__main__":
    main()
