"""The push channel: a JSON payload published with QoS 1 to the member's MQTT topic, which the bank's app
(or its push gateway) subscribes to; the payload's `id` is the outbox key, so a redelivery is recognisable."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from urllib.parse import urlparse

import orjson
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from pointflow.domain.delivery import Verdict
from pointflow.service_layer.notify import Outgoing
from pointflow.service_layer.outbox import Delivery


@dataclass(frozen=True, slots=True)
class MqttSettings:
    url: str  # mqtt://host:1883
    topic_prefix: str = "pointflow/members"
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0


def topic(prefix: str, customer_id: str) -> str:
    """One topic per member, named by the core's customer id that the bank's app already knows."""
    safe = customer_id.replace("/", "_").replace("+", "_").replace("#", "_")
    return f"{prefix.rstrip('/')}/{safe}"


def payload(message: Outgoing) -> bytes:
    return orjson.dumps(
        {
            "id": message.key,
            "offer_id": message.offer_id,
            "locale": message.locale,
            "title": message.subject,
            "body": message.body,
            "valid_until": message.terms.get("valid_until"),
        }
    )


class PushChannel:
    """One connection, opened on first use and again after it drops; publishes wait for the broker's ack."""

    def __init__(self, settings: MqttSettings) -> None:
        self.settings = settings
        self._client: mqtt.Client | None = None
        self._lock = threading.Lock()

    def send(self, message: Outgoing) -> Delivery:
        try:
            client = self._connected()
            info = client.publish(
                topic(self.settings.topic_prefix, message.customer_id), payload(message), qos=1
            )
            info.wait_for_publish(timeout=self.settings.timeout)
        except (OSError, RuntimeError, ValueError) as error:
            self.close()
            return Delivery(Verdict.RETRY, f"MQTT {type(error).__name__}: {error}")
        if not info.is_published():
            self.close()
            return Delivery(Verdict.RETRY, f"MQTT broker did not acknowledge ({mqtt.error_string(info.rc)})")
        return Delivery(Verdict.DELIVERED)

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.loop_stop()
            client.disconnect()

    def _connected(self) -> mqtt.Client:
        with self._lock:
            if self._client is not None and self._client.is_connected():
                return self._client
            self._client = self._connect()
            return self._client

    def _connect(self) -> mqtt.Client:
        url = urlparse(self.settings.url)
        client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
        if self.settings.username:
            client.username_pw_set(self.settings.username, self.settings.password)
        connected = threading.Event()
        client.on_connect = lambda *_: connected.set()
        client.connect(url.hostname or "127.0.0.1", url.port or 1883)
        client.loop_start()
        if not connected.wait(self.settings.timeout):
            client.loop_stop()
            raise OSError(f"no CONNACK from {url.hostname}:{url.port} within {self.settings.timeout} s")
        return client
