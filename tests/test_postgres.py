"""A Prefect server on PostgreSQL: a real cluster and a real server, both on 127.0.0.1 only.

SQLite stays the single-machine default (tests/prefect_server.py without `database_url`); this
module starts PostgreSQL 15 (tests/postgres_server.py), a Prefect server on it, runs a small flow
against it and reads the run back through the API and straight from PostgreSQL's tables. A cluster
whose owner is killed (SIGKILL) shuts down with it.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest


def _port(url: str) -> int:
    return urlsplit(url).port


def _listeners(port: int) -> list:
    """Listening TCP sockets on `port` (any address, IPv4 or IPv6), each with the pid that owns it."""
    import psutil

    return [c for c in psutil.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN and c.laddr.port == port]


def _pid_listeners(pid: int) -> list:
    """Every listening TCP socket of process `pid` and its children (a child that ends meanwhile,
    such as a PostgreSQL backend whose client left, is skipped)."""
    import psutil

    proc = psutil.Process(pid)
    found = []
    for p in (proc, *proc.children(recursive=True)):
        try:
            found += [c for c in p.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
        except psutil.NoSuchProcess:
            if p is proc:
                raise
    return found


async def _pg_fetch(db_url: str, query: str, *args):
    import asyncpg

    conn = await asyncpg.connect(db_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        return await conn.fetch(query, *args)
    finally:
        await conn.close()


def _send_pending_logs_and_events() -> None:
    """Send the run's queued logs and events to the server now: they would otherwise go at exit,
    when the server is gone ("Error logging to API")."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        worker.drain_all(timeout=10, at_exit=False)


def test_flow_run_is_recorded_in_postgres(prefect_pg):
    from prefect import flow, task
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, PREFECT_LOCAL_STORAGE_PATH, temporary_settings

    @task(persist_result=True)
    def double(x: int) -> int:
        return 2 * x

    @flow(name="pg-smoke", persist_result=True)
    def pg_smoke(x: int) -> int:
        return double(x) + 1

    with temporary_settings({PREFECT_API_URL: prefect_pg["api"], PREFECT_LOCAL_STORAGE_PATH: str(prefect_pg["storage"])}):
        state = pg_smoke(20, return_state=True)
        assert state.is_completed(), state.message
        assert state.result() == 41
        run_id = state.state_details.flow_run_id

        async def read():
            async with get_client() as client:
                run = await client.read_flow_run(run_id)
                tasks = await client.read_task_runs()
                return run, [t for t in tasks if t.flow_run_id == run_id]

        run, task_runs = asyncio.run(read())
        _send_pending_logs_and_events()
    assert run.state.is_completed() and run.state_type.value == "COMPLETED"
    assert [t.state_type.value for t in task_runs] == ["COMPLETED"]
    assert any(prefect_pg["storage"].iterdir()), "the task's result was not persisted"

    # The server wrote it to PostgreSQL, not to a SQLite file of its own.
    rows = asyncio.run(_pg_fetch(prefect_pg["db"], "SELECT name, state_type::text AS state FROM flow_run WHERE id = $1", run_id))
    assert [(r["name"], r["state"]) for r in rows] == [(run.name, "COMPLETED")]
    assert asyncio.run(_pg_fetch(prefect_pg["db"], "SELECT count(*) AS n FROM task_run WHERE flow_run_id = $1", run_id))[0]["n"] == 1
    assert not list(prefect_pg["home"].glob("*.db")), "the server made a SQLite database"


def test_postgres_and_prefect_listen_on_localhost_only(prefect_pg):
    for name, url in (("PostgreSQL", prefect_pg["db"]), ("Prefect server", prefect_pg["api"])):
        on_port = _listeners(_port(url))
        assert on_port and all(c.laddr.ip == "127.0.0.1" for c in on_port), (name, on_port)
        # Nor does the process listen anywhere else (0.0.0.0, ::, a second port on another address).
        pids = {c.pid for c in on_port}
        assert len(pids) == 1 and None not in pids, (name, on_port)
        everywhere = _pid_listeners(pids.pop())
        assert everywhere and all(c.laddr.ip == "127.0.0.1" for c in everywhere), (name, everywhere)


# The cluster's owner, started in a process of its own and killed there like a killed test session.
OWNER = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "from tests.postgres_server import postgres_server\n"
    "with postgres_server(Path(sys.argv[1])) as url:\n"
    "    print('READY', url, flush=True)\n"
    "    time.sleep(600)\n"
)


def test_killed_owner_takes_postgres_with_it(tmp_path):
    import os
    import shutil
    import signal
    import subprocess
    import sys
    from pathlib import Path

    import psutil

    repo = Path(__file__).resolve().parents[1]
    folder = None
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(tmp_path)], cwd=repo, stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(repo)})
    try:
        line = owner.stdout.readline()
        assert line.startswith("READY "), f"no cluster: {line!r}; see {tmp_path / 'postgres.log'}"
        [postmaster] = {c.pid for c in _listeners(_port(line.split()[1]))}
        cmd = psutil.Process(postmaster).cmdline()
        folder = Path(cmd[cmd.index("-D") + 1]).parent  # the cluster, left behind by the kill
        cluster = [psutil.Process(postmaster), *psutil.Process(postmaster).children(recursive=True)]
        assert len(cluster) > 1  # the postmaster and its background processes
        owner.send_signal(signal.SIGKILL)
        owner.wait(timeout=10)
        gone, alive = psutil.wait_procs(cluster, timeout=15)
        assert not alive, [p.pid for p in alive]
        assert not (folder / "data" / "postmaster.pid").exists()  # an orderly (immediate) shutdown
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
