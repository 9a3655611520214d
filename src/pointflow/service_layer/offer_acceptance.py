"""The acceptance model the service wires: P(accept) from the member's newest stored propensity score, the
offer's bandit counts in the member's segment and the stored churn estimate (intelligence.acceptance).

A low-confidence score (the fallback rule's, or a row the guard refused), a model version a drift check has
switched off, or a stale score gives an estimate of confidence 0 that says why: arbitration then takes the
rule-based offer and the decision record carries the reason. No stored score at all gives None.
"""

from __future__ import annotations

from dataclasses import dataclass

from pointflow.domain.arbitration import RULE_ACCEPT_RATE, Estimate, Posterior
from pointflow.domain.offer_programme import OfferDefinition
from pointflow.intelligence.acceptance import acceptance
from pointflow.service_layer.offer_ports import DriftSwitch, MemberSignals, StoredScore

MODEL_PREFIX = "model:"


def model_version(source: str) -> tuple[str, str] | None:
    """("propensity", "v0003") from "model:propensity/v0003"; None for a rule's source."""
    if not source.startswith(MODEL_PREFIX) or "/" not in source:
        return None
    name, _, version = source.removeprefix(MODEL_PREFIX).partition("/")
    return name, version


@dataclass(frozen=True, slots=True)
class ScoreAcceptance:
    """P(accept) from stored scores; `drift` is the fallback switch the scoring path also reads."""

    drift: DriftSwitch | None = None

    def estimate(
        self, signals: MemberSignals, offer: OfferDefinition, posterior: Posterior
    ) -> Estimate | None:
        score = signals.propensity
        if score is None:
            return None
        base = RULE_ACCEPT_RATE[offer.kind]
        unsure = self._unsure(score)
        if unsure is not None:
            return Estimate(base, 0.0, score.source, unsure)
        found = acceptance(
            base_rate=base,
            accepted=posterior.accepted,
            ignored=posterior.ignored,
            propensity=score.probability,
            churn=None if signals.churn is None else signals.churn.probability,
            age_days=(signals.today - score.as_of).days,
        )
        why = found.why if found.confidence > 0 else f"propensity score of {score.as_of} is stale"
        return Estimate(found.p_accept, found.confidence, score.source, why)

    def _unsure(self, score: StoredScore) -> str | None:
        if score.low_confidence:
            reasons = "; ".join(score.reasons) or "no reason recorded"
            return f"propensity score from {score.source} is low-confidence: {reasons}"
        version = model_version(score.source)
        switched = None if version is None or self.drift is None else self.drift.reason(*version)
        return None if switched is None else f"{score.source} switched off: {switched}"
