"""An album of short songs through the deployment: 1 worker against 2, and SQLite against PostgreSQL.

    .venv/bin/python bench/fleet.py [--songs 12] [--preset fast] [--keep DIR]

Each setup gets a fresh Prefect server (its own database), the process work pool and the deployment
from prefect.yaml (`prefect deploy --all`), a global concurrency limit `gpu:<worker id>` per worker,
workers started as separate hosts (own PREFECT_HOME, own working folder, own WORKER_ID, one flow run
at a time), and one fresh shared folder for task results and outputs (nothing cached between
setups). The clock runs from `songflow submit ALBUM` until it returns (every run ended); the album
is the same `--songs` generated songs (16 s, 8 bars, 90-156 BPM, with .lrc) each time.

    postgres-1   PostgreSQL 15 (a throwaway cluster on 127.0.0.1), one worker: the baseline
    postgres-2   PostgreSQL 15, two workers
    sqlite-2     SQLite (the server's default), two workers
    postgres-2x1 PostgreSQL 15, two workers with OMP_NUM_THREADS=1 each (their share of 2 cores)

Then a burst on each database alone: `--burst-clients` processes at once (default 8), each a flow of
`--burst-tasks` tasks (default 150) submitted all at once on 8 threads, reporting every state to the
server; what the server's database writes is the load. Same counts, and the burst's wall time.

Counts, from the server's log, the workers' logs (which carry the flow runs' output) and the runs'
states: runs completed, runs per worker, and errors: "database is locked", other database errors
(OperationalError, "could not serialize", deadlocks), server tracebacks, and HTTP 5xx answers the
clients had to retry. Prints a table and each wall time's ratio to the baseline.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from songflow.command.fleet import DEFAULT_DEPLOYMENT  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SETUPS = (  # name, database, workers, OMP_NUM_THREADS per worker (None: every core)
    ("postgres-1", "postgres", 1, None), ("postgres-2", "postgres", 2, None), ("sqlite-2", "sqlite", 2, None),
    ("postgres-2x1", "postgres", 2, 1),
)
ERRORS = {
    "database is locked": re.compile(r"database is locked", re.I),
    "other database errors": re.compile(r"OperationalError|could not serialize|deadlock detected|QueuePool limit", re.I),
    "server tracebacks": re.compile(r"^Traceback \(most recent call last\)", re.M),
    "HTTP 5xx retried": re.compile(r"Received response with retryable status code 5\d\d|HTTP/1\.1\" 5\d\d|status code 50[0-9]", re.I),
}


def _logs_before_shutdown(*paths: Path) -> str:
    """The logs as they are now, before the servers stop (stopping cancels the server's services
    mid-flush, which logs tracebacks that are no part of the load)."""
    return "\n".join(p.read_text(errors="replace") for p in paths if p.is_file())


def album(folder: Path, songs: int) -> None:
    from songflow.listening import synth

    for i in range(songs):
        bpm = 90 + 6 * i
        synth.write_song(synth.short_spec(bpm=bpm, title=f"Track {i + 1}"), folder, stem=f"track-{i + 1:02d}")


def run_setup(name: str, database: str, workers: int, threads: int | None, songs: Path, root: Path, preset: str) -> dict:
    from tests.fleet_setup import deploy, fleet_env, start_worker
    from tests.postgres_server import postgres_server
    from tests.prefect_server import prefect_server

    work = root / name
    shared, home = work / "shared", work / "server"
    home.mkdir(parents=True)
    with ExitStack() as stack:
        db_url = stack.enter_context(postgres_server(work)) if database == "postgres" else None
        api = stack.enter_context(prefect_server(home, database_url=db_url))
        env = fleet_env(api, shared)
        deploy(env, [f"host-{w}" for w in range(1, workers + 1)])
        threads_env = {"OMP_NUM_THREADS": str(threads)} if threads else {}
        procs = [start_worker(env, work / f"host-{w}", f"host-{w}", name=f"host-{w}", **threads_env) for w in range(1, workers + 1)]
        try:
            start = time.monotonic()
            done = subprocess.run(
                [str(BIN / "songflow"), "submit", str(songs), "--deployment", DEFAULT_DEPLOYMENT, "--preset", preset, "--outputs", str(shared / "outputs")],
                env=env, cwd=REPO, capture_output=True, text=True, timeout=3 * 3600,
            )
            wall = time.monotonic() - start
            text = _logs_before_shutdown(home / "server.log", work / "postgres.log", *sorted(work.glob("host-*/worker.log")))
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    (work / "submit.log").write_text(done.stdout + done.stderr)
    text += done.stdout + done.stderr
    rows = [line.split() for line in done.stdout.splitlines() if line.startswith("  track-") and len(line.split()) >= 5]
    return {
        "setup": name, "wall": wall, "rc": done.returncode,
        "completed": sum(r[2] == "COMPLETED" for r in rows), "runs": len(rows),
        "per worker": {w: sum(r[3] == w for r in rows) for w in sorted({r[3] for r in rows})},
        "run seconds": sorted(float(r[4]) for r in rows if r[4].isdigit()),
        **{label: len(rx.findall(text)) for label, rx in ERRORS.items()},
    }


BURST = """
import sys
from prefect import flow, task
from prefect.task_runners import ThreadPoolTaskRunner

@task
def step(i: int) -> int:
    return i * i

@flow(task_runner=ThreadPoolTaskRunner(max_workers=8))
def burst(n: int) -> int:
    return sum(f.result() for f in step.map(range(n)))

print("sum", burst(int(sys.argv[1])))
"""


def run_burst(database: str, clients: int, tasks: int, root: Path) -> dict:
    from tests.postgres_server import postgres_server
    from tests.prefect_server import prefect_server

    work = root / f"burst-{database}"
    home = work / "server"
    home.mkdir(parents=True)
    script = work / "burst.py"
    script.write_text(BURST)
    with ExitStack() as stack:
        db_url = stack.enter_context(postgres_server(work)) if database == "postgres" else None
        api = stack.enter_context(prefect_server(home, database_url=db_url))
        env = {**os.environ, "PREFECT_API_URL": api, "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "false"}
        procs = []
        start = time.monotonic()
        for i in range(clients):
            client = work / f"client-{i}"
            client.mkdir()
            procs.append(subprocess.Popen([sys.executable, str(script), str(tasks)], env={**env, "PREFECT_HOME": str(client)},
                                          stdout=(client / "out.log").open("w"), stderr=subprocess.STDOUT, cwd=client))
        codes = [proc.wait(timeout=1800) for proc in procs]
        wall = time.monotonic() - start
        # The server records task runs from their events, after the clients have sent them: wait
        # until every task run is in the database as Completed.
        query = {"task_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}}
        while (recorded := httpx.post(f"{api}/task_runs/count", json=query, timeout=30).json()) < clients * tasks:
            if time.monotonic() - start > 1800:
                break
            time.sleep(0.5)
        stored = time.monotonic() - start
        text = _logs_before_shutdown(home / "server.log", work / "postgres.log", *sorted(work.glob("client-*/out.log")))
    expected = f"sum {sum(i * i for i in range(tasks))}"
    return {
        "setup": f"burst-{database}", "wall": wall, "stored": stored, "recorded": recorded, "clients ok": sum(c == 0 and expected in (work / f"client-{i}" / "out.log").read_text() for i, c in enumerate(codes)),
        "clients": clients, **{label: len(rx.findall(text)) for label, rx in ERRORS.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--songs", type=int, default=12)
    parser.add_argument("--preset", default="fast")
    parser.add_argument("--only", nargs="*", help="setups to run (default: all): postgres-1 postgres-2 sqlite-2 postgres-2x1 burst-postgres burst-sqlite")
    parser.add_argument("--burst-clients", type=int, default=8)
    parser.add_argument("--burst-tasks", type=int, default=150)
    parser.add_argument("--keep", type=Path, help="keep every setup's logs and outputs in this folder")
    args = parser.parse_args()

    from backends.gguf import converted_folder, resolve_gguf
    from songflow.core.config import cache_dir

    converted_folder(*resolve_gguf("embedded", cache_dir()), cache_dir())  # warm cache: converted once
    root = args.keep or Path(tempfile.mkdtemp(prefix="songflow-bench-fleet-"))
    root.mkdir(parents=True, exist_ok=True)
    songs = root / "album"
    album(songs, args.songs)
    results = []
    for name, database, workers, threads in SETUPS:
        if args.only and name not in args.only:
            continue
        result = run_setup(name, database, workers, threads, songs, root, args.preset)
        results.append(result)
        print(f"{name}: {result}", flush=True)
    base = next((r["wall"] for r in results if r["setup"] == "postgres-1"), None)
    print()
    print("| setup | completed | runs per worker | wall s | ratio to postgres-1 | median run s | " + " | ".join(ERRORS) + " |")
    print("|---|---:|---|---:|---:|---:|" + "---:|" * len(ERRORS))
    for r in results:
        ratio = f"{r['wall'] / base:.2f}" if base else "-"
        secs = r["run seconds"]
        median = f"{secs[len(secs) // 2]:.0f}" if secs else "-"
        workers = ", ".join(f"{w} {n}" for w, n in r["per worker"].items())
        print(f"| {r['setup']} | {r['completed']}/{r['runs']} | {workers} | {r['wall']:.0f} | {ratio} | {median} | " + " | ".join(str(r[k]) for k in ERRORS) + " |")
    bursts = []
    for database in ("postgres", "sqlite"):
        if args.only and f"burst-{database}" not in args.only:
            continue
        result = run_burst(database, args.burst_clients, args.burst_tasks, root)
        bursts.append(result)
        print(f"burst-{database}: {result}", flush=True)
    if bursts:
        print()
        base = bursts[0]["stored"]
        print(f"| burst ({args.burst_clients} clients x {args.burst_tasks} tasks) | clients ok | clients done s | all task runs stored s | ratio | task runs stored | " + " | ".join(ERRORS) + " |")
        print("|---|---:|---:|---:|---:|---:|" + "---:|" * len(ERRORS))
        for r in bursts:
            print(f"| {r['setup']} | {r['clients ok']}/{r['clients']} | {r['wall']:.0f} | {r['stored']:.0f} | {r['stored'] / base:.2f} | {r['recorded']} | " + " | ".join(str(r[k]) for k in ERRORS) + " |")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
