"""Who may propose, approve and reject programme changes and campaign rollouts (four eyes), and the
refusals as named errors; roles are plain names here (governance.access.ConsoleRole values)."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

PRODUCT_MANAGER = "product_manager"
RISK = "risk"


class ChangeState(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"  # approval and activation share a transaction, so never seen at rest today
    REJECTED = "rejected"
    APPLIED = "applied"


class ChangeRefused(Exception):
    """A maker-checker rule refused the step; `field` names what the caller should look at."""

    status = 409

    def __init__(self, detail: str, *, field: str) -> None:
        super().__init__(detail)
        self.detail, self.field = detail, field


class RoleRefused(ChangeRefused):
    status = 403


class OwnProposal(ChangeRefused):
    status = 403


class NotPending(ChangeRefused):
    pass


class ContentChanged(ChangeRefused):
    pass


class BaseMoved(ChangeRefused):
    pass


class RolloutInvalid(ChangeRefused):
    status = 422


@dataclass(frozen=True, slots=True)
class Pending:
    """What the rules need to know of a proposal."""

    proposed_by: str
    state: str
    content_hash: str = ""
    base_version: int = 0


def content_hash(text: str) -> str:
    """sha256 of the exact proposed text: an approval is tied to these bytes, not to a re-rendering."""
    return hashlib.sha256(text.encode()).hexdigest()


def check_proposer(roles: Collection[str]) -> None:
    """Only a product manager proposes; admin is not a product manager unless also given the role."""
    if PRODUCT_MANAGER not in roles:
        raise RoleRefused("proposing a change needs the product_manager role", field="roles")


def check_programme_approval(
    change: Pending, *, approver: str, roles: Collection[str], reviewed_hash: str, active_version: int
) -> None:
    """A second product manager approves the exact text reviewed, proposed against the active version."""
    _check_reviewer(change, approver=approver, roles=roles, needed=PRODUCT_MANAGER)
    if reviewed_hash != change.content_hash:
        raise ContentChanged(
            "the proposal's text is not the one reviewed; reload it and review again", field="yaml_hash"
        )
    if active_version != change.base_version:
        raise BaseMoved(
            f"the active programme changed since this was proposed (version {change.base_version}, now "
            f"{active_version}); propose it again on the current version",
            field="base_version",
        )


def check_programme_rejection(change: Pending, *, reviewer: str, roles: Collection[str], reason: str) -> None:
    _check_reviewer(change, approver=reviewer, roles=roles, needed=PRODUCT_MANAGER)
    _check_reason(reason)


def check_campaign_approval(change: Pending, *, approver: str, roles: Collection[str]) -> None:
    """Going live is approved by someone with the risk role who did not propose it."""
    _check_reviewer(change, approver=approver, roles=roles, needed=RISK)


def check_campaign_rejection(change: Pending, *, reviewer: str, roles: Collection[str], reason: str) -> None:
    _check_reviewer(change, approver=reviewer, roles=roles, needed=RISK)
    _check_reason(reason)


def check_rollout(mode: str, pilot_share: float) -> None:
    """A rollout a product manager may ask for: a pilot is a real share below everyone."""
    if mode not in ("shadow", "pilot", "live"):
        raise RolloutInvalid(f"{mode!r} is not a rollout mode (shadow, pilot, live)", field="mode")
    if not 0 <= pilot_share <= 1:
        raise RolloutInvalid("the pilot share is a fraction from 0 to 1", field="pilot_share")
    if mode == "pilot" and not 0 < pilot_share < 1:
        # a pilot of everyone is live without the risk role's approval
        raise RolloutInvalid(
            "a pilot's share is above 0 and below 1; to reach everyone propose live", field="pilot_share"
        )


def needs_risk_approval(mode: str) -> bool:
    """Going live waits for risk; shadow and pilot take effect when a product manager sets them."""
    return mode == "live"


def _check_reviewer(change: Pending, *, approver: str, roles: Collection[str], needed: str) -> None:
    if change.state != ChangeState.PROPOSED:
        raise NotPending(f"this change is {change.state}, not waiting for a decision", field="state")
    if needed not in roles:
        # admin and the other roles do not stand in for the checker's role
        raise RoleRefused(f"this decision needs the {needed} role", field="roles")
    if approver == change.proposed_by:
        raise OwnProposal("the proposer cannot decide on their own proposal", field="proposed_by")


def _check_reason(reason: str) -> None:
    if not reason.strip():
        raise ChangeRefused("give a reason for the rejection", field="reason")
