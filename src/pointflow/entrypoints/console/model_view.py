"""What the models page shows: each registered champion and challenger with its card, metrics beside the
baselines, calibration and lift charts drawn from the metrics the registry stores, and its drift."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from pointflow.adapters.db.governance_store import drift_history, fallbacks, latest_drift
from pointflow.adapters.model_store import ModelStore
from pointflow.bootstrap import Container
from pointflow.entrypoints.cli_report import registered
from pointflow.entrypoints.console.charts import line_chart
from pointflow.intelligence.reporting.models import CANDIDATE_NAMES, METRIC_ROWS, candidates, card_essentials
from pointflow.intelligence.reporting.models import RegisteredModel as Registered

PRIMARY = "lightgbm_calibrated"


@dataclass(frozen=True, slots=True)
class ModelPanel:
    model: Registered
    drift: list[dict[str, Any]]  # the newest check, one row a series, highest PSI first
    fallback: dict[str, Any] | None  # the version's fallback switch, if it was ever set
    history: list[dict[str, Any]]  # the score's PSI by as-of date

    @property
    def key(self) -> str:
        return f"{self.model.version.name}-{self.model.version.version}"

    def purpose_and_limits(self) -> tuple[str, list[str]]:
        return card_essentials(self.model.card)

    def metric_table(self) -> tuple[list[str], list[tuple[str, list[str]]]]:
        """Column names (the model and its baselines) and one row per metric."""
        found = candidates(self.model.version.metrics)
        header = [CANDIDATE_NAMES.get(k, k) for k in found]
        rows = [(label, [_text(c.get(key)) for c in found.values()]) for key, label in METRIC_ROWS]
        return header, rows

    def calibration_chart(self) -> Markup | None:
        found = candidates(self.model.version.metrics)
        primary = found.get(PRIMARY) or next(iter(found.values()), None)
        bins = primary.get("reliability") if primary else None
        if not bins:
            return None
        labels = [f"{b['low']:.1f}–{b['high']:.1f}" for b in bins]
        series = {"predicted (mean of the bin)": [b["predicted"] for b in bins]}
        series["observed rate"] = [b["observed"] for b in bins]
        return line_chart(
            f"Calibration of {self.key}: predicted against observed",
            labels,
            series,
            y_label="redemption rate",
            chart_id=f"chart-calibration-{self.key}",
        )

    def lift_chart(self) -> Markup | None:
        found = candidates(self.model.version.metrics)
        lifts = {
            CANDIDATE_NAMES.get(k, k): c["lift_by_decile"]
            for k, c in found.items()
            if c.get("lift_by_decile")
        }
        if not lifts:
            return None
        labels = [f"decile {i}" for i in range(1, 1 + max(len(v) for v in lifts.values()))]
        return line_chart(
            f"Lift by decile of score, {self.model.version.name} {self.model.version.version} and baselines",
            labels,
            lifts,
            y_label="× the average rate",
            chart_id=f"chart-lift-{self.key}",
        )

    def drift_chart(self) -> Markup | None:
        if len(self.history) < 2:
            return None
        return line_chart(
            f"PSI of the score of {self.model.version.name} {self.model.version.version} by as-of date",
            [str(h["as_of"]) for h in self.history],
            {"score PSI": [h["psi"] for h in self.history]},
            y_label="PSI",
            chart_id=f"chart-drift-{self.key}",
        )


def read_models(container: Container) -> list[ModelPanel]:
    models = registered(ModelStore(container.settings.model_registry_dir))
    panels = []
    with container.db.reader.connect() as conn:
        switches = {(f["model"], f["version"]): f for f in fallbacks(conn)}
        for m in models:
            name, version = m.version.name, m.version.version
            panels.append(
                ModelPanel(
                    model=m,
                    drift=latest_drift(conn, model=name, version=version),
                    fallback=switches.get((name, version)),
                    history=drift_history(conn, model=name, version=version, series="score"),
                )
            )
    return panels


def _text(value: object) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, Mapping | list):
        return "…"
    return str(value)
