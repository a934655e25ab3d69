"""Prefect's temporary API server, tied to the songflow process that needs it.

With no PREFECT_API_URL, Prefect starts a temporary API server (uvicorn, in a subprocess) the first
time a client needs one, and stops it at interpreter exit. A songflow killed with SIGKILL (or by an
unhandled SIGTERM, an OOM kill, a test's timeout) never reaches that exit: the server is orphaned to
PID 1 and keeps running, holding its port and its database, until someone kills it.

`start_temporary_server()` starts that same server first, from the main thread, with the one
difference that the kernel kills it when songflow dies (PR_SET_PDEATHSIG, as for ffmpeg). It is
registered where Prefect looks for its temporary server, so every later client, events and log
worker uses it instead of starting another one; Prefect still stops it at a normal exit.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading

from songflow.core.errors import SongflowError
from songflow.core.procs import die_with_parent

STARTUP_WAIT = 90  # seconds; see _startup_wait


@functools.cache
def _server_class():
    import prefect
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import get_current_settings

    class TiedServer(SubprocessASGIServer):
        """Prefect's SubprocessASGIServer whose uvicorn process dies with this one."""

        def _run_uvicorn_command(self) -> subprocess.Popen:
            # Prefect 3.8's command and environment (SubprocessASGIServer._run_uvicorn_command),
            # plus preexec_fn; tests/test_processes.py checks they still match Prefect's own.
            server_env = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
            return subprocess.Popen(
                args=[
                    sys.executable, "-m", "uvicorn", "--app-dir", str(prefect.__module_path__.parent),
                    "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
                    "--log-level", "error", "--lifespan", "on",
                ],
                env={**os.environ, **server_env, **get_current_settings().to_environment_variables(exclude_unset=True)},
                preexec_fn=die_with_parent,
            )

    return SubprocessASGIServer, TiedServer


def start_temporary_server(timeout: int | None = None) -> str | None:
    """Start Prefect's temporary API server now, tied to this process; return its API URL.

    Does nothing (returns None) when PREFECT_API_URL names a server, when Prefect's ephemeral mode is
    off (Prefect then says what to set), or when a temporary server was already started by Prefect
    (too late to tie it). Call it from the main thread, before the first flow run: the kernel kills a
    PR_SET_PDEATHSIG child when the *thread* that started it ends, so a worker thread would take the
    server with it when it finishes.
    """
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

    if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        return None
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("start_temporary_server() must run in the main thread (PR_SET_PDEATHSIG follows the starting thread)")
    base, tied = _server_class()
    existing = base._instances.get(None)
    if existing is not None and existing.running:
        return existing.api_url if isinstance(existing, tied) else None
    if existing is not None:
        base._instances.pop(None)  # created but never started: replace it with one that dies with us
    wait = timeout or _startup_wait()
    for attempt in (1, 2):
        server = tied()  # registered as Prefect's temporary server: SubprocessASGIServer() now returns it
        try:
            server.start(timeout=wait)
            return server.api_url
        except RuntimeError:  # Prefect's "Timed out while attempting to connect to ephemeral Prefect API server"
            server.stop()
            base._instances.pop(None, None)
    raise SongflowError(
        f"Prefect's temporary API server did not answer within {wait} s, twice (a busy machine, or a slow disk "
        "under PREFECT_HOME); start one with `prefect server start` and set PREFECT_API_URL, or raise "
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
    )


def _startup_wait() -> int:
    """Seconds to wait for the temporary server: the user's PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
    else STARTUP_WAIT. Prefect's own default (20 s) is too short for a fresh PREFECT_HOME on a busy
    2-core machine: the server first builds its SQLite database (13 s here when idle)."""
    if os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"):
        from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS

        return PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()
    return STARTUP_WAIT
