from __future__ import annotations

from pathlib import Path

import pytest

from songflow import synth

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
