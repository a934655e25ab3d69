"""Workers on several "hosts" on one machine, for tests/test_fleet.py and bench/fleet.py.

Against a running server: the process work pool and the deployment from prefect.yaml
(`prefect deploy --all`), a global concurrency limit `gpu:<id>` per host, and workers started as
separate hosts (own PREFECT_HOME, own working folder, own WORKER_ID) sharing one result store.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from songflow.core.procs import die_with_parent

REPO = Path(__file__).parents[1]
BIN = Path(sys.executable).parent
POOL = "songflow-process"


def prefect_cli(env: dict, *args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    """`prefect --no-prompt ARGS`; a failure raises with the command's output."""
    done = subprocess.run([str(BIN / "prefect"), "--no-prompt", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"prefect {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done


def fleet_env(api_url: str, shared: Path) -> dict:
    """What every host sets: the server, the shared result store, and where this repository is;
    workers poll every 2 s so tests do not wait on them."""
    return {
        **os.environ, "PREFECT_API_URL": api_url, "PREFECT_LOCAL_STORAGE_PATH": str(shared / "results"),
        "SONGFLOW_HOME": str(REPO), "PREFECT_WORKER_QUERY_SECONDS": "2", "PREFECT_WORKER_PREFETCH_SECONDS": "5",
    }


def deploy(env: dict, hosts: Iterable[str]) -> None:
    """The pool, the deployment from prefect.yaml, and one GPU limit per host (strict: it must exist)."""
    prefect_cli(env, "work-pool", "create", POOL, "--type", "process", "--overwrite")
    prefect_cli(env, "deploy", "--all")
    for host in hosts:
        prefect_cli(env, "global-concurrency-limit", "create", f"gpu:{host}", "--limit", "1")


def start_worker(env: dict, folder: Path, worker_id: str, *, name: str, limit: int = 1, **extra: str) -> subprocess.Popen:
    """A worker as host `worker_id`, working in `folder` (its PREFECT_HOME inside, its output appended
    to `folder/worker.log`), in a process group of its own with the flow runs it starts."""
    (folder / "home").mkdir(parents=True, exist_ok=True)
    wenv = {**env, "PREFECT_HOME": str(folder / "home"), "WORKER_ID": worker_id, **extra}
    with (folder / "worker.log").open("a") as log:
        return subprocess.Popen(
            [str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--name", name, "--limit", str(limit)],
            env=wenv, cwd=folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=die_with_parent,  # a killed test session or bench leaves no worker polling
        )


def kill_host(proc: subprocess.Popen) -> None:
    """SIGKILL to the worker and every process under it at once (Prefect starts a flow run in a
    session of its own, so its process group is not enough): a host that goes away."""
    import psutil

    try:
        family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        family = []
    for p in family:
        try:
            p.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    psutil.wait_procs(family, timeout=10)


def stop_host(proc: subprocess.Popen, wait: float = 30.0) -> None:
    """Stop a worker as `systemctl stop` does: SIGTERM to its process group, then SIGKILL to all
    of it after `wait` seconds."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=wait)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    kill_host(proc)  # whatever is left under it
