"""``/tokens`` (admin): create, list and revoke the tokens of the admin's team."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request

from transcaspian.web import auth
from transcaspian.web.routes import COMMON, store
from transcaspian.web.schemas import TokenCreated, TokenItem, TokenRequest

router = APIRouter(tags=["tokens"], responses=COMMON)


@router.post("/tokens", response_model=TokenCreated, status_code=201,
             summary="Create a token in your team (shown once)")
def create(body: TokenRequest, request: Request, who: Any = Depends(auth.admin)) -> TokenCreated:
    token_id, token = store(request).create_token(body.role, who.team, body.label)
    return TokenCreated(token_id=token_id, token=token, role=body.role, team=who.team)


@router.get("/tokens", response_model=list[TokenItem], summary="Your team's tokens (never the tokens "
            "themselves)")
def list_tokens(request: Request, who: Any = Depends(auth.admin)) -> list[dict[str, Any]]:
    return store(request).list_tokens(who.team)


@router.delete("/tokens/{token_id}", status_code=204, summary="Revoke a token of your team")
def revoke(request: Request, token_id: str = Path(min_length=1, max_length=64),
           who: Any = Depends(auth.admin)) -> None:
    if not store(request).revoke_token(token_id, team=who.team):
        raise HTTPException(404, f"no token '{token_id}' in your team")
