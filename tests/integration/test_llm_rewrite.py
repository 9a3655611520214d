"""The rewrite path over real HTTP: a small OpenAI-compatible server on loopback stands in for the bank's
language model; its answer is used only when the guard accepts it, and a slow model means the template."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from pointflow.adapters.llm import ChatRewriter, llm_client
from pointflow.domain.message_config import MessagesConfig
from pointflow.domain.offer_terms import OfferTerms
from pointflow.intelligence.messages.compose import compose
from tests.integration.notify_support import FakeModel
from tests.servers import serving

TERMS = OfferTerms(
    "off_1",
    "fuel-3x",
    multiplier=Decimal(3),
    category="fuel",
    valid_from=date(2027, 3, 1),
    valid_until=date(2027, 3, 15),
)
TEMPLATE = "Earn 3× points on fuel. Valid from 1 March 2027. Valid until 15 March 2027."


@pytest.fixture
def model() -> Iterator[tuple[FakeModel, ChatRewriter]]:
    fake = FakeModel()
    with serving(fake.app()) as base:
        client = llm_client(f"{base}/v1", api_key="sk-test", timeout=0.5)
        try:
            yield fake, ChatRewriter(client, model="bank-llm-small")
        finally:
            client.close()


def test_a_faithful_rewrite_is_accepted_and_the_request_is_openai_shaped(
    model: tuple[FakeModel, ChatRewriter],
) -> None:
    fake, rewriter = model
    fake.reply = "From 1 March 2027 until 15 March 2027, every fill-up earns you 3× the points."
    message = compose(TERMS, locale="en_GB", config=MessagesConfig(), rewriter=rewriter)
    assert (message.source, message.body, message.note) == ("rewrite", fake.reply, None)
    [(headers, body)] = fake.requests
    assert headers["authorization"] == "Bearer sk-test"
    assert body["model"] == "bank-llm-small"
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert body["messages"][1]["content"] == TEMPLATE


def test_a_rewrite_with_a_changed_number_is_refused(model: tuple[FakeModel, ChatRewriter]) -> None:
    fake, rewriter = model
    fake.reply = "From 1 March 2027 until 15 March 2027, every fill-up earns you 4× the points."
    message = compose(TERMS, locale="en_GB", config=MessagesConfig(), rewriter=rewriter)
    assert (message.source, message.body) == ("template", TEMPLATE)
    assert message.note == (
        "rewrite refused: its figures differ from the terms: expected numbers 3; dates 2027-03-01, "
        "2027-03-15; found numbers 4; dates 2027-03-01, 2027-03-15"
    )


def test_a_rewrite_with_a_banned_claim_is_refused(model: tuple[FakeModel, ChatRewriter]) -> None:
    fake, rewriter = model
    fake.reply = "Guaranteed: 3× points on fuel from 1 March 2027 until 15 March 2027."
    message = compose(TERMS, locale="en_GB", config=MessagesConfig(), rewriter=rewriter)
    assert (message.source, message.body) == ("template", TEMPLATE)
    assert message.note == "rewrite refused: it makes a banned claim: guaranteed"


def test_a_slow_model_times_out_and_the_template_stands(model: tuple[FakeModel, ChatRewriter]) -> None:
    fake, rewriter = model
    fake.reply, fake.delay = "From 1 March 2027 until 15 March 2027, 3× points on fuel.", 1.5
    message = compose(TERMS, locale="en_GB", config=MessagesConfig(), rewriter=rewriter)
    assert (message.source, message.body) == ("template", TEMPLATE)
    assert message.note is not None
    assert message.note.startswith("rewrite failed: the language model timed out")


def test_an_error_from_the_model_means_the_template(model: tuple[FakeModel, ChatRewriter]) -> None:
    fake, rewriter = model
    fake.status = 503
    message = compose(TERMS, locale="en_GB", config=MessagesConfig(), rewriter=rewriter)
    assert (message.source, message.note) == (
        "template",
        "rewrite failed: the language model answered HTTP 503",
    )
