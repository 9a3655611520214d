"""Coverage-guided fuzzing of the camt connector with atheris, run by hand (it is not part of the suite).

    mkdir -p /tmp/camt-corpus && cp ../shared/fixtures/corebanking/iso20022/samples/*.xml /tmp/camt-corpus/
    PYTHONPATH=src .venv/bin/python tests/fuzz/camt_atheris.py /tmp/camt-corpus -atheris_runs=100000

libFuzzer writes the inputs it finds into the first corpus directory, so give it a copy of the samples,
never the fixtures themselves. A crash means split() or decode() raised something other than InvalidEvent
or NotATransaction, or an item did not replay to itself; the input is saved as crash-<hash>.
"""

from __future__ import annotations

import contextlib
import sys
from datetime import UTC, datetime
from decimal import Decimal

import atheris

with atheris.instrument_imports():
    from pointflow.adapters.connectors.camt import CamtConnector
    from pointflow.domain.errors import InvalidEvent, NotATransaction
    from pointflow.service_layer.ports import DecodeLimits

CAMT = CamtConnector(max_document_bytes=1_000_000)
LIMITS = DecodeLimits(Decimal("1000000000"), 24)


def now() -> datetime:
    return datetime(2025, 1, 1, tzinfo=UTC)


def one_input(data: bytes) -> None:
    for item in CAMT.split(data):
        if CAMT.split(item.raw.encode()) != [item]:
            raise AssertionError("an item did not replay to itself")
        if item.payload is None:
            continue
        CAMT.source_id(item.payload)
        with contextlib.suppress(InvalidEvent, NotATransaction):
            CAMT.decode(item.payload, limits=LIMITS, now=now)


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
