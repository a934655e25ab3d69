"""Lip-sync shots: which shots are the singer on a sung line, and the voice they are moved by (a
soft-mask voice stem, scored against a generated song's known lead voice)."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from schemas.scenes import Character
from schemas.shots import Shot
from songflow.listening import synth
from songflow.listening.stem import gate, voice_stem, voice_under
from stages.animate_shots import lip_sync_spans, sings


def _shot(**kw) -> Shot:
    base = dict(prompt="a singer at a microphone under red light", composition="center", index=2, scene_index=1, start=4.0, end=6.0,
                setting="a small stage", subject="the singer at the microphone", palette=["#0b1d3a", "#5483b3", "#f4d35e"], camera="push",
                seed=7, shot_size="close_up")
    return Shot(**{**base, **kw})


def test_a_lip_sync_shot_is_a_singer_close_enough_on_a_sung_line():
    lines = [(4.5, 7.0), (8.0, 11.0)]
    assert lip_sync_spans(_shot(), lines, 4.0, 2.0) == [(4.5, 6.0)]
    assert lip_sync_spans(_shot(), lines, 6.5, 2.0) == [(6.5, 7.0), (8.0, 8.5)]  # two lines, 1.0 s of voice
    assert lip_sync_spans(_shot(), lines, 6.8, 1.4) == []  # 0.4 s of a line: under MIN_VOICE
    assert lip_sync_spans(_shot(), lines, 0.0, 4.0) == []  # between lines: the normal motion
    assert lip_sync_spans(_shot(shot_size="wide"), lines, 4.0, 2.0) == []  # too far for a mouth to read
    assert lip_sync_spans(_shot(shot_size=None), lines, 4.0, 2.0) == [(4.5, 6.0)]
    lighthouse = _shot(subject="a lighthouse on a cliff")
    assert not sings(lighthouse) and lip_sync_spans(lighthouse, lines, 4.0, 2.0) == []
    crooner = lighthouse.model_copy(update={"characters": [Character(name="the crooner", look="a grey suit, slicked hair")]})
    marked = lighthouse.model_copy(update={"characters": [Character(name="Mara", look="a red coat, singing into a silver mic")]})
    dancer = lighthouse.model_copy(update={"characters": [Character(name="the dancer", look="a red coat")]})
    assert sings(crooner) and sings(marked) and not sings(dancer)


def test_the_voice_is_silent_outside_its_spans_with_short_ramps():
    rate = 1000
    loud = np.ones((2, 3000), np.float32)
    kept = gate(loud, rate, 10.0, [(10.5, 11.5), (12.0, 14.0)], fade=0.02)
    assert kept.shape == (2, 3000) and kept[:, :500].max() == 0 and kept[:, 1500:2000].max() == 0
    assert np.all(kept[:, 520:1480] == 1) and np.all(kept[:, 2020:] == 1)  # the second span runs past the excerpt's end
    assert 0 < kept[0, 510] < 1 and kept[0, 500] == 0


def test_the_voice_stem_keeps_the_lead_and_drops_the_band():
    """On a song the stem was not tuned on (bench/voice_stem.py: tuned on the short and verse-chorus
    songs), each sung line's stem is nearer the true lead voice than the mix is, by SI-SDR."""

    def si_sdr(ref, est):
        target = np.dot(est, ref) / np.dot(ref, ref) * ref
        return 10 * np.log10(np.sum(target**2) / np.sum((est - target) ** 2))

    mix, voice, truth = synth.synthesize_with_voice(synth.desert_spec())
    est = voice_stem(mix, synth.SR)
    assert est.shape == mix.shape and est.dtype == np.float32
    gains = []
    for a, b, _ in truth.lyric_lines:
        i, j = round(a * synth.SR), round(b * synth.SR)
        gains.append(si_sdr(voice[i:j], est[i:j]) - si_sdr(voice[i:j], mix[i:j]))
    assert min(gains) > 2.0 and np.mean(gains) > 6.0, gains


def test_a_shots_voice_is_cut_on_the_songs_sample_bounds(tmp_path):
    mix, voice, truth = synth.synthesize_with_voice(synth.short_spec())
    song = tmp_path / "song.wav"
    sf.write(song, mix, synth.SR, subtype="FLOAT")
    (a, b, _), start, seconds = truth.lyric_lines[0], 3.7, 4.0
    got, rate, first = voice_under(song, start, seconds, [(a, b)])
    assert rate == synth.SR and got.shape == (1, round(seconds * rate)) and first == pytest.approx(round(start * rate) / rate)
    t = first + np.arange(got.shape[1]) / rate
    assert np.abs(got[0, t < a]).max() == 0 and np.abs(got[0, t >= b]).max() == 0
    inside = (t > a + 0.05) & (t < b - 0.05)
    assert np.corrcoef(got[0, inside], voice[round(first * rate):][: got.shape[1]][inside])[0, 1] > 0.8
    past_end, _, _ = voice_under(song, truth.duration - 1.0, 2.0, [(0.0, truth.duration)])
    assert past_end.shape[1] == 2 * rate and np.abs(past_end[0, rate + 10:]).max() == 0  # silence past the song's end
