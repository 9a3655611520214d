"""The e-mail channel: one plain-text message per offer through an SMTP server, its Message-ID from the
outbox key so that a redelivery is recognisable as the same message."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from pointflow.adapters.notify.contacts import Contacts, ContactUnavailable
from pointflow.domain.delivery import Verdict
from pointflow.service_layer.notify import Outgoing
from pointflow.service_layer.outbox import Delivery


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0


class EmailChannel:
    def __init__(self, settings: SmtpSettings, contacts: Contacts) -> None:
        self.settings = settings
        self.contacts = contacts

    def send(self, message: Outgoing) -> Delivery:
        try:
            address = self.contacts.email(message.customer_id)
        except ContactUnavailable as error:
            return Delivery(Verdict.RETRY, f"the customer master is unavailable: {error}")
        if address is None:
            return Delivery(
                Verdict.REFUSED, "the core's customer master has no e-mail address for this member"
            )
        return self._submit(self.build(message, address))

    def build(self, message: Outgoing, address: str) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.settings.sender
        mail["To"] = address
        mail["Subject"] = message.subject
        mail["Message-ID"] = message_id(message.key, self.settings.sender)
        mail["Date"] = formatdate(usegmt=True)
        mail["Content-Language"] = message.locale.replace("_", "-")
        mail["X-Pointflow-Offer"] = message.offer_id
        mail.set_content(message.body)
        return mail

    def _submit(self, mail: EmailMessage) -> Delivery:
        s = self.settings
        try:
            with smtplib.SMTP(s.host, s.port, timeout=s.timeout) as smtp:
                if s.starttls:
                    smtp.starttls()
                if s.username and s.password:
                    smtp.login(s.username, s.password)
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as error:
            return Delivery(_verdict_of(error.recipients), f"recipient refused: {error.recipients}")
        except smtplib.SMTPResponseException as error:
            verdict = Verdict.REFUSED if 500 <= error.smtp_code < 600 else Verdict.RETRY
            return Delivery(verdict, f"SMTP {error.smtp_code}: {error.smtp_error!r}")
        except (smtplib.SMTPException, OSError) as error:
            return Delivery(Verdict.RETRY, f"{type(error).__name__}: {error}")
        return Delivery(Verdict.DELIVERED)


def message_id(key: str, sender: str) -> str:
    """`<key@sender's domain>`: the same for every delivery of one outbox message."""
    domain = sender.rpartition("@")[2].strip("> ") or "pointflow.invalid"
    return f"<{key}@{domain}>"


def _verdict_of(recipients: dict[str, tuple[int, bytes]]) -> Verdict:
    # A 4xx for a recipient (mailbox busy, greylisting) is worth another try; a 5xx is not.
    codes = [code for code, _ in recipients.values()]
    return Verdict.RETRY if codes and all(400 <= c < 500 for c in codes) else Verdict.REFUSED
