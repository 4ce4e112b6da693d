"""A private PostgreSQL server for the tests and the storage bench: Debian's PostgreSQL
(``scripts/setup.sh`` installs it), a cluster made by ``initdb`` in a temp folder (as the
``postgres`` user when we are root: PostgreSQL refuses to run as root), listening on 127.0.0.1 at
a free port with its socket in that folder, stopped and removed at the end."""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

USER = "postgres"


def pg_bin() -> Path:
    """The newest installed PostgreSQL's ``bin`` folder (Debian keeps it off PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run scripts/setup.sh (apt postgresql)")
    return Path(found[-1]).parent


def _version(path: str) -> int:
    return int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """One running cluster; ``database()`` makes an empty database and returns its URL."""

    def __init__(self, folder: Path, port: int):
        self.folder, self.port = folder, port
        self.data = folder / "data"
        self._names = itertools.count(1)

    def _run(self, *argv: str) -> None:
        command = [str(pg_bin() / argv[0]), *argv[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed: {done.stdout}{done.stderr}")

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, USER)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", USER, "--no-sync")
        options = f"-k {self.folder} -h 127.0.0.1 -p {self.port} -c max_connections=200"
        log = str(self.folder / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self) -> None:
        """``pg_ctl stop`` (fast); the postmaster killed by its pid if that fails."""
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        except (RuntimeError, subprocess.TimeoutExpired):
            pid_file = self.data / "postmaster.pid"
            if pid_file.exists():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
            raise

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def database(self, prefix: str = "db") -> str:
        """A new empty database (no Optuna tables yet); its URL."""
        import psycopg

        name = f"{prefix}{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A started private cluster, stopped and deleted when the block ends."""
    folder = Path(tempfile.mkdtemp(prefix="pg", dir="/tmp"))  # short: the socket path is limited
    server = PostgresServer(folder, free_port())
    try:
        server.start()
        yield server
    finally:
        try:
            if server.data.exists():
                server.stop()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
