"""Member scoring at the end of a commit group: the champion propensity model, or the flagged rule.

`load_scoring` is called once at start-up. Without a registered model it returns `RuleScoring`, which
imports no numerical library; with one, `model_scoring.ModelScoring` (LightGBM, NumPy) is imported then.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pointflow.adapters.drift_flag import FallbackSwitch
from pointflow.adapters.model_store import ModelStore, RegistryError
from pointflow.domain.ids import new_id
from pointflow.domain.programme import Programme
from pointflow.intelligence.serving.rule import (
    FALLBACK,
    RULE_INPUT,
    RULE_TEXT,
    projected_points,
    rule_probability,
)
from pointflow.service_layer.ports import LedgerSession, MemberScoring, Touched

MODEL = "propensity"
NO_MODEL = "no model registered"
RULE_WINDOW_DAYS = 90
CONTRIBUTIONS_BY = "path"  # intelligence.propensity.path_contributions.METHOD, kept here free of LightGBM


def as_of_day(touched: Touched) -> date:
    return touched.booked_at.astimezone(UTC).date()


def rule_contribution(projected: float) -> list[dict[str, Any]]:
    """What the rule used, in place of a model's contributions."""
    value = None if math.isnan(projected) else round(projected, 4)  # JSON has no NaN
    return [{"feature": RULE_INPUT, "value": value, "rule": RULE_TEXT}]


def score_row(
    touched: Touched,
    *,
    at: datetime,
    source: str,
    probability: float,
    low_confidence: bool,
    reasons: Sequence[str],
    contributions: list[dict[str, Any]],
    imputed: Sequence[str] = (),
) -> dict[str, Any]:
    """One `member_scores` row for a member of the group."""
    return {
        "id": new_id(),
        "token": touched.token,
        "model": MODEL,
        "source": source,
        "probability": probability,
        "low_confidence": low_confidence,
        "reasons": list(reasons),
        "contributions": contributions,
        "explained_by": "rule" if source == FALLBACK else CONTRIBUTIONS_BY,
        "imputed": list(imputed),
        "source_system": touched.source_system,
        "source_id": touched.source_id,
        "as_of": as_of_day(touched),
        "scored_at": at,
    }


class RuleScoring:
    """No registered model (or one switched off by drift): the rule on each member's projected points, from
    one aggregate read a group; `reasons` say why the rule scored.

    The 90-day window of the earned points is the group's (its latest booking day and the 89 before), not
    each member's own: one query instead of one a member, for a rule that is a placeholder anyway.
    """

    def __init__(self, reasons: tuple[str, ...] = (NO_MODEL,)) -> None:
        self.reasons = reasons

    def score_group(
        self, session: LedgerSession, touched: Sequence[Touched], *, programme: Programme, at: datetime
    ) -> None:
        if not touched:
            return
        until = max(as_of_day(t) for t in touched)
        earned = session.recent_points(
            [t.token for t in touched],
            since=until - timedelta(days=RULE_WINDOW_DAYS - 1),
            until=until,
            currency=programme.currency,
        )
        for t in touched:
            projected = projected_points(t.available, earned.get(t.token, 0))
            session.add_row(
                "member_scores",
                score_row(
                    t,
                    at=at,
                    source=FALLBACK,
                    probability=rule_probability(projected),
                    low_confidence=True,
                    reasons=self.reasons,
                    contributions=rule_contribution(projected),
                ),
            )


def load_scoring(registry: Path, drift: FallbackSwitch | None = None) -> MemberScoring:
    """The champion propensity model of the registry, or the rule if none is registered; `drift` switches
    the champion to the rule while a drift check says so (docs/governance.md)."""
    try:
        metadata, files = ModelStore(registry).load(MODEL, "champion")
    except RegistryError:
        return RuleScoring()
    from pointflow.adapters.model_scoring import ModelScoring

    return ModelScoring.from_version(metadata, files, drift=drift)
