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
