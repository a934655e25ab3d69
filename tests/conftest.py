from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from songflow.listening import synth
from songflow.core.store import SongOutputs

SHORT_TITLE = "Neon Tide Short"


@pytest.fixture(scope="session")
def short_song(tmp_path_factory) -> tuple[Path, Path, synth.SongTruth]:
    """A 16 s generated song (intro, verse, chorus, outro at 120 BPM) with its .lrc and truth."""
    folder = tmp_path_factory.mktemp("songs")
    return synth.write_song(synth.short_spec(title=SHORT_TITLE), folder, stem="neon-tide-short")


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory):
    """A real Prefect server for the session; this process's flows report to it, results persist in a temp dir."""
    from prefect.settings import PREFECT_API_URL, PREFECT_LOCAL_STORAGE_PATH, temporary_settings

    from tests.prefect_server import prefect_server

    home = tmp_path_factory.mktemp("prefect-home")
    with prefect_server(home) as url:
        with temporary_settings({PREFECT_API_URL: url, PREFECT_LOCAL_STORAGE_PATH: str(home / "storage")}):
            yield {"url": url, "home": home, "storage": home / "storage"}


@pytest.fixture(scope="session")
def prefect_pg(tmp_path_factory):
    """PostgreSQL with an empty database `prefect`, and a Prefect server that uses it."""
    from tests.postgres_server import postgres_server
    from tests.prefect_server import prefect_server

    folder = tmp_path_factory.mktemp("postgres")
    home = tmp_path_factory.mktemp("prefect-pg-home")
    with postgres_server(folder) as db_url:
        with prefect_server(home, database_url=db_url) as api_url:
            yield {"db": db_url, "api": api_url, "url": api_url, "home": home, "storage": home / "storage"}


@pytest.fixture(scope="session")
def e2e(short_song, tmp_path_factory):
    """Run the Prefect flow once (temporary Prefect API and database) and return what it made."""
    from prefect.client.orchestration import get_client
    from prefect.testing.utilities import prefect_test_harness

    from flows.song import make_video

    wav, lrc, truth = short_song
    outputs = tmp_path_factory.mktemp("outputs")
    with prefect_test_harness(server_startup_timeout=120):
        state = make_video(audio=wav, lyrics=lrc, title=SHORT_TITLE, preset="fast", outputs=outputs, return_state=True)

        async def run_name():
            async with get_client() as client:
                return (await client.read_flow_run(state.state_details.flow_run_id)).name

        name = asyncio.run(run_name())
    assert state.is_completed(), state.message
    return {"video": state.result(), "out": SongOutputs.for_song(outputs, SHORT_TITLE), "truth": truth, "run_name": name, "wav": wav}


def first_stages(e2e: dict, outputs: Path) -> SongOutputs:
    """A new outputs root holding the end-to-end run's stages 1-3, to run again from `render`."""
    import shutil

    out = SongOutputs.for_song(outputs, SHORT_TITLE)
    out.root.mkdir(parents=True)
    for stage in ("analysis", "scenes", "shots"):
        shutil.copy2(e2e["out"].path(stage), out.path(stage))
    return out


def rerun_from_render(e2e: dict, outputs: Path, **params):
    """The flow from stage `render` on `first_stages` (temporary Prefect API); its final state."""
    from prefect.testing.utilities import prefect_test_harness

    from flows.song import make_video

    with prefect_test_harness(server_startup_timeout=120):
        return make_video(audio=e2e["wav"], title=SHORT_TITLE, preset="fast", outputs=outputs, from_stage="render", return_state=True, **params)


# ---------------------------------------------------------------- no process outlives the session

# Every process the tests start inherits this mark in its environment (tests build child
# environments from os.environ), so the check below finds them even after they were orphaned to
# PID 1 or a subreaper, and knows them from other sessions' processes on the same machine.
SESSION_MARK = "SONGFLOW_TEST_SESSION"


def _session_processes(me, mark: str, began: float, basetemp: str) -> list[tuple[object, str]]:
    """Live processes this session started that are still running: descendants of the pytest
    process, and any process (orphaned or not) started since `began` whose environment carries
    this session's mark or whose command line names this session's temp folder."""
    import psutil

    found = {}
    try:
        for p in me.children(recursive=True):
            found[p.pid] = (p, "child of pytest")
    except psutil.Error:
        pass
    for p in psutil.process_iter(["pid", "ppid", "create_time", "cmdline"]):
        if p.pid == me.pid or p.pid in found or (p.info["create_time"] or 0) < began - 1:
            continue
        try:
            env = p.environ()
        except psutil.Error:
            env = {}
        if env.get(SESSION_MARK) == mark:
            found[p.pid] = (p, f"orphaned to {p.info['ppid']}" if p.info["ppid"] in (0, 1) else f"parent {p.info['ppid']}")
        elif basetemp in " ".join(p.info["cmdline"] or []):
            found[p.pid] = (p, f"names {basetemp}, parent {p.info['ppid']}")
    live = []
    for p, why in found.values():
        try:
            if p.status() != psutil.STATUS_ZOMBIE:
                live.append((p, why))
        except psutil.Error:
            continue
    return live


def _describe(p, why: str) -> str:
    import psutil

    try:
        cmd = " ".join(p.cmdline())[:200]
        test = p.environ().get("PYTEST_CURRENT_TEST", "outside a test (collection or a session fixture)")
    except psutil.Error:
        cmd, test = "?", "?"
    return f"  pid {p.pid} ({why}), started during {test}: {cmd}"


@pytest.fixture(scope="module", autouse=True)
def drawing_processes_stop():
    """Tests that draw with the procedural renderer directly stop its process pool, as a run does
    when its keyframes are judged (flows/song.py)."""
    yield
    from renderers.procedural import release

    release()


@pytest.fixture(scope="session", autouse=True)
def no_process_outlives_the_session(tmp_path_factory):
    """At the end of the session, no process the tests started may still run: a temporary Prefect
    API server, ffmpeg, a llama.cpp or ComfyUI server left behind fails the session (an error in
    the last test's teardown, so `make test` fails), each named with the test that started it, and
    is killed. Processes get 10 s to finish shutting down first."""
    import os
    import time

    import psutil

    me = psutil.Process()
    mark = os.environ[SESSION_MARK]
    began = me.create_time()
    basetemp = str(tmp_path_factory.getbasetemp())
    yield
    deadline = time.monotonic() + 10
    while (left := _session_processes(me, mark, began, basetemp)) and time.monotonic() < deadline:
        time.sleep(0.25)
    if not left:
        return
    report = [_describe(p, why) for p, why in left]
    for p, _ in left:
        try:
            for child in p.children(recursive=True):
                child.kill()
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs([p for p, _ in left], timeout=5)
    pytest.fail(f"{len(left)} process(es) outlived the test session (killed now):\n" + "\n".join(report), pytrace=False)


def _mark_session() -> None:
    import os
    import time

    os.environ[SESSION_MARK] = f"{os.getpid()}-{time.time_ns()}"  # this pytest process's own, not a parent session's


_mark_session()
