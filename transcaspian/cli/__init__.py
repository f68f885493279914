"""The ``transcaspian`` command. Thin: parse, call the Python API, print or save.

Each module in this package that defines ``register(app)`` adds its commands; new
engines add a module here rather than editing this file.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys

import typer

from transcaspian import __version__

app = typer.Typer(
    name="transcaspian",
    help="Open digital twin and planning toolkit for the Trans-Caspian (Middle) Corridor.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"transcaspian {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Open digital twin and planning toolkit for the Trans-Caspian (Middle) Corridor."""


_registered = False


def register_all() -> typer.Typer:
    """Import every command module in this package and let it add its commands."""
    global _registered
    if not _registered:
        for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
            if not mod.name.startswith("_"):
                module = importlib.import_module(f"{__name__}.{mod.name}")
                module.register(app)
        _registered = True
    return app


INTERNAL_ERROR_EXIT = 1
INTERRUPTED_EXIT = 130


def main() -> None:
    """Console-script entry point.

    A user's mistake ends with its problems and exit code 2 (each command's
    ``user_errors``); anything else that escapes a command is a bug in this package: it
    ends with one "internal error, please report" message and exit code 1, and the
    traceback only when ``TRANSCASPIAN_DEBUG=1``.
    """
    register_all()
    try:
        code = app()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(INTERRUPTED_EXIT)
    except Exception as exc:  # the last line of defence: no bare traceback for users
        if os.environ.get("TRANSCASPIAN_DEBUG") == "1":
            raise
        print(f"internal error, please report: {type(exc).__name__}: {exc}\n"
              f"(transcaspian {__version__}; set TRANSCASPIAN_DEBUG=1 for the traceback)",
              file=sys.stderr)
        sys.exit(INTERNAL_ERROR_EXIT)
    sys.exit(code)
