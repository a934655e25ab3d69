"""A real PostgreSQL server for tests: a throwaway cluster on 127.0.0.1 and a free port.

Debian's PostgreSQL 15 binaries (`make postgres` installs them). PostgreSQL refuses to run as root,
so under root the cluster belongs to the `postgres` user and its processes run as that user.
"""

from __future__ import annotations

import functools
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from songflow.core.procs import die_with_parent
from tests.prefect_server import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")
DATABASE = "prefect"
SUPERUSER = "postgres"
PREFIX = "songflow-pg-"


def _run_as() -> dict:
    """Popen arguments that run a server binary as `postgres` when we are root; nothing otherwise."""
    if os.geteuid() != 0:
        return {}
    return {"user": SUPERUSER, "group": pwd.getpwnam(SUPERUSER).pw_gid, "extra_groups": []}


def _remove_stale_clusters(max_age: float = 600.0) -> None:
    """Delete clusters a killed test session left in the temp folder: older than `max_age` seconds
    and without a live postmaster (no postmaster.pid, or one naming a process that is gone)."""
    for cluster in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        try:
            if time.time() - cluster.stat().st_mtime < max_age:
                continue
            pidfile = cluster / "data" / "postmaster.pid"
            if pidfile.exists():
                os.kill(int(pidfile.read_text().split()[0]), 0)
                continue  # its postmaster still runs
        except ProcessLookupError:
            pass
        except (OSError, ValueError, IndexError):
            continue
        shutil.rmtree(cluster, ignore_errors=True)


def _check(cmd: list[str], **kwargs) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kwargs)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:2])} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


@contextmanager
def postgres_server(folder: Path, timeout: float = 60.0, control: dict | None = None) -> Iterator[str]:
    """Start a fresh PostgreSQL cluster listening on 127.0.0.1 only (trust authentication, from
    127.0.0.1 and its own socket folder only) with an empty database `prefect`; yield its SQLAlchemy
    URL, `postgresql+asyncpg://postgres@127.0.0.1:PORT/prefect`; always stop it and delete the
    cluster after. Its log is `folder/postgres.log`.

    The postmaster is this process's child, not a daemon started by `pg_ctl start`: the kernel
    sends it SIGQUIT (an immediate shutdown, which ends its backends too) if this process dies,
    so a killed test session leaves no PostgreSQL running (its cluster folder, in the temp folder,
    is deleted by a later start). `control` receives `restart(seconds)`: a fast shutdown (as a
    failover or `systemctl restart` does), `seconds` down, and the same cluster started again."""
    initdb, postgres = PG_BIN / "initdb", PG_BIN / "postgres"
    if not postgres.is_file():
        raise RuntimeError(f"PostgreSQL 15 is needed: {postgres} is missing (Debian: apt-get install postgresql-15; `make test` does this)")
    as_owner = _run_as()
    _remove_stale_clusters()
    # Not in pytest's temp folders: those are root-only (0700), and the postgres user must reach its files.
    cluster = Path(tempfile.mkdtemp(prefix=PREFIX))
    data, sockets = cluster / "data", cluster / "run"
    sockets.mkdir()
    if as_owner:
        owner = pwd.getpwnam(SUPERUSER)
        for path in (cluster, sockets):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}  # keeps SONGFLOW_TEST_SESSION
    port = free_port()
    log = (folder / "postgres.log").open("w")
    proc = None

    def start() -> subprocess.Popen:
        started = subprocess.Popen(
            [str(postgres), "-D", str(data), "-p", str(port),
             "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={sockets}",
             "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
            env=env, cwd=cluster, stdout=log, stderr=subprocess.STDOUT,
            preexec_fn=functools.partial(die_with_parent, signal.SIGQUIT), **as_owner,
        )
        deadline = time.monotonic() + timeout
        ready = [str(PG_BIN / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port), "-U", SUPERUSER, "-d", "postgres"]
        while subprocess.run(ready, env=env).returncode != 0:
            if started.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not start; see {folder / 'postgres.log'}")
            time.sleep(0.2)
        return started

    def stop(server: subprocess.Popen) -> None:
        # SIGINT is `pg_ctl stop -m fast`: disconnect clients, checkpoint, exit. Then SIGQUIT
        # (immediate), then SIGKILL.
        for sig, wait in ((signal.SIGINT, 30), (signal.SIGQUIT, 10), (signal.SIGKILL, None)):
            if server.poll() is not None:
                break
            server.send_signal(sig)
            try:
                server.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue

    def restart(seconds: float) -> None:
        nonlocal proc
        stop(proc)
        time.sleep(seconds)
        proc = start()

    try:
        _check([str(initdb), "-D", str(data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
               env=env, cwd=cluster, **as_owner)
        # Nobody but 127.0.0.1 and the socket folder (0700, the postgres user's) may connect.
        (data / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        proc = start()
        _check([str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", SUPERUSER, DATABASE], env=env)
        if control is not None:
            control["restart"] = restart
        yield f"postgresql+asyncpg://{SUPERUSER}@127.0.0.1:{port}/{DATABASE}"
    finally:
        if proc is not None:
            stop(proc)
        log.close()
        shutil.rmtree(cluster, ignore_errors=True)
