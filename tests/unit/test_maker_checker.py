"""Maker-checker rules: a second product manager approves the exact text on the version it was proposed
against; nobody decides on their own proposal; admin and risk do not stand in; live waits for risk."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pointflow.domain.maker_checker import (
    BaseMoved,
    ChangeRefused,
    ContentChanged,
    NotPending,
    OwnProposal,
    Pending,
    RoleRefused,
    RolloutInvalid,
    check_campaign_approval,
    check_campaign_rejection,
    check_programme_approval,
    check_programme_rejection,
    check_proposer,
    check_rollout,
    content_hash,
    needs_risk_approval,
)
from pointflow.governance.access import ConsoleRole

ROLES = [r.value for r in ConsoleRole]
TEXT = "id: sample\n"
CHANGE = Pending("ana", "proposed", content_hash(TEXT), 7)
names = st.sampled_from(["ana", "bo", "cy"])
role_sets = st.frozensets(st.sampled_from(ROLES))
states = st.sampled_from(["proposed", "approved", "rejected", "applied"])


def approve(**overrides: object) -> None:
    args: dict[str, object] = {
        "approver": "bo",
        "roles": {"product_manager"},
        "reviewed_hash": CHANGE.content_hash,
        "active_version": 7,
    }
    check_programme_approval(CHANGE, **(args | overrides))  # type: ignore[arg-type]


def test_a_second_product_manager_approves() -> None:
    approve()


@given(approver=names, roles=role_sets, state=states, same_hash=st.booleans(), moved=st.booleans())
def test_approval_holds_only_when_every_rule_does(
    approver: str, roles: frozenset[str], state: str, same_hash: bool, moved: bool
) -> None:
    change = Pending("ana", state, CHANGE.content_hash, 7)
    allowed = (
        state == "proposed" and "product_manager" in roles and approver != "ana" and same_hash and not moved
    )
    try:
        check_programme_approval(
            change,
            approver=approver,
            roles=roles,
            reviewed_hash=CHANGE.content_hash if same_hash else content_hash(TEXT + " "),
            active_version=8 if moved else 7,
        )
    except ChangeRefused:
        assert not allowed
    else:
        assert allowed


@pytest.mark.parametrize(
    ("overrides", "refusal", "field"),
    [
        ({"approver": "ana"}, OwnProposal, "proposed_by"),
        ({"roles": {"admin"}}, RoleRefused, "roles"),
        ({"roles": {"risk", "viewer"}}, RoleRefused, "roles"),
        ({"reviewed_hash": content_hash("id: other\n")}, ContentChanged, "yaml_hash"),
        ({"active_version": 8}, BaseMoved, "base_version"),
    ],
)
def test_each_refusal_names_its_field(overrides: dict[str, object], refusal: type, field: str) -> None:
    with pytest.raises(refusal) as raised:
        approve(**overrides)
    assert raised.value.field == field


def test_a_decided_change_is_not_decided_again() -> None:
    for state in ("rejected", "applied"):
        with pytest.raises(NotPending):
            check_programme_approval(
                Pending("ana", state, CHANGE.content_hash, 7),
                approver="bo",
                roles={"product_manager"},
                reviewed_hash=CHANGE.content_hash,
                active_version=7,
            )


def test_the_hash_covers_every_byte() -> None:
    assert content_hash(TEXT) != content_hash(TEXT.replace("\n", "\r\n"))
    assert len(content_hash(TEXT)) == 64


def test_rejection_needs_a_reason_and_another_product_manager() -> None:
    check_programme_rejection(CHANGE, reviewer="bo", roles={"product_manager"}, reason="too costly")
    with pytest.raises(ChangeRefused) as blank:
        check_programme_rejection(CHANGE, reviewer="bo", roles={"product_manager"}, reason="  ")
    assert blank.value.field == "reason"
    with pytest.raises(OwnProposal):
        check_programme_rejection(CHANGE, reviewer="ana", roles={"product_manager"}, reason="x")


@given(roles=role_sets)
def test_only_a_product_manager_proposes(roles: frozenset[str]) -> None:
    try:
        check_proposer(roles)
    except RoleRefused:
        assert "product_manager" not in roles
    else:
        assert "product_manager" in roles


@given(approver=names, roles=role_sets)
def test_going_live_is_approved_by_risk_and_not_by_the_proposer(approver: str, roles: frozenset[str]) -> None:
    live = Pending("ana", "proposed")
    allowed = "risk" in roles and approver != "ana"
    try:
        check_campaign_approval(live, approver=approver, roles=roles)
    except ChangeRefused:
        assert not allowed
    else:
        assert allowed
    if allowed:
        check_campaign_rejection(live, reviewer=approver, roles=roles, reason="not yet")


def test_rollouts_a_product_manager_may_set() -> None:
    assert needs_risk_approval("live")
    assert not needs_risk_approval("pilot")
    assert not needs_risk_approval("shadow")
    check_rollout("pilot", 0.25)
    check_rollout("shadow", 0.0)
    for mode, share in (("pilot", 1.0), ("pilot", 0.0), ("everyone", 0.0), ("live", 1.5)):
        with pytest.raises(RolloutInvalid):
            check_rollout(mode, share)
