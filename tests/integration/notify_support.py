"""Shared by the channel tests: an SMTP server (aiosmtpd) on loopback that keeps what it receives, an MQTT
subscriber on the local Mosquitto, and the sandbox bank whose customer master holds the members' contacts."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from paho.mqtt.client import Client, MQTTMessage
from paho.mqtt.enums import CallbackAPIVersion
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from pointflow.adapters.connectors.generic_api import GenericCoreApi
from pointflow.adapters.core_http import HttpCore, core_client
from pointflow.sim.bank import SimCustomer
from pointflow.sim.platforms.generic import GenericSandbox
from pointflow.sim.sandbox import SandboxBank
from pointflow.sim.server import sandbox_app
from tests.integration.broker_checks import broker_url
from tests.servers import serving, wait_for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mailbox:
    """An aiosmtpd handler: refuses listed recipients with `refuse_with`, keeps every message it accepts."""

    refuse: set[str] = field(default_factory=set)
    refuse_with: str = "550 5.1.1 no such mailbox"
    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return self.refuse_with
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(mail, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), mail))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def mqtt_url() -> str:
    return broker_url("mqtt", "mqtt://127.0.0.1:1883")


@contextmanager
def subscribed(url: str, topic: str) -> Iterator[list[MQTTMessage]]:
    """Messages arriving on `topic`, collected from the moment the broker acknowledged the subscription."""
    host_port = url.split("://", 1)[-1]
    host, _, port = host_port.partition(":")
    got: list[MQTTMessage] = []
    ready = threading.Event()
    client = Client(CallbackAPIVersion.VERSION2)
    client.on_connect = lambda c, *_: c.subscribe(topic, qos=1)
    client.on_subscribe = lambda *_: ready.set()
    client.on_message = lambda _c, _u, message: got.append(message)
    client.connect(host, int(port or 1883))
    client.loop_start()
    try:
        wait_for(ready.is_set, timeout=10, what=f"subscription to {topic}")
        yield got
    finally:
        client.loop_stop()
        client.disconnect()


def sim_customer(customer_id: str, email: str) -> SimCustomer:
    return SimCustomer(customer_id, f"acc_{customer_id}", "commuter", "GB", "Ada Lovelace", email, "+44")


@contextmanager
def sandbox_core(customers: list[SimCustomer]) -> Iterator[tuple[SandboxBank, HttpCore]]:
    """The sandbox bank over real HTTP on loopback, as a bank's core is reached in production."""
    bank = SandboxBank(customers)
    with serving(sandbox_app(GenericSandbox(), bank)) as base, core_client(base, timeout=5) as client:
        yield bank, HttpCore(GenericCoreApi(), client)


class FakeModel:
    """An OpenAI-compatible endpoint (POST /v1/chat/completions) standing in for the bank's language model:
    what it answers next, and every request it received."""

    def __init__(self) -> None:
        self.reply: str = ""
        self.answers: dict[str, str] = {}  # the user's text → the reply to it, where it should differ
        self.status = 200
        self.delay = 0.0
        self.requests: list[tuple[dict[str, str], Any]] = []

    def app(self) -> Starlette:
        async def completions(request: Request) -> JSONResponse:
            body = await request.json()
            self.requests.append((dict(request.headers), body))
            reply = self.answers.get(body["messages"][-1]["content"], self.reply)
            await asyncio.sleep(self.delay)
            if self.status != 200:
                return JSONResponse({"error": {"message": "overloaded"}}, status_code=self.status)
            choice = {
                "index": 0,
                "message": {"role": "assistant", "content": reply},
                "finish_reason": "stop",
            }
            return JSONResponse({"id": "chatcmpl-1", "object": "chat.completion", "choices": [choice]})

        return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])
