"""The short album soak: three songs on a PostgreSQL-backed fleet of two workers, the model server
SIGKILLed and started again, the Prefect server restarted, at seeded moments while the songs run
(tests/soak.py; the long one, 12 songs and 6 faults of three kinds, is bench/soak.py)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.soak import check_folder, leftovers, snapshot, soak


@pytest.mark.slow
def test_a_short_soak_completes_every_song_once_and_leaves_nothing_behind(tmp_path):
    root = tmp_path / "soak"
    lines: list[str] = []
    result = soak(root, songs=3, faults=2, seed=3, kinds=("model", "prefect"), gap=(6.0, 12.0), bpm=150.0, two_parts=True, timeout=600,
                  say=lambda line: (lines.append(line), print(line)))
    assert [f.kind for f in result.faults] in (["model", "prefect"], ["prefect", "model"]), lines
    assert result.problems == [], (result.problems, lines)
    assert result.completed == result.songs == ["soak-01", "soak-02", "soak-03"], lines
    assert result.runs == {song: ["COMPLETED"] for song in result.songs}  # one run per song, on the server too
    assert result.leftovers == [], result.leftovers  # no process, port or temp entry outlives it
    assert result.worker_restarts == {}, lines  # no worker died of a server's fault

    # The folder checks can fail: another song's analysis, a temp file left, a video cut short.
    outputs, album = root / "shared" / "outputs", root / "shared" / "album"
    one = lambda: check_folder(outputs, "soak-01", album / "soak-01.wav", result_seconds(album / "soak-01.wav"))  # noqa: E731
    assert one() == []
    shutil.copy(outputs / "soak-02" / "analysis.json", outputs / "soak-01" / "analysis.json")
    (outputs / "soak-01" / ".video.mp4.tmp").write_bytes(b"")
    found = one()
    assert any("another song's" in p for p in found) and any("stray files" in p for p in found), found
    shutil.copy(outputs / "soak-03" / "video.mp4", outputs / "soak-02" / "video.mp4")
    assert any("video" in p for p in check_folder(outputs, "soak-02", album / "soak-02.wav", result_seconds(album / "soak-02.wav")))

    # And the leftover check sees a process still working in the soak's folder.
    before = snapshot()
    stray = subprocess.Popen(["sleep", "30"], cwd=root)
    try:
        assert any(f"process {stray.pid}" in line for line in leftovers(before, root)), "a leftover process went unseen"
    finally:
        stray.kill()
        stray.wait()


def result_seconds(wav) -> float:
    import soundfile as sf

    return sf.info(str(wav)).duration
