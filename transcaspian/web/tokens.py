"""API tokens: how they are made, and the one way they are hashed for storage.

A token is ``tc_`` followed by 32 random bytes (URL-safe base64, 43 characters). Only its
SHA-256 is stored, so a copy of the database grants nothing; because a token carries 256
bits of randomness, an unsalted hash cannot be reversed by guessing, and a lookup by hash
(then :func:`hmac.compare_digest`) does not leak the token through timing.

Examples
--------
>>> t = new_token()
>>> t.startswith(PREFIX), len(t) == len(PREFIX) + 43, looks_like_token(t)
(True, True, True)
>>> hash_token("tc_abc") == hash_token("tc_abc"), len(hash_token("tc_abc"))
(True, 64)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Literal, get_args

#: What every token starts with (so a leaked one is recognisable in logs and scans).
PREFIX = "tc_"
#: Random bytes in a token (256 bits).
TOKEN_BYTES = 32
#: The roles a token may have, least to most privileged.
Role = Literal["viewer", "analyst", "admin"]
ROLES: tuple[str, ...] = get_args(Role)
#: A team name: letters, digits, dot, dash, underscore; 1-64 characters.
TEAM_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_TOKEN_PATTERN = re.compile(rf"{PREFIX}[A-Za-z0-9_-]{{43}}")


def new_token() -> str:
    """A fresh random token (``tc_`` + 43 URL-safe characters)."""
    return PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def new_token_id() -> str:
    """A short public identifier of a token (``tok_`` + 12 hex digits), safe to show and log.

    >>> new_token_id().startswith("tok_")
    True
    """
    return "tok_" + secrets.token_hex(6)


def hash_token(token: str) -> str:
    """The stored form of a token: SHA-256 of its UTF-8 bytes (64 hex digits)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def same_hash(a: str, b: str) -> bool:
    """Constant-time equality of two stored hashes.

    >>> same_hash(hash_token("x"), hash_token("x")), same_hash(hash_token("x"), hash_token("y"))
    (True, False)
    """
    return hmac.compare_digest(a.encode(), b.encode())


def looks_like_token(text: str) -> bool:
    """True when ``text`` has the shape of a token (checked before any database lookup)."""
    return isinstance(text, str) and _TOKEN_PATTERN.fullmatch(text) is not None


def role_problems(role: str, team: str) -> list[str]:
    """What is wrong with a role and team given for a new token (empty: nothing).

    >>> for p in role_problems("owner", "ministry team"):
    ...     print(p)
    role 'owner' is not one of viewer, analyst, admin
    team 'ministry team': use 1-64 letters, digits, '.', '-' or '_', starting with a letter or digit
    """
    out = []
    if role not in ROLES:
        out.append(f"role {role!r} is not one of {', '.join(ROLES)}")
    if not isinstance(team, str) or TEAM_PATTERN.fullmatch(team) is None:
        out.append(f"team {team!r}: use 1-64 letters, digits, '.', '-' or '_', starting with a "
                   "letter or digit")
    return out
