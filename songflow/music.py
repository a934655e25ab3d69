"""Music features measured with librosa: tempo, beats, downbeats, sections and their energy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MusicFeatures:
    duration: float
    tempo: float
    beats: list[float]
    downbeats: list[float]
    # (start, end, energy 0..1) per section; sections tile [0, duration].
    sections: list[tuple[float, float, float]]


def measure_music(
    y: np.ndarray,
    sr: int,
    *,
    hop_length: int = 512,
    beats_per_bar: int = 4,
    min_section_bars: int = 2,
    max_sections: int = 8,
) -> MusicFeatures:
    """Beats, downbeats and sections of mono audio `y`."""
    import librosa

    duration = len(y) / sr
    onset_env = librosa.onset.onset_strength(y=y, sr=sr, hop_length=hop_length)
    tempo, beat_frames = librosa.beat.beat_track(onset_envelope=onset_env, sr=sr, hop_length=hop_length, trim=False)
    beat_frames = np.unique(beat_frames)
    beats = librosa.frames_to_time(beat_frames, sr=sr, hop_length=hop_length)
    # A "beat" in the last 50 ms is the tracker running into the end of the file, not a beat.
    keep = beats < duration - 0.05
    beat_frames, beats = beat_frames[keep], beats[keep]
    beats = _refine_beats(y, sr, beats)
    if len(beats) < 2 * beats_per_bar:
        # Too few beats to speak of bars: fall back to a steady grid from the tempo estimate.
        step = 60.0 / float(np.atleast_1d(tempo)[0] or 120.0)
        beats = np.arange(0.0, duration, step)
        beat_frames = librosa.time_to_frames(beats, sr=sr, hop_length=hop_length)
    tempo_bpm = float(60.0 / np.median(np.diff(beats)))

    S = np.abs(librosa.stft(y, hop_length=hop_length))
    chroma = librosa.feature.chroma_stft(S=S**2, sr=sr)
    mfcc = librosa.feature.mfcc(S=librosa.power_to_db(librosa.feature.melspectrogram(S=S**2, sr=sr)), n_mfcc=13)
    rms = librosa.feature.rms(S=S)[0]
    freqs = librosa.fft_frequencies(sr=sr)
    bass = S[freqs < 150].sum(axis=0)

    downbeat_phase = _downbeat_phase(beat_frames, chroma, bass, beats_per_bar)
    downbeat_idx = list(range(downbeat_phase, len(beats), beats_per_bar))

    # Beat-synchronous features for segmentation.
    sync = lambda m: librosa.util.sync(m, beat_frames, aggregate=np.mean)  # noqa: E731
    # Timbre novelty (self-similarity of MFCCs) plus loudness steps. Chroma is left out: it would
    # also mark every turn of a repeating chord cycle. Slot 0 (before the first beat) is dropped.
    timbre = sync(mfcc)[:, 1:]
    timbre = (timbre - timbre.mean(axis=1, keepdims=True)) / (timbre.std(axis=1, keepdims=True) + 1e-9)
    loud = np.log(sync(rms[None, :])[0, 1:] + 1e-4)
    half = 2 * beats_per_bar
    novelty = _unit(_checkerboard_novelty(timbre, half=half)) + _unit(_step_novelty(loud, half=half))
    bounds_idx = _pick_boundaries(novelty, downbeat_idx, min_gap=min_section_bars * beats_per_bar, max_sections=max_sections)

    edges = [0.0] + [float(beats[i]) for i in bounds_idx] + [duration]
    frame_times = librosa.frames_to_time(np.arange(len(rms)), sr=sr, hop_length=hop_length)
    levels = []
    for a, b in zip(edges, edges[1:]):
        sel = (frame_times >= a) & (frame_times < b)
        levels.append(float(np.sqrt(np.mean(rms[sel] ** 2))) if sel.any() else 0.0)
    top = max(levels) or 1.0
    sections = [(a, b, round(level / top, 4)) for (a, b), level in zip(zip(edges, edges[1:]), levels)]
    return MusicFeatures(
        duration=duration,
        tempo=round(tempo_bpm, 2),
        beats=[float(b) for b in beats],
        downbeats=[float(beats[i]) for i in downbeat_idx],
        sections=sections,
    )


def _refine_beats(y: np.ndarray, sr: int, beats: np.ndarray, hop: int = 64) -> np.ndarray:
    """Move each beat to the strongest onset within -60/+30 ms, on a 3 ms grid.

    The tracker works on ~23 ms frames and lands late; cuts are judged against 1/24 s.
    """
    import librosa

    env = librosa.onset.onset_strength(y=y, sr=sr, hop_length=hop)
    times = librosa.frames_to_time(np.arange(len(env)), sr=sr, hop_length=hop)
    out = beats.astype(float).copy()
    for i, b in enumerate(beats):
        sel = np.flatnonzero((times >= b - 0.06) & (times <= b + 0.03))
        if len(sel):
            out[i] = times[sel[np.argmax(env[sel])]]
    out = np.maximum.accumulate(out)
    keep = np.r_[True, np.diff(out) > 1e-3]
    return out[keep]


def _downbeat_phase(beat_frames: np.ndarray, chroma: np.ndarray, bass: np.ndarray, per_bar: int) -> int:
    """Which beat phase starts bars: where harmony changes and the bass hits hardest."""
    import librosa

    # Segment k+1 of a beat-synchronous matrix spans beat k to beat k+1.
    c = librosa.util.sync(chroma, beat_frames, aggregate=np.mean)[:, 1:]
    c = c / (np.linalg.norm(c, axis=0, keepdims=True) + 1e-9)
    change = np.r_[0.0, 1.0 - np.sum(c[:, 1:] * c[:, :-1], axis=0)]
    hit = librosa.util.sync(bass[None, :], beat_frames, aggregate=np.max)[0, 1:]
    n = min(len(change), len(hit), len(beat_frames))
    change, hit = change[:n], hit[:n]
    z = lambda v: (v - v.mean()) / (v.std() + 1e-9)  # noqa: E731
    score = z(change) + z(hit)
    return int(np.argmax([score[p::per_bar].mean() if len(score[p::per_bar]) else -np.inf for p in range(per_bar)]))


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.maximum(v, 0.0)
    return v / (v.max() + 1e-9)


def _step_novelty(x: np.ndarray, half: int) -> np.ndarray:
    """|mean of the next `half` values - mean of the previous `half`| at each index."""
    padded = np.pad(x, half, mode="edge")
    c = np.cumsum(np.r_[0.0, padded])
    idx = np.arange(len(x)) + half
    after = (c[idx + half] - c[idx]) / half
    before = (c[idx] - c[idx - half]) / half
    return np.abs(after - before)


def _checkerboard_novelty(feats: np.ndarray, half: int) -> np.ndarray:
    """Foote novelty on the cosine self-similarity of beat-synchronous features."""
    x = feats / (np.linalg.norm(feats, axis=0, keepdims=True) + 1e-9)
    ssm = x.T @ x
    n = ssm.shape[0]
    g = np.exp(-0.5 * (np.linspace(-2, 2, 2 * half)) ** 2)
    kernel = np.outer(g, g) * np.kron(np.array([[1, -1], [-1, 1]]), np.ones((half, half)))
    padded = np.pad(ssm, half, mode="edge")
    return np.array([np.sum(padded[i : i + 2 * half, i : i + 2 * half] * kernel) for i in range(n)])


def _pick_boundaries(novelty: np.ndarray, candidates: list[int], *, min_gap: int, max_sections: int) -> list[int]:
    """Strongest novelty peaks among downbeats, at least `min_gap` beats apart and from the ends."""
    n = len(novelty)
    cands = [i for i in candidates if min_gap <= i <= n - min_gap]
    if not cands:
        return []
    values = np.array([novelty[i] for i in cands])
    threshold = max(values.mean() + 0.5 * values.std(), 0.35 * values.max())
    chosen: list[int] = []
    for i in sorted(cands, key=lambda i: -novelty[i]):
        if novelty[i] < threshold or len(chosen) >= max_sections - 1:
            break
        if all(abs(i - j) >= min_gap for j in chosen):
            chosen.append(i)
    return sorted(chosen)
