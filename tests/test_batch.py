"""`songflow batch`: one flow run per song (real model), lyrics matched by stem, a summary."""

from __future__ import annotations

import asyncio

import pytest

from songflow import synth
from songflow.cli import find_songs, main


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


def test_batch_runs_one_flow_per_song_and_summarises(prefect_api, song_folder, tmp_path, capsys):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName

    outputs = tmp_path / "outputs"
    code = main(["batch", str(song_folder), "--parallel", "2", "--preset", "fast", "--outputs", str(outputs)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "batch of 2 song(s), parallel 2" in printed
    assert printed.count(" ok  ") == 2
    assert (outputs / "first" / "video.mp4").is_file() and (outputs / "second" / "video.mp4").is_file()

    async def runs():
        async with get_client() as client:
            found = await client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=["first", "second"])), limit=10)
            return sorted((r.name, r.state.type.value) for r in found)

    assert asyncio.run(runs()) == [("first", "COMPLETED"), ("second", "COMPLETED")]


def test_batch_checks_every_input_before_any_run(song_folder, tmp_path, capsys):
    (song_folder / "third.mp3").write_text("not audio")
    outputs = tmp_path / "outputs"
    code = main(["batch", str(song_folder), "--outputs", str(outputs)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "third.mp3" in err and len(err.splitlines()) == 1
    assert not outputs.exists()
