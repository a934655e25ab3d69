"""Voice where there is voice: the detector's regions, kept where the music tagger hears a voice.

The detector (music.vocal_regions) finds harmonic, non-repeating sound in the vocal band: a voice,
but also a lead guitar or a synth line. The tagger (tagger.py) was trained on what people call
vocal, voice, singing, male/female vocalists against no vocal(s), no voice, instrumental. A 3 s
window holds a voice when its strongest voice tag outscores its strongest no-voice tag by at
least `threshold`; the detector's regions are kept inside such windows only.
"""

from __future__ import annotations

import numpy as np

from songflow.listening.tagger import Taggram

VOICE_TAGS = (
    "mtt:vocal", "mtt:vocals", "mtt:voice", "mtt:singing", "mtt:male vocal", "mtt:female vocal", "mtt:male voice",
    "mtt:female voice", "mtt:woman", "mtt:man", "mtt:female", "mtt:male", "mtt:choir", "mtt:choral", "mtt:opera",
    "msd:female vocalists", "msd:male vocalists", "msd:female vocalist",
)
NO_VOICE_TAGS = ("mtt:no vocal", "mtt:no vocals", "mtt:no voice", "msd:instrumental")


def voice_scores(taggram: Taggram) -> tuple[np.ndarray, np.ndarray]:
    """Per window: the strongest voice tag's score and the strongest no-voice tag's score."""
    voice = np.max([taggram.column(t) for t in VOICE_TAGS], axis=0)
    none = np.max([taggram.column(t) for t in NO_VOICE_TAGS], axis=0)
    return voice, none


def voiced_windows(taggram: Taggram, threshold: float) -> np.ndarray:
    """Which windows the tagger hears a voice in."""
    if not len(taggram.starts):
        return np.zeros(0, bool)
    voice, none = voice_scores(taggram)
    return voice - none >= threshold


def _merge(spans) -> list[tuple[float, float]]:
    """Spans that touch or overlap joined, in order."""
    merged: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1] + 1e-6:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _spans(taggram: Taggram, voiced: np.ndarray, duration: float) -> list[tuple[float, float]]:
    """The voiced windows as merged (start, end) spans; the last window reaches the song's end
    when the leftover after it (under 3 s) is shorter than a window."""
    ends = [float(taggram.starts[i] + taggram.window) if i + 1 < len(voiced) else duration for i in range(len(voiced))]
    return _merge((float(taggram.starts[i]), ends[i]) for i in np.flatnonzero(voiced))


def confirm_voice(
    regions: list[tuple[float, float]], taggram: Taggram, threshold: float, duration: float, min_length: float = 0.6,
) -> list[tuple[float, float]]:
    """The detector's `regions` inside the windows the tagger hears a voice in."""
    kept = [
        (max(a, x), min(b, y))
        for a, b in _spans(taggram, voiced_windows(taggram, threshold), duration)
        for x, y in regions
        if min(b, y) - max(a, x) >= min_length
    ]
    return [(round(a, 3), round(b, 3)) for a, b in _merge(kept)]


def voice_share(regions: list[tuple[float, float]], duration: float) -> float:
    """Share of the song's time inside `regions`."""
    return sum(b - a for a, b in regions) / duration if duration > 0 else 0.0
