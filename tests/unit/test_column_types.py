"""The hot-path bind processors of pointflow's column types write what SQLAlchemy's own would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import DateTime
from sqlalchemy.dialects import sqlite

from pointflow.adapters.db.tables import MONEY, TS

SQLITE = sqlite.dialect()
_REFERENCE = DateTime().dialect_impl(SQLITE).bind_processor(SQLITE)
_OFFSETS = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))])


@given(moment=st.datetimes(min_value=datetime(1900, 1, 2), timezones=_OFFSETS))
def test_an_instant_is_stored_as_sqlalchemy_stores_its_utc_reading(moment: datetime) -> None:
    assert _REFERENCE is not None
    assert TS.bind_processor(SQLITE)(moment) == _REFERENCE(moment.astimezone(UTC))


def test_the_datetime_text_keeps_microseconds_and_drops_the_offset() -> None:
    moment = datetime(2024, 5, 15, 16, 30, 0, 7, tzinfo=timezone(timedelta(hours=2)))
    assert TS.bind_processor(SQLITE)(moment) == "2024-05-15 14:30:00.000007"


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        TS.bind_processor(SQLITE)(datetime(2024, 5, 15, 14, 30))


@given(amount=st.decimals(allow_nan=False, allow_infinity=False, places=8))
def test_money_is_stored_as_its_exact_text(amount: Decimal) -> None:
    assert MONEY.bind_processor(SQLITE)(amount) == MONEY.process_bind_param(amount, SQLITE)
    assert Decimal(MONEY.bind_processor(SQLITE)(amount)) == amount


def test_none_stays_none() -> None:
    assert TS.bind_processor(SQLITE)(None) is None
    assert MONEY.bind_processor(SQLITE)(None) is None
