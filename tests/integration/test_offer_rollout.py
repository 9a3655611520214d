"""Rollout: a model's choices recorded in shadow beside the rule-based baseline and compared by
`pointflow offers shadow-report`; a pilot issuing to a deterministic share of members."""

from __future__ import annotations

import dataclasses
import json
import random
from typing import Any

import pytest
from typer.testing import CliRunner

from pointflow.adapters.db.offer_store import SqlOfferStores
from pointflow.bootstrap import Container
from pointflow.domain.arbitration import Estimate, Posterior
from pointflow.domain.offer_policy import pilot_bucket
from pointflow.domain.offer_programme import OfferDefinition
from pointflow.entrypoints.cli import app
from pointflow.service_layer.offer_decisions import OfferEngine
from pointflow.service_layer.offer_ports import MemberSignals
from tests.factories import ref, send
from tests.integration.offer_support import decisions, deposit, live, offer_rows, use_offers

LIKES = {"deposit-bonus": 0.1, "invest-cross-sell": 0.5}


class FakeModel:
    """A confident model that prefers the cross-sell."""

    def estimate(
        self, signals: MemberSignals, offer: OfferDefinition, posterior: Posterior
    ) -> Estimate | None:
        return Estimate(LIKES.get(offer.id, 0.2), 0.9, "fake@1")


def shadow_everything(offers: dict[str, Any]) -> None:
    live(offers)
    offers["rollout"]["mode"] = "shadow"
    for offer in offers["catalogue"]:
        offer["eligibility"]["min_tenure_days"] = 0


def with_model(container: Container) -> Container:
    return dataclasses.replace(container, offers=OfferEngine(SqlOfferStores(), FakeModel(), random.Random(5)))


def test_the_shadow_report_compares_the_model_with_the_rules(container: Container, database_url: str) -> None:
    use_offers(container, shadow_everything)
    modelled = with_model(container)
    for _ in range(6):
        send(modelled, deposit(ref("cust")))
    made = decisions(container)
    assert {(d["winner"], d["baseline"], d["action"]) for d in made} == {
        ("invest-cross-sell", "deposit-bonus", "shadow")
    }
    assert all(d["model_versions"] == ["fake@1"] and d["fallback"] is None for d in made)
    assert offer_rows(container) == []
    env = {"POINTFLOW_DATABASE_URL": database_url, "POINTFLOW_ENVIRONMENT": "test"}
    result = CliRunner().invoke(app, ["offers", "shadow-report", "--json", "--until", "2024-06-01"], env=env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["decisions"], report["compared"], report["agreed"], report["fallbacks"]) == (6, 6, 0, 0)
    # cross-sell: P 0.5, cost 2000 points x 0.01 x (1 - 0.2) = 16 -> 8 per decision; deposit: 0.1 x 4 = 0.4
    assert report["ai"]["expected_cost"] == pytest.approx(6 * 8.0)
    assert report["baseline"]["expected_cost"] == pytest.approx(6 * 0.4)
    assert report["ai"]["expected_accepts"] == pytest.approx(3.0)
    assert report["ai"]["expected_value"] > report["baseline"]["expected_value"]


def test_a_pilot_issues_to_the_members_in_its_hashed_share_only(container: Container) -> None:
    def pilot(offers: dict[str, Any]) -> None:
        live(offers)
        offers["rollout"] = {"mode": "pilot", "pilot_share": 0.5, "pilot_segments": []}

    use_offers(container, pilot)
    customers = [ref("cust") for _ in range(16)]
    send(container, *(deposit(c) for c in customers))
    tokens = {c: container.tokeniser.token(c) for c in customers}
    expected_in = {tokens[c] for c in customers if pilot_bucket(tokens[c], "everyday") < 0.5}
    actions = {d["token"]: d["action"] for d in decisions(container) if d["token"] in tokens.values()}
    assert {t for t, action in actions.items() if action == "issued"} == expected_in
    assert {t for t, action in actions.items() if action == "shadow"} == set(tokens.values()) - expected_in
    assert 0 < len(expected_in) < len(customers)
