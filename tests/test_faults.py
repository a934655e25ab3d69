"""Faults of the servers underneath a run, each against the real server on 127.0.0.1: the model
server (llama.cpp, PyPI xllamacpp) killed in the middle of stage 3 and started again."""

from __future__ import annotations

import socket
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
