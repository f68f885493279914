"""Problems found in scenario files, collected and reported together."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One mistake in a scenario, located as precisely as possible.

    Parameters
    ----------
    message
        What is wrong, in plain words.
    file
        The file the offending text came from (or the built-in scenario name).
    component
        Component type, e.g. ``links``; empty for scenario-level problems.
    id
        Component id, or ``#index`` when the component has no usable id.
    field
        Dotted field path inside the component, e.g. ``dwell_h.p90``.
    """

    message: str
    file: str = ""
    component: str = ""
    id: str = ""
    field: str = ""

    def where(self) -> str:
        """Human-readable location ``file: component[id].field``."""
        loc = ""
        if self.component:
            loc = self.component
            if self.id:
                loc += f"[{self.id}]"
        if self.field:
            loc = f"{loc}.{self.field}" if loc else self.field
        parts = [p for p in (self.file, loc) if p]
        return ": ".join(parts) if parts else "scenario"

    def __str__(self) -> str:
        return f"{self.where()}: {self.message}"


@dataclass
class UserError(Exception):
    """A mistake in what the user gave us; the CLI prints every problem and exits 2."""

    problems: list[Problem] = field(default_factory=list)
    what: str = "input"

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in {self.what}:"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


@dataclass
class ScenarioError(UserError):
    """Raised with every problem found in a scenario."""

    what: str = "scenario"


def input_error(message: str, field: str = "") -> UserError:
    """A single-problem UserError about a command-line argument or option."""
    return UserError([Problem(message, field=field)], "the command")


class ProblemCollector:
    """Accumulates problems; raises them together with :meth:`raise_if_any`."""

    def __init__(self, file: str = "") -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, message: str, component: str = "", id: str = "", field: str = "",
            file: str | None = None) -> None:
        self.problems.append(Problem(message, file if file is not None else self.file,
                                     component, id, field))

    def extend(self, problems: list[Problem]) -> None:
        self.problems.extend(problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise ScenarioError(list(self.problems))
