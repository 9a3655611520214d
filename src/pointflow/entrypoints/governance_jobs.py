"""The governance jobs behind `pointflow drift check` and `pointflow fairness report`; each is idempotent
for its as-of date (a re-run replaces that date's results)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from pointflow.adapters import drift_reads
from pointflow.adapters.core_http import CoreUnavailable
from pointflow.adapters.db import fairness_reads, governance_store
from pointflow.adapters.model_scoring import observed_features
from pointflow.adapters.model_store import ModelStore, RegistryError
from pointflow.adapters.scoring import MODEL
from pointflow.bootstrap import Container, CoreNotConfigured
from pointflow.governance import drift as d
from pointflow.governance import fairness as fair
from pointflow.intelligence.propensity.online import CALENDAR
from pointflow.intelligence.registry import FeatureReference, ModelVersion

SCORE = "score"
BAND_PAGE = 500
# Not checked: training spans every month and one as-of date is one month, so a calendar feature drifts by
# construction on every run (PSI near 7 measured on the sandbox bank) and would keep the model switched off.
UNCHECKED = frozenset(CALENDAR)


@dataclass
class DriftRun:
    """What a drift check found: per series PSI, KS and status, the verdict, and the fallback switch."""

    as_of: date
    model: str
    version: str | None
    rows: int = 0
    measured: list[d.Measured] = field(default_factory=list)
    verdict: str | None = None
    fallback_active: bool | None = None
    fallback_changed: bool = False
    skipped: str | None = None
    unobserved: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "model": self.model,
            "version": self.version,
            "rows": self.rows,
            "verdict": self.verdict,
            "fallback_active": self.fallback_active,
            "fallback_changed": self.fallback_changed,
            "skipped": self.skipped,
            "unobserved": self.unobserved,
            "series": [
                {"series": m.name, "rows": m.rows, "psi": m.psi, "ks": m.ks, "status": m.status.value}
                for m in self.measured
            ],
        }


def check_drift(container: Container, as_of: date) -> DriftRun:
    """PSI (and KS) of the champion's features over the recent population and of its served scores."""
    try:
        metadata, _ = ModelStore(container.settings.model_registry_dir).load(MODEL, "champion")
    except RegistryError:
        return DriftRun(as_of, MODEL, None, skipped="no model registered")
    s = container.settings
    run = DriftRun(as_of, MODEL, metadata.version)
    since = as_of - timedelta(days=s.drift_window_days - 1)
    observed = observed_features()
    series = [
        n
        for n in metadata.features
        if n in observed and n not in UNCHECKED and metadata.reference.get(n, _EMPTY).edges
    ]
    run.unobserved = sorted(n for n in metadata.features if n not in observed)
    counts, score_counts, score_ref = _count(container, metadata, series, since, as_of)
    run.rows = int(next(iter(counts.values())).sum()) if counts else 0
    if run.rows < s.drift_min_rows:
        run.skipped = f"{run.rows} members in the window, fewer than {s.drift_min_rows}: no verdict"
        return run
    thresholds = d.Thresholds(s.drift_alert_psi, s.drift_fallback_psi)
    for name in series:
        ref = metadata.reference[name]
        vector = d.reference_vector(ref.shares, ref.missing)
        run.measured.append(d.measure(name, counts[name], vector, len(ref.edges), thresholds))
    if score_ref is not None and score_counts.sum() >= s.drift_min_rows:
        vector = d.reference_vector(score_ref.shares, score_ref.missing)
        run.measured.append(d.measure(SCORE, score_counts, vector, len(score_ref.edges), thresholds))
    _record(container, run, s.drift_fallback_psi)
    return run


_EMPTY = FeatureReference((), (), 0.0)
Counts = npt.NDArray[np.int64]


def _count(
    container: Container, metadata: ModelVersion, series: list[str], since: date, as_of: date
) -> tuple[dict[str, Counts], Counts, FeatureReference | None]:
    programme = container.programmes.active().programme
    counts = {n: np.zeros(len(metadata.reference[n].edges) + 2, np.int64) for n in series}
    raw = metadata.extra.get("score_reference")
    score_ref = FeatureReference.from_json(raw) if isinstance(raw, dict) else None
    score_counts = np.zeros(len(score_ref.edges) + 2 if score_ref else 0, np.int64)
    with container.db.reader.connect() as conn:
        pages = drift_reads.population(conn, since=since, until=as_of, currency=programme.currency)
        for tokens in pages:
            rows = drift_reads.feature_rows(conn, tokens, as_of=as_of, programme=programme, features=series)
            for j, name in enumerate(series):
                counts[name] += d.bin_counts(rows[:, j], metadata.reference[name].edges)
        if score_ref is not None:
            source = f"model:{metadata.name}/{metadata.version}"
            served = drift_reads.served_scores(conn, source=source, since=since, until=as_of)
            score_counts += d.bin_counts(np.array(served, dtype=np.float64), score_ref.edges)
    return counts, score_counts, score_ref


def _record(container: Container, run: DriftRun, fallback_psi: float) -> None:
    assert run.version is not None
    verdict = d.verdict(run.measured)
    run.verdict = verdict.value
    past = [m for m in run.measured if m.status is d.DriftStatus.FALLBACK]
    active = verdict is d.DriftStatus.FALLBACK
    reason = (
        f"PSI ≥ {fallback_psi} as of {run.as_of.isoformat()}: "
        + ", ".join(f"{m.name} {m.psi:.3f}" for m in past)
        if active
        else f"every PSI under {fallback_psi} as of {run.as_of.isoformat()}"
    )
    now = container.clock()
    with container.db.write() as conn:
        governance_store.record_drift(
            conn, model=run.model, version=run.version, as_of=run.as_of, measured=run.measured, at=now
        )
        run.fallback_changed = governance_store.set_fallback(
            conn, model=run.model, version=run.version, as_of=run.as_of, active=active, reason=reason, at=now
        )
        run.fallback_active = (
            governance_store.fallback_reason(conn, model=run.model, version=run.version) is not None
        )


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def fairness(container: Container, as_of: date, *, fill_bands: bool = True) -> dict[str, Any]:
    """Offer rate, approval rate and mean offer value by segment and age band over the window ending on
    `as_of`, parity ratios, and alerts out of the configured band; stored for `as_of` and returned."""
    s = container.settings
    notes = fill_age_bands(container, as_of) if fill_bands else []
    since, until = (
        _day_start(as_of - timedelta(days=s.fairness_window_days - 1)),
        _day_start(as_of + timedelta(days=1)),
    )
    with container.db.reader.connect() as conn:
        decided = fairness_reads.decided_members(conn, since=since, until=until)
        offers = fairness_reads.offer_frame(conn, since=since, until=until)
        bands = fairness_reads.band_frame(conn)
    band = fair.Band(s.fairness_band_low, s.fairness_band_high)
    found = fair.report(decided, offers, bands, band=band, min_group=s.fairness_min_group)
    body = {
        "window": {"since": since.date().isoformat(), "until": as_of.isoformat()},
        **found.as_dict(),
        "notes": [*notes, *found.notes],
    }
    with container.db.write() as conn:
        governance_store.record_fairness(
            conn, as_of=as_of, report=body, alerts=_alerts(found), at=container.clock()
        )
    return {"as_of": as_of.isoformat(), **body}


def _alerts(found: fair.FairnessReport) -> list[dict[str, Any]]:
    rows = []
    for p in found.alerts:
        for group in p.out_of_band:
            value = p.ratios[group]
            rows.append(
                {
                    "subject": f"{p.dimension}:{p.metric}:{group}",
                    "level": "out_of_band",
                    "value": value,
                    "message": (
                        f"{p.metric} of {p.dimension} {group} is {value} × that of {p.reference}, "
                        f"outside {found.band.low}–{found.band.high}"
                    ),
                }
            )
    return rows


def fill_age_bands(container: Container, as_of: date) -> list[str]:
    """Give members without an age band one, from the core's customer master (the birth year only).

    The customer id is resolved through the vault here, at the boundary, and not kept: only the band is
    stored against the token. Without a configured core, or while it does not answer, this stops and says so.
    """
    try:
        core = container.core()
    except CoreNotConfigured as missing:
        return [f"age bands not refreshed: {missing}"]
    filled = 0
    try:
        while page := _unbanded(container):
            bands = {
                token: _band(core.customer(customer_id).birth_year, as_of) for token, customer_id in page
            }
            with container.db.write() as conn:
                governance_store.save_bands(conn, bands, observed_on=as_of)
            filled += len(bands)
    except CoreUnavailable as error:
        return [f"{filled} age bands read from the core, then it failed: {error}"]
    finally:
        core.client.close()
    return [f"{filled} age bands read from the core"] if filled else []


def _unbanded(container: Container) -> list[tuple[str, str]]:
    with container.db.reader.connect() as conn:
        return governance_store.unbanded(conn, limit=BAND_PAGE)


def _band(birth_year: int | None, as_of: date) -> str:
    return fair.UNKNOWN_BAND if birth_year is None else fair.age_band(birth_year, as_of.year)
