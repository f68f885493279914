"""Who is calling: bearer tokens, roles within a team, and the errors of access.

Every ``/api/v1`` call carries ``Authorization: Bearer TOKEN``. A missing or unknown token
is 401 (with ``WWW-Authenticate: Bearer``); a role below what the call needs is 403. Ids of
another team are answered 404 by the routes (the store does not return them), so a caller
cannot tell another team's ids from ids that do not exist.

Roles, each including the one before: ``viewer`` reads the team's scenarios, jobs and
results and may call the read-only computations (capacity, quote, compare: nothing is
stored); ``analyst`` also uploads scenarios and runs jobs; ``admin`` also manages tokens.

Examples
--------
>>> allows("analyst", "viewer"), allows("viewer", "analyst")
(True, False)
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

#: Roles in order of what they may do.
ROLES = ("viewer", "analyst", "admin")


def allows(role: str, needed: str) -> bool:
    """True when ``role`` may do what ``needed`` may."""
    return ROLES.index(role) >= ROLES.index(needed)


def unauthorized(message: str) -> HTTPException:
    """401 asking for a bearer token."""
    return HTTPException(401, message, headers={"WWW-Authenticate": 'Bearer realm="transcaspian"'})


#: Declares the bearer scheme in the OpenAPI document (the docs' Authorize button); the header
#: itself is read below, so every failure has this module's message.
BEARER = HTTPBearer(auto_error=False, description="A token from 'transcaspian serve token create'")


def principal(request: Request, _declared: HTTPAuthorizationCredentials | None = Depends(BEARER)) -> Any:
    """The caller's :class:`~transcaspian.web.store.Principal` (401 without a valid token)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise unauthorized("no token: send 'Authorization: Bearer TOKEN' (transcaspian serve token create)")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 200:
        raise unauthorized("the Authorization header must be 'Bearer TOKEN'")
    who = request.app.state.store.authenticate(token)
    if who is None:
        raise unauthorized("unknown or revoked token")
    return who


def role(needed: str) -> Any:
    """A dependency: the caller, who must hold ``needed`` or a higher role (403 otherwise)."""

    def check(who: Any = Depends(principal)) -> Any:
        if not allows(who.role, needed):
            raise HTTPException(403, f"a {who.role} token cannot do this: it needs the {needed} role")
        return who

    return check


viewer, analyst, admin = role("viewer"), role("analyst"), role("admin")
