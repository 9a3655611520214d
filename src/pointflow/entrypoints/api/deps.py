"""FastAPI dependencies: the container, the calling API key, its role and its member scope."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from pointflow.adapters.db.apikey_store import ApiKey, Role
from pointflow.bootstrap import Container
from pointflow.entrypoints.api.problems import Problem


async def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


async def _caller(request: Request, container: ContainerDep) -> ApiKey:
    header = request.headers.get("authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key:
        raise Problem(
            401, "Unauthorized", "send an API key as 'Authorization: Bearer KEY'", field="Authorization"
        )
    found = container.api_keys.find(key.strip())  # cached: a database read only on a miss
    if found is None:
        raise Problem(401, "Unauthorized", "unknown or revoked API key", field="Authorization")
    if found.member_token is not None:
        _check_scope(request, container, found.member_token)
    return found


# The path parameter that names the member an object route acts on.
MEMBER_PARAM = "customer_id"


def _check_scope(request: Request, container: Container, member_token: str) -> None:
    """Let a member-scoped key through only to its own member's object routes."""
    customer_id = request.path_params.get(MEMBER_PARAM)
    if customer_id is None:
        # A route without a member in its path acts programme-wide: not for a key held for one member.
        raise Problem(
            403, "Forbidden", "a member-scoped key may call only its member's routes", field="Authorization"
        )
    if not hmac.compare_digest(container.tokeniser.token(str(customer_id)), member_token):
        # 404, not 403: a scoped caller must not learn whether another member exists.
        raise Problem(404, "Unknown member", "no such member for this key", field=MEMBER_PARAM)


class RoleCheck:
    """A dependency that lets through keys with `role` or admin (a class, so tests can read the role)."""

    def __init__(self, role: Role) -> None:
        self.role = role

    async def __call__(self, caller: Annotated[ApiKey, Depends(_caller)]) -> ApiKey:
        if caller.role not in (self.role, Role.ADMIN):
            raise Problem(
                403, "Forbidden", f"this route needs the {self.role.value} role", field="Authorization"
            )
        return caller


def require(role: Role) -> RoleCheck:
    """A dependency that lets through keys with `role` or admin."""
    return RoleCheck(role)


IngestKey = Annotated[ApiKey, Depends(require(Role.INGEST))]
ReadKey = Annotated[ApiKey, Depends(require(Role.READ))]
RedeemKey = Annotated[ApiKey, Depends(require(Role.REDEEM))]
AdminKey = Annotated[ApiKey, Depends(require(Role.ADMIN))]
MarketingKey = Annotated[ApiKey, Depends(require(Role.MARKETING))]
