"""An offer from its cause to the member: a large deposit decides and issues an offer in the accrual's
transaction; the dispatcher writes the offer record and the priority-offer flag back to the sandbox bank and
e-mails the member, whose address only the bank's customer master holds."""

from __future__ import annotations

import dataclasses

from pointflow.bootstrap import Container
from pointflow.entrypoints import dispatcher
from tests.factories import ref, send
from tests.integration.notify_support import sandbox_core, sim_customer, smtp_server
from tests.integration.offer_support import deposit, live, offer_rows, use_offers


def test_an_issued_offer_reaches_the_core_and_the_members_inbox(container: Container) -> None:
    use_offers(container, live)
    ada = ref("cust")
    [result] = send(container, deposit(ada))
    assert result.status == "accepted"
    [offer] = offer_rows(container, token=container.tokeniser.token(ada))
    assert (offer["offer_code"], offer["state"]) == ("deposit-bonus", "issued")

    customers = [sim_customer(ada, "ada@example.org")]
    with sandbox_core(customers) as (bank, core), smtp_server() as (mailbox, port):
        settings = container.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
        receivers = dataclasses.replace(container, settings=settings).receivers(core)
        try:
            totals = dispatcher.run(container, receivers.receiver, once=True)
        finally:
            receivers.close()
        applied = bank.applied()

    assert (totals.delivered, totals.dead) == (3, 0)
    assert sorted(a.kind for a in applied if a.customer_id == ada) == ["flag", "offer"]
    [(recipients, mail)] = mailbox.received
    assert recipients == ["ada@example.org"]
    assert "500" in mail.get_content()  # the offer's points, from its terms
