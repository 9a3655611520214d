"""The liability part of the models report, built from a forecast summary as `forecast liability` gives."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import numpy as np

from pointflow.intelligence.propensity.metrics import reliability_bins
from pointflow.intelligence.reporting.models import LiabilityView, card_essentials, models_report

SUMMARY: dict[str, Any] = {
    "as_of": "2026-03-31",
    "outstanding_points": 120000,
    "breakage_rate": 0.2345,
    "value_per_point": "0.010000",
    "currency": "EUR",
    "gross_value": "1200.00",
    "liability": "918.60",
    "months": [
        {
            "month": "2026-04",
            "expected_redeemed_points": 9000,
            "expected_expired_points": 1500,
            "outstanding_end_points": 109500,
            "expected_redeemed_value": "90.00",
        },
        {
            "month": "2026-05",
            "expected_redeemed_points": 8000,
            "expected_expired_points": 1200,
            "outstanding_end_points": 100300,
            "expected_redeemed_value": "80.00",
        },
    ],
}
WHEN = datetime(2026, 4, 1, tzinfo=UTC)


def test_the_liability_table_chart_and_figures() -> None:
    page = models_report([], LiabilityView(SUMMARY), generated_at=WHEN, registry="<reg>")
    assert len(re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+"', page)) == 1
    assert "<td>Liability after breakage (EUR)</td><td>918.60</td>" in page
    assert "<td>Expected breakage (share never redeemed)</td><td>23.4%</td>" in page
    assert "<td>2026-05</td><td>8000</td><td>1200</td><td>100300</td><td>80.00</td>" in page
    assert "<td>As of</td><td>2026-03-31</td>" in page
    assert "&lt;reg&gt;" in page


def test_no_forecast_shows_the_note() -> None:
    page = models_report([], LiabilityView(None, "no <lots>"), generated_at=WHEN, registry="r")
    assert "no &lt;lots&gt;" in page
    assert "<img" not in page


def test_card_essentials_are_the_purpose_and_the_limits() -> None:
    card = "# m v0001\n\nWhat it is for.\n\n- Created: x\n\n## Metrics\n\n{}\n\n## Limits\n\n- one\n- two\n"
    assert card_essentials(card) == ("What it is for.", ["one", "two"])


def test_reliability_bins_are_the_curve_behind_the_ece() -> None:
    y = np.array([0.0, 1.0, 0.0, 1.0, 1.0])
    p = np.array([0.05, 0.08, 0.55, 0.95, 1.0])
    assert reliability_bins(y, p) == [
        {"low": 0.0, "high": 0.1, "predicted": 0.065, "observed": 0.5, "rows": 2},
        {"low": 0.5, "high": 0.6, "predicted": 0.55, "observed": 0.0, "rows": 1},
        {"low": 0.9, "high": 1.0, "predicted": 0.975, "observed": 1.0, "rows": 2},
    ]
