"""A throwaway PostgreSQL server for the store's tests (initdb + pg_ctl in a temporary folder).

The server binaries come from Debian's ``postgresql`` package (``make services`` installs it;
CI runs that target). initdb refuses to run as root, so as root the cluster belongs to the
``postgres`` user that the package creates (or a system user ``tcpg`` made here), and the
server is started through ``runuser``. It listens on 127.0.0.1 only, on a free port, with
``trust`` authentication for local connections, and is stopped and removed at the end.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from serve_process import free_port


def binaries() -> Path | None:
    """The folder of the newest installed PostgreSQL server binaries (None if none)."""
    def version(path: str) -> int:
        name = Path(path).parent.parent.name
        return int(name) if name.isdigit() else 0

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version)
    return Path(found[-1]).parent if found else None


def _server_user() -> str | None:
    """The user to run the server as (None: the current user, when not root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "tcpg"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(["useradd", "-r", "-M", "-s", "/usr/sbin/nologin", "tcpg"], check=True)
    return "tcpg"


def _run(cmd: list[str], user: str | None, **kw) -> subprocess.CompletedProcess:
    full = ["runuser", "-u", user, "--", *cmd] if user else cmd
    return subprocess.run(full, check=True, capture_output=True, text=True, **kw)


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a PostgreSQL server; yield the URL of an empty database ``tc`` on it."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; "
                           "run `make services` (apt-get install postgresql)")
    user = _server_user()
    root = Path(tempfile.mkdtemp(prefix="transcaspian-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if user:
        shutil.chown(root, user)
        shutil.chown(sock, user)
    os.chmod(root, 0o700)
    port = free_port()
    try:
        _run([str(bin_dir / "initdb"), "-D", str(data), "-U", "tc", "--auth=trust", "-E", "UTF8",
              "--no-sync"], user, cwd=root)
        _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-t", "60",
              "-o", f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={sock} "
                    "-c fsync=off", "start"], user, cwd=root)
        _run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "tc", "tc"], user,
             cwd=root)
        yield f"postgresql://tc@127.0.0.1:{port}/tc"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run((["runuser", "-u", user, "--"] if user else [])
                           + [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                           capture_output=True, cwd=root)
        time.sleep(0.1)
        shutil.rmtree(root, ignore_errors=True)


def new_database(server_url: str, name: str) -> str:
    """Create an empty database ``name`` on the server of ``server_url``; return its URL."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"
