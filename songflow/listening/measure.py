"""Stage 1's measurement of a song: the music under its config, and the lyric lines placed on it.

The command's pre-run check (`songflow check`) and stage 1 both measure here, so they read the same.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from schemas.analysis import LyricLine
from songflow.core.config import AnalyzeConfig
from songflow.listening.lyrics import Lyrics, check_fits
from songflow.listening.music import MusicFeatures, measure_music

log = logging.getLogger(__name__)


def measure_song(y, cfg: AnalyzeConfig) -> MusicFeatures:
    """Stage 1's measurement of the music (beats, sections, energy, voice) under its config, and
    what the music tagger hears in it (analyze.tagger): the voice is kept where the tagger hears one."""
    features = measure_music(
        y,
        cfg.sample_rate,
        hop_length=cfg.hop_length,
        beats_per_bar=cfg.beats_per_bar,
        tracker=cfg.beats,
        min_section_bars=cfg.min_section_bars,
        max_sections=cfg.max_sections,
        label_distance=cfg.label_distance,
    )
    if cfg.tagger is None:
        return features
    from songflow.listening import tagger, voice

    taggram = tagger.tag(y, cfg.sample_rate)
    vocals = voice.confirm_voice(features.vocals, taggram, cfg.voice_threshold, features.duration)
    return replace(features, taggram=taggram, vocals=vocals)


# A vocal region starting this close to the next line's start belongs to that line.
VOICE_ONSET_SLACK = 0.25


def place_lyrics(lyrics: Lyrics | None, features: MusicFeatures) -> list[LyricLine]:
    """Lyric lines with times, and how each time was obtained.

    Timed lines keep their given times (clipped to the song). A line with a start but no end
    (.lrc) ends where the voice stops before the next line starts. Plain lines are laid along the
    detected vocal regions in order, each taking time in proportion to its length and kept whole
    inside one region (never split across an instrumental gap).
    """
    if lyrics is None:
        return []
    duration = features.duration
    check_fits(lyrics, duration)
    regions = features.vocals or _loud_sections(features)
    if lyrics.timed:
        out = []
        timed = lyrics.timed
        for i, line in enumerate(timed):
            if line.start >= duration:
                log.warning("lyric line %r starts after the song ends; dropped", line.text)
                continue
            nxt = min([later.start for later in timed[i + 1 :] if later.start > line.start] or [duration])
            if line.end is not None:  # overlapping lines: each ends when the next starts (one caption at a time)
                end, timing = min(line.end, nxt, duration), "given"
            else:
                end, timing = _voice_end(regions, line.start, min(nxt, duration)), "given-start"
            if end > line.start:
                out.append(LyricLine(start=line.start, end=end, text=line.text[:300], timing=timing))
        return out
    return lay_along(lyrics.plain, regions)


def _loud_sections(features: MusicFeatures) -> list[tuple[float, float]]:
    """Where to sing when no voice was detected: the sections at or above median loudness."""
    energies = sorted(e for _, _, e in features.sections)
    median = energies[len(energies) // 2]
    return [(a, b) for a, b, e in features.sections if e >= median] or [(0.0, features.duration)]


def _voice_end(regions: list[tuple[float, float]], start: float, limit: float) -> float:
    """End of the last vocal region that starts before `limit`, or `limit` when none is in reach."""
    ends = [b for a, b in regions if a < limit - VOICE_ONSET_SLACK and b > start]
    return min(max(ends), limit) if ends else limit


def lay_along(lines: tuple[str, ...], regions: list[tuple[float, float]]) -> list[LyricLine]:
    """One group of lines per vocal region: with more regions than lines, the regions closest
    together are joined (a pause inside a phrase is shorter than one between phrases); with fewer,
    the longest regions take more lines. Inside a region, lines share its time by length."""
    regions = list(regions)
    while len(regions) > len(lines):
        i = min(range(len(regions) - 1), key=lambda k: regions[k + 1][0] - regions[k][1])
        regions[i : i + 2] = [(regions[i][0], regions[i + 1][1])]
    counts = [1] * len(regions)
    for _ in range(len(lines) - len(regions)):
        i = max(range(len(regions)), key=lambda k: (regions[k][1] - regions[k][0]) / counts[k])
        counts[i] += 1
    out: list[LyricLine] = []
    queue = iter(lines)
    for (a, b), count in zip(regions, counts):
        group = [next(queue) for _ in range(count)]
        weights = [max(len(text), 8) for text in group]  # very short lines still get a moment
        t = a
        for text, weight in zip(group, weights):
            end = t + (b - a) * weight / sum(weights)
            out.append(LyricLine(start=round(t, 3), end=round(end, 3), text=text[:300], timing="estimated"))
            t = end
    return out
