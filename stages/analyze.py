"""Stage 1: measure the music (librosa), place the lyrics, and have Gemma interpret the song."""

from __future__ import annotations

import logging
from pathlib import Path

from backends.base import TextModel
from backends.structured import generate_structured
from schemas.analysis import LyricLine, Section, SongAnalysis, SongInterpretation
from schemas.common import exact_items
from songflow.audio import load_audio
from songflow.fsutil import sha256_file
from songflow.config import AnalyzeConfig, ModelConfig
from songflow.lyrics import Lyrics
from songflow.music import MusicFeatures, measure_music
from stages._prompts import render_prompt

log = logging.getLogger(__name__)


def place_lyrics(lyrics: Lyrics | None, features: MusicFeatures) -> list[LyricLine]:
    """Timed lines as given (clipped to the song); plain lines spread evenly over the louder sections."""
    if lyrics is None:
        return []
    duration = features.duration
    if lyrics.timed:
        out = []
        for line in lyrics.timed:
            if line.start >= duration:
                log.warning("lyric line %r starts after the song ends; dropped", line.text)
                continue
            end = min(line.end if line.end is not None else duration, duration)
            out.append(LyricLine(start=line.start, end=end, text=line.text, timing="given"))
        return out
    # Plain text: no timing given. Sing over sections at or above median energy, in order.
    energies = sorted(e for _, _, e in features.sections)
    median = energies[len(energies) // 2]
    spans = [(a, b) for a, b, e in features.sections if e >= median] or [(0.0, duration)]
    total = sum(b - a for a, b in spans)
    n = len(lyrics.plain)
    out = []
    step = total / n
    for i, text in enumerate(lyrics.plain):
        start, end = _offset_to_time(spans, i * step), _offset_to_time(spans, (i + 1) * step - 1e-3)
        if end <= start:
            end = min(start + step, duration)
        out.append(LyricLine(start=start, end=end, text=text[:300], timing="estimated"))
    return out


def _offset_to_time(spans: list[tuple[float, float]], offset: float) -> float:
    for a, b in spans:
        if offset <= b - a:
            return a + offset
        offset -= b - a
    return spans[-1][1]


def _section_lines(sections: list[Section]) -> str:
    rows = []
    for s in sections:
        words = " / ".join(line.text for line in s.lyrics) or "(instrumental)"
        loudness = "quiet" if s.energy < 0.45 else "building" if s.energy < 0.8 else "loud"
        rows.append(f"{s.index + 1}. {loudness}: {words}")
    return "\n".join(rows)


def analyze_song(
    audio_path: Path,
    lyrics: Lyrics | None,
    model: TextModel,
    cfg: AnalyzeConfig = AnalyzeConfig(),
    model_cfg: ModelConfig = ModelConfig(),
    *,
    title: str | None = None,
) -> SongAnalysis:
    """Measure `audio_path`, attach `lyrics`, and ask `model` for mood, themes, imagery and section notes."""
    y = load_audio(audio_path, cfg.sample_rate)
    features = measure_music(
        y,
        cfg.sample_rate,
        hop_length=cfg.hop_length,
        beats_per_bar=cfg.beats_per_bar,
        min_section_bars=cfg.min_section_bars,
        max_sections=cfg.max_sections,
    )
    log.info("%.1fs, %.1f BPM, %d beats, %d sections", features.duration, features.tempo, len(features.beats), len(features.sections))
    lines = place_lyrics(lyrics, features)
    sections = [
        Section(
            index=i,
            start=a,
            end=b,
            energy=e,
            lyrics=[ln for ln in lines if a <= ln.start < b],
        )
        for i, (a, b, e) in enumerate(features.sections)
    ]
    title = title or Path(audio_path).stem.replace("_", " ").replace("-", " ").title()
    messages = render_prompt(
        "analyze",
        title=title,
        tempo=f"{features.tempo:.0f}",
        duration=f"{features.duration:.1f}",
        sections=_section_lines(sections),
        lyrics="\n".join(line.text for line in lines) or "(none given)",
        n_sections=len(sections),
    )
    draft = generate_structured(
        model,
        messages,
        exact_items(SongInterpretation, "sections", len(sections)),
        what="analyze (stage 1)",
        attempts=model_cfg.attempts,
        seed=model_cfg.seed,
    )
    return SongAnalysis(
        title=title,
        audio_path=str(Path(audio_path).resolve()),
        audio_sha256=sha256_file(audio_path),
        duration=features.duration,
        tempo=features.tempo,
        beats=features.beats,
        downbeats=features.downbeats,
        sections=sections,
        lyrics_source=lyrics.source if lyrics else "none",
        lyrics=lines,
        interpretation=SongInterpretation.model_validate(draft.model_dump()),
        model=model.id,
    )
