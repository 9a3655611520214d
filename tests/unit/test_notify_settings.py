"""Notification settings: channels and the rewrite are off unless configured, refuse half a configuration,
and the programme file's `messages:` section loads from YAML."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pointflow.adapters.programme_file import load_programme_text, sample_programme_path
from pointflow.config import Settings
from pointflow.domain.programme import ProgrammeInvalid


def test_by_default_no_channel_is_on_and_nothing_is_rewritten() -> None:
    settings = Settings(environment="test")
    assert (settings.smtp_host, settings.mqtt_url, settings.notify_webhook_url) == (None, None, None)
    assert settings.llm_rewrite is False


@pytest.mark.parametrize(
    ("values", "names"),
    [
        ({"llm_rewrite": True}, "POINTFLOW_LLM_BASE_URL"),
        ({"llm_rewrite": True, "llm_base_url": "http://127.0.0.1:8000/v1"}, "POINTFLOW_LLM_MODEL"),
        ({"notify_webhook_url": "https://notify.bank.example/hook"}, "POINTFLOW_NOTIFY_WEBHOOK_SECRET"),
    ],
)
def test_half_a_configuration_refuses_to_start(values: dict[str, object], names: str) -> None:
    with pytest.raises(ValidationError, match=names):
        Settings(environment="test", **values)  # type: ignore[arg-type]


SECTION = """
messages:
  default_locale: de_DE
  templates:
    de_DE:
      groceries-2x:
        subject: "{{ multiplier }}-fach punkten"
        body: "Sammeln Sie {{ multiplier }}-fache Punkte bei {{ category }}."
  category_names:
    de_DE: {groceries: Lebensmittel}
  banned_claims: [garantiert]
"""


def test_the_messages_section_loads_from_the_programme_file() -> None:
    programme = load_programme_text(sample_programme_path().read_text(encoding="utf-8") + SECTION)
    messages = programme.messages
    assert messages.default_locale == "de_DE"
    assert messages.templates["de_DE"]["groceries-2x"].subject == "{{ multiplier }}-fach punkten"
    assert messages.category_names == {"de_DE": {"groceries": "Lebensmittel"}}
    assert messages.banned_claims == ("garantiert",)


def test_a_template_with_digits_in_the_programme_file_names_the_field() -> None:
    text = sample_programme_path().read_text(encoding="utf-8") + SECTION.replace(
        "punkten", "punkten, 10% extra"
    )
    with pytest.raises(ProgrammeInvalid) as caught:
        load_programme_text(text)
    fields = [field for field, _ in caught.value.errors]
    assert fields == ["messages.templates.de_DE.groceries-2x.subject"]
