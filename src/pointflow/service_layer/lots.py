"""Taking points out of lots: the one way a posting consumes them, with an allocation row per lot."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pointflow.domain.ledger import Allocation
from pointflow.domain.members import Lot
from pointflow.service_layer.ports import LedgerSession


def consume(
    session: LedgerSession, lots: Mapping[str, Lot], allocations: Iterable[Allocation], *, posting_id: str
) -> None:
    """Apply a plan's allocations to the lots and record which posting took how much from each."""
    for allocation in allocations:
        lot = lots[allocation.lot_id]
        lot.take(allocation.points)
        session.save_lot(lot)
        session.add_allocation(posting_id=posting_id, lot_id=lot.id, points=allocation.points)
