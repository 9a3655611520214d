"""Telling a member about an issued offer: the outbox values that carry its terms, and the receiver that turns
them into a message (composed once, recorded) and hands it to the member's channel."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pointflow.domain.core import WriteBack, WriteBackKind
from pointflow.domain.delivery import Verdict
from pointflow.domain.message_config import MessagesConfig
from pointflow.domain.offer_terms import InvalidOfferTerms, Notice, NotifyChannel, OfferTerms, read_notice
from pointflow.intelligence.messages.compose import Composed, Rewriter, compose
from pointflow.service_layer.outbox import Delivery, Receiver


def notify_values(terms: OfferTerms, *, channel: NotifyChannel, locale: str) -> dict[str, str]:
    """The outbox values of a NOTIFY message: the offer's terms as text, and how to tell the member."""
    optional = {
        "points": terms.points,
        "multiplier": terms.multiplier,
        "category": terms.category,
        "valid_from": terms.valid_from.isoformat() if terms.valid_from else None,
        "valid_until": terms.valid_until.isoformat() if terms.valid_until else None,
        "cashback_percent": terms.cashback_percent,
    }
    values = {
        "offer_id": terms.offer_id,
        "offer_code": terms.offer_code,
        "channel": channel,
        "locale": locale,
    }
    return values | {name: str(value) for name, value in optional.items() if value is not None}


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A composed message on its way to one member; `key` is its id, the same on every redelivery."""

    key: str
    customer_id: str
    offer_id: str
    locale: str
    subject: str
    body: str
    terms: Mapping[str, str]


class Channel(Protocol):
    """E-mail, push or webhook: finds the member's address itself, so personal data stays in the adapter."""

    def send(self, message: Outgoing) -> Delivery: ...


class MessageRecords(Protocol):
    """What was composed for each message id, and why: so a retry sends the same words."""

    def get(self, key: str) -> Composed | None: ...
    def add(self, *, key: str, token: str, notice: Notice, composed: Composed, at: datetime) -> None: ...


@dataclass
class Notifier:
    """The outbox receiver for NOTIFY messages."""

    channels: Mapping[str, Channel]
    records: MessageRecords
    messages_config: Callable[[], MessagesConfig]
    tokenise: Callable[[str], str]
    clock: Callable[[], datetime]
    rewriter: Rewriter | None = None

    def deliver(self, message: WriteBack) -> Delivery:
        try:
            notice = read_notice(message.values)
        except InvalidOfferTerms as error:
            return Delivery(Verdict.REFUSED, f"values.{error.field}: {error.detail}")
        channel = self.channels.get(notice.channel)
        if channel is None:
            return Delivery(Verdict.REFUSED, f"the {notice.channel} channel is not configured")
        composed = self.records.get(message.key) or self._compose(message, notice)
        outgoing = Outgoing(
            key=message.key,
            customer_id=message.customer_id,
            offer_id=notice.terms.offer_id,
            locale=composed.locale,
            subject=composed.subject,
            body=composed.body,
            terms=message.values,
        )
        return channel.send(outgoing)

    def _compose(self, message: WriteBack, notice: Notice) -> Composed:
        config = self.messages_config()
        composed = compose(notice.terms, locale=notice.locale, config=config, rewriter=self.rewriter)
        token = self.tokenise(message.customer_id)
        self.records.add(key=message.key, token=token, notice=notice, composed=composed, at=self.clock())
        return composed


@dataclass(frozen=True)
class RoutingReceiver:
    """NOTIFY messages to the member's channel; every other write-back to the core platform."""

    core: Receiver
    notifier: Receiver

    def deliver(self, message: WriteBack) -> Delivery:
        if message.kind is WriteBackKind.NOTIFY:
            return self.notifier.deliver(message)
        return self.core.deliver(message)
