"""Purchase histories reduced to x, t_x, T and mean repeat spend, read from logs and summary files."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from pointflow.intelligence.clv import read_summary_csv, read_transaction_log, summarise
from pointflow.intelligence.clv.fitting import compress

START = date(2024, 1, 1)
END = START + timedelta(days=28)


def log(*rows: tuple[str, int, float]) -> pl.DataFrame:
    """Transactions as (customer, days after START, spend)."""
    return pl.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "date": [START + timedelta(days=r[1]) for r in rows],
            "spend": [r[2] for r in rows],
        }
    )


def test_repeat_transactions_are_distinct_later_days_up_to_the_end() -> None:
    transactions = log(
        ("a", 0, 10.0),
        ("a", 0, 5.0),  # the first day's second order is no repeat
        ("a", 7, 20.0),
        ("a", 21, 8.0),
        ("a", 21, 2.0),  # one repeat day: 10 spent
        ("a", 35, 99.0),  # after calibration
        ("b", 14, 30.0),
    )
    summary = summarise(transactions, calibration_end=END)
    assert summary.customer_id == ["a", "b"]
    np.testing.assert_array_equal(summary.x, [2.0, 0.0])
    np.testing.assert_allclose(summary.t_x, [3.0, 0.0])
    np.testing.assert_allclose(summary.T, [4.0, 2.0])
    np.testing.assert_allclose(summary.monetary, [15.0, 0.0])


def test_customers_who_first_buy_after_the_end_are_not_in_the_cohort() -> None:
    summary = summarise(log(("a", 0, 1.0), ("late", 30, 1.0)), calibration_end=END)
    assert summary.customer_id == ["a"]


def test_time_can_be_counted_in_days() -> None:
    summary = summarise(log(("a", 0, 1.0), ("a", 3, 1.0)), calibration_end=END, unit_days=1)
    assert (summary.t_x[0], summary.T[0]) == (3.0, 28.0)


def test_repeaters_keeps_customers_with_a_repeat_purchase() -> None:
    summary = summarise(log(("a", 0, 1.0), ("a", 3, 4.0), ("b", 1, 1.0)), calibration_end=END)
    repeaters = summary.repeaters()
    assert repeaters.customer_id == ["a"]
    assert repeaters.monetary.tolist() == [4.0]


def test_a_log_is_read_with_or_without_its_header(tmp_path: Path) -> None:
    path = tmp_path / "log.txt"
    path.write_text(" customer_id date cds dollars\n 00007 19970101  2   29.33\n00007 19970118 1 9.5\n\n")
    frame = read_transaction_log(path)
    assert frame["customer_id"].to_list() == ["00007", "00007"]
    assert frame["date"].to_list() == [date(1997, 1, 1), date(1997, 1, 18)]
    assert frame["spend"].to_list() == [29.33, 9.5]


def test_a_log_line_that_is_not_a_transaction_is_named(tmp_path: Path) -> None:
    path = tmp_path / "log.txt"
    path.write_text("00007 19970101 2 29.33\n00007 1997-01-18 1 9.5\n")
    with pytest.raises(ValueError, match=r"log\.txt line 2"):
        read_transaction_log(path)


def test_a_summary_file_is_read_with_or_without_spend(tmp_path: Path) -> None:
    path = tmp_path / "summary.csv"
    path.write_text("customer_id,frequency,recency,T,monetary_value\nx1,2,30.43,38.86,12.5\nx2,0,0,38.86,0\n")
    summary = read_summary_csv(path)
    assert summary.customer_id == ["x1", "x2"]
    assert summary.x.tolist() == [2.0, 0.0]
    assert summary.t_x.tolist() == [30.43, 0.0]
    assert summary.monetary.tolist() == [12.5, 0.0]
    path.write_text("ID,frequency,recency\n1,2,30.43\n")
    with pytest.raises(ValueError, match="no column T"):
        read_summary_csv(path)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("c1,-1,0,30", "frequency is not a whole number"),
        ("c1,1.5,2,30", "frequency is not a whole number"),
        ("c1,2,31,30", "recency is not between 0 and T"),
        ("c1,0,3,30", "recency without a repeat transaction"),
        ("c1,2,,30", "a missing value"),
    ],
)
def test_a_summary_no_history_could_produce_is_refused(tmp_path: Path, row: str, reason: str) -> None:
    path = tmp_path / "summary.csv"
    path.write_text(f"customer_id,frequency,recency,T\nc0,0,0,30\n{row}\n")
    with pytest.raises(ValueError, match=f"customer c1: {reason}"):
        read_summary_csv(path)


def test_a_summary_value_that_is_not_a_number_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "summary.csv"
    path.write_text("ID,frequency,recency,T\n1,two,0,30\n")
    with pytest.raises(ValueError, match="not a number"):
        read_summary_csv(path)


def test_compress_counts_each_distinct_customer_once() -> None:
    (x, t_x), weights = compress(np.array([0.0, 1.0, 0.0, 1.0]), np.array([0.0, 2.0, 0.0, 3.0]))
    assert sorted(zip(x.tolist(), t_x.tolist(), weights.tolist(), strict=True)) == [
        (0.0, 0.0, 2.0),
        (1.0, 2.0, 1.0),
        (1.0, 3.0, 1.0),
    ]
