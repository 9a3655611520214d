"""The console's models, fairness, audit explorer, outbox and quarantine pages over HTTP in process, on SQLite
and PostgreSQL: who may open them, what they show, and the audit entries their actions leave."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from pointflow.adapters.db import governance_store as gs
from pointflow.adapters.db.tables import audit_log, outbox
from pointflow.adapters.model_store import ModelStore
from pointflow.bootstrap import Container
from pointflow.entrypoints.api.app import create_app
from pointflow.governance.access import ConsoleRole
from pointflow.governance.drift import DriftStatus, Measured
from pointflow.intelligence.propensity.metrics import binary_metrics
from pointflow.intelligence.registry import ModelVersion
from tests.console_support import csrf, signed_in
from tests.factories import EXAMPLE, ref
from tests.integration.test_audit import tamper
from tests.unit.propensity_support import small_model

R = ConsoleRole
AT = datetime(2024, 6, 1, 12, tzinfo=UTC)
HTML = {"Accept": "text/html"}


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), base_url="https://testserver", raise_server_exceptions=False) as c:
        yield c


def audit_rows(container: Container, action: str) -> list[dict[str, Any]]:
    with container.db.reader.connect() as conn:
        rows = conn.execute(select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.seq))
        return [dict(r._mapping) for r in rows]


def register_with_metrics(container: Container) -> ModelVersion:
    """The small test model, registered with test metrics as training records them (curves included)."""
    rng = np.random.default_rng(7)
    p = rng.uniform(0, 1, 400)
    y = (rng.uniform(0, 1, 400) < p).astype(np.float64)
    test = {"lightgbm_calibrated": binary_metrics(y, p), "recency_rule": binary_metrics(y, p[::-1].copy())}
    version, files = small_model()
    with_metrics = dataclasses.replace(version, metrics={"test": test})
    return ModelStore(container.settings.model_registry_dir).register(with_metrics, files, purpose="tests")


def test_models_show_cards_metrics_charts_and_drift(client: TestClient, container: Container) -> None:
    version = register_with_metrics(container)
    measured = [
        Measured("score", 200, 0.31, 0.12, DriftStatus.ALERT),
        Measured(version.features[0], 200, 0.02, None, DriftStatus.OK),
    ]
    with container.db.write() as conn:
        for day, psi in ((date(2024, 5, 1), 0.05), (date(2024, 6, 1), 0.31)):
            rows = [
                Measured(m.name, m.rows, psi if m.name == "score" else m.psi, m.ks, m.status)
                for m in measured
            ]
            gs.record_drift(
                conn, model=version.name, version=version.version, as_of=day, measured=rows, at=AT
            )
    signed_in(client, container, R.MARKETING_OPS)
    assert client.get("/console/models", headers=HTML).status_code == 403
    signed_in(client, container, R.VIEWER)
    page = client.get("/console/models")
    assert page.status_code == 200
    html = page.text
    key = f"{version.name}-{version.version}"
    assert f'id="model-{key}"' in html
    assert "champion" in html
    assert f'id="chart-calibration-{key}"' in html
    assert f'id="chart-lift-{key}"' in html
    assert f'id="chart-drift-{key}"' in html
    assert "0.310" in html  # the newest score PSI
    assert "The model scores (no fallback was ever switched on)." in html
    assert "tests" in html  # the card's purpose


def test_fairness_shows_parity_and_highlights_what_is_out_of_band(
    client: TestClient, container: Container
) -> None:
    report = {
        "groups": {"age_band": [{"group": "under_25", "members": 40, "offer_rate": 0.2, "approval_rate": None,
                                 "avg_offer_value": 5.0, "offers_issued": 8}]},
        "parity": [{"dimension": "age_band", "metric": "offer_rate", "reference": "35_49",
                    "ratios": {"under_25": 0.5, "35_49": 1.0}, "min_max": 0.5, "out_of_band": ["under_25"]}],
        "band": {"low": 0.8, "high": 1.25}, "min_group": 30, "alerts": [], "notes": [],
    }  # fmt: skip
    alert = {"subject": "age_band:offer_rate:under_25", "level": "out_of_band", "value": 0.5,
             "message": "age_band offer_rate: under_25 at 0.50 of 35_49"}  # fmt: skip
    with container.db.write() as conn:
        gs.record_fairness(conn, as_of=date(2024, 6, 1), report=report, alerts=[alert], at=AT)
    signed_in(client, container, R.VIEWER)
    assert client.get("/console/fairness", headers=HTML).status_code == 403
    signed_in(client, container, R.RISK)
    page = client.get("/console/fairness")
    assert page.status_code == 200
    assert 'id="fairness-alerts"' in page.text
    assert "age_band offer_rate: under_25 at 0.50 of 35_49" in page.text
    assert 'class="out-of-band"' in page.text
    assert "under_25 0.50 <strong>(out of band)</strong>" in page.text


def test_the_audit_explorer_filters_pages_and_verifies_the_chain(
    client: TestClient, container: Container
) -> None:
    signed_in(client, container, R.MARKETING_OPS)
    assert client.get("/console/audit", headers=HTML).status_code == 403
    risk = signed_in(client, container, R.RISK)
    logins = client.get("/console/audit", params={"action": "console.login", "actor": f"console:{risk}"})
    assert logins.status_code == 200
    assert logins.text.count('<tr><th scope="row">') == 1  # only this person's log-in
    assert "Showing 1–1 of 1" in logins.text
    everything = client.get("/console/audit", params={"since": "2024-06-01", "until": "2024-06-01"})
    assert "console.user_created" in everything.text
    assert client.get("/console/audit", params={"since": "June"}).status_code == 422

    verified = client.post("/console/audit/verify", data={"csrf_token": csrf(client)})
    assert verified.status_code == 200
    assert 'data-result="ok"' in verified.text
    [entry] = audit_rows(container, "console.audit_verified")
    assert entry["actor"] == f"console:{risk}"
    tamper(container, """UPDATE audit_log SET details = '{"roles":["admin"]}' WHERE seq = 2""")
    broken = client.post("/console/audit/verify", data={"csrf_token": csrf(client)})
    assert 'data-result="broken"' in broken.text
    assert "broken at entry 2" in broken.text


def test_an_admin_retries_a_dead_letter_audited(client: TestClient, container: Container) -> None:
    dead_id, other = ref("m")[:32], ref("m")[:32]
    with container.db.write() as conn:
        for message_id, state in ((dead_id, "dead"), (other, "delivered")):
            conn.execute(
                insert(outbox).values(
                    id=message_id, key=f"k-{message_id}", kind="points_credited", token="m_x", body="{}",
                    created_at=AT, state=state, attempts=8, next_attempt_at=AT, last_error="HTTP 500",
                )
            )  # fmt: skip
    signed_in(client, container, R.RISK)
    assert client.get("/console/outbox", headers=HTML).status_code == 403
    admin = signed_in(client, container, R.ADMIN)
    dead = client.get("/console/outbox", params={"state": "dead"})
    assert f'aria-label="Retry dead letter {dead_id}"' in dead.text
    assert other not in dead.text
    token = csrf(client)
    retried = client.post(
        f"/console/outbox/{dead_id}/retry", data={"csrf_token": token}, follow_redirects=False
    )
    assert retried.status_code == 303
    assert "queued again" in client.get(retried.headers["location"]).text
    assert container.outbox.counts() == {"pending": 1, "delivered": 1}
    [entry] = audit_rows(container, "console.outbox_retry")
    assert (entry["actor"], entry["subject"]) == (f"console:{admin}", f"outbox:{dead_id}")
    again = client.post(f"/console/outbox/{other}/retry", data={"csrf_token": token})
    assert 'id="retry-result"' in again.text
    assert len(audit_rows(container, "console.outbox_retry")) == 1


def test_an_admin_replays_a_quarantined_item_audited(client: TestClient, container: Container) -> None:
    item = container.quarantine.add(
        connector="generic", raw=EXAMPLE, reason="arrived early", field=None, source_id="txn_789012", at=AT
    )
    signed_in(client, container, R.RISK)
    assert client.get("/console/quarantine", headers=HTML).status_code == 403
    signed_in(client, container, R.ADMIN)
    listed = client.get("/console/quarantine", params={"connector": "generic"})
    assert f'aria-label="Replay quarantined item {item}"' in listed.text
    assert "arrived early" in listed.text
    replayed = client.post(f"/console/quarantine/{item}/replay", data={"csrf_token": csrf(client)})
    assert replayed.status_code == 200
    assert f"Item {item} replayed: accepted." in replayed.text
    assert container.quarantine.count("open") == 0
    [entry] = audit_rows(container, "console.quarantine_replayed")
    assert '"outcome":"accepted"' in entry["details"]
    twice = client.post(f"/console/quarantine/{item}/replay", data={"csrf_token": csrf(client)})
    assert "not open" in twice.text
