"""Scoring a commit group's members with a registered propensity model: one batched LightGBM call a group.

The feature rows come from the online state inside the group's transaction, summed in SQL per member
(`LedgerSession.activity_windows`) and turned into columns by `intelligence.serving.features`;
the scores and contributions from `OnlineScorer.score_batch`; a row the guard refuses is scored by the rule
and its record says why.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache

import iso18245

from pointflow.adapters.drift_flag import FallbackSwitch
from pointflow.adapters.mcc import mcc_range
from pointflow.adapters.scoring import RuleScoring, as_of_day, rule_contribution, score_row
from pointflow.domain.programme import Programme
from pointflow.intelligence.features.definitions import UNKNOWN_CATEGORY
from pointflow.intelligence.propensity.online import OnlineScorer, Score
from pointflow.intelligence.registry import ModelVersion
from pointflow.intelligence.serving.features import Floats, MemberAt, feature_matrix, window_columns
from pointflow.intelligence.serving.rule import RULE_INPUT
from pointflow.intelligence.serving.saving import SAVING_FEATURES
from pointflow.intelligence.serving.windows import MemberWindows
from pointflow.service_layer.ports import LedgerSession, Touched


@lru_cache(maxsize=1)
def categories() -> tuple[str, ...]:
    """The ISO 18245 ranges and Unknown: the spend-share categories, as the batch features name them."""
    ranges = {str(m.range.description) for m in iso18245.get_all_mccs_in_range("0000", "9999")}
    return (*sorted(ranges), UNKNOWN_CATEGORY)


def category_of(mcc: str) -> str:
    return (mcc_range(mcc) if mcc else None) or UNKNOWN_CATEGORY


def observed_features() -> frozenset[str]:
    """The features the hot path computes (the others are imputed)."""
    probe = [MemberAt("probe", datetime(2000, 1, 1).date(), 0)]
    cols = window_columns(
        probe,
        MemberWindows(),
        [],
        category_of=category_of,
        reward_kind={},
        categories=categories(),
        redemption_events=[],
    )
    return frozenset(cols)


class ModelScoring:
    """The champion, loaded once; `score_group` reads, builds the rows and scores them in one call."""

    def __init__(
        self,
        scorer: OnlineScorer,
        *,
        version: tuple[str, str] = ("", ""),
        drift: FallbackSwitch | None = None,
    ) -> None:
        self.scorer = scorer
        # a model trained before the saving features needs neither their month sums nor the redemptions
        self.saving = any(name in SAVING_FEATURES for name in scorer.features)
        self.version = version  # (model name, version label), as the drift switch knows it
        self.drift = drift

    @classmethod
    def from_version(
        cls, metadata: ModelVersion, files: Mapping[str, str], *, drift: FallbackSwitch | None = None
    ) -> ModelScoring:
        observed = observed_features()
        unobserved = [name for name in metadata.features if name not in observed]
        scorer = OnlineScorer.from_version(metadata, files, unobserved=unobserved)
        return cls(scorer, version=(metadata.name, metadata.version), drift=drift)

    def rows(self, session: LedgerSession, members: Sequence[MemberAt], programme: Programme) -> Floats:
        pairs = [(m.token, m.as_of) for m in members]
        tokens = [m.token for m in members]
        windows = session.activity_windows(pairs, currency=programme.currency, months=self.saving)
        columns = window_columns(
            members,
            windows,
            session.redemption_totals(tokens),
            category_of=category_of,
            reward_kind={reward.id: reward.kind for reward in programme.rewards},
            categories=categories(),
            months=windows.months if self.saving else None,
            redemption_events=session.redemption_events(tokens) if self.saving else None,
        )
        return feature_matrix(columns, self.scorer.features, len(members))

    def score_group(
        self, session: LedgerSession, touched: Sequence[Touched], *, programme: Programme, at: datetime
    ) -> None:
        if not touched:
            return
        switched_off = self.drift.reason(*self.version) if self.drift is not None else None
        if switched_off is not None:
            RuleScoring((switched_off,)).score_group(session, touched, programme=programme, at=at)
            return
        members = [MemberAt(t.token, as_of_day(t), t.available) for t in touched]
        x = self.rows(session, members, programme)
        features = self.scorer.features
        projected = x[:, features.index(RULE_INPUT)] if RULE_INPUT in features else [math.nan] * len(x)
        for t, p, score in zip(touched, projected, self.scorer.score_batch(x), strict=True):
            session.add_row("member_scores", _row(t, score, at, float(p)))


def _row(touched: Touched, score: Score, at: datetime, projected: float) -> dict[str, object]:
    contributions = (
        rule_contribution(projected)
        if score.fallback
        else [{"feature": name, "contribution": round(value, 6)} for name, value in score.top_contributions]
    )
    return score_row(
        touched,
        at=at,
        source=score.source,
        probability=score.probability,
        low_confidence=score.low_confidence,
        reasons=score.reasons,
        contributions=contributions,
        imputed=score.imputed,
    )
