"""Helpers for the offers tests: a programme with the offers section changed, deposits, and table reads."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import yaml
from sqlalchemy import select

from pointflow.adapters.db.offer_tables import offer_budgets, offer_decisions, offers
from pointflow.adapters.db.tables import outbox
from pointflow.adapters.programme_file import load_programme_file, sample_programme_path
from pointflow.bootstrap import Container
from tests.factories import ref

SAMPLE_DATA: dict[str, Any] = load_programme_file(sample_programme_path()).model_dump(mode="json")


def live(offers: dict[str, Any]) -> None:
    """Every campaign live, no exploration: decisions are deterministic."""
    offers["rollout"] = {"mode": "live", "pilot_share": 0.0, "pilot_segments": []}
    offers["exploration_share"] = 0.0
    for campaign in offers["campaigns"]:
        campaign["rollout"] = None


def use_offers(container: Container, *changes: Callable[[dict[str, Any]], None]) -> None:
    """Load the sample programme with `changes` applied to its offers section."""
    data = copy.deepcopy(SAMPLE_DATA)
    for change in changes:
        change(data["offers"])
    container.programmes.load(yaml.safe_dump(data), actor="test")


def deposit(customer_id: str, amount: str = "20000", *, when: str = "2024-06-01T09:00:00Z") -> dict[str, Any]:
    return {
        "event_type": "transaction.posted",
        "transaction_id": ref("dep"),
        "account_id": "acc_" + customer_id,
        "customer_id": customer_id,
        "amount": amount,
        "currency": "USD",
        "direction": "credit",
        "transaction_type": "deposit",
        "timestamp": when,
    }


def rows(container: Container, table: Any, **where: Any) -> list[dict[str, Any]]:
    query = select(table)
    for name, value in where.items():
        query = query.where(table.c[name] == value)
    with container.db.reader.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def offer_rows(container: Container, **where: Any) -> list[dict[str, Any]]:
    return rows(container, offers, **where)


def decisions(container: Container, **where: Any) -> list[dict[str, Any]]:
    return rows(container, offer_decisions, **where)


def budgets(container: Container) -> dict[str, dict[str, Any]]:
    return {r["campaign"]: r for r in rows(container, offer_budgets)}


def outbox_rows(container: Container) -> list[dict[str, Any]]:
    return rows(container, outbox)
