"""Decode throughput per connector: the sandbox bank's history in each platform's native format, cut by
`split` and decoded by `decode`, timed without the ledger (messages/s = native items decoded per second)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from pointflow.adapters.connectors import CONNECTORS
from pointflow.adapters.connectors.fineract import FineractConnector, load_schemas
from pointflow.domain.errors import DomainError
from pointflow.domain.events import CanonicalEvent
from pointflow.domain.programme import Limits
from pointflow.service_layer.ports import Connector, DecodeLimits
from pointflow.sim.emit import canonical_history, native_documents
from pointflow.sim.platforms import SandboxPlatform
from pointflow.sim.platforms.catalog import PLATFORMS
from pointflow.sim.platforms.fineract import FineractSandbox

_START = date(2024, 1, 1)
# Fineract's binary messages need its Avro schemas: the workspace's copy of the vendor's, when present.
_FINERACT_SCHEMAS = (
    Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "corebanking" / "fineract" / "avro"
)


@dataclass(frozen=True)
class DecodeResult:
    connector: str
    documents: int
    messages: int
    failed: int
    seconds: float

    @property
    def messages_per_s(self) -> float:
        return self.messages / self.seconds


def run(customers: int = 200, months: int = 2) -> list[DecodeResult]:
    events = list(canonical_history(customers, months, _START))
    defaults = Limits()
    limits = DecodeLimits(defaults.max_transaction_amount, defaults.max_future_skew_hours)
    pairs: dict[str, tuple[SandboxPlatform, Connector]] = {
        name: (PLATFORMS[name], CONNECTORS[name]) for name in PLATFORMS if name in CONNECTORS
    }
    if _FINERACT_SCHEMAS.is_dir():
        pairs["fineract"] = (
            FineractSandbox(_FINERACT_SCHEMAS),
            FineractConnector(load_schemas(_FINERACT_SCHEMAS)),
        )
    return [_one(name, *pairs[name], events, limits) for name in sorted(pairs)]


def _one(
    name: str,
    platform: SandboxPlatform,
    connector: Connector,
    events: list[CanonicalEvent],
    limits: DecodeLimits,
) -> DecodeResult:
    documents = list(native_documents(platform, events))
    now = datetime.now(UTC)
    messages = failed = 0
    started = time.perf_counter()
    for doc in documents:
        for item in connector.split(doc):
            messages += 1
            try:
                connector.decode(item.payload, limits=limits, now=lambda: now)
            except DomainError:
                failed += 1
    return DecodeResult(name, len(documents), messages, failed, time.perf_counter() - started)


if __name__ == "__main__":
    for result in run():
        print(
            f"{result.connector:10s} {result.messages:7d} messages {result.messages_per_s:10,.0f}/s "
            f"({result.failed} not transactions or refused)"
        )
