"""Music analysis, lyric placement and shot cutting on generated songs whose beats, parts and sung
phrases are known."""

from __future__ import annotations

import numpy as np
import pytest

from schemas import SongAnalysis
from songflow.listening import synth
from songflow.listening.audio import load_audio
from songflow.core.config import ShotConfig
from songflow.listening.lyrics import Lyrics, TimedLine, read_lyrics
from songflow.listening.music import measure_music
from songflow.listening.measure import place_lyrics
from stages.write_shots import inside_phrase, shot_spans

FRAME = 1 / 24
SR = 22050


def _measure(spec, folder):
    wav, lrc, truth = synth.write_song(spec, folder)
    return measure_music(load_audio(wav, SR), SR), truth, lrc


def _beat_errors(found, true):
    found, true = np.array(found), np.array(true)
    return np.array([np.min(np.abs(true - b)) for b in found]), np.array([np.min(np.abs(found - t)) for t in true])


@pytest.mark.parametrize("bpm", [90.0, 120.0, 150.0])
def test_beats_and_downbeats_match_the_generated_song(tmp_path, bpm):
    f, truth, _ = _measure(synth.short_spec(bpm=bpm), tmp_path)
    assert abs(f.tempo - bpm) < 2
    extra, missed = _beat_errors(f.beats[1:], truth.beats)  # the first beat sits on the file's edge
    assert np.median(extra) <= FRAME / 2 and extra.max() <= FRAME
    assert abs(len(f.beats) - len(truth.beats)) <= 1
    true_down = np.array(truth.downbeats)
    assert all(np.min(np.abs(true_down - d)) <= FRAME for d in f.downbeats[1:])


def test_beats_follow_a_tempo_change(tmp_path):
    f, truth, _ = _measure(synth.tempo_change_spec(100.0, 132.0), tmp_path)
    extra, missed = _beat_errors(f.beats, truth.beats)
    assert np.median(extra) <= FRAME / 2
    assert (missed > 0.07).sum() == 0 and (extra > 0.07).sum() <= 1  # every true beat found, before and after the change
    bounds = [a for a, _, _ in f.sections[1:]]
    assert all(min(abs(b - t) for b in bounds) <= 60 / 132 for _, t, _ in truth.part_bounds[1:])


@pytest.mark.parametrize("bpm", [120.0, 150.0])
def test_sections_found_at_part_boundaries_and_repeats_share_a_label(tmp_path, bpm):
    """intro, verse, chorus, verse, chorus, outro: boundaries within one beat, verse 1 and 2 (and
    chorus 1 and 2) share a label, verse and chorus do not."""
    f, truth, _ = _measure(synth.structured_spec(bpm=bpm), tmp_path)
    found = [a for a, _, _ in f.sections[1:]]
    expected = [start for _, start, _ in truth.part_bounds[1:]]
    assert len(found) == len(expected)
    assert all(abs(a - b) <= 60 / bpm for a, b in zip(found, expected))
    label = {name: [] for name, _, _ in truth.part_bounds}
    for (name, _, _), letter in zip(truth.part_bounds, f.labels):
        label[name].append(letter)
    assert len(set(label["verse"])) == 1 and len(set(label["chorus"])) == 1
    assert label["verse"][0] != label["chorus"][0]
    assert label["intro"][0] not in (label["verse"][0], label["chorus"][0])


def test_demo_sections_energy_and_curve(tmp_path):
    f, truth, _ = _measure(synth.DEMO, tmp_path)
    found = [a for a, _, _ in f.sections[1:]]
    expected = [start for _, start, _ in truth.part_bounds[1:]]
    assert len(found) == len(expected) and all(abs(a - b) <= 0.5 for a, b in zip(found, expected))
    energies = [e for _, _, e in f.sections]
    assert energies.index(max(energies)) == 2  # the chorus is loudest
    curve = np.array(f.energy)
    assert len(curve) == 480 and curve.max() == 1.0
    assert curve[250:390].mean() > 2 * curve[20:70].mean()  # chorus vs. intro


@pytest.mark.parametrize("spec", [synth.DEMO, synth.demo_at(80, "Slow"), synth.tempo_change_spec()], ids=["120", "80", "change"])
def test_vocal_regions_cover_the_sung_phrases(tmp_path, spec):
    f, truth, _ = _measure(spec, tmp_path)

    def overlap(regions, a, b):
        return sum(max(0.0, min(b, y) - max(a, x)) for x, y in regions)

    sung = sum(e - s for s, e, _ in truth.lyric_lines)
    hit = sum(overlap(f.vocals, s, e) for s, e, _ in truth.lyric_lines)
    flagged = sum(y - x for x, y in f.vocals)
    assert hit / sung >= 0.85, f.vocals
    assert hit / flagged >= 0.85, f.vocals
    # nothing flagged in the instrumental intro
    assert overlap(f.vocals, 0.0, truth.part_bounds[0][2] - 0.2) == 0


def test_plain_lyrics_land_on_their_phrases(tmp_path):
    """Plain .txt: lines placed on the detected vocals, in order, whole, marked estimated."""
    f, truth, _ = _measure(synth.demo_at(80, "Slow"), tmp_path)
    lines = place_lyrics(Lyrics(source="txt", plain=tuple(t for _, _, t in truth.lyric_lines)), f)
    assert [ln.text for ln in lines] == [t for _, _, t in truth.lyric_lines]
    assert all(ln.timing == "estimated" for ln in lines)
    assert all(a.end <= b.start for a, b in zip(lines, lines[1:]))
    for line, (start, end, _) in zip(lines, truth.lyric_lines):  # each line inside its real phrase
        mid = (line.start + line.end) / 2
        assert start <= mid <= end, (line, start, end)
    # kept whole: no line spans a gap between vocal regions that are far apart
    for line in lines:
        assert any(a - 0.4 <= line.start and line.end <= b + 0.4 for a, b in _joined(f.vocals, 1.5))


def _joined(regions, gap):
    out = []
    for a, b in regions:
        if out and a - out[-1][1] < gap:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def test_lrc_lines_without_end_stop_where_the_voice_stops(tmp_path):
    f, truth, _ = _measure(synth.DEMO, tmp_path)
    timed = tuple(TimedLine(start, None, text) for start, _, text in truth.lyric_lines)
    lines = place_lyrics(Lyrics(source="lrc", timed=timed), f)
    assert all(ln.timing == "given-start" for ln in lines)
    for line, (start, end, _) in zip(lines, truth.lyric_lines):
        assert line.start == start and abs(line.end - end) <= 0.25


def test_lyrics_formats(tmp_path):
    lrc = tmp_path / "a.lrc"
    lrc.write_text("[ti:x]\n[00:01.00][00:09.50]Chorus line\n[00:04.00]Verse line\n[00:06.00]\n[00:11.00]\n")
    parsed = read_lyrics(lrc)
    assert [(ln.start, ln.end, ln.text) for ln in parsed.timed] == [
        (1.0, None, "Chorus line"), (4.0, 6.0, "Verse line"), (9.5, 11.0, "Chorus line")
    ]
    srt = tmp_path / "a.srt"
    srt.write_text("1\n00:00:01,250 --> 00:00:03,500\nFirst <i>line</i>\nwraps here\n\n2\n00:00:04,000 --> 00:00:05,000\nSecond\n")
    assert [(ln.start, ln.end, ln.text) for ln in read_lyrics(srt).timed] == [(1.25, 3.5, "First line wraps here"), (4.0, 5.0, "Second")]
    vtt = tmp_path / "a.vtt"
    vtt.write_text("WEBVTT\n\n00:00:02.000 --> 00:00:04.250\nHello <b>there</b>\n\n00:00:05.000 --> 00:00:06.000\nAgain\n")
    assert [(ln.start, ln.end, ln.text) for ln in read_lyrics(vtt).timed] == [(2.0, 4.25, "Hello there"), (5.0, 6.0, "Again")]
    txt = tmp_path / "a.txt"
    txt.write_text("one\n\n  two  \n")
    assert read_lyrics(txt).plain == ("one", "two")


def _analysis(sections, beats, downbeats, duration, lyrics=()):
    return SongAnalysis.model_validate(
        {
            "title": "t", "audio_path": "/a.wav", "audio_sha256": "0" * 64, "duration": duration, "tempo": 120.0,
            "beats": beats, "downbeats": downbeats,
            "sections": [{"index": i, "start": a, "end": b, "energy": e, "label": "A"} for i, (a, b, e) in enumerate(sections)],
            "lyrics_source": "srt" if lyrics else "none",
            "lyrics": [{"start": a, "end": b, "text": f"line {i}", "timing": "given"} for i, (a, b) in enumerate(lyrics)],
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


def test_no_cut_inside_a_sung_line_and_lengths_within_bounds():
    beats = [round(0.5 * i, 3) for i in range(80)]  # 40 s
    downbeats = beats[::4]
    # lines of 3 s starting off the bar; one 10 s line (longer than the longest shot)
    lyrics = [(1.5, 4.5), (5.5, 8.5), (9.0, 12.0), (14.0, 24.0), (25.0, 28.0)]
    analysis = _analysis([(0.0, 32.0, 1.0), (32.0, 40.0, 0.4)], beats, downbeats, 40.0, lyrics)
    cfg = ShotConfig(beats_per_shot_calm=8, beats_per_shot_intense=4, min_shot_seconds=1.0, max_shot_seconds=6.0)
    spans = shot_spans(analysis, cfg)
    cuts = [s.start for s in spans[1:]]
    assert all(c in beats for c in cuts)
    inside = [c for c in cuts if inside_phrase(c, analysis.lyrics, cfg.phrase_edge_seconds)]
    # only the 10 s line may be cut, and only as often as needed to keep shots <= 6 s
    assert all(14.0 < c < 24.0 for c in inside) and 1 <= len(inside) <= 2
    assert all(cfg.min_shot_seconds <= s.end - s.start <= cfg.max_shot_seconds for s in spans)
