"""Machine facts, goals, the printed table and the results files."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

RESULTS = Path(__file__).with_name("results")

REPLAY_GOAL = 5_000.0  # events/s on SQLite, one process
RATIO_GOAL = 0.25  # replay events/s over raw-insert events/s
P99_GOAL_MS = 25.0  # at 200 requests/s
SCORING_P99_GOAL_US = 1_000.0  # per member scored with the model, in the commit group (issue 4)


@dataclass(frozen=True)
class Goal:
    name: str
    target: str
    measured: float
    shown: str
    passed: bool


def machine(postgres_version: str | None, load_at_start: float) -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "load_average_1m_at_start": load_at_start,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version,
        "git_commit": _git("rev-parse", "--short", "HEAD") or "unknown",
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
    }


def goals(figures: dict[str, Any]) -> list[Goal]:
    found: list[Goal] = []
    replay = figures["replay"]
    if "sqlite" in replay:
        rate = replay["sqlite"]["events_per_s"]
        target = f"≥ {REPLAY_GOAL:,.0f} events/s"
        found.append(Goal("replay on SQLite", target, rate, f"{rate:,.0f} events/s", rate >= REPLAY_GOAL))
    for kind, ratio in figures["ratio"].items():
        name = f"replay / raw insert ({kind})"
        found.append(Goal(name, f"≥ {RATIO_GOAL}", ratio, f"{ratio:.3f}", ratio >= RATIO_GOAL))
    for kind, load in figures["http"].items():
        rate = load["offered_rate"]
        p99 = load["p99_ms"]
        name = f"HTTP p99 at {rate:g} req/s ({kind})"
        found.append(Goal(name, f"≤ {P99_GOAL_MS:g} ms", p99, f"{p99:.1f} ms", p99 <= P99_GOAL_MS))
    model = figures.get("replay_scoring", {}).get("model")
    if model and "per_member_us_p99" in model:
        p99 = model["per_member_us_p99"]
        name = "model scoring in the commit group, p99 a member (SQLite)"
        target = f"≤ {SCORING_P99_GOAL_US:,.0f} µs"
        found.append(Goal(name, target, p99, f"{p99:,.0f} µs", p99 <= SCORING_P99_GOAL_US))
    return found


def save(results: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    stamp = results["machine"]["date"][:10]
    text = json.dumps(results, indent=2, sort_keys=False) + "\n"
    dated = RESULTS / f"{stamp}-{results['machine']['git_commit']}.json"
    dated.write_text(text, encoding="utf-8")
    (RESULTS / "latest.json").write_text(text, encoding="utf-8")
    return dated


def show(results: dict[str, Any], console: Console) -> None:
    console.print(_machine_line(results["machine"]))
    console.print(_throughput_table(results))
    if results["http"]:
        console.print(_http_table(results["http"]))
    tables: tuple[tuple[str, Callable[[Any], Table]], ...] = (
        ("decode", _decode_table),
        ("replay_scoring", _scoring_table),
        ("offers", _offers_table),
        ("broker", _broker_table),
        ("clv", _clv_table),
    )
    for name, table in tables:
        if results.get(name):
            console.print(table(results[name]))
    if results.get("simulator"):
        sim = results["simulator"]
        console.print(
            f"simulator: {sim['members']:,} members × {sim['months']} months generated in "
            f"{sim['generate_seconds']} s, Parquet written in {sim['write_seconds']} s"
        )
    if results.get("liability_backtest"):
        months = results["liability_backtest"]["months_ahead"]
        shown = ", ".join(f"{m['month']} {m['error']:.1%}" for m in months)
        console.print(f"liability forecast, monthly error by month ahead (goal ≤ 10 %): {shown}")
    if results.get("churn"):
        aucs = ", ".join(f"{name} {auc:.3f}" for name, auc in results["churn"]["auc"].items())
        console.print(f"churn in the next three months, AUC at the held-out cutoff: {aucs}")
    if results.get("scoring"):
        timing = results["scoring"]
        console.print(
            f"in-process scoring of one member, µs: score {timing['score_us']}, "
            f"with contributions {timing['score_explained_us']} (goal p99 ≤ 1,000 µs)"
        )
    console.print(_goal_table(results["goals"]))


def _machine_line(m: dict[str, Any]) -> str:
    dirty = " (uncommitted changes)" if m["git_dirty"] else ""
    return (
        f"{m['date']}  commit {m['git_commit']}{dirty}  {m['cpu_count']} CPUs  Python {m['python']}  "
        f"SQLite {m['sqlite']}  PostgreSQL {m['postgresql'] or '—'}"
    )


def _throughput_table(results: dict[str, Any]) -> Table:
    options = results["options"]
    table = Table(title=f"Replay of {options['events']:,} events, {options['batch_size']:,} per transaction")
    for column in ("database", "replay events/s", "raw rows/s", "raw events/s equiv.", "ratio"):
        table.add_column(column, justify="right")
    for kind, replay in results["replay"].items():
        raw = results["raw_insert"][kind]
        table.add_row(
            kind,
            f"{replay['events_per_s']:,.0f}",
            f"{raw['rows_per_s']:,.0f}",
            f"{raw['events_per_s']:,.0f}",
            f"{results['ratio'][kind]:.3f}",
        )
    return table


def _http_table(http: dict[str, Any]) -> Table:
    table = Table(title="Single-event POST /v1/events/generic, open loop")
    columns = (
        "database",
        "offered/s",
        "achieved/s",
        "requests",
        "errors",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
    )
    for column in columns:
        table.add_column(column, justify="right")
    for kind, r in http.items():
        table.add_row(
            kind,
            f"{r['offered_rate']:g}",
            f"{r['achieved_rate']:.1f}",
            str(r["requests"]),
            str(r["errors"]),
            *(f"{r[k]:.1f}" for k in ("p50_ms", "p90_ms", "p99_ms", "max_ms")),
        )
    return table


def _decode_table(decode: list[dict[str, Any]]) -> Table:
    table = Table(title="Decode throughput per connector (split + decode, no ledger)")
    for column in ("connector", "documents", "messages", "messages/s", "not transactions / refused"):
        table.add_column(column, justify="right")
    for d in decode:
        rate = d["messages"] / d["seconds"]
        table.add_row(
            d["connector"], str(d["documents"]), f"{d['messages']:,}", f"{rate:,.0f}", str(d["failed"])
        )
    return table


def _scoring_table(r: dict[str, Any]) -> Table:
    table = Table(title=f"Replay of {r['events']:,} events on SQLite with the scoring step, one run each")
    columns = (
        "scoring",
        "events/s",
        "µs/event",
        "p50 µs/member",
        "p99 µs/member",
        "p99 CPU µs/member",
        "scores",
    )
    for column in columns:
        table.add_column(column, justify="right")
    for name in ("none", "rule", "model"):
        f = r[name]
        timed = "scoring_us_per_event" in f
        table.add_row(
            name,
            f"{f['events_per_s']:,.0f}",
            f"{f['scoring_us_per_event']:.1f}" if timed else "—",
            f"{f['per_member_us_p50']:,.0f}" if timed else "—",
            f"{f['per_member_us_p99']:,.0f}" if timed else "—",
            f"{f['cpu_per_member_us_p99']:,.0f}" if timed else "—",
            ", ".join(f"{source} {n:,}" for source, n in f["scores"].items()) or "—",
        )
    return table


def _offers_table(o: dict[str, Any]) -> Table:
    """One deciding deposit a transaction (offers on: model-based decision, offer issued) and the replay."""
    table = Table(title="Next-best offers: one event that decides and issues, and the replay with offers")
    for column in ("run", "offers on", "offers off", "decisions"):
        table.add_column(column, justify="right")
    for kind, lat in o["latency"].items():
        on, off = lat["offers_on"], lat["offers_off"]
        table.add_row(
            f"{kind}: one deposit a transaction, p50 / p99 ms",
            f"{on['p50_ms']:.1f} / {on['p99_ms']:.1f}",
            f"{off['p50_ms']:.1f} / {off['p99_ms']:.1f}",
            f"{on['issued']} issued, {on['model_based']} by the model",
        )
    rep = o["throughput"]
    on, off = rep["offers_on"], rep["offers_off"]
    table.add_row(
        f"sqlite: replay of {rep['events']:,} events, events/s",
        f"{on['events_per_s']:,}",
        f"{off['events_per_s']:,}",
        ", ".join(f"{a} {n}" for a, n in on["actions"].items()) or "—",
    )
    return table


def _broker_table(b: dict[str, Any]) -> Table:
    table = Table(
        title=f"NATS JetStream, {b['options']['events']:,} events, {b['options']['partitions']} partitions"
    )
    for column in ("leg", "events/s"):
        table.add_column(column, justify="right")
    table.add_row("bare publish + consume", f"{b['bare']['events_per_s']:,.0f}")
    table.add_row("end to end (worker, accrual on SQLite)", f"{b['end_to_end']['events_per_s']:,.0f}")
    table.add_row("ratio", f"{b['ratio']:.3f}")
    return table


def _clv_table(c: dict[str, Any]) -> Table:
    table = Table(title=f"CDNOW ({c['customers']:,} customers): fit seconds and log-likelihood")
    for column in ("model", "ours s", "lifetimes s", "ours LL", "lifetimes LL", "paper LL"):
        table.add_column(column, justify="right")
    for name in ("bgnbd", "paretonbd", "gammagamma"):
        m = c[name]
        paper = m["paper"].get("log_likelihood")
        table.add_row(
            name,
            f"{m['ours']['seconds']:.2f}",
            f"{m['lifetimes']['seconds']:.2f}",
            f"{m['ours']['log_likelihood']:.1f}",
            f"{m['lifetimes']['log_likelihood']:.1f}",
            "" if paper is None else f"{paper:.1f}",
        )
    return table


def _goal_table(found: list[dict[str, Any]]) -> Table:
    table = Table(title="Goals")
    for column in ("goal", "target", "measured", "result"):
        table.add_column(column)
    for g in found:
        table.add_row(g["name"], g["target"], g["shown"], "PASS" if g["passed"] else "FAIL")
    return table


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], capture_output=True, text=True, check=False, cwd=RESULTS.parent)
    return done.stdout.strip()
