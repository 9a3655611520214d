"""Does the propensity model gain from more members, or from training on the validation months too?

Validation months only, as `bench.propensity_tuning`: one simulation of `--members` members × 18 months,
seed 7, whose snapshots are built up to month 13 only (member by member in chunks, so 100,000 fit in
memory); the test snapshots 14-16 are never built. Two questions, each scored on the scored month's rows
of the same members, the first EVALUATED members by id, who are in every training set:

- **scale**: train on the first n members (n in SIZES, nested) with the tuning bench's folds (train up to
  k − 2, stop early and calibrate on k − 1, score k, for k = 12 and 13);
- **split**: at one size, the standard command's layout (two validation months: train up to k − 3, stop
  and calibrate on k − 2 and k − 1), one validation month (train up to k − 2), a refit (the two-month
  layout's rounds and calibration, the booster trained again on every month up to k − 1), and a refit
  calibrated on the last month (the two-month layout's rounds, the booster trained again up to k − 2,
  the isotonic calibration fitted on k − 1, which that booster never saw).

Seeds 7, 8, 9. Standalone (the card's figures: --study scale, then --study split --size 20000, with the
same --cache): python -m bench.propensity_scale [--members N] [--cache FILE] [--study scale|split]
[--size N] [--seeds S ...]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import lightgbm as lgb
import numpy as np
import polars as pl

from pointflow.entrypoints.propensity_jobs import FIRST_SNAPSHOT, in_member_order, simulated_histories
from pointflow.intelligence.propensity import training_set
from pointflow.intelligence.propensity.calibration import Calibrator, fit_isotonic
from pointflow.intelligence.propensity.dataset import KEY, feature_columns
from pointflow.intelligence.propensity.metrics import FloatArray, binary_metrics
from pointflow.intelligence.propensity.model import BINARY_PARAMS, fit_booster, matrix

LAST_VALIDATION_SNAPSHOT = 13  # the standard split's last validation snapshot; test starts at 14
SCORED = (12, 13)
SEEDS = (7, 8, 9)
SIZES = (20_000, 50_000, 100_000)
EVALUATED = 20_000
LAYOUTS = ("two validation months", "one validation month", "refit", "refit, calibrated on the last")


def dataset(members: int, cache: Path | None) -> pl.DataFrame:
    """The validation snapshots (up to month 13) of simulate(members, 18, seed 7), built in member chunks."""
    if cache is not None and cache.exists():
        return pl.read_parquet(cache)
    months = range(FIRST_SNAPSHOT, LAST_VALIDATION_SNAPSHOT + 1)
    frame = in_member_order([training_set(h, months) for h in simulated_histories(members, 18, 7)])
    if cache is not None:
        frame.write_parquet(cache)
    return frame


def _xy(frame: pl.DataFrame, months: range | tuple[int, ...]) -> tuple[FloatArray, FloatArray]:
    part = frame.filter(pl.col("snapshot").is_in(list(months)))
    return matrix(part, feature_columns(frame)), part["redeems"].cast(pl.Float64).to_numpy()


def _report(
    booster: lgb.Booster, calibrator: Calibrator, scored: tuple[FloatArray, FloatArray]
) -> dict[str, object]:
    raw = np.asarray(booster.predict(scored[0]), dtype=np.float64)
    calibrated = binary_metrics(scored[1], calibrator.apply(raw))
    return {"auc": calibrated["auc"], "ece": calibrated["ece"], "brier": calibrated["brier"]}


def fit(
    frame: pl.DataFrame, train: range, stop: range, seed: int
) -> tuple[lgb.Booster, Calibrator, dict[str, object]]:
    """Boost on `train`, stop early and fit the isotonic calibration on `stop`."""
    started = time.perf_counter()
    stopping = _xy(frame, stop)
    booster = fit_booster(BINARY_PARAMS, _xy(frame, train), stopping, seed)
    calibrator = fit_isotonic(stopping[1], np.asarray(booster.predict(stopping[0]), dtype=np.float64))
    facts: dict[str, object] = {
        "best_iteration": booster.best_iteration,
        "seconds": round(time.perf_counter() - started, 1),
    }
    return booster, calibrator, facts


def refit(frame: pl.DataFrame, months: range, rounds: int, seed: int) -> lgb.Booster:
    """The booster again on `months` for a fixed number of rounds, no early stopping."""
    x, y = _xy(frame, months)
    params = {**BINARY_PARAMS, "seed": seed, "num_threads": 2}
    return lgb.train(params, lgb.Dataset(x, label=y), num_boost_round=rounds)


def scale_runs(frame: pl.DataFrame, ids: pl.Series) -> list[dict[str, object]]:
    evaluated = frame.filter(pl.col(KEY).is_in(ids.head(EVALUATED).implode()))
    runs: list[dict[str, object]] = []
    for size in SIZES:
        members = frame.filter(pl.col(KEY).is_in(ids.head(size).implode()))
        for k in SCORED:
            scored = _xy(evaluated, (k,))
            for seed in SEEDS:
                booster, calibrator, facts = fit(members, range(FIRST_SNAPSHOT, k - 1), range(k - 1, k), seed)
                run = {"members": size, "scored": k, "seed": seed, **_report(booster, calibrator, scored)}
                runs.append({**run, **facts})
                print(json.dumps(runs[-1]), flush=True)
    return runs


def split_runs(
    frame: pl.DataFrame, ids: pl.Series, size: int, seeds: tuple[int, ...] = SEEDS
) -> list[dict[str, object]]:
    members = frame.filter(pl.col(KEY).is_in(ids.head(size).implode()))
    evaluated = members.filter(pl.col(KEY).is_in(ids.head(EVALUATED).implode()))
    runs: list[dict[str, object]] = []
    for k in SCORED:
        scored = _xy(evaluated, (k,))
        for seed in seeds:
            two, calibration, facts = fit(members, range(FIRST_SNAPSHOT, k - 2), range(k - 2, k), seed)
            one, own_calibration, one_facts = fit(
                members, range(FIRST_SNAPSHOT, k - 1), range(k - 1, k), seed
            )
            again = refit(members, range(FIRST_SNAPSHOT, k), two.best_iteration, seed)
            before_last = refit(members, range(FIRST_SNAPSHOT, k - 1), two.best_iteration, seed)
            last = _xy(members, (k - 1,))
            last_calibration = fit_isotonic(
                last[1], np.asarray(before_last.predict(last[0]), dtype=np.float64)
            )
            for layout, booster, calibrator, about in (
                (LAYOUTS[0], two, calibration, facts),
                (LAYOUTS[1], one, own_calibration, one_facts),
                (LAYOUTS[2], again, calibration, facts),
                (LAYOUTS[3], before_last, last_calibration, facts),
            ):
                run = {"layout": layout, "members": size, "scored": k, "seed": seed}
                runs.append({**run, **_report(booster, calibrator, scored), **about})
                print(json.dumps(runs[-1]), flush=True)
    return runs


def summary(runs: list[dict[str, object]], key: str) -> list[dict[str, object]]:
    """Per value of `key`: mean calibrated AUC (and per scored month), seed spread, worst ECE, mean Brier."""
    table = pl.DataFrame(runs)
    by_month = table.group_by(key, "scored").agg(pl.col("auc").mean(), pl.col("auc").std().alias("sd"))
    overall = table.group_by(key, maintain_order=True).agg(
        pl.col("auc").mean().round(4).alias("mean_auc"),
        pl.col("ece").max().alias("worst_ece"),
        pl.col("brier").mean().round(4).alias("mean_brier"),
        pl.col("best_iteration").mean().alias("mean_best_iteration"),
        pl.col("seconds").mean().round(1).alias("mean_seconds"),
    )
    months = by_month.group_by(key).agg(
        pl.struct("scored", pl.col("auc").round(4)).alias("auc_by_scored_month"),
        pl.col("sd").mean().round(4).alias("seed_sd"),
    )
    return overall.join(months, on=key, how="left").to_dicts()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=max(SIZES))
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--study", choices=("scale", "split"), default="scale")
    parser.add_argument("--size", type=int, default=max(SIZES), help="members in the split study")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS), help="seeds in the split study")
    args = parser.parse_args()
    frame = dataset(args.members, args.cache)
    if frame.filter(pl.col("snapshot") > LAST_VALIDATION_SNAPSHOT).height:
        raise SystemExit("the cache holds test snapshots")
    ids = frame[KEY].unique().sort()
    if args.study == "scale":
        rows = summary(scale_runs(frame, ids), "members")
    else:
        rows = summary(split_runs(frame, ids, args.size, tuple(args.seeds)), "layout")
    for row in rows:
        print(json.dumps({"summary": row}, default=str), flush=True)


if __name__ == "__main__":
    main()
