"""No process outlives the songflow command that started it.

With no PREFECT_API_URL, Prefect starts a temporary API server (uvicorn) in a subprocess and stops it
at interpreter exit; a songflow killed with SIGKILL never gets there and the server was orphaned to
PID 1, running on. `songflow.command.ephemeral.start_temporary_server()` starts the same server tied to the
process (PR_SET_PDEATHSIG). Here the CLI runs in its own process with the server started that way,
is killed inside its flow run, and the server must be gone; a normal exit stops it too; and the
tied server's command stays Prefect's own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

from tests.conftest import SHORT_TITLE

REPO = Path(__file__).resolve().parents[1]
# The CLI as a user runs it, with the temporary server started first the songflow way.
CLI = (
    "import sys\n"
    "from songflow.command.ephemeral import start_temporary_server\n"
    "url = start_temporary_server()\n"
    "assert url and start_temporary_server() == url, url  # a second call reuses it\n"
    "print('SERVER', url, flush=True)\n"
    "from songflow.command.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def cli_env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    for name in ("PREFECT_API_URL", "PREFECT_LOCAL_STORAGE_PATH"):
        env.pop(name, None)
    return env


def servers_of(proc: psutil.Process) -> list[psutil.Process]:
    return [c for c in proc.children(recursive=True) if "uvicorn" in " ".join(c.cmdline())]


def gone(procs: list[psutil.Process], within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in procs):
            return True
        time.sleep(0.1)
    return False


def test_killed_run_takes_its_temporary_server_with_it(short_song, tmp_path):
    wav, lrc, _ = short_song
    outputs = tmp_path / "outputs"
    lock = outputs / "neon-tide-short" / ".lock"
    cmd = [sys.executable, "-c", CLI, "run", str(wav), "--lyrics", str(lrc), "--title", SHORT_TITLE, "--preset", "fast", "--outputs", str(outputs)]
    run = subprocess.Popen(cmd, cwd=REPO, env=cli_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        first = run.stdout.readline()
        assert first.startswith("SERVER http://127.0.0.1:"), first
        deadline = time.monotonic() + 120
        while not lock.exists():  # the flow run has started and holds the song
            assert run.poll() is None and time.monotonic() < deadline, run.stdout.read()[-2000:]
            time.sleep(0.1)
        servers = servers_of(psutil.Process(run.pid))
        assert len(servers) == 1, "Prefect started a second temporary server instead of using the tied one"
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=10)
        assert gone(servers), f"temporary Prefect server {servers[0].pid} outlived the killed run"
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
        run.stdout.close()


def test_normal_exit_stops_the_temporary_server(tmp_path):
    """An input error ends the command after the server started: it is stopped at exit as before."""
    cmd = [sys.executable, "-c", CLI, "run", str(tmp_path / "missing.wav"), "--outputs", str(tmp_path / "o")]
    run = subprocess.Popen(cmd, cwd=REPO, env=cli_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = run.stdout.readline()
    assert first.startswith("SERVER "), first
    servers = servers_of(psutil.Process(run.pid))
    assert len(servers) == 1
    _, err = run.communicate(timeout=60)
    assert run.returncode == 2 and "audio file not found" in err, err
    assert gone(servers)


def test_tied_server_runs_prefects_own_command(monkeypatch):
    """The tied server's uvicorn command and environment are Prefect's (checked on each Prefect
    upgrade), with only preexec_fn added."""
    from prefect.server.api.server import SubprocessASGIServer

    from songflow.command.ephemeral import _server_class
    from songflow.core.procs import die_with_parent

    calls = []
    monkeypatch.setattr(subprocess, "Popen", lambda *args, **kwargs: calls.append((args, kwargs)))
    _, tied = _server_class()
    for cls in (SubprocessASGIServer, tied):
        server = object.__new__(cls)  # not registered as Prefect's temporary server, never started
        server.port = 8765
        server._run_uvicorn_command()
    (ours_args, ours), (theirs_args, theirs) = calls[1], calls[0]
    assert ours.pop("preexec_fn") is die_with_parent
    assert (ours_args, ours) == (theirs_args, theirs)


def test_a_temporary_server_too_slow_to_start_is_one_line(short_song, tmp_path):
    """A server that does not answer in time (here: 1 s allowed, a fresh database takes ~13 s) is
    tried twice, then the run stops with one line saying what to do: no traceback, no server left
    running, no song folder made. The default wait (STARTUP_WAIT, 90 s) is what a busy machine needs."""
    wav, lrc, _ = short_song
    outputs = tmp_path / "outputs"
    env = {**cli_env(tmp_path), "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "1"}
    cmd = [str(Path(sys.executable).parent / "songflow"), "run", str(wav), "--lyrics", str(lrc), "--title", SHORT_TITLE, "--outputs", str(outputs)]
    run = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    me = psutil.Process(run.pid)
    seen: list[psutil.Process] = []
    while run.poll() is None:  # the servers it starts, to check that none outlives it
        try:
            seen += [s for s in servers_of(me) if s not in seen]
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    _, err = run.communicate(timeout=120)
    lines = err.strip().splitlines()
    assert run.returncode == 1 and len(lines) == 1, err[-2000:]
    assert "did not answer within 1 s, twice" in lines[0] and "PREFECT_API_URL" in lines[0], lines[0]
    assert seen and gone(seen), "a temporary server outlived the failed start"
    assert not (outputs / "neon-tide-short").exists()
