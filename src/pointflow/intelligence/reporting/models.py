"""The models report: each registered champion and challenger, its card, metrics, charts; the liability."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pointflow.intelligence.registry import ModelVersion
from pointflow.intelligence.reporting import charts
from pointflow.intelligence.reporting.html_parts import bullets, definition_list, image, page, table, tag

CANDIDATE_NAMES = {
    "lightgbm_calibrated": "model (LightGBM, calibrated)",
    "lightgbm_raw": "LightGBM before calibration",
    "logistic_regression": "baseline: logistic regression",
    "recency_rule": "baseline: recency rule",
}
METRIC_ROWS = (
    ("auc", "AUC (ranking: 0.5 = chance, 1 = perfect)"),
    ("pr_auc", "PR-AUC (ranking of the redeemers)"),
    ("brier", "Brier score (lower is better)"),
    ("ece", "Expected calibration error (lower is better)"),
    ("base_rate", "Observed redemption rate"),
    ("rows", "Test rows (member-months)"),
)


@dataclass(frozen=True, slots=True)
class RegisteredModel:
    """A version as the registry holds it: its role (champion or challenger), metadata and card text."""

    role: str
    version: ModelVersion
    card: str


@dataclass(frozen=True, slots=True)
class LiabilityView:
    """The liability forecast summary (`liability.report.summary`), or why there is none."""

    report: Mapping[str, Any] | None
    note: str = ""


def models_report(
    models: Sequence[RegisteredModel], liability: LiabilityView, *, generated_at: datetime, registry: str
) -> str:
    """The whole page: an overview, a section per registered version, then the liability forecast."""
    body = [
        tag("h1", "Model report"),
        tag("p", f"Generated {generated_at.isoformat(timespec='seconds')} from the registry {registry}."),
        _overview(models),
        *(_model_section(m) for m in models),
        _liability_section(liability),
    ]
    return page("pointflow model report", body)


def _overview(models: Sequence[RegisteredModel]) -> str:
    if not models:
        return tag("p", "No model is registered: train one with `pointflow train propensity`.", "note")
    rows = [
        (m.version.name, m.version.version, m.role, m.version.created_at.isoformat(timespec="seconds"))
        for m in models
    ]
    return tag("h2", "Registered models") + table(
        "Which version serves (champion) and which is being tried (challenger)",
        ("Model", "Version", "Role", "Trained at (UTC)"),
        rows,
    )


def _model_section(model: RegisteredModel) -> str:
    v = model.version
    cls = "role champion" if model.role == "champion" else "role"
    heading = f"<h2>{tag('span', v.name)} {tag('span', v.version)} {tag('span', model.role, cls)}</h2>"
    purpose, limits = card_essentials(model.card)
    parts = [heading, tag("p", purpose)]
    parts.append(
        definition_list(
            [
                ("Trained at (UTC)", v.created_at.isoformat(timespec="seconds")),
                ("Kind", v.kind),
                ("Features", f"{len(v.features)}"),
                *((f"Training window: {k}", _text(w)) for k, w in sorted(v.training_window.items())),
            ]
        )
    )
    if limits:
        parts += [tag("h3", "Known limits"), bullets(limits)]
    parts += [tag("h3", "Metrics on the held-out test months"), *_metrics(v.metrics), *_charts(v.metrics)]
    return "<section>" + "\n".join(parts) + "</section>"


def card_essentials(card: str) -> tuple[str, list[str]]:
    """The card's purpose (its first paragraph after the title) and its `## Limits` bullets."""
    lines = card.splitlines()
    body = [line for line in lines if not line.startswith("# ")]
    paragraphs = "\n".join(body).strip().split("\n\n")
    purpose = paragraphs[0].strip() if paragraphs else ""
    limits: list[str] = []
    if "## Limits" in lines:
        for line in lines[lines.index("## Limits") + 1 :]:
            if line.startswith("## "):
                break
            if line.startswith("- "):
                limits.append(line[2:])
    return purpose, limits


def candidates(metrics: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The test metrics of the model and its baselines, keyed by candidate."""
    test = metrics.get("test")
    if not isinstance(test, Mapping):
        return {}
    return {k: v for k, v in test.items() if isinstance(v, Mapping)}


def _metrics(metrics: Mapping[str, Any]) -> list[str]:
    found = candidates(metrics)
    if not found:
        flat = [(k, _text(v)) for k, v in sorted(metrics.items())]
        return [table("Metrics as recorded", ("Metric", "Value"), flat)]
    header = ("Metric", *(CANDIDATE_NAMES.get(k, k) for k in found))
    rows = [(label, *(_text(c.get(key)) for c in found.values())) for key, label in METRIC_ROWS]
    rows.append(("Lift in the top decile (×)", *(_top_lift(c) for c in found.values())))
    parts = [table("The model beside its baselines (same test rows)", header, rows)]
    reward = metrics.get("reward_type")
    if isinstance(reward, Mapping):
        parts.append(
            table("Reward type prediction", ("Metric", "Value"), [(k, _text(v)) for k, v in reward.items()])
        )
    return parts


def _charts(metrics: Mapping[str, Any]) -> list[str]:
    found = candidates(metrics)
    curves = {CANDIDATE_NAMES.get(k, k): c["reliability"] for k, c in found.items() if c.get("reliability")}
    lifts = {
        CANDIDATE_NAMES.get(k, k): c["lift_by_decile"] for k, c in found.items() if c.get("lift_by_decile")
    }
    parts: list[str] = []
    if curves:
        parts.append(image(charts.calibration_png(curves), "Calibration curve: predicted against observed"))
    else:
        parts.append(
            tag("p", "No calibration bins in this version's metadata (retrain to record them).", "note")
        )
    if lifts:
        parts.append(image(charts.lift_png(lifts), "Lift by decile of score"))
    else:
        parts.append(tag("p", "No lift by decile in this version's metadata.", "note"))
    return ['<div class="charts">' + "".join(parts) + "</div>"]


def _top_lift(candidate: Mapping[str, Any]) -> str:
    lift = candidate.get("lift_by_decile")
    return _text(lift[0]) if isinstance(lift, list) and lift else "n/a"


def _text(value: object) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def _liability_section(view: LiabilityView) -> str:
    head = tag("h2", "Points liability forecast")
    report = view.report
    if report is None or not report.get("months"):
        return head + tag("p", view.note or "No liability forecast: no points lots.", "note")
    currency = report["currency"]
    figures = [
        ("As of", report["as_of"]),
        ("Outstanding points", report["outstanding_points"]),
        ("Expected breakage (share never redeemed)", f"{float(report['breakage_rate']):.1%}"),
        (f"Value per point ({currency})", report["value_per_point"]),
        (f"Gross value of outstanding points ({currency})", report["gross_value"]),
        (f"Liability after breakage ({currency})", report["liability"]),
    ]
    months = [
        (
            m["month"],
            m["expected_redeemed_points"],
            m["expected_expired_points"],
            m["outstanding_end_points"],
            m["expected_redeemed_value"],
        )
        for m in report["months"]
    ]
    header = (
        "Month",
        "Expected redeemed (points)",
        "Expected expired (points)",
        "Outstanding at month end (points)",
        f"Expected redeemed value ({currency})",
    )
    return "\n".join(
        [
            head,
            table("Key figures", ("Figure", "Value"), figures),
            image(charts.liability_png(report), "Liability forecast by month"),
            table("By month", header, months),
        ]
    )
