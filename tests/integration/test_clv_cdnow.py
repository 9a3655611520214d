"""The buy-till-you-die models on CDNOW reproduce Fader, Hardie & Lee (2005) and agree with lifetimes."""

from __future__ import annotations

import json
import warnings
from datetime import date
from types import ModuleType
from typing import Any

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from pointflow.entrypoints.cli import app
from pointflow.intelligence.clv import (
    FITTERS,
    Optimum,
    Summary,
    read_summary_csv,
    read_transaction_log,
    summarise,
)
from pointflow.intelligence.clv.gammagamma import spenders
from tests.shared import DATA

CDNOW = DATA / "cdnow"
CALIBRATION_END = date(1997, 9, 30)

# As printed in the papers: BG/NBD and Pareto/NBD in "Counting your customers the easy way" (2005),
# Gamma-Gamma in "RFM and CLV: using iso-value curves" (2005); log-likelihoods where printed.
PUBLISHED: dict[str, tuple[dict[str, str], float | None]] = {
    "bgnbd": ({"r": "0.243", "alpha": "4.414", "a": "0.793", "b": "2.426"}, -9582.4),
    "paretonbd": ({"r": "0.553", "alpha": "10.578", "s": "0.606", "beta": "11.669"}, -9595.0),
    "gammagamma": ({"p": "6.25", "q": "3.74", "gamma": "15.44"}, None),
}
SOME_CUSTOMERS = [0, 1, 17, 45, 87, 250, 1000, 2356]


def sample_ids() -> dict[str, str]:
    """master id → sample id for the paper's 1/10 sample, from the sample file's first two columns."""
    lines = (CDNOW / "CDNOW_sample.txt").read_text(encoding="utf-8").splitlines()
    return {fields[0]: str(int(fields[1])) for fields in (line.split() for line in lines)}


@pytest.fixture(scope="module")
def cohort() -> Summary:
    """The sample's summary, computed by our code from the full transaction log."""
    ids = sample_ids()
    log = read_transaction_log(CDNOW / "CDNOW_master.txt").filter(pl.col("customer_id").is_in(list(ids)))
    summary = summarise(log.with_columns(pl.col("customer_id").replace(ids)), calibration_end=CALIBRATION_END)
    order = np.argsort([int(c) for c in summary.customer_id])
    return Summary(
        [summary.customer_id[i] for i in order],
        summary.x[order],
        summary.t_x[order],
        summary.T[order],
        summary.monetary[order],
    )


@pytest.fixture(scope="module")
def fits(cohort: Summary) -> dict[str, tuple[Any, Optimum]]:
    return {name: fit(cohort) for name, fit in FITTERS.items()}


@pytest.fixture(scope="module")
def fitted(fits: dict[str, tuple[Any, Optimum]]) -> dict[str, Any]:
    return {name: model for name, (model, _) in fits.items()}


@pytest.fixture(scope="module")
def lifetimes() -> ModuleType:
    # lifetimes is a dev-only reference; its imports raise deprecation warnings this suite would fail on.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pytest.importorskip("lifetimes")


def test_the_summary_from_the_log_is_the_published_summary(cohort: Summary) -> None:
    published = read_summary_csv(CDNOW / "cdnow_customers_summary.csv")
    assert cohort.customer_id == published.customer_id
    assert len(cohort) == 2357
    np.testing.assert_array_equal(cohort.x, published.x)
    # The published file rounds weeks to two decimals.
    np.testing.assert_allclose(cohort.t_x, published.t_x, atol=0.005 + 1e-9)
    np.testing.assert_allclose(cohort.T, published.T, atol=0.005 + 1e-9)
    assert cohort.x.sum() == 2457
    assert len(spenders(cohort)) == 946


@pytest.mark.parametrize("name", PUBLISHED)
def test_the_fit_reproduces_the_paper(fits: dict[str, tuple[Any, Optimum]], name: str) -> None:
    printed, printed_log_likelihood = PUBLISHED[name]
    model, optimum = fits[name]
    assert optimum.converged
    for param, text in printed.items():
        last_digit = 10.0 ** -len(text.split(".")[1])
        assert abs(model.params()[param] - float(text)) <= last_digit, (param, model.params()[param])
    if printed_log_likelihood is not None:
        assert optimum.log_likelihood == pytest.approx(printed_log_likelihood, abs=0.1)
    assert optimum.seconds < 5


def test_our_likelihoods_are_lifetimes_likelihoods(
    cohort: Summary, fitted: dict[str, Any], lifetimes: Any
) -> None:
    x, t_x, T = cohort.x, cohort.t_x, cohort.T
    bg, pareto = fitted["bgnbd"], fitted["paretonbd"]
    bg_log = np.log(list(bg.params().values()))
    theirs = -lifetimes.BetaGeoFitter._negative_log_likelihood(bg_log, x, t_x, T, np.ones_like(x), 0.0)
    assert bg.log_likelihood(x, t_x, T).mean() == pytest.approx(theirs, rel=1e-10)
    theirs_each = lifetimes.ParetoNBDFitter._conditional_log_likelihood(
        list(pareto.params().values()), x, t_x, T
    )
    np.testing.assert_allclose(pareto.log_likelihood(x, t_x, T), theirs_each, rtol=1e-9)


def reference(lifetimes: Any, kind: str, params: dict[str, float]) -> Any:
    """A lifetimes fitter carrying our parameters, so predictions are compared formula against formula."""
    import pandas as pd

    fitter = getattr(lifetimes, kind)()
    fitter.params_ = pd.Series(params)
    return fitter


def test_predictions_match_lifetimes(cohort: Summary, fitted: dict[str, Any], lifetimes: Any) -> None:
    rows = SOME_CUSTOMERS
    x, t_x, T = cohort.x[rows], cohort.t_x[rows], cohort.T[rows]
    for name, kind in (("bgnbd", "BetaGeoFitter"), ("paretonbd", "ParetoNBDFitter")):
        ours = fitted[name]
        theirs = reference(lifetimes, kind, ours.params())
        np.testing.assert_allclose(ours.p_alive(x, t_x, T), theirs.conditional_probability_alive(x, t_x, T))
        np.testing.assert_allclose(
            ours.expected_transactions(39.0, x, t_x, T),
            theirs.conditional_expected_number_of_purchases_up_to_time(39.0, x, t_x, T),
            rtol=1e-7,
        )


def test_expected_spend_matches_lifetimes(cohort: Summary, fitted: dict[str, Any], lifetimes: Any) -> None:
    people = spenders(cohort)
    ours = fitted["gammagamma"]
    params = ours.params()
    theirs = reference(
        lifetimes, "GammaGammaFitter", {"p": params["p"], "q": params["q"], "v": params["gamma"]}
    )
    x, m = people.x[:10], people.monetary[:10]
    np.testing.assert_allclose(ours.expected_spend(x, m), theirs.conditional_expected_average_profit(x, m))


def test_the_command_fits_the_shared_summary_file() -> None:
    summary = str(CDNOW / "cdnow_customers_summary.csv")
    result = CliRunner().invoke(app, ["clv", "fit", "--summary", summary, "--model", "paretonbd"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["customers"] == 2357
    assert report["params"]["r"] == pytest.approx(0.553, abs=0.001)
    assert report["log_likelihood"] == pytest.approx(-9595.0, abs=0.1)


def test_the_command_summarises_a_transaction_log() -> None:
    log = str(CDNOW / "CDNOW_master.txt")
    args = ["clv", "fit", "--transactions", log, "--model", "gammagamma", "--calibration-end", "1997-09-30"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    # The whole cohort, ten times the paper's sample: one repeat buyer spent nothing and is left out.
    assert report["customers"] == 9450
    assert report["params"]["p"] == pytest.approx(6.25, rel=0.05)


def run(*args: str) -> Any:
    return CliRunner().invoke(app, ["clv", "fit", *args], env={"COLUMNS": "200"})


def test_the_command_wants_one_source_and_a_calibration_end_for_a_log() -> None:
    summary = str(CDNOW / "cdnow_customers_summary.csv")
    log = str(CDNOW / "CDNOW_master.txt")
    assert "exactly one of" in run("--model", "bgnbd").output
    assert "exactly one of" in run("--model", "bgnbd", "--summary", summary, "--transactions", log).output
    refused = run("--model", "bgnbd", "--transactions", log)
    assert refused.exit_code == 2
    assert "end of calibration" in refused.output


def test_the_command_refuses_gamma_gamma_without_spend() -> None:
    result = run("--model", "gammagamma", "--summary", str(CDNOW / "cdnow_customers_summary.csv"))
    assert result.exit_code == 2
    assert "positive spend (monetary_value)" in result.output
