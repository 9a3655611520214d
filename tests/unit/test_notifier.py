"""The outbox receiver for offer notifications: NOTIFY goes to the member's channel, everything else to the
core; a message is composed once and a retry sends the same words; bad values and missing channels refuse."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from pointflow.domain.core import WriteBack, WriteBackKind
from pointflow.domain.delivery import Verdict
from pointflow.domain.message_config import MessagesConfig
from pointflow.domain.offer_terms import Notice, OfferTerms
from pointflow.intelligence.messages.compose import Composed
from pointflow.service_layer.notify import Notifier, Outgoing, RoutingReceiver, notify_values
from pointflow.service_layer.outbox import Delivery

NOW = datetime(2027, 1, 1, 9, tzinfo=UTC)
TERMS = OfferTerms("off_1", "bonus-500", points=500, valid_until=date(2027, 2, 28))


class Records:
    def __init__(self) -> None:
        self.rows: dict[str, tuple[str, Notice, Composed]] = {}

    def get(self, key: str) -> Composed | None:
        row = self.rows.get(key)
        return row[2] if row else None

    def add(self, *, key: str, token: str, notice: Notice, composed: Composed, at: datetime) -> None:
        self.rows.setdefault(key, (token, notice, composed))


class Inbox:
    def __init__(self, verdict: Verdict = Verdict.DELIVERED) -> None:
        self.sent: list[Outgoing] = []
        self.verdict = verdict

    def send(self, message: Outgoing) -> Delivery:
        self.sent.append(message)
        return Delivery(self.verdict)


class Core:
    def __init__(self) -> None:
        self.got: list[WriteBack] = []

    def deliver(self, message: WriteBack) -> Delivery:
        self.got.append(message)
        return Delivery(Verdict.DELIVERED)


class Rewriter:
    """Answers differently each time, as a sampling model would."""

    def __init__(self) -> None:
        self.calls = 0

    def rewrite(self, text: str, *, locale: str) -> str:
        self.calls += 1
        return f"500 bonus points are yours until 28 February 2027{'!' * self.calls}"


def notifier(channels: dict[str, Inbox], records: Records, rewriter: Rewriter | None = None) -> Notifier:
    return Notifier(
        channels=channels,
        records=records,
        messages_config=MessagesConfig,
        tokenise=lambda customer: f"m_{customer}",
        clock=lambda: NOW,
        rewriter=rewriter,
    )


def notice(channel: str = "email", **extra: str) -> WriteBack:
    values = notify_values(TERMS, channel=channel, locale="en_GB") | extra  # type: ignore[arg-type]
    return WriteBack(WriteBackKind.NOTIFY, "notify-off_1", "cust_7", values=values)


def test_notify_goes_to_the_named_channel_and_everything_else_to_the_core() -> None:
    email, push, core = Inbox(), Inbox(), Core()
    routing = RoutingReceiver(core=core, notifier=notifier({"email": email, "push": push}, Records()))
    offer = WriteBack(WriteBackKind.OFFER, "offer-off_1", "cust_7", values={"offer_id": "off_1"})
    assert routing.deliver(offer).verdict is Verdict.DELIVERED
    assert routing.deliver(notice("push")).verdict is Verdict.DELIVERED
    assert core.got == [offer]
    assert email.sent == []
    [sent] = push.sent
    assert (sent.key, sent.customer_id, sent.offer_id) == ("notify-off_1", "cust_7", "off_1")
    assert sent.body == "We have added 500 bonus points. Valid until 28 February 2027."


def test_a_retry_sends_the_words_composed_the_first_time_and_records_them_under_the_token() -> None:
    records, inbox, rewriter = Records(), Inbox(Verdict.RETRY), Rewriter()
    receiver = notifier({"email": inbox}, records, rewriter)
    assert receiver.deliver(notice()).verdict is Verdict.RETRY
    assert receiver.deliver(notice()).verdict is Verdict.RETRY
    assert rewriter.calls == 1
    assert inbox.sent[0] == inbox.sent[1]
    assert inbox.sent[0].body == "500 bonus points are yours until 28 February 2027!"
    token, recorded_notice, composed = records.rows["notify-off_1"]
    assert (token, recorded_notice.terms, composed.source) == ("m_cust_7", TERMS, "rewrite")


def test_a_channel_that_is_not_configured_refuses_and_composes_nothing() -> None:
    records = Records()
    delivery = notifier({"email": Inbox()}, records).deliver(notice("webhook"))
    assert delivery == Delivery(Verdict.REFUSED, "the webhook channel is not configured")
    assert records.rows == {}


def test_unreadable_terms_refuse_naming_the_value() -> None:
    delivery = notifier({"email": Inbox()}, Records()).deliver(notice(points="five hundred"))
    assert delivery.verdict is Verdict.REFUSED
    assert delivery.detail.startswith("values.points:")


def test_terms_reach_the_channel_as_the_outbox_values() -> None:
    inbox = Inbox()
    notifier({"email": inbox}, Records()).deliver(notice(locale="de_DE"))
    assert inbox.sent[0].terms["points"] == "500"
    assert inbox.sent[0].locale == "de_DE"
    assert inbox.sent[0].subject == "500 Bonuspunkte für Sie"
    assert Decimal(inbox.sent[0].terms["points"]) == TERMS.points
