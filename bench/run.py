"""`make bench`: replay throughput, the raw insert floor and HTTP latency, printed and saved as JSON.

Usage: python -m bench.run [--events N] [--http-seconds S] [--http-rate R] [--skip-postgres] [--skip-scoring]
[--skip-offers] [--no-save]
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import os
import time
from itertools import islice
from typing import Any

from rich.console import Console

from bench import (
    broker,
    churn,
    clv,
    decode,
    http_load,
    liability,
    offers,
    raw_insert,
    replay_scoring,
    report,
    scoring,
    simulator,
)
from bench.databases import DEFAULT_POSTGRES, Databases, databases, open_container, postgres_version
from bench.events import render, synthetic
from bench.replay import BATCH_SIZE, replay
from pointflow.service_layer.ports import RawEvent

console = Console(highlight=False, width=120)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--events", type=int, default=100_000, help="events to replay (default 100000)")
    parser.add_argument("--http-seconds", type=float, default=30.0, help="measured seconds of HTTP load")
    parser.add_argument("--http-rate", type=float, default=200.0, help="offered requests per second")
    parser.add_argument("--skip-postgres", action="store_true", help="measure SQLite only")
    parser.add_argument("--skip-http", action="store_true", help="leave out the HTTP latency runs")
    parser.add_argument("--skip-broker", action="store_true", help="leave out the NATS JetStream runs")
    parser.add_argument(
        "--skip-simulator", action="store_true", help="leave out the 100,000-member, 18-month simulation"
    )
    parser.add_argument(
        "--skip-scoring", action="store_true", help="leave out the replay with a registered propensity model"
    )
    parser.add_argument(
        "--skip-offers", action="store_true", help="leave out the offer decision latency and replay runs"
    )
    parser.add_argument("--broker-events", type=int, default=50_000, help="events through NATS (50000)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES, help="an admin URL for the server")
    parser.add_argument("--no-save", action="store_true", help="print only; do not write bench/results")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    load_at_start = os.getloadavg()[0]
    started = time.perf_counter()
    kinds = ["sqlite"] if args.skip_postgres else ["sqlite", "postgresql"]
    console.print(f"rendering {args.events:,} synthetic events …")
    items = [render(event) for event in synthetic(args.events)]
    figures: dict[str, Any] = {
        "replay": {},
        "raw_insert": {},
        "ratio": {},
        "http": {},
        "decode": [],
        "broker": {},
    }
    console.print("decoding the sandbox bank's history in each platform's native format …")
    figures["decode"] = [{**dataclasses.asdict(d), "messages_per_s": d.messages_per_s} for d in decode.run()]
    _models(args, figures)
    with databases(args.postgres_url) as pool:
        for kind in kinds:
            _throughput(pool, kind, items, figures)
        if not args.skip_http:
            bodies = _http_bodies(args.http_rate, args.http_seconds)
            for kind in kinds:
                _latency(pool, kind, bodies, args, figures)
        if not args.skip_scoring:
            console.print(
                f"SQLite: {replay_scoring.EVENTS:,} events replayed without scoring, with the rule and with "
                "a registered propensity model (trained first) …"
            )
            figures["replay_scoring"] = replay_scoring.run()
        if not args.skip_offers:
            console.print(
                f"offers: {offers.DECISIONS} deciding deposits one a transaction ({', '.join(kinds)}), and "
                f"{offers.EVENTS:,} events replayed on SQLite with offers live and off …"
            )
            figures["offers"] = offers.run(pool, kinds=kinds)
        if not args.skip_broker:
            console.print(f"NATS JetStream: {args.broker_events:,} events bare, then through the worker …")
            figures["broker"] = broker.run(items[: args.broker_events], database_url=pool.sqlite("broker"))
    results = _results(args, kinds, figures, load_at_start)
    results["wall_seconds"] = round(time.perf_counter() - started, 1)
    report.show(results, console)
    if not args.no_save:
        console.print(f"saved {report.save(results)} and bench/results/latest.json")


def _models(args: argparse.Namespace, figures: dict[str, Any]) -> None:
    """The intelligence layer's figures: CDNOW fits, the simulator, the liability back-test, churn."""
    console.print("fitting BG/NBD, Pareto/NBD and Gamma-Gamma on CDNOW, ours beside lifetimes …")
    figures["clv"] = clv.run()
    if args.skip_simulator:
        return
    console.print("simulating 100,000 members × 18 months and writing Parquet …")
    figures["simulator"] = simulator.run()
    console.print("back-testing the liability forecast on 20,000 simulated members …")
    figures["liability_backtest"] = liability.run()
    console.print("churn: LightGBM and logistic regression beside BG/NBD on 10,000 simulated members …")
    figures["churn"] = churn.run()
    console.print("scoring 20,000 single members in process with a registered propensity model …")
    figures["scoring"] = scoring.run()


def _throughput(pool: Databases, kind: str, items: list[RawEvent], figures: dict[str, Any]) -> None:
    console.print(f"{kind}: replaying {len(items):,} events through receive() …")
    container = open_container(_url(pool, kind, "replay"))
    try:
        done = replay(container, items)
        rows = raw_insert.read_rows(container.db.reader)
    finally:
        container.close()
    console.print(f"{kind}: {done.events_per_s:,.0f} events/s {done.statuses}; raw insert floor …")
    grouped = raw_insert.group(rows, items, BATCH_SIZE)
    del rows
    target = open_container(_url(pool, kind, "raw"))
    try:
        raw = raw_insert.insert_floor(target.db.writer, grouped, len(items))
    finally:
        target.close()
    del grouped
    gc.collect()
    figures["replay"][kind] = {**dataclasses.asdict(done), "events_per_s": done.events_per_s}
    figures["raw_insert"][kind] = {
        **dataclasses.asdict(raw),
        "rows_per_s": raw.rows_per_s,
        "events_per_s": raw.events_per_s,
    }
    figures["ratio"][kind] = done.events_per_s / raw.events_per_s


def _http_bodies(rate: float, seconds: float) -> list[str]:
    """Unique purchases only: a reversal overtaking its original on another connection would be refused."""
    needed = int(rate * (seconds + http_load.WARMUP_SECONDS)) + 1
    posted = (
        e for e in synthetic(needed + needed // 10 + 10, seed=11) if e["event_type"] == "transaction.posted"
    )
    return [render(event).raw for event in islice(posted, needed)]


def _latency(
    pool: Databases, kind: str, bodies: list[str], args: argparse.Namespace, figures: dict[str, Any]
) -> None:
    url = _url(pool, kind, "http")
    key = http_load.ingest_key(url)
    console.print(f"{kind}: offering {args.http_rate:g} req/s for {args.http_seconds:g} s …")
    with http_load.server(url, pool.folder / f"serve-{kind}.log") as base:
        done = http_load.offer(base, key, bodies, rate=args.http_rate, seconds=args.http_seconds)
    figures["http"][kind] = dataclasses.asdict(done)


def _url(pool: Databases, kind: str, name: str) -> str:
    return pool.sqlite(name) if kind == "sqlite" else pool.postgres()


def _results(
    args: argparse.Namespace, kinds: list[str], figures: dict[str, Any], load_at_start: float
) -> dict[str, Any]:
    version = None if "postgresql" not in kinds else postgres_version(args.postgres_url)
    results = {
        "machine": report.machine(version, load_at_start),
        "options": {
            "events": args.events,
            "batch_size": BATCH_SIZE,
            "http_rate": args.http_rate,
            "http_seconds": args.http_seconds,
            "http_warmup_seconds": http_load.WARMUP_SECONDS,
            "http_connections": http_load.CONNECTIONS,
            "http_give_up_seconds": http_load.GIVE_UP_SECONDS,
        },
        **figures,
    }
    results["goals"] = [dataclasses.asdict(g) for g in report.goals(figures)]
    return results


if __name__ == "__main__":
    main()
