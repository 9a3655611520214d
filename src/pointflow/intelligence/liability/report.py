"""The provisioning view of a forecast: money at a value per point, as a table, a CSV and a chart."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from pointflow.intelligence.liability.model import Forecast
from pointflow.intelligence.reporting.charts import liability_png

_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Provision:
    """IFRS 15 in spirit: the points expected to be redeemed are a liability at what a point costs."""

    outstanding_points: int
    breakage_rate: float
    value_per_point: Decimal
    currency: str

    @property
    def expected_redeemed_points(self) -> Decimal:
        return Decimal(self.outstanding_points) * (1 - Decimal(str(round(self.breakage_rate, 6))))

    @property
    def liability(self) -> Decimal:
        return (self.expected_redeemed_points * self.value_per_point).quantize(_CENT, ROUND_HALF_UP)

    @property
    def gross(self) -> Decimal:
        """Every outstanding point at its cost, before breakage."""
        return (Decimal(self.outstanding_points) * self.value_per_point).quantize(_CENT, ROUND_HALF_UP)


def money(points: float, value_per_point: Decimal) -> Decimal:
    return (Decimal(str(round(points, 6))) * value_per_point).quantize(_CENT, ROUND_HALF_UP)


def summary(forecast: Forecast, provision: Provision) -> dict[str, Any]:
    return {
        "as_of": forecast.as_of.isoformat(),
        "outstanding_points": forecast.outstanding,
        "breakage_rate": round(forecast.breakage_rate, 4),
        "value_per_point": str(provision.value_per_point.quantize(Decimal("0.000001"))),
        "currency": provision.currency,
        "gross_value": str(provision.gross),
        "liability": str(provision.liability),
        "months": [
            {
                "month": m.month.isoformat()[:7],
                "expected_redeemed_points": round(m.redeemed),
                "expected_expired_points": round(m.expired),
                "outstanding_end_points": round(m.outstanding_end),
                "expected_redeemed_value": str(money(m.redeemed, provision.value_per_point)),
            }
            for m in forecast.months
        ],
    }


def write_csv(report: dict[str, Any], path: Path) -> None:
    rows = report["months"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["month"])
        writer.writeheader()
        writer.writerows(rows)


def write_chart(report: dict[str, Any], path: Path) -> None:
    """The forecast's chart (the same picture `pointflow report models` embeds) as a PNG file."""
    path.write_bytes(liability_png(report))
