"""Temp files and folders are removed whether a stage succeeds or fails.

Assembly works in a hidden folder beside the video (`.assemble-*`) and writes each output to a hidden
temp file (`.name.*`) renamed over the target. After a success, a failure of ffmpeg (a keyframe that is
no picture; an ffmpeg that writes half a file and fails), an interrupt (Ctrl-C) and a whole flow run
whose assembly fails, none of them is left: not in the song's folder, not in the temp dir. The temp
dir is a fresh folder for each test (TMPDIR and `tempfile.tempdir`), so anything songflow, Prefect's
temporary server or ffmpeg leaves there is seen; the real temp dir is checked for songflow's names too.
"""

from __future__ import annotations

import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from songflow.core.config import AssembleConfig
from songflow.core.errors import SongflowError

SMALL = AssembleConfig(width=320, height=180, preset="ultrafast")
SONGFLOW_TEMP = (".assemble-", "songflow-", ".video.", ".lock.")


def songflow_names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.name.startswith(SONGFLOW_TEMP)}


def hidden(folder: Path) -> list[Path]:
    """Hidden entries anywhere under `folder`: temp files and folders (`.name.*`); the song's lock excepted."""
    return sorted(p for p in folder.rglob(".*") if p.name != ".lock")


def harness_database(path: Path) -> bool:
    """Prefect's `prefect_test_harness` keeps its SQLite database in a `mkdtemp()` folder that it
    removes at interpreter exit (atexit), not when the harness closes: not songflow's to remove."""
    folder = path if path.is_dir() else path.parent
    return folder.name.startswith("tmp") and all(p.name.startswith("prefect-test.db") for p in folder.iterdir())


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """A fresh, empty temp dir for this process and its children; afterwards it must be empty again,
    and the real temp dir must hold no songflow temp name it did not hold before."""
    system = Path(tempfile.gettempdir())
    before = songflow_names(system)
    tmp = tmp_path / "system-tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    yield tmp
    left = [p for p in sorted(tmp.rglob("*")) if not harness_database(p)]
    assert left == [], "temp files left in the temp dir"
    assert not {n for n in songflow_names(system) - before if n.startswith(".assemble-")}, "assembly work folder left in the system temp dir"


@pytest.fixture(scope="module")
def stages_done(short_song, tmp_path_factory):
    """Stages 1-3 of the short song (scripted fake model) and its procedural keyframes."""
    from renderers.procedural import ProceduralRenderer
    from songflow.listening.lyrics import read_lyrics
    from stages.analyze import analyze_song
    from stages.plan_scenes import plan_scenes
    from stages.render_keyframes import render_keyframe
    from stages.write_shots import write_shots
    from tests.fakes import StageFake

    wav, lrc, _ = short_song
    root = tmp_path_factory.mktemp("keyframes")
    fake = StageFake(None)
    analysis = analyze_song(wav, read_lyrics(lrc), fake, title="t")
    shots = write_shots(analysis, plan_scenes(analysis, fake), fake)
    keyframes = [render_keyframe(s, ProceduralRenderer(), root) for s in shots.shots]
    return analysis, shots, keyframes


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def previous_video(folder: Path) -> dict[str, bytes]:
    """A song folder holding an earlier run's video and sidecars."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("video.mp4", b"earlier video"), ("video.srt", b"earlier srt"), ("video.vtt", b"earlier vtt")):
        (folder / name).write_bytes(text)
    return snapshot(folder)


def fake_ffmpeg(folder: Path) -> str:
    """An 'ffmpeg' that writes half a file to its output (the last argument) and fails."""
    exe = folder / "ffmpeg-half"
    exe.write_text('#!/bin/sh\nfor last; do :; done\nhead -c 65536 /dev/urandom > "$last"\necho "disk quota exceeded, half written" >&2\nexit 1\n')
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return str(exe)


def test_success_leaves_only_the_outputs(stages_done, private_tmp, tmp_path):
    from stages.assemble import assemble_video

    analysis, shots, keyframes = stages_done
    song = tmp_path / "song"  # not made yet: assembly makes it
    video = assemble_video(analysis, shots, keyframes, song / "video.mp4", SMALL)
    assert video.stat().st_size > 0
    assert sorted(p.name for p in song.iterdir()) == ["video.mp4", "video.srt", "video.vtt"]


def test_ffmpeg_failure_leaves_no_temp_and_the_earlier_video(stages_done, private_tmp, tmp_path):
    """A keyframe that is not a picture: ffmpeg fails, the error says so, nothing else changes."""
    from stages.assemble import assemble_video

    analysis, shots, keyframes = stages_done
    song = tmp_path / "song"
    before = previous_video(song)
    broken = tmp_path / "not-a-picture.png"
    broken.write_text("this is text, not a PNG\n")
    with pytest.raises(SongflowError, match="ffmpeg failed assembling"):
        assemble_video(analysis, shots, [broken, *keyframes[1:]], song / "video.mp4", SMALL)
    assert snapshot(song) == before
    assert hidden(song) == []


def test_half_written_output_of_a_failed_ffmpeg_is_removed(stages_done, private_tmp, tmp_path, monkeypatch):
    import stages.assemble

    analysis, shots, keyframes = stages_done
    song = tmp_path / "song"
    before = previous_video(song)
    monkeypatch.setattr(stages.assemble, "ffmpeg_exe", lambda: fake_ffmpeg(tmp_path))
    with pytest.raises(SongflowError, match="half written"):
        stages.assemble.assemble_video(analysis, shots, keyframes, song / "video.mp4", SMALL)
    assert snapshot(song) == before
    assert hidden(song) == []


def test_interrupt_while_ffmpeg_runs_leaves_no_temp(stages_done, private_tmp, tmp_path, monkeypatch):
    """Ctrl-C (KeyboardInterrupt) arriving while ffmpeg writes: its half-made file and work folder go."""
    import stages.assemble

    analysis, shots, keyframes = stages_done
    song = tmp_path / "song"
    before = previous_video(song)
    seen = []
    real_run = subprocess.run

    def run_then_interrupt(cmd, **kwargs):
        real_run(cmd, **kwargs)
        seen.append((Path(cmd[-1]).exists(), any(song.glob(".assemble-*"))))
        raise KeyboardInterrupt

    monkeypatch.setattr(stages.assemble.subprocess, "run", run_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        stages.assemble.assemble_video(analysis, shots, keyframes, song / "video.mp4", SMALL)
    assert seen == [(True, True)], "the temp video and the work folder existed while ffmpeg ran"
    assert snapshot(song) == before
    assert hidden(song) == []


def test_flow_run_leaves_no_temp_on_success_or_failed_assembly(short_song, private_tmp, tmp_path, monkeypatch):
    """The whole flow (temporary Prefect API, scripted model): a successful run leaves no temp file;
    rerunning its assembly with an ffmpeg that writes half a file and fails keeps the earlier video."""
    from prefect.testing.utilities import prefect_test_harness

    import stages.assemble
    from flows.running import MODELS
    from flows.song import make_video
    from songflow.core.store import SongOutputs
    from tests.fakes import StageFake

    wav, lrc, _ = short_song
    fake = StageFake(None)
    MODELS.put(fake)
    monkeypatch.setenv("PREFECT_LOCAL_STORAGE_PATH", str(tmp_path / "storage"))
    out = SongOutputs.for_song(tmp_path / "outputs", "Tidy")
    with prefect_test_harness(server_startup_timeout=120):
        video = make_video(audio=wav, lyrics=lrc, title="Tidy", preset="fast", model=fake.id, outputs=tmp_path / "outputs")
        assert video == out.video and video.stat().st_size > 0
        assert hidden(out.root) == []
        before = snapshot(out.root)
        monkeypatch.setattr(stages.assemble, "ffmpeg_exe", lambda: fake_ffmpeg(tmp_path))
        with pytest.raises(SongflowError, match="ffmpeg failed assembling"):
            make_video(audio=wav, lyrics=lrc, title="Tidy", preset="fast", model=fake.id, outputs=tmp_path / "outputs", from_stage="assemble")
    assert snapshot(out.root) == before
    assert hidden(out.root) == []
