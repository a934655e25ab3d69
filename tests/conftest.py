from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from songflow import synth
from songflow.store import SongOutputs

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
