"""A learned beat and downbeat tracker: BeatNet's trained networks, run with torch.

BeatNet (Heydari, Cwitkowitz and Duan, ISMIR 2021) is a small convolutional-recurrent network that
reads a log-filtered spectrogram at 50 frames a second and gives, per frame, the probability of a
beat, of a downbeat and of neither. Its authors trained three of them, each leaving one dataset out
(GTZAN, Ballroom, Rock Corpus), and publish the weights under CC BY 4.0 inside the `BeatNet` wheel
on PyPI. That wheel's code pins numba 0.54 and imports madmom and pyaudio, so only its weight files
are read (`pip install BeatNet==1.1.3 --no-deps`), never its code: the network and its input are
written here, and the beats and bars are decoded with songflow.listening.barpointer.

The input is madmom's LOG_SPECT as BeatNet configures it: 22.05 kHz mono, a 64 ms Hann window
(1411 samples) every 20 ms, the magnitude spectrum through a logarithmic filterbank of 24 triangular
bands per octave from 30 Hz to 17 kHz (area-normalised, duplicate bins merged), log10(1 + x), and
its positive difference to the frame where the window was at half height, stacked: 2 x 136 values.
tests/test_beatnet.py checks these match madmom's own processors.

Weights by BeatNet's numbering: 1 (GTZAN left out), 2 (Ballroom left out), 3 (Rock Corpus left
out). Beats are read from the mean of all three; downbeats from 1 and 3, because 2's downbeats
barely tell a bar's first beat from its others on the development set's tuning half (bench/beats.py).
"""

from __future__ import annotations

import functools
import os
import threading
from pathlib import Path

import numpy as np

from songflow.core.errors import InputError
from songflow.listening.wheels import package_folder

SR = 22050
HOP = 441  # 20 ms
FPS = SR / HOP
FRAME = 1411  # 64 ms
BANDS_PER_OCTAVE, FMIN, FMAX, FREF = 24, 30.0, 17000.0, 440.0
DIFF_RATIO = 0.5
MODELS = (1, 2, 3)
BEAT_MODELS = (1, 2, 3)
DOWNBEAT_MODELS = (1, 3)
HIDDEN = 150
INSTALL = "pip install BeatNet==1.1.3 --no-deps"
LICENCE = "BeatNet's weights: CC BY 4.0, Mojtaba Heydari, Frank Cwitkowitz and Zhiyao Duan"

_LOCK = threading.Lock()
_LOADED: dict[int, object] = {}


def weights_folder() -> Path:
    """Where BeatNet's weights are: SONGFLOW_BEATNET, else the installed wheel's `models` folder
    (found without importing the package, whose __init__ needs pyaudio and madmom)."""
    folder = package_folder("BeatNet", "SONGFLOW_BEATNET", f"the beat tracker's weights are not installed (the BeatNet wheel): {INSTALL}, or --beats librosa")
    if not os.environ.get("SONGFLOW_BEATNET"):
        folder = folder / "models"
    missing = [name for name in (f"model_{m}_weights.pt" for m in MODELS) if not (folder / name).is_file()]
    if missing:
        raise InputError(f"the beat tracker's weights are missing ({folder / missing[0]} not found): {INSTALL}, or --beats librosa")
    return folder


# --- the input: madmom's LOG_SPECT ---


@functools.cache
def filterbank() -> np.ndarray:
    """(FRAME // 2 bins, bands): madmom's LogarithmicFilterbank(24, 30, 17000, norm, unique)."""
    bins = FRAME >> 1
    bin_freqs = np.fft.fftfreq(bins * 2, 1.0 / SR)[:bins]  # madmom's fft_frequencies
    left = np.floor(np.log2(FMIN / FREF) * BANDS_PER_OCTAVE)
    right = np.ceil(np.log2(FMAX / FREF) * BANDS_PER_OCTAVE)
    freqs = FREF * 2.0 ** (np.arange(left, right) / BANDS_PER_OCTAVE)
    freqs = freqs[np.searchsorted(freqs, FMIN):]
    freqs = freqs[: np.searchsorted(freqs, FMAX, "right")]
    idx = np.clip(bin_freqs.searchsorted(freqs), 1, len(bin_freqs) - 1)
    idx -= freqs - bin_freqs[idx - 1] < bin_freqs[idx] - freqs
    centres = np.unique(idx)
    fb = np.zeros((bins, len(centres) - 2), dtype=np.float32)
    for band, (start, centre, stop) in enumerate(zip(centres, centres[1:], centres[2:])):
        if stop - start < 2:
            centre, stop = start, start + 1
        data = np.r_[np.linspace(0, 1, centre - start, endpoint=False), np.linspace(1, 0, stop - centre, endpoint=False)]
        data /= data.sum()
        np.maximum(fb[start:stop, band], data, out=fb[start:stop, band])
    return fb


def features(y: np.ndarray, sr: int) -> np.ndarray:
    """(frames, 272) network input for mono audio `y` at `sr`."""
    import librosa

    if sr != SR:
        y = librosa.resample(np.asarray(y, dtype=np.float32), orig_sr=sr, target_sr=SR)
    y = np.asarray(y, dtype=np.float32)
    n = int(np.ceil(len(y) / HOP))
    # frame i is centred on sample i * HOP, zero-padded at both ends (madmom's FramedSignal)
    padded = np.pad(y, (FRAME // 2, FRAME))
    frames = np.lib.stride_tricks.sliding_window_view(padded, FRAME)[::HOP][:n]
    window = np.hanning(FRAME).astype(np.float32)
    spec = np.abs(np.fft.fft(frames * window, axis=1)[:, : FRAME >> 1]).astype(np.float32)
    spec = np.log10(spec @ filterbank() + 1.0)
    sample = int(np.argmax(window > DIFF_RATIO * window.max()))
    lag = int(max(1, round((FRAME / 2 - sample) / HOP)))
    diff = np.zeros_like(spec)
    diff[lag:] = np.maximum(spec[lag:] - spec[:-lag], 0.0)
    return np.hstack([spec, diff])


# --- the network: BeatNet's BDA ---


def _network():
    import torch
    from torch import nn

    class BDA(nn.Module):
        """BeatNet's model.py: a 10-tap convolution with 2 filters over each frame's 272 values,
        max-pooled by 2, a linear layer to 150, two LSTM layers of 150, and 3 outputs (beat,
        downbeat, neither). Causal: each frame sees only the past."""

        def __init__(self, dim_in: int = 272):
            super().__init__()
            self.dim_in = dim_in
            self.conv1 = nn.Conv1d(1, 2, 10)
            self.linear0 = nn.Linear(2 * ((dim_in - 10 + 1) // 2), HIDDEN)
            self.lstm = nn.LSTM(input_size=HIDDEN, hidden_size=HIDDEN, num_layers=2, batch_first=True)
            self.linear = nn.Linear(HIDDEN, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:  # (frames, 272) -> (frames, 3) probabilities
            h = torch.nn.functional.max_pool1d(torch.relu(self.conv1(x[:, None, :])), 2)
            h = self.linear0(h.flatten(1))
            h, _ = self.lstm(h[None])
            return torch.softmax(self.linear(h[0]), dim=1)

    return BDA()


def load(model: int):
    """BeatNet network `model` (1, 2 or 3), built once per process."""
    import torch

    with _LOCK:
        if model not in _LOADED:
            path = weights_folder() / f"model_{model}_weights.pt"
            net = _network()
            net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
            _LOADED[model] = net.eval()
        return _LOADED[model]


def activations(y: np.ndarray, sr: int) -> np.ndarray:
    """(frames, 2) at FPS: the probability of a beat that is not a downbeat, and of a downbeat;
    the mean of BEAT_MODELS for their sum, of DOWNBEAT_MODELS for the downbeat's share."""
    import torch

    x = torch.from_numpy(features(y, sr))
    with torch.inference_mode():
        out = {m: load(m)(x).numpy().astype(float) for m in MODELS}
    beat = np.mean([out[m][:, 0] + out[m][:, 1] for m in BEAT_MODELS], axis=0)
    down = np.mean([out[m][:, 1] for m in DOWNBEAT_MODELS], axis=0)
    down = np.minimum(down, beat)
    return np.stack([beat - down, down], axis=1)
