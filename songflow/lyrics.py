"""Reading lyrics: .lrc (pylrc, multi-timestamp lines included), .srt and .vtt (pysubs2), or plain .txt."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from songflow.errors import InputError

LYRICS_SUFFIXES = (".lrc", ".srt", ".vtt", ".txt")
LyricsSource = Literal["lrc", "srt", "vtt", "txt"]


@dataclass(frozen=True)
class TimedLine:
    start: float
    end: float | None  # None: the file gives no end (an .lrc line without a closing timestamp)
    text: str


@dataclass(frozen=True)
class Lyrics:
    source: LyricsSource
    timed: tuple[TimedLine, ...] = ()
    plain: tuple[str, ...] = ()


def read_lyrics(path: Path) -> Lyrics:
    """Parse a lyrics file; raise InputError naming the problem if it cannot be used."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"lyrics file not found: {path}")
    suffix = path.suffix.lower()
    if suffix not in LYRICS_SUFFIXES:
        raise InputError(f"unsupported lyrics type {suffix or '(none)'!r} for {path}; use {', '.join(LYRICS_SUFFIXES)}")
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
    if suffix == ".lrc":
        return Lyrics(source="lrc", timed=_parse_lrc(text, path))
    return Lyrics(source=suffix[1:], timed=_parse_subtitles(text, suffix[1:], path))  # type: ignore[arg-type]


def _parse_lrc(text: str, path: Path) -> tuple[TimedLine, ...]:
    """One TimedLine per timestamp: `[00:12.00][00:45.00]line` is sung twice.

    An empty timestamp marks where the line before it ends; other lines have no given end.
    """
    import pylrc

    try:
        parsed = pylrc.parse(text)
    except (ValueError, IndexError) as exc:
        raise InputError(f"cannot parse LRC lyrics {path}: {exc}") from exc
    # A negative [offset:] can shift a line before the song starts: it is sung from the start.
    stamps = sorted((max(0.0, float(line.time)), line.text.strip()) for line in parsed)
    if not any(words for _, words in stamps):
        raise InputError(f"LRC lyrics have no timed lines: {path}")
    out: list[TimedLine] = []
    for i, (start, words) in enumerate(stamps):
        if not words:
            continue
        following = stamps[i + 1] if i + 1 < len(stamps) else None
        end = following[0] if following is not None and not following[1] else None
        out.append(TimedLine(start=start, end=end, text=words))
    return tuple(out)


def _parse_subtitles(text: str, fmt: str, path: Path) -> tuple[TimedLine, ...]:
    """SubRip / WebVTT cues as lines (a cue's text lines joined), with their start and end."""
    import pysubs2

    try:
        subs = pysubs2.SSAFile.from_string(text, format_=fmt)
    except Exception as exc:  # pysubs2 raises several types for malformed files
        raise InputError(f"cannot parse {fmt.upper()} lyrics {path}: {exc}") from exc
    lines = [
        TimedLine(start=e.start / 1000, end=e.end / 1000, text=" ".join(e.plaintext.split()))
        for e in subs
        if not e.is_comment and e.plaintext.strip() and e.end > e.start
    ]
    if not lines:
        raise InputError(f"{fmt.upper()} lyrics have no timed lines: {path}")
    return tuple(sorted(lines, key=lambda line: line.start))


def check_fits(lyrics: Lyrics, duration: float, path: Path | str = "lyrics") -> None:
    """Timed lyrics must reach into the song: when every line starts at or after its end (a file
    for another song, or times in the wrong unit), no caption could be shown: an InputError."""
    if lyrics.timed and all(line.start >= duration for line in lyrics.timed):
        first = min(line.start for line in lyrics.timed)
        raise InputError(f"{path}: every lyric line starts after the song ends ({duration:.1f} s); the first starts at {first:.1f} s")
