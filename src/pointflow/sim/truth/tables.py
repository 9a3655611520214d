"""The simulator's arrays as Polars tables with compact enum columns, and their Parquet files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl

from pointflow.sim.truth.catalogue import COUNTRIES, CURRENCY, KINDS, REWARD_TYPES, IntArray
from pointflow.sim.truth.spend import MERCHANTS, Movements

_CHANNELS = tuple(sorted({k.channel for k in KINDS} | {"card_not_present"}))
_KIND_CHANNEL = np.array([_CHANNELS.index(k.channel) for k in KINDS])
_CARD_PRESENT = np.array([k.channel == "card_present" for k in KINDS])
_NOT_PRESENT = _CHANNELS.index("card_not_present")
_MERCHANT_NAMES = tuple(sorted(set(MERCHANTS)))
_MERCHANT_CODE = np.array([_MERCHANT_NAMES.index(m) for m in MERCHANTS])


def enum(values: Sequence[str]) -> pl.Series:
    """A Series of `values` typed as the Enum of its distinct values, so gathers stay compact."""
    categories = list(dict.fromkeys(values))
    return pl.Series(values, dtype=pl.Enum(categories))


_BY_KIND = {
    "direction": enum([k.direction for k in KINDS]),
    "transaction_type": enum([k.transaction_type for k in KINDS]),
    "mcc": enum([k.mcc for k in KINDS]),
}
_CHANNEL = enum(_CHANNELS)
_MERCHANT = enum(_MERCHANT_NAMES)
_COUNTRY = enum(COUNTRIES)
_REWARD = enum(REWARD_TYPES)
_CURRENCY = enum([CURRENCY])


def ids(prefix: str, n: int) -> pl.Series:
    """`cust_000001`… as an Enum series, one per member, the way the sandbox bank numbers customers."""
    return enum([f"{prefix}_{number:06d}" for number in range(1, n + 1)])


def transactions(
    moves: Movements, month: int, first_no: int, customers: pl.Series, accounts: pl.Series
) -> pl.DataFrame:
    """A month's movements in booking order (ties by member), numbered from `first_no`."""
    m = moves
    channel = np.where(m.online & _CARD_PRESENT[m.kind], _NOT_PRESENT, _KIND_CHANNEL[m.kind])
    booked = pl.from_epoch(pl.Series(m.at), time_unit="s").dt.replace_time_zone("UTC")
    unordered = pl.DataFrame(
        {
            "order": m.at * len(customers) + m.member,
            "customer_id": customers.gather(m.member),
            "account_id": accounts.gather(m.member),
            "booked_at": booked,
            "value_date": booked.dt.date(),
            "amount_cents": m.cents,
            "currency": _CURRENCY.gather(np.zeros(m.at.size, dtype=np.int64)),
            **{name: series.gather(m.kind) for name, series in _BY_KIND.items()},
            "merchant_name": _MERCHANT.gather(_MERCHANT_CODE[m.merchant]),
            "merchant_country": _COUNTRY.gather(m.country),
            "channel": _CHANNEL.gather(channel),
            "month": pl.Series(np.full(m.at.size, month, dtype=np.int16)),
        }
    )
    numbers = pl.int_range(first_no, first_no + m.at.size, dtype=pl.Int64).alias("transaction_no")
    return unordered.sort("order").select(numbers, pl.exclude("order"))


def reward_types(index: IntArray) -> pl.Series:
    """Reward type indices as the reward-type Enum."""
    return _REWARD.gather(index)


def redemptions(
    member: IntArray,
    reward: IntArray,
    points: IntArray,
    value: IntArray,
    at: IntArray,
    month: int,
    customers: pl.Series,
) -> pl.DataFrame:
    """A month's redemptions: who, when, which reward type, how many points and their value."""
    return pl.DataFrame(
        {
            "customer_id": customers.gather(member),
            "redeemed_at": pl.from_epoch(pl.Series(at), time_unit="s").dt.replace_time_zone("UTC"),
            "month": pl.Series(np.full(member.size, month, dtype=np.int16)),
            "reward_type": _REWARD.gather(reward),
            "points": points,
            "value_cents": value,
        }
    )


def write(tables: dict[str, pl.DataFrame], folder: Path) -> list[Path]:
    """One Parquet file per table; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, table in tables.items():
        path = folder / f"{name}.parquet"
        table.write_parquet(path)
        paths.append(path)
    return paths
