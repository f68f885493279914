"""The ``transcaspian`` command. Thin: parse, call the Python API, print or save.

Each module in this package that defines ``register(app)`` adds its commands; new
engines add a module here rather than editing this file.
"""

from __future__ import annotations

import importlib
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


def main() -> None:
    """Console-script entry point."""
    register_all()
    sys.exit(app())
