"""The camt messages the connector reads, told apart by their XML namespace."""

from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX = "urn:iso:std:iso:20022:tech:xsd:"
KINDS = {
    "052": ("BkToCstmrAcctRpt", "Rpt"),
    "053": ("BkToCstmrStmt", "Stmt"),
    "054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
}
_NAME = re.compile(r"camt\.(05[234])\.001\.(0[248])")


@dataclass(frozen=True, slots=True)
class Message:
    """One supported message definition, e.g. camt.053.001.08."""

    kind: str  # 052 report, 053 statement, 054 notification
    version: str  # 02, 04 or 08

    @property
    def name(self) -> str:
        return f"camt.{self.kind}.001.{self.version}"

    @property
    def namespace(self) -> str:
        return PREFIX + self.name

    @property
    def body(self) -> str:
        """The element under Document: BkToCstmrStmt and its siblings."""
        return KINDS[self.kind][0]

    @property
    def record(self) -> str:
        """The repeating record under the body: Stmt, Rpt or Ntfctn."""
        return KINDS[self.kind][1]


def message_of(namespace: str) -> Message | None:
    """The message a namespace names, or None when it is not camt.052/053/054 in version .02, .04 or .08."""
    if not namespace.startswith(PREFIX):
        return None
    found = _NAME.fullmatch(namespace[len(PREFIX) :])
    if found is None:
        return None
    return Message(found.group(1), found.group(2))


SUPPORTED = "camt.052, camt.053 or camt.054 in version .02, .04 or .08"
