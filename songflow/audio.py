"""Reading the user's audio: every way it can be unusable becomes one clear InputError."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from songflow.errors import InputError

AUDIO_SUFFIXES = (".wav", ".mp3", ".ogg", ".flac")
# Below this peak level (about -60 dBFS) a file is treated as silent.
SILENCE_PEAK = 1e-3
MIN_DURATION = 2.0


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
    return path


def load_audio(path: Path, sample_rate: int, *, min_seconds: float = MIN_DURATION) -> np.ndarray:
    """Decode `path` to mono float32 at `sample_rate`; raise InputError if unreadable, too short or silent."""
    import librosa
    import soundfile as sf

    path = check_audio_path(path)
    try:
        # libsndfile decodes wav, flac, ogg and mp3 itself: no ffmpeg or audioread fallback needed.
        data, native_rate = sf.read(path, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, EOFError, ValueError) as exc:
        raise InputError(f"cannot decode audio {path}: not a readable {path.suffix[1:]} file") from exc
    y = data.mean(axis=1)
    if native_rate != sample_rate and y.size:
        y = librosa.resample(y, orig_sr=native_rate, target_sr=sample_rate)
    if y.size < min_seconds * sample_rate:
        raise InputError(f"audio is too short ({y.size / sample_rate:.2f}s; need {min_seconds:g}s): {path}")
    if not np.isfinite(y).all() or float(np.max(np.abs(y))) < SILENCE_PEAK:
        raise InputError(f"audio is silent: {path}")
    return y

