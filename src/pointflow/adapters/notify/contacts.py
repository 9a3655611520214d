"""Where a member is reached, looked up in the core's customer master at delivery time, so that pointflow
stores no e-mail address: the address lives only in the channel adapter, for one send."""

from __future__ import annotations

from typing import Protocol

from pointflow.adapters.core_http import CoreUnavailable
from pointflow.domain.core import CustomerMaster


class ContactUnavailable(Exception):
    """The customer master could not be read now; the send may work later."""


class CustomerMasterSource(Protocol):
    def customer(self, customer_id: str) -> CustomerMaster: ...


class Contacts(Protocol):
    def email(self, customer_id: str) -> str | None: ...


class CoreContacts:
    """The e-mail address from the configured core's customer master (`CustomerMaster.pii["email"]`)."""

    def __init__(self, core: CustomerMasterSource) -> None:
        self.core = core

    def email(self, customer_id: str) -> str | None:
        try:
            master = self.core.customer(customer_id)
        except CoreUnavailable as error:
            raise ContactUnavailable(str(error)) from error
        return master.pii.get("email") or None
