"""Reading the user's audio: every way it can be unusable becomes one clear InputError."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from songflow.core.errors import InputError

AUDIO_SUFFIXES = (".wav", ".mp3", ".ogg", ".flac")
# Below this peak level (about -60 dBFS) a file is treated as silent.
SILENCE_PEAK = 1e-3
MIN_DURATION = 2.0
MAX_MINUTES = 20.0  # the default of analyze.max_minutes


def check_audio_path(path: Path) -> Path:
    """Fail fast on a path that cannot be a song."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"audio file not found: {path}")
    if not path.is_file():
        raise InputError(f"audio path is not a file: {path}")
    if path.suffix.lower() not in AUDIO_SUFFIXES:
        raise InputError(f"unsupported audio type {path.suffix or '(none)'!r} for {path}; use {', '.join(AUDIO_SUFFIXES)}")
    if path.stat().st_size == 0:
        raise InputError(f"audio file is empty: {path}")
    if not os.access(path, os.R_OK):
        raise InputError(f"audio file is not readable (permission denied): {path}")
    return path


def load_audio(path: Path, sample_rate: int, *, min_seconds: float = MIN_DURATION, max_minutes: float = MAX_MINUTES) -> np.ndarray:
    """Decode `path` to mono float32 at `sample_rate`, without DC offset; raise InputError if
    unreadable, too short, too long, silent or not finite."""
    import librosa
    import soundfile as sf

    path = check_audio_path(path)
    try:
        info = sf.info(path)
    except (sf.LibsndfileError, RuntimeError, EOFError, ValueError) as exc:
        raise InputError(f"cannot decode audio {path}: not a readable {path.suffix[1:]} file") from exc
    except PermissionError as exc:
        raise InputError(f"audio file is not readable (permission denied): {path}") from exc
    if info.frames > 0 and info.duration > max_minutes * 60:  # said before decoding an hour of audio
        raise InputError(
            f"audio is {info.duration / 60:.1f} min long, over the {max_minutes:g} min limit (analyze.max_minutes; "
            f"--set analyze.max_minutes={int(info.duration / 60) + 1} to allow it): {path}"
        )
    try:
        # libsndfile decodes wav, flac, ogg and mp3 itself: no ffmpeg or audioread fallback needed.
        data, native_rate = sf.read(path, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, EOFError, ValueError) as exc:
        raise InputError(f"cannot decode audio {path}: not a readable {path.suffix[1:]} file") from exc
    if data.shape[0] == 0:
        raise InputError(f"cannot decode audio {path}: no audio data after its header (is the file cut off?)")
    y = data.mean(axis=1)
    if not np.isfinite(y).all():
        bad = int(np.size(y) - np.count_nonzero(np.isfinite(y)))
        raise InputError(f"audio has {bad} sample(s) that are not numbers (NaN or infinity): {path}")
    y -= float(np.mean(y)) if y.size else 0.0  # a DC offset is not sound: a constant level reads as silence
    if native_rate != sample_rate and y.size:
        y = librosa.resample(y, orig_sr=native_rate, target_sr=sample_rate)
    if y.size < min_seconds * sample_rate:
        raise InputError(f"audio is too short ({y.size / sample_rate:.2f}s; need {min_seconds:g}s): {path}")
    if float(np.max(np.abs(y))) < SILENCE_PEAK:
        raise InputError(f"audio is silent: {path}")
    return y

