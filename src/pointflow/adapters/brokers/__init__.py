"""Broker ingress: NATS JetStream, RabbitMQ, Redis Streams and Kafka feeding the one ingress handler."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

from pointflow.adapters.brokers.base import Ingress, Publisher, Topology, Tuning
from pointflow.adapters.brokers.handler import BatchHandler

BrokerKind = Literal["nats", "rabbit", "redis", "kafka"]
BROKERS: tuple[BrokerKind, ...] = get_args(BrokerKind)
DEFAULT_URLS: dict[BrokerKind, str] = {
    "nats": "nats://127.0.0.1:4222",
    "rabbit": "amqp://guest:guest@127.0.0.1:5672/",
    "redis": "redis://127.0.0.1:6379",
    "kafka": "127.0.0.1:9092",
}


def ingress_for(
    kind: BrokerKind,
    *,
    url: str,
    topology: Topology,
    partitions: Sequence[int],
    handler: BatchHandler,
    tuning: Tuning,
    owner: str,
) -> Ingress:
    """The worker's side of `kind`; each broker's client library is imported only when it is used."""
    if kind == "kafka":
        from pointflow.adapters.brokers.kafka import KafkaIngress

        return KafkaIngress(url=url, topology=topology, handler=handler, tuning=tuning)
    if kind == "nats":
        from pointflow.adapters.brokers.jetstream import NatsIngress

        return NatsIngress(
            url=url, topology=topology, partitions=partitions, handler=handler, tuning=tuning, owner=owner
        )
    if kind == "rabbit":
        from pointflow.adapters.brokers.rabbitmq import RabbitIngress

        return RabbitIngress(
            url=url, topology=topology, partitions=partitions, handler=handler, tuning=tuning, owner=owner
        )
    from pointflow.adapters.brokers.redis_streams import RedisIngress

    return RedisIngress(
        url=url, topology=topology, partitions=partitions, handler=handler, tuning=tuning, owner=owner
    )


def publisher_for(kind: BrokerKind, *, url: str, topology: Topology) -> Publisher:
    """The bank's side of `kind`: each document goes to its customer's partition."""
    if kind == "nats":
        from pointflow.adapters.brokers.jetstream import NatsPublisher

        return NatsPublisher(url=url, topology=topology)
    if kind == "rabbit":
        from pointflow.adapters.brokers.rabbitmq import RabbitPublisher

        return RabbitPublisher(url=url, topology=topology)
    if kind == "redis":
        from pointflow.adapters.brokers.redis_streams import RedisPublisher

        return RedisPublisher(url=url, topology=topology)
    from pointflow.adapters.brokers.kafka import KafkaPublisher

    return KafkaPublisher(url=url, topology=topology)
