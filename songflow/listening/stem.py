"""A voice stem: the part of the mix that does not repeat, by a soft mask on its full STFT.

songflow keeps no separated stems and no separation model ships offline here, so the voice is
taken as REPET-SIM takes it (Rafii & Pardo 2012, as librosa's documented "vocal separation"
example does it): each spectral frame's accompaniment is the median of its most similar frames at
least `min_gap` seconds away (what repeats: drums, bass, chords), and the voice is what stands above
it, kept by a soft Wiener-like mask and inverted with the mix's phase. It is an estimate: a lead
instrument that never repeats comes through with the voice, and a sung refrain that repeats
exactly leaks into the accompaniment. BENCHMARKS.md gives its signal-to-distortion ratio against
a known voice.
"""

from __future__ import annotations

import numpy as np

N_FFT = 2048
HOP = 512


def voice_stem(samples: np.ndarray, rate: int, *, min_gap: float = 2.0, margin: float = 10.0, power: float = 2.0) -> np.ndarray:
    """The voice in `samples` (channels x n, or n): the same shape, float32. Each channel is
    separated on its own; similar frames are searched across the whole excerpt, so give it some
    context around the span wanted (a few bars before and after)."""
    import librosa

    wave = np.asarray(samples, dtype=np.float32)
    flat = wave.ndim == 1
    channels = wave[None] if flat else wave
    out = np.zeros_like(channels)
    n = channels.shape[1]
    width = int(librosa.time_to_frames(min_gap, sr=rate, hop_length=HOP))
    for c, y in enumerate(channels):
        stft = librosa.stft(y, n_fft=N_FFT, hop_length=HOP)
        full, phase = librosa.magphase(stft)
        if full.shape[1] <= 2 * width + 1 or not np.any(full):  # too short to find repeats in
            continue
        background = np.minimum(full, librosa.decompose.nn_filter(full, aggregate=np.median, metric="cosine", width=width))
        mask = librosa.util.softmask(full - background, margin * background, power=power)
        out[c] = librosa.istft(mask * full * phase, hop_length=HOP, n_fft=N_FFT, length=n)
    return out[0] if flat else out


def gate(samples: np.ndarray, rate: int, start: float, spans, *, fade: float = 0.02) -> np.ndarray:
    """`samples` (channels x n, starting at `start` s in the song) kept inside `spans` (song
    seconds) and silent elsewhere, with `fade`-second ramps at each edge."""
    n = samples.shape[-1]
    keep = np.zeros(n, np.float32)
    ramp = max(1, int(round(fade * rate)))
    for a, b in spans:
        first, last = round((a - start) * rate), round((b - start) * rate)
        i, j = max(0, first), min(n, last)
        if j <= i:
            continue
        keep[i:j] = 1.0
        edge = min(ramp, (j - i) // 2)
        if edge and first >= 0:  # a span that began before the excerpt is already sounding
            keep[i:i + edge] = np.minimum(keep[i:i + edge], np.linspace(0, 1, edge, endpoint=False, dtype=np.float32))
        if edge and last <= n:
            keep[j - edge:j] = np.minimum(keep[j - edge:j], np.linspace(1, 0, edge, endpoint=False, dtype=np.float32))
    return samples * keep


def voice_under(song, start: float, seconds: float, spans, *, context: float = 8.0) -> tuple[np.ndarray, int, float]:
    """The voice stem of `song` (a path) for `seconds` from `start`, kept inside `spans` (the sung
    lines, song seconds) and silent elsewhere: (channels x n float32, rate, the first sample's time).
    It is separated from the mix with `context` seconds either side, where its repeats are found.
    The window is cut on sample bounds as the mix would be; past the song's end, silence."""
    import soundfile as sf

    with sf.SoundFile(str(song)) as f:
        rate, total = f.samplerate, f.frames
        first, n = round(start * rate), round(seconds * rate)
        lo, hi = max(0, first - round(context * rate)), min(total, first + n + round(context * rate))
        f.seek(min(lo, total))
        excerpt = f.read(max(0, hi - lo), dtype="float32", always_2d=True).T
    stem = voice_stem(excerpt, rate)[:, first - lo:first - lo + n]
    if stem.shape[1] < n:
        stem = np.pad(stem, ((0, 0), (0, n - stem.shape[1])))
    return np.ascontiguousarray(gate(stem, rate, first / rate, spans)), rate, first / rate
