"""Music analysis and shot cutting on generated songs whose beats and parts are known."""

from __future__ import annotations

import numpy as np
import pytest

from schemas import SongAnalysis
from songflow import synth
from songflow.audio import load_audio
from songflow.config import ShotConfig
from songflow.music import measure_music
from stages.analyze import place_lyrics
from stages.write_shots import shot_spans

FRAME = 1 / 24


@pytest.mark.parametrize("bpm", [90.0, 120.0, 150.0])
def test_beats_and_downbeats_match_the_generated_song(tmp_path, bpm):
    wav, _, truth = synth.write_song(synth.short_spec(bpm=bpm), tmp_path)
    f = measure_music(load_audio(wav, 22050), 22050)
    assert abs(f.tempo - bpm) < 2
    beats, true = np.array(f.beats), np.array(truth.beats)
    errors = np.array([np.min(np.abs(true - b)) for b in beats[1:]])  # the first beat sits on the file's edge
    assert np.median(errors) <= FRAME / 2 and errors.max() <= FRAME
    assert abs(len(beats) - len(true)) <= 1
    true_down = np.array(truth.downbeats)
    assert all(np.min(np.abs(true_down - d)) <= FRAME for d in f.downbeats[1:])


def test_demo_sections_are_found_at_the_part_boundaries(tmp_path):
    wav, _, truth = synth.write_song(synth.DEMO, tmp_path)
    f = measure_music(load_audio(wav, 22050), 22050)
    found = [a for a, _, _ in f.sections[1:]]
    expected = [start for _, start, _ in truth.part_bounds[1:]]
    beat = 60 / synth.DEMO.bpm
    assert len(found) == len(expected)
    assert all(abs(a - b) <= beat for a, b in zip(found, expected))
    energies = [e for _, _, e in f.sections]
    assert energies.index(max(energies)) == 2  # the chorus is loudest


def _analysis(sections, beats, downbeats, duration):
    return SongAnalysis.model_validate(
        {
            "title": "t", "audio_path": "/a.wav", "audio_sha256": "0" * 64, "duration": duration, "tempo": 120.0,
            "beats": beats, "downbeats": downbeats,
            "sections": [{"index": i, "start": a, "end": b, "energy": e} for i, (a, b, e) in enumerate(sections)],
            "lyrics_source": "none",
            "interpretation": {"mood": "m", "themes": ["t"], "imagery": ["i"], "sections": [{"description": "d"}] * len(sections)},
            "model": "m",
        }
    )


def test_shot_spans_tile_cut_on_beats_and_follow_energy():
    beats = [round(0.5 * i, 3) for i in range(64)]  # 120 BPM, 32 s
    downbeats = beats[::4]
    analysis = _analysis([(0.0, 8.0, 0.2), (8.0, 24.0, 1.0), (24.0, 32.0, 0.3)], beats, downbeats, 32.0)
    spans = shot_spans(analysis, ShotConfig(beats_per_shot_calm=8, beats_per_shot_intense=4))
    assert spans[0].start == 0 and spans[-1].end == 32.0
    assert all(a.end == b.start for a, b in zip(spans, spans[1:]))
    assert all(s.start in beats for s in spans)
    assert all(s.start in downbeats for s in spans)  # 4 and 8 beats are whole bars here
    loud = [s.end - s.start for s in spans if s.scene_index == 1]
    calm = [s.end - s.start for s in spans if s.scene_index == 0]
    assert max(loud) < min(calm)


def test_cuts_move_to_a_nearby_downbeat():
    beats = [round(0.5 * i, 3) for i in range(40)]
    downbeats = beats[::4]
    analysis = _analysis([(0.0, 20.0, 0.5)], beats, downbeats, 20.0)  # 6 beats per shot from energy 0.5
    spans = shot_spans(analysis, ShotConfig(beats_per_shot_calm=8, beats_per_shot_intense=4, downbeat_snap_beats=1))
    cuts = [s.start for s in spans[1:]]
    assert cuts and all(c in beats for c in cuts)
    assert sum(c in downbeats for c in cuts) >= len(cuts) // 2


def test_plain_lyrics_are_placed_in_order_and_marked_estimated():
    from songflow.lyrics import Lyrics
    from songflow.music import MusicFeatures

    f = MusicFeatures(duration=30.0, tempo=120, beats=[0.5, 1.0], downbeats=[0.5], sections=[(0, 10, 0.2), (10, 20, 1.0), (20, 30, 0.9)])
    lines = place_lyrics(Lyrics(source="txt", plain=("one", "two", "three", "four")), f)
    assert [ln.text for ln in lines] == ["one", "two", "three", "four"]
    assert all(ln.timing == "estimated" for ln in lines)
    assert all(10 <= ln.start < ln.end <= 30 for ln in lines)
    assert all(a.end <= b.start for a, b in zip(lines, lines[1:]))
