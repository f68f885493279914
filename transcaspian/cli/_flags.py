"""Engine parameter names -> command-line flags: engines name parameters, the CLI shows flags.

Examples
--------
>>> from transcaspian.model.errors import Problem, UserError
>>> try:
...     with flag_names({"destination": "--to"}):
...         raise UserError([Problem("unknown node 'x'", field="destination")], "the quote")
... except UserError as e:
...     print(e.problems[0].field, e.what)
--to the command
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from transcaspian.model.errors import UserError


def to_flags(exc: UserError, flags: Mapping[str, str]) -> UserError:
    """A copy of ``exc`` whose problems name command-line flags instead of engine parameters.

    Fields without an entry in ``flags`` (e.g. scenario fields) are kept as they are.
    """
    problems = [dataclasses.replace(p, field=flags.get(p.field, p.field)) for p in exc.problems]
    return dataclasses.replace(exc, problems=problems, what="the command")


@contextmanager
def flag_names(flags: Mapping[str, str]) -> Iterator[None]:
    """Re-raise a UserError from an engine with its parameter names translated to ``flags``."""
    try:
        yield
    except UserError as exc:
        if not any(p.field in flags for p in exc.problems):
            raise
        raise to_flags(exc, flags) from None
