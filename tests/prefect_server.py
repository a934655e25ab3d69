"""A real Prefect server for tests: `prefect server start` on 127.0.0.1 and a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from songflow.core.procs import die_with_parent


LEASES_ON_DISK = "prefect.server.concurrency.lease_storage.filesystem"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def prefect_server(home: Path, timeout: float = 120.0, extra_env: Mapping[str, str] | None = None,
                   database_url: str | None = None, port: int | None = None) -> Iterator[str]:
    """Start a Prefect server with its database in `home` (and `extra_env` added to its environment, e.g.
    PREFECT_SERVER_API_AUTH_STRING); yield its API URL; stop it after. The database is SQLite, the file
    `home/prefect.db`, unless `database_url` names another (`postgresql+asyncpg://...`: see
    tests/postgres_server.py). `port`: the one to listen on (a restart of the same server), else a
    free one."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": database_url or f"sqlite+aiosqlite:///{home / 'prefect.db'}",
        # The UI asks /ui-settings where the API is; without this it says port 4200.
        "PREFECT_UI_API_URL": url,
        "PREFECT_SERVER_API_PORT": str(port),
        # Concurrency leases (the `gpu:<host>` slots) kept on disk, as the README's fleet server
        # does: in memory (the default) a restart forgets the slots held, and they stay taken.
        "PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE": LEASES_ON_DISK,
        **(extra_env or {}),
    }
    env.pop("PREFECT_API_URL", None)
    env.pop("PREFECT_API_DATABASE_CONNECTION_URL", None)  # the old name of the setting; ours alone decides
    log = (home / "server.log").open("a")  # a restart of the same server appends
    prefect = Path(sys.executable).parent / "prefect"
    proc = subprocess.Popen(
        [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=die_with_parent,  # a killed test session does not leave it running
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Prefect server did not start; see {home / 'server.log'}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
