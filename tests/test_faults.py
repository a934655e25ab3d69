"""Faults of the servers underneath a run, each against the real server on 127.0.0.1: the model
server (llama.cpp, PyPI xllamacpp) killed in the middle of stage 3 and started again."""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack
from pathlib import Path

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


def test_the_prefect_api_stopped_for_20_s_in_the_middle_of_a_run(short_song, tmp_path):
    """`songflow run` against a Prefect server (SQLite) that is stopped once stage 1 has written
    its result and started again 20 s later, on the same port and database."""
    import os
    import subprocess
    import sys

    from tests.prefect_server import prefect_server

    wav, lrc, _ = short_song
    home, outputs = tmp_path / "prefect", tmp_path / "o"
    home.mkdir()
    port = free_port()
    first = ExitStack()
    url = first.enter_context(prefect_server(home, port=port))
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
            with prefect_server(home, port=port):
                down = time.monotonic() - stopped
                code = run.wait(timeout=600)
        finally:
            if run.poll() is None:
                run.kill()
                run.wait()
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
