"""The hash-chained audit log: each entry's hash covers its content and the previous entry's hash."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: Mapping[str, Any]
    prev_hash: str
    hash: str


def canonical(details: Mapping[str, Any]) -> str:
    return orjson.dumps(details, option=orjson.OPT_SORT_KEYS, default=str).decode()


def entry_hash(
    *, seq: int, at: datetime, actor: str, action: str, subject: str, details: str, prev_hash: str
) -> str:
    """sha256 over the entry's fields (details already in canonical JSON) and the previous hash."""
    # Each field is prefixed by its length, so no content can move a boundary between fields.
    parts = (str(seq), at.isoformat(), actor, action, subject, details, prev_hash)
    body = "".join(f"{len(part)}:{part};" for part in parts)
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainBreak:
    seq: int
    reason: str


def verify_chain(entries: Iterable[AuditEntry], head: tuple[int, str]) -> ChainBreak | None:
    """Walk the chain in sequence order; return the first entry that does not hold, or None.

    `head` is the (seq, hash) the writer recorded last, so that deleting the newest entry shows too.
    """
    prev_hash, expected_seq = GENESIS, 1
    for e in entries:
        if e.seq != expected_seq:
            return ChainBreak(expected_seq, f"entry {expected_seq} is missing (next is {e.seq})")
        if e.prev_hash != prev_hash:
            return ChainBreak(e.seq, "its prev_hash does not match the hash of the entry before it")
        recomputed = entry_hash(
            seq=e.seq,
            at=e.at,
            actor=e.actor,
            action=e.action,
            subject=e.subject,
            details=canonical(e.details),
            prev_hash=e.prev_hash,
        )
        if recomputed != e.hash:
            return ChainBreak(e.seq, "its content does not match its hash (edited after writing)")
        prev_hash, expected_seq = e.hash, e.seq + 1
    if (expected_seq - 1, prev_hash) != head:
        last = expected_seq - 1
        missing = last + 1 if head[0] > last else last
        return ChainBreak(missing, f"the chain ends at entry {last}, the recorded head is {head[0]}")
    return None
