"""The music tagger: musicnn's checkpoints read without TensorFlow, converted once, run in torch;
what it hears on generated and real recordings, and the voice it confirms.

The port's exactness against musicnn's own TensorFlow graph is measured by bench/tagger_port.py
(BENCHMARKS.md); these tests run the real converted weights.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from songflow.core.config import AnalyzeConfig
from songflow.core.errors import InputError
from songflow.listening import synth, tagger, voice
from songflow.listening.audio import load_audio
from songflow.listening.checkpoint import CheckpointError, read_checkpoint, read_index
from songflow.listening.measure import measure_song
from songflow.words.vocab import GENRE_TAGS
from stages.analyze import supported

REAL = Path(__file__).parent / "data" / "real"
SR = 22050
ROCK = ("heavy metal", "hard rock", "indie rock", "punk rock", "progressive rock")


def rock_song(seconds: float = 24.0, bpm: float = 140.0) -> np.ndarray:
    """Distorted power chords in eighth notes over kick, snare and hats."""
    rng = np.random.default_rng(0)
    t = np.arange(int(seconds * SR)) / SR
    beat = 60 / bpm
    y = np.zeros_like(t)
    for start in np.arange(0, seconds - beat, beat / 2):
        a, n = int(start * SR), int(beat / 2 * SR)
        seg = t[:n]
        f = 440 * 2 ** (([40, 40, 43, 45][int(start / (4 * beat)) % 4] - 69) / 12)
        saw = sum(((seg * f * m) % 1.0) * 2 - 1 for m in (1, 1.5, 2))
        y[a : a + n] += np.tanh(6 * saw) * np.exp(-seg * 3)
    for k, start in enumerate(np.arange(0, seconds - 0.2, beat)):
        a, n = int(start * SR), int(0.15 * SR)
        hit = np.sin(2 * np.pi * 55 * t[:n] * np.exp(-t[:n] * 20)) * 1.2 if k % 2 == 0 else rng.standard_normal(n) * 0.8
        y[a : a + n] += hit * np.exp(-t[:n] * 25)
    return (0.3 * y / np.abs(y).max()).astype(np.float32)


def ambient_song(seconds: float = 24.0) -> np.ndarray:
    """Slow swells of a sustained A-minor-ish chord, no drums."""
    t = np.arange(int(seconds * SR)) / SR
    y = sum(np.sin(2 * np.pi * f * t + k) * (0.5 + 0.5 * np.sin(2 * np.pi * t / (7 + k))) for k, f in enumerate((110, 164.8, 220, 277.2, 329.6)))
    return (0.2 * y / np.abs(y).max()).astype(np.float32)


def test_the_checkpoint_is_read_without_tensorflow():
    folder = tagger.weights_folder() / "MTT_musicnn"
    index = read_index(f"{folder}/")
    assert index["conv2d_5/kernel"][1] == (7, 561, 1, 64)  # the mid-end's first layer, as models.py builds it
    weights = read_checkpoint(f"{folder}/")
    assert weights["batch_normalization_9/moving_mean"].shape == (1506,)  # max and mean of 753 features
    assert weights["dense_1/kernel"].shape == (200, len(tagger.MTT_TAGS))
    assert all(w.dtype == np.float32 and np.isfinite(w).all() for w in weights.values())


def test_a_file_that_is_not_a_checkpoint_is_one_clear_error(tmp_path):
    (tmp_path / "x.index").write_bytes(b"not a table" * 10)
    with pytest.raises(CheckpointError, match="is not a TensorFlow checkpoint index"):
        read_index(tmp_path / "x")


def test_weights_convert_once_then_load_from_the_cache(tmp_path, monkeypatch):
    first = tagger.converted_weights("MSD_musicnn", cache=tmp_path)
    assert first.is_file() and first.parent == tmp_path / "musicnn"
    monkeypatch.setattr(tagger, "read_checkpoint", lambda *a: pytest.fail("the checkpoint was read again"))
    assert tagger.converted_weights("MSD_musicnn", cache=tmp_path) == first


def test_missing_weights_stop_with_one_line_naming_the_install(tmp_path, monkeypatch):
    monkeypatch.setenv("SONGFLOW_MUSICNN", str(tmp_path))
    with pytest.raises(InputError) as err:
        tagger.converted_weights("MTT_musicnn")
    assert "pip install musicnn==0.1.0 --no-deps" in str(err.value) and "\n" not in str(err.value)


def test_a_rock_song_and_an_ambient_song_are_heard_as_what_they_are():
    rock, ambient = tagger.tag(rock_song(), SR), tagger.tag(ambient_song(), SR)
    assert rock.scores.shape == (8, 100) and ambient.scores.shape == (8, 100)  # 24 s: eight 3 s windows, 50 + 50 tags
    threshold = AnalyzeConfig().tag_threshold
    rock_genres = supported(GENRE_TAGS, rock.mean(), threshold)
    ambient_genres = supported(GENRE_TAGS, ambient.mean(), threshold)
    assert rock_genres.from_tags and ambient_genres.from_tags
    assert set(rock_genres.offered) & set(ROCK) and "ambient drone" not in rock_genres.offered, rock.top(6)
    assert "ambient drone" in ambient_genres.offered and not set(ambient_genres.offered) & set(ROCK), ambient.top(6)
    assert rock.mean()["mtt:guitar"] > 3 * ambient.mean()["mtt:guitar"]
    assert ambient.mean()["mtt:quiet"] > 3 * rock.mean()["mtt:quiet"]


def test_a_metal_recording_is_heard_as_metal():
    heard = tagger.tag(load_audio(REAL / "chaos_god.ogg", SR), SR)
    top = [t for t, _ in heard.top(4)]
    assert "msd:metal" in top and "mtt:rock" in top, heard.top(6)


def test_an_instrumental_gets_little_voice_and_speech_gets_voice_where_it_sounds(tmp_path):
    wav, _, _ = synth.write_song(synth.DEMO, tmp_path)  # synth leads and chords, no human voice
    backing = load_audio(wav, SR)
    cfg = AnalyzeConfig()
    instrumental = measure_song(backing, cfg)
    assert voice.voice_share(instrumental.vocals, instrumental.duration) <= 0.10, instrumental.vocals
    assert voice.voice_share(measure_song(backing, AnalyzeConfig(tagger=None)).vocals, instrumental.duration) > 0.3  # the detector alone

    raw = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "en+f3", "-s", "130", "-w", str(raw),
                    "The harbour lights are calling me home tonight, I ride the neon tide across the water, and the city "
                    "sings along with every wave that breaks upon the shore, hold me till the morning light."], check=True)
    speech = load_audio(raw, SR)
    at = 10 * SR
    mixed = 0.5 * backing.copy()
    mixed[at : at + len(speech)] += speech[: len(mixed) - at]
    sung = measure_song(mixed, cfg)
    sounds = np.abs(speech) > 0.05 * np.abs(speech).max()
    frames = np.flatnonzero(sounds)[:: SR // 20]  # where the speech sounds, every 50 ms
    times = (at + frames) / SR
    inside = [any(a <= t < b for a, b in sung.vocals) for t in times]
    assert np.mean(inside) >= 0.8, (np.mean(inside), sung.vocals)
    assert voice.voice_share(sung.vocals, sung.duration) < 0.9  # not the whole song
