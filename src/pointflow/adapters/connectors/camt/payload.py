"""What `split` hands to `decode`: one entry's text fields by native path, or the reason it cannot be read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class CamtEntry:
    """One `Ntry` with its statement header, flattened to native paths such as `Ntry/Amt/@Ccy`.

    Paths are relative to the record (Stmt, Rpt or Ntfctn), `GrpHdr/...` for the group header. The first
    element at a path keeps the bare path; later ones get `#2`, `#3`... in document order.
    """

    message: str  # e.g. camt.053.001.08
    fields: dict[str, str] = field(default_factory=dict)
    transactions: int = 0  # how many TxDtls the entry carries


@dataclass(frozen=True, slots=True)
class CamtRefusal:
    """A readable XML document that is not a camt message the connector supports."""

    detail: str
    field: str


def first(p: Mapping[str, str], *paths: str) -> str | None:
    """The first of `paths` that the entry carries (paths name alternatives, e.g. v02 and v08 spellings)."""
    return next((path for path in paths if path in p), None)


def every(p: Mapping[str, str], path: str) -> list[str]:
    """Every value at `path`, in document order."""
    found = [p[path]] if path in p else []
    while f"{path}#{len(found) + 1}" in p:
        found.append(p[f"{path}#{len(found) + 1}"])
    return found
