"""Reading lyrics: .lrc (pylrc, multi-timestamp lines included), .srt and .vtt (pysubs2), or plain .txt."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from songflow.core.errors import InputError

LYRICS_SUFFIXES = (".lrc", ".srt", ".vtt", ".txt")
# A caption longer than this cannot be read in the time a line is sung (and is not a lyric).
MAX_LINE_CHARS = 500
# More lines than one a second (and more than this many) are not a song's lyrics.
MAX_LINES_PER_SECOND = 1.0
MIN_LINES_ALLOWED = 60
# A time with a minus sign: `[-00:01.00]` (.lrc), `-00:00:01,000 -->` or `--> -00:00:01` (.srt/.vtt).
_NEGATIVE_TIME = re.compile(r"\[\s*-\s*\d|(^|-->)\s*-\s*\d+:\d", re.MULTILINE)
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
    text = _decode(path.read_bytes(), path)
    if not text.strip():
        raise InputError(f"lyrics file is empty: {path}")
    if suffix != ".txt" and (bad := _NEGATIVE_TIME.search(text)):
        number = text.count("\n", 0, bad.start()) + 1
        raise InputError(f"lyrics have a negative time on line {number} ({text.splitlines()[number - 1].strip()[:60]!r}): {path}")
    longest = max(text.splitlines() or [""], key=len)
    if len(longest) > MAX_LINE_CHARS:
        raise InputError(f"a lyric line is {len(longest)} characters long, over the {MAX_LINE_CHARS} a caption can show: {path}")
    if suffix == ".txt":
        lines = tuple(line.strip() for line in text.splitlines() if line.strip())
        if not lines:
            raise InputError(f"lyrics file is empty: {path}")
        return Lyrics(source="txt", plain=lines)
    if suffix == ".lrc":
        return Lyrics(source="lrc", timed=_parse_lrc(text, path))
    return Lyrics(source=suffix[1:], timed=_parse_subtitles(text, suffix[1:], path))  # type: ignore[arg-type]


def _decode(raw: bytes, path: Path) -> str:
    """Lyrics text: UTF-8 (with or without a BOM), UTF-16/32 with a BOM (as Windows editors save
    it), else Windows-1252/Latin-1 (older lyric files); binary data is an InputError."""
    import codecs

    for bom, encoding in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
                          (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                raise InputError(f"lyrics file is not text (its {encoding.upper()} mark is followed by binary data): {path}") from None
            break
    else:
        if b"\x00" in raw:
            raise InputError(f"lyrics file is not text (binary data): {path}")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace") if _is_cp1252(raw) else raw.decode("latin-1")
    if "\x00" in text or sum(ch < " " and ch not in "\t\r\n\f" for ch in text) > max(2, len(text) // 100):
        raise InputError(f"lyrics file is not text (binary data): {path}")
    return text


def _is_cp1252(raw: bytes) -> bool:
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


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
    count = len(lyrics.timed) + len(lyrics.plain)
    if count > max(MIN_LINES_ALLOWED, duration * MAX_LINES_PER_SECOND):
        raise InputError(f"{path}: {count} lyric lines for a {duration:.1f} s song, more than one a second")
