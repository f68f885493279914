"""A real ``transcaspian serve`` for the tests: a free port, the server (and its job workers) in
a process group of its own, started only once its port answers, stopped or killed as a group."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServeProcess:
    """``argv`` (a ``transcaspian serve`` command line listening on ``port``) with its output
    appended to ``log``; the constructor returns once the port accepts connections."""

    def __init__(self, argv: list[str], port: int, log: Path, timeout_s: float = 120) -> None:
        self.log_path = log
        self._log = log.open("ab")
        self.proc = subprocess.Popen(argv, stdout=self._log, stderr=self._log, start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while True:
            assert self.proc.poll() is None, log.read_text()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL to the whole group (the server and its workers), as a crash would."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)
        self._log.close()

    def stop(self) -> None:
        """SIGTERM to the group; SIGKILL if it has not ended within 30 s."""
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(30)
        self._log.close()
