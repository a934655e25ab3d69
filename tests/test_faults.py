"""Faults of the servers underneath a run, each against the real server on 127.0.0.1: the model
server (llama.cpp, PyPI xllamacpp) killed in the middle of stage 3 and started again, or gone for
good; the Prefect API server (SQLite, or PostgreSQL) stopped for 20 s. A fleet's faults are
tests/test_soak.py and tests/test_fleet.py."""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack
from pathlib import Path

import pytest

import backends
from flows import progress as hook
from schemas import ShotList, SongAnalysis
from schemas.timing import TimingReport
from songflow.core.config import cache_dir
from songflow.core.store import SongOutputs
from tests.prefect_server import free_port


def test_a_model_server_killed_in_stage_3_and_restarted_is_waited_for(short_song, tmp_path):
    """SIGKILL the llama.cpp server as stage 3 (shots) starts, start it again on the same port 3 s
    later: the stage's calls fail, Prefect retries it with back-off (flows.running.RETRIES), and the
    run finishes with every stage's outputs; stage 3 finishes only after the restart."""
    from prefect.testing.utilities import prefect_test_harness

    from backends.gguf import resolve_gguf
    from flows.song import make_video
    from tests.llama_server import llama_server

    wav, lrc, _ = short_song
    gguf = resolve_gguf("embedded", cache_dir())[0]
    template = Path(backends.__file__).parent / "templates" / "gemma3.jinja"
    port, procs, events = free_port(), [], []
    servers = ExitStack()
    url = servers.enter_context(llama_server(gguf, template, tmp_path / "server-1.log", alias="gemma-3-270m", port=port, started=procs))

    done = threading.Event()

    def restart() -> None:
        time.sleep(3)
        with llama_server(gguf, template, tmp_path / "server-2.log", alias="gemma-3-270m", port=port):
            events.append("restarted")
            done.wait()  # the server dies with the thread that started it (PR_SET_PDEATHSIG)

    restarter = threading.Thread(target=restart)

    class KillAtStageThree(hook.Progress):
        def start(self, stage: str, total: int | None = None) -> None:
            events.append(f"start {stage}")
            if stage == "shots":
                procs[0].kill()
                procs[0].wait()
                events.append("killed")
                restarter.start()

        def finish(self, stage: str, figure: str = "") -> None:
            events.append(f"finish {stage}")

    hook.use(KillAtStageThree())
    try:
        with prefect_test_harness(server_startup_timeout=120):
            video = make_video(audio=wav, lyrics=lrc, title="Restarted Server", preset="fast", model=f"openai:{url}#gemma-3-270m", outputs=tmp_path / "o")
    finally:
        hook.use(hook.Progress())
        done.set()
        if restarter.ident:
            restarter.join()
        servers.close()
    assert events.index("killed") < events.index("restarted") < events.index("finish shots") < events.index("finish assemble"), events
    out = SongOutputs.for_song(tmp_path / "o", "Restarted Server")
    assert video == out.video and video.stat().st_size > 0
    assert out.load("shots", ShotList).model == out.load("analysis", SongAnalysis).model == f"openai:{url}#gemma-3-270m"
    assert TimingReport.model_validate_json(out.path("timing").read_text()).passed
    assert not [p for p in out.root.rglob(".*") if p.name != ".lock"]


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.faults)])
def test_the_prefect_api_stopped_for_20_s_in_the_middle_of_a_run(short_song, tmp_path, database):
    """`songflow run` against a Prefect server (SQLite, or PostgreSQL: opt-in, `pytest -m faults`)
    that is stopped once stage 1 has written its result and started again 20 s later, on the same
    port and database."""
    import os
    import subprocess
    import sys

    from tests.postgres_server import postgres_server
    from tests.prefect_server import prefect_server

    wav, lrc, _ = short_song
    home, outputs = tmp_path / "prefect", tmp_path / "o"
    home.mkdir()
    port = free_port()
    databases = ExitStack()
    db_url = databases.enter_context(postgres_server(tmp_path)) if database == "postgres" else None
    first = ExitStack()
    url = first.enter_context(prefect_server(home, port=port, database_url=db_url))
    env = {**os.environ, "PREFECT_API_URL": url, "PREFECT_LOCAL_STORAGE_PATH": str(tmp_path / "storage")}
    exe = Path(sys.executable).parent / "songflow"
    log = tmp_path / "run.log"
    with log.open("w") as log_file:
        run = subprocess.Popen([str(exe), "run", str(wav), "--lyrics", str(lrc), "--title", "API Outage", "--preset", "fast", "--outputs", str(outputs)],
                               env=env, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            analysis = outputs / "api-outage" / "analysis.json"
            deadline = time.monotonic() + 300
            while not analysis.exists() and run.poll() is None and time.monotonic() < deadline:
                time.sleep(0.2)
            assert analysis.exists(), log.read_text()[-2000:]
            first.close()  # the API server stops (SIGTERM)
            stopped = time.monotonic()
            time.sleep(20)
            with prefect_server(home, port=port, database_url=db_url):
                down = time.monotonic() - stopped
                code = run.wait(timeout=600)
        finally:
            if run.poll() is None:
                run.kill()
                run.wait()
            databases.close()
    text = log.read_text()
    print(f"API down for {down:.0f} s; songflow exit {code}\n{text[-3000:]}")
    assert code == 0, text[-3000:]
    # What the user reads: the stages, at most one line about the API (when an event waited for it:
    # test_prefects_records_of_an_api_outage_are_one_line), the video; not Prefect's event dumps.
    assert sum("the Prefect API stopped answering" in line for line in text.splitlines()) <= 1
    assert "EventsWorker" not in text and "Unable to connect" not in text, text[-3000:]
    out = SongOutputs.for_song(outputs, "API Outage")
    assert out.video.stat().st_size > 0
    assert TimingReport.model_validate_json(out.path("timing").read_text()).passed


def test_prefects_records_of_an_api_outage_are_one_line(capsys):
    """The records Prefect's event client wrote in a real outage (the test above, before this
    filter): a warning, then one 2,000-character error per event it could not send."""
    import logging

    from songflow.command import quiet

    quiet.ApiOutage.said = False
    records = [
        logging.LogRecord("prefect.events.clients", logging.WARNING, __file__, 1, "Unable to connect to 'ws://127.0.0.1:59921/api/events/in'. Please check your network settings", None, None),
        *[logging.LogRecord("prefect._internal.concurrency", logging.ERROR, __file__, 1, "Service 'EventsWorker' failed to process item Event(occurred=...)", None, None) for _ in range(3)],
    ]
    keep = logging.LogRecord("prefect.task_runs", logging.ERROR, __file__, 1, "a bug's own traceback", None, None)
    outage = quiet.ApiOutage()
    assert [outage.filter(r) for r in records] == [False] * 4 and outage.filter(keep)
    assert capsys.readouterr().err.splitlines() == [
        "songflow: the Prefect API stopped answering; the run goes on, and Prefect sends its records again when the API is back"]


@pytest.mark.faults
def test_a_model_server_gone_for_good_fails_in_one_line_and_the_rerun_reuses_stages_1_and_2(short_song, tmp_path):
    """`songflow run --model openai:...` whose llama.cpp server is SIGKILLed once stage 2 is written
    and never comes back: stage 3 retries for 60 s (flows.running.RETRY_DELAYS), then the run
    fails with one line naming the server, exit 1, stages 1-2's JSON in place. With a server back on
    the port, the same command finishes, and stages 1-2 make no model call (every call is counted by
    tests/fleet_hooks)."""
    import os
    import subprocess
    import sys

    from backends.gguf import resolve_gguf
    from tests.llama_server import llama_server

    wav, lrc, _ = short_song
    gguf = resolve_gguf("embedded", cache_dir())[0]
    template = Path(backends.__file__).parent / "templates" / "gemma3.jinja"
    port, procs, outputs, calls = free_port(), [], tmp_path / "o", tmp_path / "model-calls.log"
    env = {**os.environ, "PREFECT_LOCAL_STORAGE_PATH": str(tmp_path / "storage"),
           "PYTHONPATH": str(Path(__file__).parent / "fleet_hooks"), "SONGFLOW_FLEET_LOG": str(calls)}
    env.pop("PREFECT_API_URL", None)
    exe = Path(sys.executable).parent / "songflow"
    model = f"openai:http://127.0.0.1:{port}/v1#gemma-3-270m"
    cmd = [str(exe), "run", str(wav), "--lyrics", str(lrc), "--title", "Gone Server", "--preset", "fast", "--outputs", str(outputs), "--model", model]
    out = SongOutputs.for_song(outputs, "Gone Server")
    with llama_server(gguf, template, tmp_path / "server-1.log", alias="gemma-3-270m", port=port, started=procs):
        run = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 300
            while not out.path("scenes").exists() and run.poll() is None and time.monotonic() < deadline:
                time.sleep(0.2)
            assert out.path("scenes").exists(), run.communicate(timeout=60)[0][-2000:]
            procs[0].kill()  # an OOM kill, and nobody starts it again
            procs[0].wait()
            killed = time.monotonic()
            text, _ = run.communicate(timeout=300)
        finally:
            if run.poll() is None:
                run.kill()
                run.wait()
    waited = time.monotonic() - killed
    errors = [line for line in text.splitlines() if line.startswith("songflow: error:")]
    print(f"failed {waited:.0f} s after the kill, exit {run.returncode}: {errors}")
    assert run.returncode == 1, text[-3000:]
    assert len(errors) == 1 and f"cannot reach the model server at http://127.0.0.1:{port}/v1" in errors[0], text[-3000:]
    assert "Traceback" not in text, text[-3000:]
    assert 55 <= waited <= 180, waited  # 60 s of back-off between the tries, then the line
    assert out.path("analysis").exists() and out.path("scenes").exists() and not out.path("shots").exists()
    assert not [p for p in out.root.rglob(".*") if p.name != ".lock"]  # no temp file left

    before = calls.read_text().splitlines()
    assert "model analyze -" in before and "model plan_scenes -" in before, before
    with llama_server(gguf, template, tmp_path / "server-2.log", alias="gemma-3-270m", port=port):
        again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    after = calls.read_text().splitlines()[len(before):]
    stages = {line.split()[1] for line in after}
    assert "write_shots" in stages and not stages & {"analyze", "plan_scenes"}, after  # stages 1-2 reused
    assert out.video.stat().st_size > 0
    assert TimingReport.model_validate_json(out.path("timing").read_text()).passed
