"""Reading lyrics: timed .lrc (parsed with pylrc) or plain .txt."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from songflow.errors import InputError

LYRICS_SUFFIXES = (".lrc", ".txt")
# A timed line with no following timestamp is held this long.
LAST_LINE_HOLD = 4.0


@dataclass(frozen=True)
class TimedLine:
    start: float
    end: float | None  # None: until the next line (or LAST_LINE_HOLD)
    text: str


@dataclass(frozen=True)
class Lyrics:
    source: Literal["lrc", "txt"]
    timed: tuple[TimedLine, ...] = ()
    plain: tuple[str, ...] = ()


def read_lyrics(path: Path) -> Lyrics:
    """Parse a lyrics file; raise InputError naming the problem if it cannot be used."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"lyrics file not found: {path}")
    suffix = path.suffix.lower()
    if suffix not in LYRICS_SUFFIXES:
        raise InputError(f"unsupported lyrics type {suffix or '(none)'!r} for {path}; use .lrc or .txt")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"lyrics file is not UTF-8 text: {path}") from exc
    if "\x00" in text:
        raise InputError(f"lyrics file is not text: {path}")
    if suffix == ".txt":
        lines = tuple(line.strip() for line in text.splitlines() if line.strip())
        if not lines:
            raise InputError(f"lyrics file is empty: {path}")
        return Lyrics(source="txt", plain=lines)
    return Lyrics(source="lrc", timed=_parse_lrc(text, path))


def _parse_lrc(text: str, path: Path) -> tuple[TimedLine, ...]:
    import pylrc

    try:
        parsed = pylrc.parse(text)
    except ValueError as exc:
        raise InputError(f"cannot parse LRC lyrics {path}: {exc}") from exc
    stamps = sorted((float(line.time), line.text.strip()) for line in parsed)
    if not any(t for _, t in stamps):
        raise InputError(f"LRC lyrics have no timed lines: {path}")
    out: list[TimedLine] = []
    for i, (start, words) in enumerate(stamps):
        if not words:  # an empty timestamp only marks where the previous line ends
            continue
        nxt = stamps[i + 1][0] if i + 1 < len(stamps) else None
        out.append(TimedLine(start=start, end=nxt if nxt is not None else start + LAST_LINE_HOLD, text=words))
    return tuple(out)
