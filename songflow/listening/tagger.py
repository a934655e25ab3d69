"""A music tagger that hears genre, mood, instruments and voice: musicnn's pretrained models in torch.

musicnn (Pons and Serra, ISC licence) ships two taggers trained on 50 tags each, as TensorFlow 1
checkpoints inside its PyPI wheel: MTT_musicnn (MagnaTagATune: guitar, piano, strings, drums,
vocal / no vocal, fast, loud, classical, techno, choir, ...) and MSD_musicnn (Million Song Dataset:
rock, metal, electronic, jazz, hip-hop, ambient, folk, female / male vocalists, instrumental,
mellow, happy, sad, party, ...). The wheel is installed without its dependencies
(`pip install musicnn==0.1.0 --no-deps`): only its files are read, never its code. Each checkpoint
is read with numpy (checkpoint.py), converted once to a safetensors file in the songflow cache,
and run by the same network written in torch, on the CPU.

The front end is musicnn's: 16 kHz mono, a 96-band mel spectrogram (512-point FFT, hop 256),
stored as float16 and compressed as log10(10000 x + 1), cut into windows of 187 frames (3 s) without
overlap; each window gets a score in 0..1 per tag.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from songflow.core.config import cache_dir
from songflow.core.errors import InputError
from songflow.listening.wheels import package_folder
from songflow.core.fsutil import atomic_path, sha256_file
from songflow.listening.checkpoint import read_checkpoint

log = logging.getLogger(__name__)

SR = 16000
N_FFT = 512
HOP = 256
N_MELS = 96
FRAMES = 187  # a 3 s window: librosa.time_to_frames(3, sr=16000, n_fft=512, hop_length=256) + 1
WINDOW = FRAMES * HOP / SR
BN_EPS = 1e-3  # tf.layers.batch_normalization's default
BATCH = 4  # windows per forward pass (memory: about 60 MiB of feature maps a window)

MTT_TAGS = (
    "guitar", "classical", "slow", "techno", "strings", "drums", "electronic", "rock", "fast", "piano", "ambient", "beat",
    "violin", "vocal", "synth", "female", "indian", "opera", "male", "singing", "vocals", "no vocals", "harpsichord", "loud",
    "quiet", "flute", "woman", "male vocal", "no vocal", "pop", "soft", "sitar", "solo", "man", "classic", "choir", "voice",
    "new age", "dance", "male voice", "female vocal", "beats", "harp", "cello", "no voice", "weird", "country", "metal",
    "female voice", "choral",
)
MSD_TAGS = (
    "rock", "pop", "alternative", "indie", "electronic", "female vocalists", "dance", "00s", "alternative rock", "jazz",
    "beautiful", "metal", "chillout", "male vocalists", "classic rock", "soul", "indie rock", "Mellow", "electronica", "80s",
    "folk", "90s", "chill", "instrumental", "punk", "oldies", "blues", "hard rock", "ambient", "acoustic", "experimental",
    "female vocalist", "guitar", "Hip-Hop", "70s", "party", "country", "easy listening", "sexy", "catchy", "funk", "electro",
    "heavy metal", "Progressive rock", "60s", "rnb", "indie pop", "sad", "House", "happy",
)
MODELS = {"MTT_musicnn": MTT_TAGS, "MSD_musicnn": MSD_TAGS}
# Where a checkpoint's tags go in a merged taggram: 'mtt:guitar', 'msd:metal'.
PREFIX = {"MTT_musicnn": "mtt", "MSD_musicnn": "msd"}
INSTALL = "pip install musicnn==0.1.0 --no-deps"


@dataclass(frozen=True)
class Taggram:
    """Tag scores window by window: `scores[w, t]` is tag `tags[t]` in the window starting at `starts[w]`."""

    model: str
    tags: tuple[str, ...]
    starts: np.ndarray
    window: float
    scores: np.ndarray

    def _rows(self, start: float | None, end: float | None) -> np.ndarray:
        lo = -np.inf if start is None else start
        hi = np.inf if end is None else end
        rows = (self.starts < hi) & (self.starts + self.window > lo)
        if not rows.any():  # a span shorter than the gap to the next window: the nearest window
            centre = ((lo if np.isfinite(lo) else 0.0) + (hi if np.isfinite(hi) else 0.0)) / 2
            rows = np.zeros(len(self.starts), bool)
            rows[int(np.argmin(np.abs(self.starts + self.window / 2 - centre)))] = True
        return self.scores[rows]

    def mean(self, start: float | None = None, end: float | None = None) -> dict[str, float]:
        """Each tag's mean score over the windows that overlap [start, end)."""
        if not len(self.starts):
            return {t: 0.0 for t in self.tags}
        means = self._rows(start, end).mean(axis=0)
        return {t: float(s) for t, s in zip(self.tags, means)}

    def top(self, n: int, start: float | None = None, end: float | None = None) -> list[tuple[str, float]]:
        """The `n` strongest tags over [start, end), strongest first."""
        return sorted(self.mean(start, end).items(), key=lambda kv: -kv[1])[:n]

    def column(self, tag: str) -> np.ndarray:
        return self.scores[:, self.tags.index(tag)]


def merge(taggrams: list[Taggram]) -> Taggram:
    """One taggram of several models over the same windows, each tag named 'prefix:tag'."""
    tags = tuple(f"{PREFIX[t.model]}:{tag}" for t in taggrams for tag in t.tags)
    return Taggram(
        model=" + ".join(t.model for t in taggrams),
        tags=tags,
        starts=taggrams[0].starts,
        window=taggrams[0].window,
        scores=np.concatenate([t.scores for t in taggrams], axis=1),
    )


def weights_folder() -> Path:
    """Where musicnn's checkpoints are: SONGFLOW_MUSICNN, else the installed wheel's package folder."""
    return package_folder("musicnn", "SONGFLOW_MUSICNN", f"the music tagger's weights are not installed (the musicnn wheel): {INSTALL}")


def mel_windows(y: np.ndarray, sr: int) -> np.ndarray:
    """musicnn's input: (windows, 187, 96) log-compressed mel patches of mono audio `y` at `sr`."""
    import librosa

    y = np.asarray(y, dtype=np.float32)
    if sr != SR:
        y = librosa.resample(y, orig_sr=sr, target_sr=SR)
    mel = librosa.feature.melspectrogram(y=y, sr=SR, hop_length=HOP, n_fft=N_FFT, n_mels=N_MELS).T
    # musicnn rounds the mel power to float16, then computes `10000 * x` with numpy 1, where that
    # product of a float16 array and an int is float32. Under numpy 2 it would stay float16 and
    # overflow to inf on loud frames (x > 6.55), so the float32 step is written out.
    rep = np.log10(10000 * mel.astype(np.float16).astype(np.float32) + 1)
    count = max(0, (rep.shape[0] - FRAMES) // FRAMES + 1)
    return np.stack([rep[i * FRAMES : i * FRAMES + FRAMES] for i in range(count)]).astype(np.float32) if count else np.zeros((0, FRAMES, N_MELS), np.float32)


def convert(checkpoint: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """TensorFlow's variables (HWIO kernels, dense in x out) as the torch network's state dict."""
    out: dict[str, np.ndarray] = {}

    def bn(dst: str, index: int) -> None:
        src = "batch_normalization" + (f"_{index}" if index else "")
        for a, b in (("weight", "gamma"), ("bias", "beta"), ("running_mean", "moving_mean"), ("running_var", "moving_variance")):
            out[f"{dst}.{a}"] = checkpoint[f"{src}/{b}"]

    def conv(dst: str, index: int, *, one_d: bool = False) -> None:
        src = "conv2d" + (f"_{index}" if index else "")
        kernel = checkpoint[f"{src}/kernel"]  # (height, width, in, out)
        # 2-D: (out, in, height, width). Mid-end 1-D over time: the width is the input's features.
        out[f"{dst}.weight"] = kernel[:, :, 0, :].transpose(2, 1, 0) if one_d else kernel.transpose(3, 2, 0, 1)
        out[f"{dst}.bias"] = checkpoint[f"{src}/bias"]

    bn("bn_input", 0)
    for i, name in enumerate(("timbral74", "timbral77", "temporal128", "temporal64", "temporal32")):
        conv(f"{name}.conv", i)
        bn(f"{name}.bn", i + 1)
    for i in range(3):
        conv(f"mid{i}.conv", 5 + i, one_d=True)
        bn(f"mid{i}.bn", 6 + i)
    bn("bn_pool", 9)
    out["dense.weight"], out["dense.bias"] = checkpoint["dense/kernel"].T, checkpoint["dense/bias"]
    bn("bn_dense", 10)
    out["out.weight"], out["out.bias"] = checkpoint["dense_1/kernel"].T, checkpoint["dense_1/bias"]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}


def _network(n_tags: int):
    """musicnn (models.py: build_musicnn, 64 mid-end filters, 200 back-end units) as a torch module."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    def bn2(c: int) -> nn.BatchNorm2d:
        return nn.BatchNorm2d(c, eps=BN_EPS)

    class Block(nn.Module):
        """conv (relu) -> batch norm -> max over frequency, time padded as TF pads it.

        Computed as 1-D convolutions (a timbral kernel's frames as channels sliding over frequency;
        a temporal kernel over each mel band's frames), and batch norm, an affine map per channel,
        after the max: max(a x + b) is a max(x) + b when a >= 0 and a min(x) + b when a < 0.
        """

        def __init__(self, filters: int, kernel: tuple[int, int], pad: tuple[int, int]):
            super().__init__()
            self.conv = nn.Conv2d(1, filters, kernel)
            self.bn = bn2(filters)
            self.pad = pad

        def forward(self, x):  # x: (batch, time, mel), normalised; returns (batch, filters, time)
            x = F.pad(x, (0, 0, *self.pad))
            filters, _, kh, kw = self.conv.weight.shape
            batch, padded, bands = x.shape
            frames = padded - kh + 1
            if kw == 1:
                c = F.conv1d(x.transpose(1, 2).reshape(batch * bands, 1, padded), self.conv.weight[:, :, :, 0], self.conv.bias)
                c = c.view(batch, bands, filters, frames)
                hi, lo = c.amax(dim=1), c.amin(dim=1)
            else:
                stacked = x.unfold(1, kh, 1).permute(0, 1, 3, 2).reshape(batch * frames, kh, bands)
                c = F.conv1d(stacked, self.conv.weight[:, 0], self.conv.bias)
                hi = c.amax(dim=2).view(batch, frames, filters).transpose(1, 2)
                lo = c.amin(dim=2).view(batch, frames, filters).transpose(1, 2)
            scale = (self.bn.weight / torch.sqrt(self.bn.running_var + self.bn.eps))[:, None]
            shift = (self.bn.bias - self.bn.running_mean * scale[:, 0])[:, None]
            return torch.where(scale >= 0, hi.clamp_min(0), lo.clamp_min(0)) * scale + shift

    class Mid(nn.Module):
        def __init__(self, features: int):
            super().__init__()
            self.conv = nn.Conv1d(features, 64, 7)
            self.bn = nn.BatchNorm1d(64, eps=BN_EPS)

        def forward(self, x):  # (batch, features, time)
            return self.bn(F.relu(self.conv(F.pad(x, (3, 3)))))

    class Musicnn(nn.Module):
        def __init__(self):
            super().__init__()
            self.bn_input = bn2(1)
            self.timbral74 = Block(204, (7, 38), (3, 3))  # valid over 3+3 padded frames: 'same' in time
            self.timbral77 = Block(204, (7, 67), (3, 3))
            # TF 'same' for an even kernel k: (k - 1) // 2 frames before, the rest after.
            self.temporal128 = Block(51, (128, 1), (63, 64))
            self.temporal64 = Block(51, (64, 1), (31, 32))
            self.temporal32 = Block(51, (32, 1), (15, 16))
            self.mid0, self.mid1, self.mid2 = Mid(561), Mid(64), Mid(64)
            self.bn_pool = nn.BatchNorm1d(2 * 753, eps=BN_EPS)
            self.dense = nn.Linear(2 * 753, 200)
            self.bn_dense = nn.BatchNorm1d(200, eps=BN_EPS)
            self.out = nn.Linear(200, n_tags)

        def forward(self, x):  # (batch, 187, 96)
            x = self.bn_input(x.unsqueeze(1))[:, 0]
            front = torch.cat([b(x) for b in (self.timbral74, self.timbral77, self.temporal128, self.temporal64, self.temporal32)], dim=1)
            m1 = self.mid0(front)
            m2 = self.mid1(m1) + m1
            m3 = self.mid2(m2) + m2
            feats = torch.cat([front, m1, m2, m3], dim=1)  # (batch, 753, time)
            # TF concatenates max and mean on a last axis of 2, then flattens: max, mean per feature.
            pooled = torch.stack([feats.amax(dim=2), feats.mean(dim=2)], dim=2).flatten(1)
            hidden = self.bn_dense(F.relu(self.dense(self.bn_pool(pooled))))
            return torch.sigmoid(self.out(hidden))

    return Musicnn().eval()


_LOADED: dict[str, object] = {}
_LOCK = threading.Lock()


def converted_weights(model: str, folder: Path | None = None, cache: Path | None = None) -> Path:
    """The safetensors file of `model`'s weights, converted once from its checkpoint."""
    if model not in MODELS:
        raise InputError(f"unknown tagger model {model!r}; valid: {', '.join(MODELS)}")
    folder = folder or weights_folder()
    index = folder / model / ".index"
    if not index.is_file():
        raise InputError(f"the music tagger's weights are missing ({index} not found): {INSTALL}")
    target = (cache or cache_dir()) / "musicnn" / f"{model}-{sha256_file(index)[:16]}.safetensors"
    if target.is_file():
        return target
    from safetensors.numpy import save_file

    started = time.perf_counter()
    state = convert(read_checkpoint(f"{folder / model}/"))
    with atomic_path(target) as tmp:
        save_file(state, str(tmp))
    log.info("converted the %s checkpoint in %.1fs -> %s", model, time.perf_counter() - started, target)
    return target


def load(model: str):
    """The torch network of `model`, built once per process."""
    with _LOCK:
        if model not in _LOADED:
            from safetensors.torch import load_file

            net = _network(len(MODELS[model]))
            net.load_state_dict(load_file(str(converted_weights(model))))
            _LOADED[model] = net
        return _LOADED[model]


def run(windows: np.ndarray, model: str) -> np.ndarray:
    """Scores (windows x tags) of mel windows from `mel_windows`."""
    import torch

    if not len(windows):
        return np.zeros((0, len(MODELS[model])), np.float32)
    net = load(model)
    with torch.inference_mode():  # a few windows at a time: the front end's maps are large
        return np.concatenate([net(torch.from_numpy(chunk)).numpy() for chunk in np.array_split(windows, -(-len(windows) // BATCH))])


def tag(y: np.ndarray, sr: int, models: tuple[str, ...] = ("MTT_musicnn", "MSD_musicnn")) -> Taggram:
    """The taggram of mono audio `y` at `sr`: every model's tags, named 'mtt:guitar', 'msd:metal'."""
    windows = mel_windows(y, sr)
    starts = np.arange(len(windows)) * WINDOW
    parts = [Taggram(model=m, tags=MODELS[m], starts=starts, window=WINDOW, scores=run(windows, m)) for m in models]
    return merge(parts)
