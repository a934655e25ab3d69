"""`songflow batch`: one flow run per song (real model), lyrics matched by stem, a summary."""

from __future__ import annotations

import asyncio

import pytest

from songflow.listening import synth
from songflow.command.cli import find_songs, main


@pytest.fixture
def song_folder(tmp_path):
    folder = tmp_path / "songs"
    synth.write_song(synth.short_spec(bpm=120, title="First"), folder, stem="first")
    wav, lrc, truth = synth.write_song(synth.short_spec(bpm=100, title="Second"), folder, stem="second")
    lrc.unlink()
    (folder / "second.txt").write_text("\n".join(text for _, _, text in truth.lyric_lines) + "\n")
    (folder / "notes.md").write_text("not a song")
    return folder


def test_lyrics_are_matched_by_stem(song_folder):
    songs = {audio.name: lyrics.name if lyrics else None for audio, lyrics in find_songs(song_folder)}
    assert songs == {"first.wav": "first.lrc", "second.wav": "second.txt"}


def test_four_songs_at_once_one_model_at_a_time(prefect_api, song_folder, tmp_path, capsys):
    """`batch --parallel 4` against a real Prefect server with `songflow-model` limited to 1: four
    runs at once, each song's files its own, and no two model tasks ever running together."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName, TaskRunFilter, TaskRunFilterFlowRunId, TaskRunFilterTags

    from flows.running import MODEL_TAG
    from schemas.analysis import SongAnalysis
    from songflow.core.store import SongOutputs

    for bpm, title in ((90, "Third"), (140, "Fourth")):
        synth.write_song(synth.short_spec(bpm=bpm, title=title), song_folder, stem=title.lower())
    names = ["first", "second", "third", "fourth"]
    tempos = {"first": 120, "second": 100, "third": 90, "fourth": 140}

    async def limit(create: bool):
        async with get_client() as client:
            if create:
                await client.create_concurrency_limit(tag=MODEL_TAG, concurrency_limit=1)
            else:
                await client.delete_concurrency_limit_by_tag(MODEL_TAG)

    outputs = tmp_path / "outputs"
    asyncio.run(limit(True))
    try:
        code = main(["batch", str(song_folder), "--parallel", "4", "--preset", "fast", "--outputs", str(outputs)])
    finally:
        asyncio.run(limit(False))
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "batch of 4 song(s), parallel 4" in printed and printed.count(" ok  ") == 4, printed
    for name in names:  # each folder holds its own song: its audio, its tempo, a whole video
        out = SongOutputs.for_song(outputs, name)
        analysis = out.load("analysis", SongAnalysis)
        assert analysis.audio_path == str((song_folder / f"{name}.wav").resolve())
        assert abs(analysis.tempo - tempos[name]) < 2, (name, analysis.tempo)
        assert out.video.is_file() and not [p for p in out.root.rglob(".*") if p.name != ".lock"]

    async def runs():
        async with get_client() as client:
            found = await client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=names)), limit=20)
            tasks = await client.read_task_runs(
                task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=[r.id for r in found]), tags=TaskRunFilterTags(all_=[MODEL_TAG])), limit=200
            )
            return found, tasks

    found, tasks = asyncio.run(runs())
    assert sorted((r.name, r.state.type.value) for r in found) == sorted((n, "COMPLETED") for n in names)
    starts = sorted(r.start_time for r in found)
    assert starts[3] < min(r.end_time for r in found), "the four runs did not overlap"
    held = sorted((t.start_time, t.end_time, t.name) for t in tasks if MODEL_TAG in t.tags and t.start_time)
    assert len(held) >= 4 * 3  # analyze, plan_scenes, write_shots and the QA tasks of four songs
    for (_, end, before), (start, _, after) in zip(held, held[1:]):
        assert start >= end, f"{after} started before {before} ended: two model tasks at once"


def test_two_runs_of_one_song(prefect_api, short_song, tmp_path):
    """Two `songflow run` of the same song at once: the second stops at once and says why; the
    first completes with whole files."""
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    import av

    from songflow.core.store import SongOutputs
    from tests.conftest import SHORT_TITLE

    wav, lrc, truth = short_song
    outputs = tmp_path / "outputs"
    out = SongOutputs.for_song(outputs, SHORT_TITLE)
    exe = Path(sys.executable).parent / "songflow"
    cmd = [str(exe), "run", str(wav), "--lyrics", str(lrc), "--title", SHORT_TITLE, "--preset", "fast", "--outputs", str(outputs)]
    env = {**os.environ, "PREFECT_API_URL": prefect_api["url"], "PREFECT_LOCAL_STORAGE_PATH": str(tmp_path / "storage")}
    first = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not ((out.root / ".lock").is_file() and (out.root / ".lock").read_text().strip() == str(first.pid)):
            assert first.poll() is None and time.monotonic() < deadline, "the first run never took the song"
            time.sleep(0.1)
        second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        assert second.returncode == 1, second.stderr
        assert second.stderr.strip().splitlines()[-1] == (
            f"songflow: error: {out.root} is being written by another songflow run (process {first.pid}); wait for it to finish or stop it"
        )
        _, err = first.communicate(timeout=600)
    finally:
        first.kill()
    assert first.returncode == 0, err[-2000:]
    with av.open(str(out.video)) as f:
        assert abs(f.duration / 1e6 - truth.duration) < 0.1


def test_batch_checks_every_input_before_any_run(song_folder, tmp_path, capsys):
    (song_folder / "third.mp3").write_text("not audio")
    outputs = tmp_path / "outputs"
    code = main(["batch", str(song_folder), "--outputs", str(outputs)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "third.mp3" in err and len(err.splitlines()) == 1
    assert not outputs.exists()
