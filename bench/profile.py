"""Where replay time goes: the replay under cProfile, pointflow's own functions by cumulative time.

Usage: python -m bench.profile [--events N] [--top N] [--postgres-url URL --postgres]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats

from bench.databases import DEFAULT_POSTGRES, databases, open_container
from bench.events import render, synthetic
from bench.replay import replay


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--postgres", action="store_true", help="profile on PostgreSQL instead of SQLite")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    args = parser.parse_args(argv)
    items = [render(event) for event in synthetic(args.events)]
    with databases(args.postgres_url) as pool:
        container = open_container(pool.postgres() if args.postgres else pool.sqlite("profile"))
        profiler = cProfile.Profile()
        try:
            done = profiler.runcall(replay, container, items)
        finally:
            container.close()
    print(f"{done.events:,} events in {done.seconds:.2f} s under the profiler ({done.events_per_s:,.0f}/s)")
    print(top_functions(profiler, args.top))


def top_functions(profiler: cProfile.Profile, top: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"pointflow", top)
    return out.getvalue()


if __name__ == "__main__":
    main()
