"""The hash-chained audit log: an intact chain verifies; any edit, deletion or reordering is found."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pointflow.governance.audit import GENESIS, AuditEntry, canonical, entry_hash, verify_chain

START = datetime(2024, 5, 15, 14, 30, tzinfo=UTC)


def build_chain(count: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    prev = GENESIS
    for seq in range(1, count + 1):
        entry = sealed(
            seq=seq,
            at=START + timedelta(seconds=seq),
            actor=f"api:key_{seq % 3}",
            action="points.accrued",
            subject=f"member:m_{seq:04d}",
            details={"points": seq * 10, "source_id": f"txn_{seq}"},
            prev_hash=prev,
        )
        entries.append(entry)
        prev = entry.hash
    return entries


def sealed(**fields: Any) -> AuditEntry:
    """An entry whose hash is computed the way the writer computes it."""
    digest = entry_hash(**{**fields, "details": canonical(fields["details"])})
    return AuditEntry(**fields, hash=digest)


def head_of(chain: list[AuditEntry]) -> tuple[int, str]:
    return (chain[-1].seq, chain[-1].hash) if chain else (0, GENESIS)


def test_an_intact_chain_verifies() -> None:
    chain = build_chain(5)
    assert verify_chain(chain, head_of(chain)) is None


def test_an_empty_chain_with_the_genesis_head_verifies() -> None:
    assert verify_chain([], (0, GENESIS)) is None


def test_the_first_entry_chains_onto_genesis_and_each_later_one_onto_its_predecessor() -> None:
    chain = build_chain(3)
    assert [e.prev_hash for e in chain] == [GENESIS, chain[0].hash, chain[1].hash]


def test_entry_hash_depends_on_every_field() -> None:
    base = {
        "seq": 1,
        "at": START,
        "actor": "a",
        "action": "b",
        "subject": "c",
        "details": "{}",
        "prev_hash": GENESIS,
    }
    changed = {
        "seq": 2,
        "at": START + timedelta(microseconds=1),
        "actor": "a2",
        "action": "b2",
        "subject": "c2",
        "details": '{"x":1}',
        "prev_hash": "1" * 64,
    }
    digests = {entry_hash(**base)} | {entry_hash(**{**base, name: value}) for name, value in changed.items()}
    assert len(digests) == 1 + len(changed)


def test_canonical_details_do_not_depend_on_key_order() -> None:
    assert canonical({"b": 1, "a": [2, 3]}) == canonical({"a": [2, 3], "b": 1}) == '{"a":[2,3],"b":1}'


EDITS: dict[str, Any] = {
    "at": START - timedelta(days=1),
    "actor": "someone:else",
    "action": "points.redeemed",
    "subject": "member:m_other",
    "details": {"points": 999_999},
    "prev_hash": "f" * 64,
    "hash": "e" * 64,
}


@given(count=st.integers(1, 8), data=st.data())
def test_editing_any_field_of_any_entry_is_reported_at_that_entry(count: int, data: st.DataObject) -> None:
    chain = build_chain(count)
    head = head_of(chain)
    index = data.draw(st.integers(0, count - 1), label="index")
    field = data.draw(st.sampled_from(sorted(EDITS)), label="field")
    chain[index] = dataclasses.replace(chain[index], **{field: EDITS[field]})
    broken = verify_chain(chain, head)
    assert broken is not None
    assert broken.seq == index + 1


@given(count=st.integers(1, 8), data=st.data())
def test_renumbering_an_entry_is_reported_at_the_number_it_should_have(
    count: int, data: st.DataObject
) -> None:
    chain = build_chain(count)
    head = head_of(chain)
    index = data.draw(st.integers(0, count - 1), label="index")
    chain[index] = dataclasses.replace(chain[index], seq=chain[index].seq + 100)
    broken = verify_chain(chain, head)
    assert broken is not None
    assert broken.seq == index + 1


@given(count=st.integers(2, 8), data=st.data())
def test_an_edited_entry_rehashed_to_match_is_reported_at_the_entry_after_it(
    count: int, data: st.DataObject
) -> None:
    chain = build_chain(count)
    head = head_of(chain)
    index = data.draw(st.integers(0, count - 2), label="index")
    original = chain[index]
    chain[index] = sealed(
        seq=original.seq,
        at=original.at,
        actor=original.actor,
        action=original.action,
        subject=original.subject,
        details={"points": 1_000_000},
        prev_hash=original.prev_hash,
    )
    broken = verify_chain(chain, head)
    assert broken is not None
    assert broken.seq == index + 2
    assert "prev_hash" in broken.reason


def test_a_rehashed_last_entry_is_caught_by_the_recorded_head() -> None:
    chain = build_chain(4)
    head = head_of(chain)
    last = chain[-1]
    chain[-1] = sealed(
        seq=last.seq,
        at=last.at,
        actor=last.actor,
        action=last.action,
        subject=last.subject,
        details={"points": 0},
        prev_hash=last.prev_hash,
    )
    broken = verify_chain(chain, head)
    assert broken is not None
    assert broken.seq == 4


@given(count=st.integers(2, 8), data=st.data())
def test_deleting_an_entry_before_the_last_is_reported_at_the_missing_seq(
    count: int, data: st.DataObject
) -> None:
    chain = build_chain(count)
    head = head_of(chain)
    index = data.draw(st.integers(0, count - 2), label="index")
    del chain[index]
    broken = verify_chain(chain, head)
    assert broken is not None
    assert broken.seq == index + 1
    assert "missing" in broken.reason


@pytest.mark.parametrize("count", [1, 2, 5])
def test_deleting_the_last_entry_is_detected_through_the_head(count: int) -> None:
    chain = build_chain(count)
    head = head_of(chain)
    broken = verify_chain(chain[:-1], head)
    assert broken is not None
    assert f"recorded head is {count}" in broken.reason


@pytest.mark.parametrize("count", [1, 2, 5])
def test_deleting_the_last_entry_is_reported_at_the_missing_seq(count: int) -> None:
    # Like a deletion in the middle, the report should name the entry that is gone, not the intact one
    # before it (for a one-entry chain that would otherwise be "record 0", which never existed).
    chain = build_chain(count)
    head = head_of(chain)
    broken = verify_chain(chain[:-1], head)
    assert broken is not None
    assert broken.seq == count


@given(count=st.integers(2, 8), data=st.data())
def test_swapping_two_adjacent_entries_is_reported_at_the_first_position(
    count: int, data: st.DataObject
) -> None:
    chain = build_chain(count)
    head = head_of(chain)
    index = data.draw(st.integers(0, count - 2), label="index")
    chain[index], chain[index + 1] = chain[index + 1], chain[index]
    broken = verify_chain(chain, head)
    assert broken is not None
    assert broken.seq == index + 1


@given(count=st.integers(2, 8), data=st.data())
def test_swapping_entries_and_their_seq_numbers_is_reported_at_the_first_position(
    count: int, data: st.DataObject
) -> None:
    chain = build_chain(count)
    head = head_of(chain)
    i, j = sorted(data.draw(st.lists(st.integers(0, count - 1), min_size=2, max_size=2, unique=True)))
    a, b = chain[i], chain[j]
    chain[i], chain[j] = dataclasses.replace(b, seq=a.seq), dataclasses.replace(a, seq=b.seq)
    broken = verify_chain(chain, head)
    assert broken is not None
    assert broken.seq == i + 1


def test_a_chain_verifies_only_against_its_own_head() -> None:
    chain = build_chain(3)
    broken = verify_chain(chain, (3, "0" * 63 + "1"))
    assert broken is not None
    assert broken.seq == 3


def test_an_entry_appended_past_the_recorded_head_is_reported_at_that_entry() -> None:
    chain = build_chain(4)
    head = head_of(chain)
    forged = build_chain(5)[-1]
    broken = verify_chain([*chain, forged], head)
    assert broken is not None
    assert broken.seq == 5
