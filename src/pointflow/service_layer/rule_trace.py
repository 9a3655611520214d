"""The rule trace stored with an accrual: compact rows saying what earned, was excluded, was capped."""

from __future__ import annotations

from collections.abc import Sequence

from pointflow.domain.earning import TraceLine, TraceText

TRACE_FIELDS = ("rule_id", "kind", "outcome", "reason", "points", "multiplier")


TraceRow = TraceText
UNMATCHED_EXCLUSIONS = "exclusions"  # the one row that stands for every exclusion that did not apply


def trace_rows(lines: Sequence[TraceLine]) -> list[TraceRow]:
    """The rule trace as compact rows in TRACE_FIELDS order (stored with the accrual).

    Exclusions that did not apply are named in one row rather than one row each: their reasons only say
    that the transaction is not of the excluded kind, and at a row apiece they were most of a stored
    accrual's size (and of the pages each commit writes).
    """
    rows: list[TraceRow] = []
    passed: list[str] = []
    for ln in lines:
        if ln.kind == "exclusion" and ln.outcome == "not_matched":
            passed.append(ln.rule_id)
            continue
        rows.append(ln.as_text())
    if passed:
        reason = f"none of these exclusions applies: {', '.join(passed)}"
        rows.insert(0, (UNMATCHED_EXCLUSIONS, "exclusion", "not_matched", reason, "0", None))
    return rows
