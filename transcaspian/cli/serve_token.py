"""``transcaspian serve token create|list|revoke``: the web API's access tokens.

A token is printed once, when it is made, as the last word of the last line (only its hash
is stored). Each has a role (viewer: read its team's scenarios and results; analyst: also
upload scenarios and run jobs; admin: also manage tokens) and a team.
"""

from __future__ import annotations

import pandas as pd
import typer

from transcaspian.cli._common import FORMAT_OPTION, Format, console, emit, user_errors
from transcaspian.cli.serve import DB_HELP, serve_app, store_url

token_app = typer.Typer(help="Access tokens of the web API (each with a role and a team).",
                        no_args_is_help=True)


@token_app.command("create")
def create_cmd(
    role: str = typer.Option(..., "--role", help="viewer | analyst | admin"),
    team: str = typer.Option(..., "--team", help="Team whose scenarios, jobs and results it reaches"),
    label: str = typer.Option("", "--label", help="A note saying whose token it is"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Make a token and print it once (the last word of the last line)."""
    from transcaspian.web.store import Store

    with user_errors():
        store = Store(store_url(db))
        token_id, token = store.create_token(role, team, label)  # type: ignore[arg-type]
        store.close()
    console.print(f"created {token_id}: role {role}, team {team}. Only its hash is kept, so copy the "
                  "token now; send it as 'Authorization: Bearer TOKEN'.", highlight=False)
    typer.echo(f"token: {token}")


@token_app.command("list")
def list_cmd(
    team: str | None = typer.Option(None, "--team", help="Only this team's tokens"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """List tokens: id, role, team, label, when made and revoked (never the token)."""
    from transcaspian.web.store import Store

    with user_errors():
        store = Store(store_url(db))
        rows = store.list_tokens(team)
        store.close()
    stamp = "%Y-%m-%d %H:%M"
    table = pd.DataFrame({
        "id": [r["id"] for r in rows], "role": [r["role"] for r in rows], "team": [r["team"] for r in rows],
        "label": [r["label"][:30] for r in rows],
        "created UTC": [r["created"].strftime(stamp) for r in rows],
        "revoked UTC": [r["revoked"].strftime(stamp) if r["revoked"] else "" for r in rows]})
    emit(table, fmt, None, f"{len(rows)} token{'s' if len(rows) != 1 else ''}")


@token_app.command("revoke")
def revoke_cmd(
    token_id: str = typer.Argument(..., help="The token's id (tok_...), as `token list` shows"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Revoke a token: it authenticates no more."""
    from transcaspian.model.errors import Problem, UserError
    from transcaspian.web.store import Store

    with user_errors():
        store = Store(store_url(db))
        revoked = store.revoke_token(token_id)
        store.close()
        if not revoked:
            raise UserError([Problem(f"no active token {token_id!r} (see `transcaspian serve token list`)",
                                     field="token_id")], "the command")
    console.print(f"revoked {token_id}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``token`` under the ``serve`` group (``cli/serve.py`` adds the group itself)."""
    serve_app.add_typer(token_app, name="token")
