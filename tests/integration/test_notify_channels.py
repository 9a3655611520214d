"""Each channel against a real server: e-mail through SMTP (aiosmtpd on loopback) to the address in the
sandbox bank's customer master, push through the local Mosquitto, and a signed webhook over HTTP. A redelivery
carries the same id; failures are retried or refused by what they mean."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from pointflow.adapters.core_http import HttpCore
from pointflow.adapters.notify.contacts import CoreContacts
from pointflow.adapters.notify.email import EmailChannel, SmtpSettings
from pointflow.adapters.notify.push import MqttSettings, PushChannel, topic
from pointflow.adapters.notify.webhook import WebhookChannel
from pointflow.domain.delivery import Verdict
from pointflow.governance.signatures import HEADER, SignatureInvalid, verify
from pointflow.service_layer.notify import Outgoing
from tests.factories import ref
from tests.integration.notify_support import (
    free_port,
    mqtt_url,
    sandbox_core,
    sim_customer,
    smtp_server,
    subscribed,
)
from tests.servers import serving, wait_for

NOW = datetime(2027, 1, 1, 9, tzinfo=UTC)


def outgoing(customer_id: str, key: str | None = None) -> Outgoing:
    return Outgoing(
        key=key or ref("notify"),
        customer_id=customer_id,
        offer_id="off_1",
        locale="en_GB",
        subject="500 bonus points for you",
        body="We have added 500 bonus points. Valid until 28 February 2027.",
        terms={"offer_id": "off_1", "points": "500", "valid_until": "2027-02-28"},
    )


@pytest.fixture
def core() -> Iterator[HttpCore]:
    customers = [sim_customer("cust_ada", "ada@example.org"), sim_customer("cust_bob", "bob@example.org")]
    with sandbox_core(customers) as (_, http_core):
        yield http_core


def test_an_email_reaches_the_address_in_the_customer_master_and_a_redelivery_keeps_its_id(
    core: HttpCore,
) -> None:
    with smtp_server() as (mailbox, port):
        channel = EmailChannel(
            SmtpSettings("127.0.0.1", port, "Loyalty <loyalty@bank.example>"), CoreContacts(core)
        )
        message = outgoing("cust_ada", key="notify-off_1")
        assert channel.send(message).verdict is Verdict.DELIVERED
        assert channel.send(message).verdict is Verdict.DELIVERED
    assert [rcpt for rcpt, _ in mailbox.received] == [["ada@example.org"], ["ada@example.org"]]
    first, second = (mail for _, mail in mailbox.received)
    assert first["Message-ID"] == second["Message-ID"] == "<notify-off_1@bank.example>"
    assert first["Subject"] == "500 bonus points for you"
    assert first["X-Pointflow-Offer"] == "off_1"
    assert first.get_content().strip() == "We have added 500 bonus points. Valid until 28 February 2027."


def test_email_failures_are_retried_or_refused_by_what_they_mean(core: HttpCore) -> None:
    with smtp_server() as (mailbox, port):
        mailbox.refuse = {"bob@example.org"}
        channel = EmailChannel(SmtpSettings("127.0.0.1", port, "loyalty@bank.example"), CoreContacts(core))
        refused = channel.send(outgoing("cust_bob"))
        assert refused.verdict is Verdict.REFUSED
        assert "550" in refused.detail
        mailbox.refuse_with = "450 4.2.1 mailbox busy"
        assert channel.send(outgoing("cust_bob")).verdict is Verdict.RETRY
        unknown = channel.send(outgoing("cust_nobody"))  # the core answers 404: the master cannot be read
        assert unknown.verdict is Verdict.RETRY
        assert "customer master is unavailable" in unknown.detail
    down = EmailChannel(
        SmtpSettings("127.0.0.1", free_port(), "loyalty@bank.example", timeout=2), CoreContacts(core)
    )
    assert down.send(outgoing("cust_ada")).verdict is Verdict.RETRY
    assert mailbox.received == []


def test_a_member_without_an_email_address_is_refused() -> None:
    with sandbox_core([sim_customer("cust_nomail", "")]) as (_, core), smtp_server() as (mailbox, port):
        channel = EmailChannel(SmtpSettings("127.0.0.1", port, "loyalty@bank.example"), CoreContacts(core))
        delivery = channel.send(outgoing("cust_nomail"))
    assert delivery.verdict is Verdict.REFUSED
    assert mailbox.received == []


def test_a_push_reaches_the_members_topic_with_qos_1_and_its_id() -> None:
    url, prefix = mqtt_url(), f"pointflow-test/{ref('run')}"
    channel = PushChannel(MqttSettings(url, prefix))
    try:
        with subscribed(url, topic(prefix, "cust_ada")) as got:
            message = outgoing("cust_ada", key="notify-off_1")
            assert channel.send(message).verdict is Verdict.DELIVERED
            assert channel.send(message).verdict is Verdict.DELIVERED
            wait_for(lambda: len(got) >= 2, timeout=10, what="two push payloads")
    finally:
        channel.close()
    payloads = [json.loads(m.payload) for m in got]
    assert [p["id"] for p in payloads] == ["notify-off_1", "notify-off_1"]
    assert payloads[0] | {"id": None} == {
        "id": None,
        "offer_id": "off_1",
        "locale": "en_GB",
        "title": "500 bonus points for you",
        "body": "We have added 500 bonus points. Valid until 28 February 2027.",
        "valid_until": "2027-02-28",
    }
    assert {m.qos for m in got} == {1}
    assert got[0].topic == f"{prefix}/cust_ada"


def test_a_push_to_a_broker_that_is_down_is_retried() -> None:
    channel = PushChannel(MqttSettings(f"mqtt://127.0.0.1:{free_port()}", timeout=2))
    delivery = channel.send(outgoing("cust_ada"))
    channel.close()
    assert delivery.verdict is Verdict.RETRY


class Hook:
    def __init__(self) -> None:
        self.status = 200
        self.received: list[tuple[dict[str, str], bytes]] = []

    def app(self) -> Starlette:
        async def receive(request: Request) -> JSONResponse:
            body = await request.body()
            try:
                verify(["hook-secret"], request.headers.get(HEADER), body, now=NOW, tolerance_seconds=300)
            except SignatureInvalid as error:
                return JSONResponse({"error": error.detail}, status_code=401)
            self.received.append((dict(request.headers), body))
            return JSONResponse({"ok": True}, status_code=self.status)

        return Starlette(routes=[Route("/notify", receive, methods=["POST"])])


@pytest.mark.parametrize(
    ("status", "verdict"), [(202, Verdict.DELIVERED), (503, Verdict.RETRY), (422, Verdict.REFUSED)]
)
def test_a_signed_webhook_is_verified_by_the_receiver(status: int, verdict: Verdict) -> None:
    hook = Hook()
    hook.status = status
    with serving(hook.app()) as base, httpx.Client() as client:
        channel = WebhookChannel(client, f"{base}/notify", "hook-secret", lambda: NOW)
        assert channel.send(outgoing("cust_ada", key="notify-off_1")).verdict is verdict
        wrong = WebhookChannel(client, f"{base}/notify", "not-the-secret", lambda: NOW)
        assert wrong.send(outgoing("cust_ada")).verdict is Verdict.REFUSED  # 401: retrying cannot help
    [(headers, body)] = hook.received
    assert headers["idempotency-key"] == "notify-off_1"
    sent = json.loads(body)
    assert (sent["id"], sent["customer_id"], sent["terms"]["points"]) == ("notify-off_1", "cust_ada", "500")
