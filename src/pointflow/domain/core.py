"""What pointflow reads from and writes to a core banking platform, in platform-neutral terms."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from pointflow.domain.money import Money


@dataclass(frozen=True, slots=True)
class CustomerMaster:
    """The core's customer record, split into what decisioning may see and what only the vault may hold."""

    customer_id: str
    status: str | None = None
    segment: str | None = None
    branch: str | None = None
    joined_on: date | None = None
    birth_year: int | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    pii: dict[str, str] = field(
        default_factory=dict
    )  # names, e-mail, phone: never leave the identity boundary


@dataclass(frozen=True, slots=True)
class AccountBalance:
    account_id: str
    balance: Money
    available: Money | None = None
    product: str | None = None


class WriteBackKind(StrEnum):
    POINTS_CREDITED = "points_credited"  # a reward was credited: a note or a transaction on the core
    OFFER = "offer"  # a personalised offer, for the core's campaign engine or the client record
    FLAG = "flag"  # a customer flag, e.g. priority-offer eligibility, as a custom field value
    NOTIFY = "notify"


@dataclass(frozen=True, slots=True)
class WriteBack:
    """One change pointflow asks the core to make; `key` makes a second delivery have no second effect."""

    kind: WriteBackKind
    key: str
    customer_id: str
    account_id: str | None = None
    values: dict[str, str] = field(default_factory=dict)
