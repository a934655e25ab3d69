"""Many songs on many workers, the Prefect way, on one machine: a Prefect server on PostgreSQL, the process work pool and the
deployment from prefect.yaml, two workers started as if on two hosts (own PREFECT_HOME, own working
folder, own WORKER_ID) sharing one result store and one outputs root, `songflow submit` (a second
submission starts nothing) and `songflow recover` after a worker is killed with SIGKILL."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import av
import pytest

from songflow.listening import synth
from songflow.command.fleet import DEFAULT_DEPLOYMENT as DEPLOYMENT
from tests.fleet_setup import BIN, REPO, deploy, fleet_env, kill_host, start_worker
SONGS = [(f"track-{i}", bpm) for i, bpm in enumerate((96, 104, 112, 120, 128, 136), start=1)]


def songflow(env: dict, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "songflow"), *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def fleet(prefect_pg, tmp_path_factory):
    root = tmp_path_factory.mktemp("fleet")
    shared = root / "shared"  # what every host mounts: the songs, the outputs, the task results
    (shared / "album").mkdir(parents=True)
    durations = {stem: synth.write_song(synth.short_spec(bpm=bpm, title=stem), shared / "album", stem=stem)[2].duration for stem, bpm in SONGS}
    env = fleet_env(prefect_pg["url"], shared)
    deploy(env, "abcdef")  # one GPU per host: model tasks hold `gpu:<worker id>`
    workers: dict[str, subprocess.Popen] = {}

    def start(worker_id: str, limit: int = 1, **extra: str) -> subprocess.Popen:
        workers[worker_id] = start_worker(env, root / worker_id, worker_id, name=f"songflow-{worker_id}", limit=limit, **extra)
        return workers[worker_id]

    yield {"env": env, "shared": shared, "root": root, "start": start, "workers": workers, "durations": durations}
    for proc in workers.values():
        kill_host(proc)


def api(env: dict, body: str):
    """Run `body` (Python; `c` is a sync Prefect client; it prints one JSON value) in a fresh
    process against the fleet's server; return that value."""
    script = (
        "import datetime, json, time, uuid\n"
        "from prefect.client.orchestration import get_client\n"
        "from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, FlowRunFilterName\n"
        "from prefect.events.filters import EventFilter, EventNameFilter, EventOccurredFilter, EventResourceFilter\n"
        "with get_client(sync_client=True) as c:\n" + "".join(f"    {line}\n" for line in body.strip().splitlines())
    )
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60, cwd=REPO)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def run_states(env: dict, names: list[str]) -> dict[str, dict]:
    """name -> {state, worker, id} of the songflow runs with these names."""
    return api(env, f"""
runs = c.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_={names!r})), limit=100)
print(json.dumps({{r.name: {{'state': r.state.type.value, 'worker': (r.labels or {{}}).get('prefect.worker.name'), 'id': str(r.id)}} for r in runs}}))
""")


def _task_runs(run_id: str) -> str:
    return f"ts = c.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[uuid.UUID({run_id!r})])), limit=200)"


def model_tasks(env: dict, run_id: str) -> list[tuple[str, str, str]]:
    """(start, end, name) of a flow run's task runs that ran a model (tagged songflow-model, not cached)."""
    found = api(env, _task_runs(run_id) + """
print(json.dumps([(str(t.start_time), str(t.end_time), t.name) for t in ts if 'songflow-model' in t.tags and t.start_time and t.state.name != 'Cached']))
""")
    return [tuple(x) for x in found]


def gpu_events(env: dict, name: str) -> list[tuple[str, str]]:
    """(time, "acquired"|"released") of the global concurrency limit `name`, in order (a release
    before an acquisition at the same instant)."""
    found = api(env, f"""
time.sleep(3)  # the server stores events a moment after they arrive
limit = c.read_global_concurrency_limit_by_name({name!r})
since = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=2)
page = c.read_events(EventFilter(occurred=EventOccurredFilter(since=since), event=EventNameFilter(prefix=['prefect.concurrency-limit.']), resource=EventResourceFilter(id=[f'prefect.concurrency-limit.{{limit.id}}'])), limit=50)
events = list(page.events)
while page.next_page:
    page = c.read_events_page(str(page.next_page))
    events += page.events
print(json.dumps(list({{str(e.id): (e.occurred.isoformat(), e.event.rsplit('.', 1)[1]) for e in events}}.values())))  # pages may repeat an event
""")
    held = [tuple(x) for x in found if x[1] in ("acquired", "released")]  # not the limit's own "created"
    return sorted(held, key=lambda e: (e[0], e[1] == "acquired"))


def task_states(env: dict, run_id: str) -> list[tuple[str, str, str]]:
    """(task name, state name, start time) of a flow run's task runs."""
    found = api(env, _task_runs(run_id) + """
print(json.dumps(sorted((t.name, t.state.name, str(t.start_time or t.expected_start_time)) for t in ts)))
""")
    return [tuple(x) for x in found]


@pytest.mark.slow
def test_an_album_over_two_workers_and_a_second_submission(fleet):
    env, shared = fleet["env"], fleet["shared"]
    fleet["start"]("a", limit=2)  # host A takes two runs at a time; its one GPU must still be taken in turn
    fleet["start"]("b")
    outputs = shared / "outputs"
    args = ["submit", str(shared / "album"), "--deployment", DEPLOYMENT, "--preset", "fast", "--outputs", str(outputs)]
    first = songflow(env, *args)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert f"6 song(s) for {DEPLOYMENT}: 6 new run(s), 0 already submitted" in first.stdout, first.stdout
    runs = run_states(env, [stem for stem, _ in SONGS])
    assert {name: r["state"] for name, r in runs.items()} == {stem: "COMPLETED" for stem, _ in SONGS}, runs
    assert {r["worker"] for r in runs.values()} == {"songflow-a", "songflow-b"}, runs  # both hosts took runs
    for stem, _ in SONGS:  # every song's video, readable from the shared root
        with av.open(str(outputs / stem / "video.mp4")) as f:
            assert abs(f.duration / 1e6 - fleet["durations"][stem]) < 0.1
    table = first.stdout.splitlines()
    assert sum("COMPLETED" in line and "songflow-" in line for line in table) == 6, first.stdout

    # On host A two runs overlapped, yet gpu:a was held by one task at a time: replay the limit's
    # acquired/released events in order and count the holders.
    on_a = [r["id"] for r in runs.values() if r["worker"] == "songflow-a"]
    held = sorted(t for run_id in on_a for t in model_tasks(env, run_id))
    overlapping = any(start < end for (_, end, _), (start, _, _) in zip(held, held[1:]))
    assert len(on_a) >= 2 and overlapping, "host A never ran two songs at once: the limit was not tested"
    events = gpu_events(env, "gpu:a")
    assert sum(phase == "acquired" for _, phase in events) >= len(held), (len(events), len(held))
    holders = 0
    for when, phase in events:
        holders += 1 if phase == "acquired" else -1
        assert 0 <= holders <= 1, (f"{holders} tasks held gpu:a at {when}", events)
    assert holders == 0

    again = songflow(env, *args, "--no-wait")
    assert again.returncode == 0, again.stderr[-2000:]
    assert "6 song(s) for songflow/songflow: 0 new run(s), 6 already submitted" in again.stdout, again.stdout
    assert run_states(env, [stem for stem, _ in SONGS]) == runs  # nothing new started, nothing changed


@pytest.mark.slow
def test_a_run_on_a_killed_host_is_recovered_without_redoing_stages(fleet):
    """Host C dies (SIGKILL to its worker and flow process) after stage 3: the run is left Running;
    `songflow recover --stale` sees its heartbeats stop, puts it back in the queue, and host D
    finishes it with stages 1-3 read from the shared result store."""
    env, shared = fleet["env"], fleet["shared"]
    for proc in fleet["workers"].values():
        kill_host(proc)
    album = shared / "late"
    fleet["durations"]["track-7"] = synth.write_song(synth.short_spec(bpm=144, title="track-7"), album, stem="track-7")[2].duration
    outputs = shared / "outputs"
    host_c = fleet["start"]("c")
    submitted = songflow(env, "submit", str(album), "--deployment", DEPLOYMENT, "--preset", "fast", "--outputs", str(outputs), "--no-wait")
    assert submitted.returncode == 0, submitted.stderr[-2000:]
    shots = outputs / "track-7" / "shot_list.json"
    deadline = time.monotonic() + 600
    while not shots.is_file():
        assert time.monotonic() < deadline and host_c.poll() is None, (fleet["root"] / "c" / "worker.log").read_text()[-3000:]
        time.sleep(0.5)
    kill_host(host_c)
    run = run_states(env, ["track-7"])["track-7"]
    assert run["state"] == "RUNNING" and run["worker"] == "songflow-c", run  # nobody is left to say otherwise

    fleet["start"]("d")
    deadline = time.monotonic() + 240
    while True:  # heartbeats every 30 s (prefect.yaml): silent for 45 s means gone
        recovered = songflow(env, "recover", "--stale", "45", timeout=120)
        assert recovered.returncode == 0, recovered.stderr[-2000:]
        print(f"{time.monotonic():.0f}", recovered.stdout.strip().replace("\n", " | "))
        if "1 run(s) rescheduled" in recovered.stdout:
            break
        assert time.monotonic() < deadline, recovered.stdout
        time.sleep(5)
    deadline = time.monotonic() + 600
    while (run := run_states(env, ["track-7"])["track-7"])["state"] != "COMPLETED":
        assert run["state"] in ("SCHEDULED", "PENDING", "RUNNING") and time.monotonic() < deadline, run
        time.sleep(2)
    assert run["worker"] == "songflow-d", run
    tasks = task_states(env, run["id"])
    for stage in ("analyze", "plan_scenes", "write_shots"):  # host D read them back: no model call
        runs_of = [state for name, state, _ in sorted(tasks, key=lambda t: t[2]) if name.rsplit("-", 1)[0] == stage]
        assert runs_of == ["Completed", "Cached"], (stage, tasks)
    from schemas.analysis import SongAnalysis
    from schemas.qa import QAReport
    from schemas.shots import ShotList
    from songflow.core.store import SongOutputs

    out = SongOutputs.for_song(outputs, "track-7")
    out.load("analysis", SongAnalysis), out.load("shots", ShotList), out.load("qa", QAReport)
    with av.open(str(out.video)) as f:
        assert abs(f.duration / 1e6 - fleet["durations"]["track-7"]) < 0.1
    again = songflow(env, "recover", "--stale", "45")
    assert "0 run(s) rescheduled" in again.stdout, again.stdout


@pytest.mark.slow
def test_a_stage_that_fails_on_one_host_is_retried_on_another(fleet):
    """Stage 3 fails on host E (its GPU errors at the stage's first model call); host E is taken
    out of the pool, `songflow recover --failed` puts the run back, and host F finishes it: stages 1
    and 2 read back from the shared result store (no model call on F), stage 3 onwards run on F."""
    env, shared = fleet["env"], fleet["shared"]
    for proc in fleet["workers"].values():
        kill_host(proc)
    calls = fleet["root"] / "model-calls.log"  # tests/fleet_hooks: one line per model call, with task and host
    hooks = {"PYTHONPATH": str(REPO / "tests" / "fleet_hooks"), "SONGFLOW_FLEET_LOG": str(calls)}
    album = shared / "flaky"
    fleet["durations"]["track-8"] = synth.write_song(synth.short_spec(bpm=150, title="track-8"), album, stem="track-8")[2].duration
    outputs = shared / "outputs"
    host_e = fleet["start"]("e", SONGFLOW_FLEET_FAULT="write_shots", **hooks)
    args = ["submit", str(album), "--deployment", DEPLOYMENT, "--preset", "fast", "--outputs", str(outputs)]
    first = songflow(env, *args)
    assert first.returncode == 1, first.stdout[-2000:] + first.stderr[-2000:]
    assert "1 of 1 run(s) did not complete" in first.stderr, first.stderr[-2000:]
    run = run_states(env, ["track-8"])["track-8"]
    assert run["state"] == "FAILED" and run["worker"] == "songflow-e", run
    on_e = calls.read_text().splitlines()
    assert "model analyze e" in on_e and "model plan_scenes e" in on_e and on_e[-1] == "model write_shots e", on_e
    assert not (outputs / "track-8" / "shot_list.json").exists()
    kill_host(host_e)  # the host with the bad GPU leaves the pool

    plain = songflow(env, "recover")
    assert "0 run(s) rescheduled" in plain.stdout, plain.stdout  # a failed run goes back only when asked
    fleet["start"]("f", **hooks)
    again = songflow(env, "recover", "--failed")
    assert again.returncode == 0 and "1 run(s) rescheduled" in again.stdout and "failed 1x" in again.stdout, again.stdout
    deadline = time.monotonic() + 600
    while (run := run_states(env, ["track-8"])["track-8"])["state"] != "COMPLETED":
        assert run["state"] in ("SCHEDULED", "PENDING", "RUNNING", "FAILED") and time.monotonic() < deadline, run
        assert run["state"] != "FAILED" or run["worker"] == "songflow-e", run
        time.sleep(2)
    assert run["worker"] == "songflow-f", run
    on_f = [line for line in calls.read_text().splitlines() if line.endswith(" f")]
    stages = {line.split()[1] for line in on_f}
    assert "write_shots" in stages and not stages & {"analyze", "plan_scenes"}, on_f  # stages 1-2: no model call on F
    tasks = task_states(env, run["id"])
    for stage, states in (("analyze", ["Completed", "Cached"]), ("plan_scenes", ["Completed", "Cached"]), ("write_shots", ["Failed", "Completed"])):
        assert [state for name, state, _ in sorted(tasks, key=lambda t: t[2]) if name.rsplit("-", 1)[0] == stage] == states, (stage, tasks)
    from schemas.shots import ShotList
    from songflow.core.store import SongOutputs

    out = SongOutputs.for_song(outputs, "track-8")
    assert out.load("shots", ShotList).shots
    with av.open(str(out.video)) as f:
        assert abs(f.duration / 1e6 - fleet["durations"]["track-8"]) < 0.1
    assert "0 run(s) rescheduled" in songflow(env, "recover", "--failed").stdout


@pytest.mark.faults
def test_postgresql_restarted_under_two_workers_loses_and_duplicates_no_run(tmp_path):
    """A server and fleet of their own (the shared one's database is not restarted under the other
    tests): three songs submitted to two workers; once the first run's stage 1 is written,
    PostgreSQL is shut down fast (as a failover or `systemctl restart` does), left down 5 s and
    started again. Every song completes, once, with a whole video."""
    from tests.postgres_server import postgres_server
    from tests.prefect_server import prefect_server

    shared = tmp_path / "shared"
    (shared / "album").mkdir(parents=True)
    songs = [(f"pg-{i}", bpm) for i, bpm in enumerate((100, 116, 132), start=1)]
    durations = {stem: synth.write_song(synth.short_spec(bpm=bpm, title=stem), shared / "album", stem=stem)[2].duration for stem, bpm in songs}
    control: dict = {}
    workers: list[subprocess.Popen] = []
    (tmp_path / "home").mkdir()
    with postgres_server(tmp_path, control=control) as db_url, prefect_server(tmp_path / "home", database_url=db_url) as url:
        env = fleet_env(url, shared)
        deploy(env, "ab")
        try:
            workers += [start_worker(env, tmp_path / h, h, name=f"songflow-{h}") for h in "ab"]
            outputs = shared / "outputs"
            args = ["submit", str(shared / "album"), "--deployment", DEPLOYMENT, "--preset", "fast", "--outputs", str(outputs)]
            first = songflow(env, *args, "--no-wait")
            assert first.returncode == 0, first.stderr[-3000:]
            deadline = time.monotonic() + 300
            while not any((outputs / stem / "analysis.json").exists() for stem, _ in songs) and time.monotonic() < deadline:
                time.sleep(0.5)
            assert time.monotonic() < deadline, "no run wrote stage 1"
            control["restart"](5)
            done = songflow(env, *args, timeout=600)  # a second submission starts nothing new; it waits for the runs
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
            assert "3 song(s) for songflow/songflow: 0 new run(s), 3 already submitted" in done.stdout, done.stdout
            runs = api(env, """
runs = c.read_flow_runs(limit=100)
print(json.dumps([(r.name, r.state.type.value) for r in runs]))
""")
        finally:
            for proc in workers:
                kill_host(proc)
    assert sorted(runs) == sorted([stem, "COMPLETED"] for stem, _ in songs), runs  # one run per song, each completed
    for stem, _ in songs:
        with av.open(str(outputs / stem / "video.mp4")) as f:
            assert abs(f.duration / 1e6 - durations[stem]) < 0.1
