"""The webhook channel: the message as JSON to the bank's notification service, signed like the webhooks
pointflow accepts (HMAC-SHA256 over timestamp and body) and carrying the outbox key as Idempotency-Key."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import httpx

from pointflow.adapters.core_http import json_bytes
from pointflow.domain.delivery import Verdict
from pointflow.governance.signatures import HEADER, sign
from pointflow.service_layer.notify import Outgoing
from pointflow.service_layer.outbox import Delivery

_TRANSIENT = frozenset({408, 425, 429, 500, 502, 503, 504})


class WebhookChannel:
    """The receiver re-identifies the member by the core's customer id; no contact data leaves pointflow."""

    def __init__(self, client: httpx.Client, url: str, secret: str, clock: Callable[[], datetime]) -> None:
        self.client = client
        self.url = url
        self.secret = secret
        self.clock = clock

    def send(self, message: Outgoing) -> Delivery:
        body = json_bytes(
            {
                "id": message.key,
                "customer_id": message.customer_id,
                "offer_id": message.offer_id,
                "locale": message.locale,
                "subject": message.subject,
                "body": message.body,
                "terms": dict(message.terms),
            }
        )
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": message.key,
            HEADER: sign(self.secret, int(self.clock().timestamp()), body),
        }
        try:
            response = self.client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as error:
            return Delivery(Verdict.RETRY, f"{type(error).__name__}: {error}")
        if response.is_success:
            return Delivery(Verdict.DELIVERED)
        verdict = Verdict.RETRY if response.status_code in _TRANSIENT else Verdict.REFUSED
        return Delivery(verdict, f"HTTP {response.status_code} from the webhook: {response.text[:300]}")
