"""The CLI's last line of defence: a bug ends with one message and exit 1, never a traceback."""

from __future__ import annotations

import sys

import pytest

import transcaspian.cli as cli
import transcaspian.cli.scenario as scenario_cli


def _run_main(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> int:
    monkeypatch.setattr(sys, "argv", ["transcaspian", *argv])
    with pytest.raises(SystemExit) as info:
        cli.main()
    return int(info.value.code or 0)


def test_internal_error_is_one_message_and_exit_1(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    def broken() -> list[str]:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(scenario_cli, "builtin_names", broken)
    monkeypatch.delenv("TRANSCASPIAN_DEBUG", raising=False)
    assert _run_main(monkeypatch, ["scenario", "list"]) == cli.INTERNAL_ERROR_EXIT
    err = capsys.readouterr().err
    assert "internal error, please report: ZeroDivisionError: boom" in err
    assert "Traceback" not in err


def test_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> list[str]:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(scenario_cli, "builtin_names", broken)
    monkeypatch.setenv("TRANSCASPIAN_DEBUG", "1")
    monkeypatch.setattr(sys, "argv", ["transcaspian", "scenario", "list"])
    with pytest.raises(ZeroDivisionError):
        cli.main()


def test_user_error_still_exits_2(monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert _run_main(monkeypatch, ["scenario", "show", "no-such-scenario"]) == 2
    err = capsys.readouterr().err
    assert "no-such-scenario" in err and "Traceback" not in err
