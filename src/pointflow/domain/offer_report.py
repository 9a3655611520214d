"""The shadow report: over recorded decisions, the AI's choices beside the rule-based baseline's, on expected
cost and expected response, so a programme can be moved from shadow to pilot to live on evidence."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Side:
    """One policy's choices: how many offers, their summed expected cost, P(accept) and priority."""

    offers: int = 0
    expected_cost: float = 0.0
    expected_accepts: float = 0.0
    expected_value: float = 0.0

    def add(self, candidate: Mapping[str, Any]) -> None:
        self.offers += 1
        self.expected_cost += float(candidate["expected_cost"])
        self.expected_accepts += float(candidate["p_accept"])
        self.expected_value += float(candidate["priority"])


@dataclass
class ShadowReport:
    decisions: int = 0
    compared: int = 0  # decisions with a model choice and a baseline (not a fallback)
    agreed: int = 0
    fallbacks: int = 0
    explored: int = 0
    by_action: dict[str, int] = field(default_factory=dict)
    ai: Side = field(default_factory=Side)
    baseline: Side = field(default_factory=Side)

    def as_dict(self) -> dict[str, Any]:
        sides = {name: vars(side) for name, side in (("ai", self.ai), ("baseline", self.baseline))}
        counts = {k: v for k, v in vars(self).items() if k not in ("ai", "baseline")}
        return {**counts, **sides}


def shadow_report(records: Iterable[Mapping[str, Any]]) -> ShadowReport:
    """Compare, decision by decision, the offer the AI chose with the one the rules would have chosen."""
    report = ShadowReport()
    for record in records:
        report.decisions += 1
        report.by_action[record["action"]] = report.by_action.get(record["action"], 0) + 1
        report.explored += int(bool(record["explored"]))
        if record["fallback"]:
            report.fallbacks += 1
            continue
        _compare(report, record)
    return report


def _compare(report: ShadowReport, record: Mapping[str, Any]) -> None:
    by_offer = {c["offer"]: c for c in record["candidates"]}
    ai, rule = by_offer.get(record["winner"] or ""), by_offer.get(record["baseline"] or "")
    if ai is None or rule is None:
        return
    report.compared += 1
    report.agreed += int(record["winner"] == record["baseline"])
    report.ai.add(ai)
    report.baseline.add(rule)
