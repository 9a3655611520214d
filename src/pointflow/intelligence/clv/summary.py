"""Each customer's purchase history reduced to what the models need: x, t_x, T and average repeat spend.

Following Fader, Hardie & Lee (2005): a customer's clock starts at their first purchase; repeat
transactions are the distinct later days with a purchase up to the end of calibration (several orders on
one day are one transaction, their spend summed); t_x is the time of the last of them and T the time to
the end of calibration, both from the first purchase, in units of `unit_days` (weeks by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl

from pointflow.intelligence.clv.special import FloatArray

WEEK = 7
# A log line: customer, date as YYYYMMDD, quantity, spend — whitespace separated, as CDNOW ships it.
LOG_LINE = r"^\s*(?<customer_id>\S+)\s+(?<date>\d{8})\s+(?<quantity>\S+)\s+(?<spend>\S+)\s*$"


@dataclass(frozen=True)
class Summary:
    """One row per customer: repeat transactions x, recency t_x, age T, mean spend per repeat transaction."""

    customer_id: list[str]
    x: FloatArray
    t_x: FloatArray
    T: FloatArray
    monetary: FloatArray

    def __len__(self) -> int:
        return len(self.customer_id)

    def repeaters(self) -> Summary:
        """Only the customers with at least one repeat transaction (what Gamma-Gamma is fitted to)."""
        return self.select(self.x > 0)

    def select(self, keep: npt.NDArray[np.bool_]) -> Summary:
        """The customers where `keep` is true."""
        ids = [c for c, k in zip(self.customer_id, keep, strict=True) if k]
        return Summary(ids, self.x[keep], self.t_x[keep], self.T[keep], self.monetary[keep])


def read_transaction_log(path: Path) -> pl.DataFrame:
    """A whitespace-separated log `customer_id yyyymmdd quantity spend`; a header line is skipped."""
    lines = pl.Series("line", path.read_text(encoding="utf-8").splitlines())
    parts = lines.str.extract_groups(LOG_LINE).struct.unnest().with_row_index("number", offset=1)
    unread = parts.filter(pl.col("date").is_null() & (pl.col("number") > 1) & (lines.str.strip_chars() != ""))
    if unread.height:
        number = unread["number"][0]
        raise ValueError(f"{path.name} line {number} is not `customer_id yyyymmdd quantity spend`")
    rows = parts.filter(pl.col("date").is_not_null())
    return rows.select(
        pl.col("customer_id"),
        pl.col("date").str.to_date("%Y%m%d"),
        pl.col("spend").cast(pl.Float64),
    )


def summarise(transactions: pl.DataFrame, *, calibration_end: date, unit_days: int = WEEK) -> Summary:
    """The summary of every customer whose first purchase is on or before `calibration_end`.

    `transactions` has columns customer_id, date and spend.
    """
    days = (
        transactions.filter(pl.col("date") <= calibration_end)
        .group_by("customer_id", "date")
        .agg(pl.col("spend").sum())
        .sort("customer_id", "date")
    )
    per_customer = days.group_by("customer_id", maintain_order=True).agg(
        (pl.len() - 1).alias("x"),
        pl.col("date").first().alias("first"),
        pl.col("date").last().alias("last"),
        pl.col("spend").slice(1).mean().fill_null(0.0).alias("monetary"),
    )
    table = per_customer.with_columns(
        ((pl.col("last") - pl.col("first")).dt.total_days() / unit_days).alias("t_x"),
        ((pl.lit(calibration_end) - pl.col("first")).dt.total_days() / unit_days).alias("T"),
    )
    return _from_frame(table.rename({"customer_id": "id"}))


def read_summary_csv(path: Path) -> Summary:
    """A summary CSV: ID (or customer_id), frequency, recency, T and optionally monetary_value."""
    frame = pl.read_csv(path, infer_schema_length=0)
    id_column = "ID" if "ID" in frame.columns else "customer_id"
    missing = {id_column, "frequency", "recency", "T"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path.name} has no column {', '.join(sorted(missing))}")
    monetary = "monetary_value" if "monetary_value" in frame.columns else None
    try:
        table = frame.select(
            pl.col(id_column).alias("id"),
            pl.col("frequency").cast(pl.Float64).alias("x"),
            pl.col("recency").cast(pl.Float64).alias("t_x"),
            pl.col("T").cast(pl.Float64),
            (pl.col(monetary).cast(pl.Float64) if monetary else pl.lit(0.0)).alias("monetary"),
        )
    except pl.exceptions.PolarsError as error:
        raise ValueError(f"{path.name} has a value that is not a number") from error
    summary = _from_frame(table)
    _check(summary, path.name)
    return summary


def _check(summary: Summary, source: str) -> None:
    """Refuse a summary no purchase history could produce, naming the first customer and the reason."""
    reasons = (
        (~np.isfinite(summary.x) | ~np.isfinite(summary.t_x) | ~np.isfinite(summary.T), "a missing value"),
        ((summary.x < 0) | (summary.x != np.round(summary.x)), "frequency is not a whole number ≥ 0"),
        ((summary.t_x < 0) | (summary.t_x > summary.T), "recency is not between 0 and T"),
        ((summary.x == 0) & (summary.t_x != 0), "recency without a repeat transaction"),
        (summary.monetary < 0, "monetary_value is negative"),
    )
    for bad, reason in reasons:
        if bad.any():
            customer = summary.customer_id[int(np.argmax(bad))]
            raise ValueError(f"{source}: customer {customer}: {reason}")


def _from_frame(table: pl.DataFrame) -> Summary:
    def column(name: str) -> FloatArray:
        return table[name].cast(pl.Float64).to_numpy().astype(np.float64)

    return Summary(
        customer_id=[str(c) for c in table["id"].to_list()],
        x=column("x"),
        t_x=column("t_x"),
        T=column("T"),
        monetary=column("monetary"),
    )
