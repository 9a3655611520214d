"""Fairness arithmetic: rates per group, parity ratios, the band, and age bands from a birth year."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pointflow.adapters.db.fairness_reads import OFFER_SCHEMA
from pointflow.governance.fairness import Band, age_band, parity, ratio, report

AT = datetime(2024, 5, 1, tzinfo=UTC)


def offer(token: str, segment: str = "mass", **flags: Any) -> dict[str, Any]:
    row = {
        "token": token,
        "segment": segment,
        "proposed_at": AT,
        "proposed": True,
        "needs_approval": False,
        "decided": False,
        "approved": False,
        "issued": False,
        "value": 0.0,
    }
    return row | flags


def frames(
    members: dict[str, str], offers: list[dict[str, Any]]
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    decided = pl.DataFrame({"token": list(members)}, schema={"token": pl.String})
    bands = pl.DataFrame(
        {"token": list(members), "age_band": list(members.values())},
        schema={"token": pl.String, "age_band": pl.String},
    )
    return decided, pl.DataFrame(offers, schema=OFFER_SCHEMA), bands


def test_rates_ratios_and_an_alert_for_the_group_outside_the_band() -> None:
    young = {f"y{i}": "under_25" for i in range(10)}
    old = {f"o{i}": "65_plus" for i in range(20)}
    offers = [offer(t, issued=True, value=10.0) for t in list(young)[:4]]  # 4 of 10 young: 0.4
    offers += [offer(t, issued=True, value=20.0) for t in list(old)[:10]]  # 10 of 20 old: 0.5
    offers += [offer("o0", needs_approval=True, decided=True, approved=True, proposed=False)]
    offers += [offer("y0", needs_approval=True, decided=True, approved=False, proposed=False)]
    found = report(*frames(young | old, offers), band=Band(0.8, 1.25), min_group=1)
    by_group = {r["group"]: r for r in found.groups["age_band"]}
    assert by_group["under_25"]["offer_rate"] == pytest.approx(0.4)
    assert by_group["65_plus"]["offer_rate"] == pytest.approx(0.5)
    assert by_group["under_25"]["avg_offer_value"] == pytest.approx(10.0)
    assert (by_group["65_plus"]["approval_rate"], by_group["under_25"]["approval_rate"]) == (1.0, 0.0)
    rate = next(p for p in found.parity if (p.dimension, p.metric) == ("age_band", "offer_rate"))
    assert rate.reference == "65_plus"  # the larger group
    assert rate.ratios == {"65_plus": 1.0, "under_25": 0.8}
    assert rate.min_max == pytest.approx(0.8)
    assert rate.out_of_band == ()  # 0.8 is inside a band that includes its ends
    value = next(p for p in found.parity if (p.dimension, p.metric) == ("age_band", "avg_offer_value"))
    assert value.ratios["under_25"] == 0.5
    assert value.out_of_band == ("under_25",)
    approval = next(p for p in found.parity if (p.dimension, p.metric) == ("age_band", "approval_rate"))
    assert approval.reference == "65_plus"  # as many decisions each: the better served one
    assert approval.ratios["under_25"] == 0.0
    assert approval.out_of_band == ("under_25",)
    alerts = {(p.dimension, p.metric) for p in found.alerts if p.dimension == "age_band"}
    assert alerts == {("age_band", "approval_rate"), ("age_band", "avg_offer_value")}
    segment = {r["group"]: r for r in found.groups["segment"]}
    assert segment["mass"]["members"] == 14  # members with an offer take its segment
    assert segment["all"]["members"] == 16  # the others have none


def test_a_group_below_the_minimum_is_shown_but_not_judged() -> None:
    members = {"a1": "25_34", "a2": "25_34", "a3": "25_34", "b1": "35_44"}
    offers = [offer("a1"), offer("a2"), offer("a3")]
    found = report(*frames(members, offers), band=Band(), min_group=2)
    rate = next(p for p in found.parity if (p.dimension, p.metric) == ("age_band", "offer_rate"))
    assert rate.ratios == {"25_34": 1.0, "35_44": None}
    assert rate.out_of_band == ()
    assert rate.min_max is None


def test_members_without_a_band_are_counted_as_unknown_and_noted() -> None:
    decided, offers, _ = frames({"x": "under_25", "y": "under_25"}, [offer("x")])
    no_bands = pl.DataFrame(schema={"token": pl.String, "age_band": pl.String})
    found = report(decided, offers, no_bands, band=Band(), min_group=1)
    assert [r["group"] for r in found.groups["age_band"]] == ["unknown"]
    assert found.notes == ["2 of 2 members have no age band"]


@given(st.lists(st.floats(0.01, 1.0), min_size=2, max_size=8))
def test_parity_of_the_reference_is_one_and_min_max_is_a_share(rates: list[float]) -> None:
    rows = [{"group": f"g{i}", "members": 100 + i, "offer_rate": r} for i, r in enumerate(rates)]
    found = parity(rows, "segment", "offer_rate", Band(), min_group=1)
    assert found.reference == f"g{len(rates) - 1}"  # the largest denominator
    assert found.ratios[found.reference] == 1.0
    assert found.min_max is not None
    assert 0 < found.min_max <= 1


def test_a_reference_group_at_zero_is_caught_by_min_over_max() -> None:
    rows = [
        {"group": "big", "members": 50, "offer_rate": 0.0},
        {"group": "small", "members": 10, "offer_rate": 0.4},
    ]
    found = parity(rows, "segment", "offer_rate", Band(), min_group=1)
    assert found.reference == "big"
    assert found.ratios == {"big": 1.0, "small": None}
    assert found.min_max == 0.0
    assert found.out_of_band == ("big",)


def test_ratio_edge_cases() -> None:
    assert ratio(None, 1.0) is None
    assert ratio(1.0, None) is None
    assert ratio(0.0, 0.0) == 1.0  # no group got any: equal
    assert ratio(0.2, 0.0) is None  # undefined, not infinite
    assert ratio(0.3, 0.6) == 0.5


@pytest.mark.parametrize(
    ("born", "band"),
    [
        (2010, "under_25"),
        (2000, "under_25"),
        (1999, "25_34"),
        (1980, "35_44"),
        (1979, "45_54"),
        (1950, "65_plus"),
    ],
)
def test_age_bands(born: int, band: str) -> None:
    assert age_band(born, 2024) == band


def test_the_band_holds_its_ends() -> None:
    band = Band(0.8, 1.25)
    assert band.holds(0.8)
    assert band.holds(1.25)
    assert not band.holds(0.79)
    assert not band.holds(1.26)


def test_members_never_offered_count_in_the_segment_their_decision_recorded() -> None:
    travellers = [f"t{i}" for i in range(10)]
    grocers = [f"g{i}" for i in range(10)]
    decided = pl.DataFrame(
        {
            "token": [*travellers, *grocers, "old", "none"],
            "segment": [*["2"] * 10, *["0"] * 10, None, None],  # None: a record from before 0009
        },
        schema={"token": pl.String, "segment": pl.String},
    )
    offers = [offer(t, segment="2") for t in travellers[:2]] + [offer(t, segment="0") for t in grocers[:5]]
    offers.append(offer("old", segment="mass"))
    bands = pl.DataFrame(schema={"token": pl.String, "age_band": pl.String})
    found = report(decided, pl.DataFrame(offers, schema=OFFER_SCHEMA), bands, band=Band(), min_group=1)
    by_segment = {r["group"]: r for r in found.groups["segment"]}
    assert {g: (r["members"], r["offer_rate"]) for g, r in by_segment.items()} == {
        "2": (10, pytest.approx(0.2)),
        "0": (10, pytest.approx(0.5)),
        "mass": (1, 1.0),
        "all": (1, 0.0),
    }
