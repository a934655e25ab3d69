"""What a shot's words say about how to stage it: framing, angle, time of day, weather and light.

Stage 3 writes these as fields of the shot (schemas.shots), so a renderer reads them instead of
parsing prose. The chooser's own phrases map exactly; a model's free text is read for the same
words.
"""

from __future__ import annotations

import re

from songflow.words.vocab import words

# The chooser's framings (vocab.SHOT_SIZES): (shot size, angle).
FRAMING: dict[str, tuple[str, str]] = {
    "extreme wide shot": ("extreme_wide", "eye_level"), "wide shot": ("wide", "eye_level"), "medium shot": ("medium", "eye_level"),
    "medium close-up": ("medium_close_up", "eye_level"), "close-up shot": ("close_up", "eye_level"),
    "extreme close-up": ("extreme_close_up", "eye_level"), "low-angle shot": ("medium", "low"),
    "high-angle shot": ("wide", "high"), "aerial shot": ("extreme_wide", "aerial"),
}
# Free text, most specific first.
SIZE_WORDS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"extreme(ly)?[ -]wide|establishing"), "extreme_wide"),
    (re.compile(r"extreme(ly)?[ -]close|macro"), "extreme_close_up"),
    (re.compile(r"medium[ -]close"), "medium_close_up"),
    (re.compile(r"close[ -]?up|closeup|portrait"), "close_up"),
    (re.compile(r"\bmedium\b|\bmid[ -]shot|waist"), "medium"),
    (re.compile(r"\bwide\b|\blong shot|full[ -]body|panoram"), "wide"),
]
ANGLE_WORDS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"aerial|bird'?s[ -]eye|drone|overhead|top[ -]down"), "aerial"),
    (re.compile(r"low[ -]angle|from below|worm'?s[ -]eye|looking up"), "low"),
    (re.compile(r"high[ -]angle|from above|looking down"), "high"),
]
TIME_WORDS = {
    "dawn": "dawn", "sunrise": "dawn", "daybreak": "dawn", "morning": "morning", "noon": "noon", "midday": "noon",
    "afternoon": "afternoon", "sunset": "sunset", "dusk": "dusk", "twilight": "dusk", "evening": "dusk", "night": "night",
    "nighttime": "night", "nightfall": "night", "midnight": "midnight",
}
# vocab.WEATHER's phrases and their free-text kin, most specific first.
WEATHER_WORDS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"light rain|drizzl"), "drizzle"),
    (re.compile(r"heavy rain|downpour|\brain"), "downpour"),
    (re.compile(r"\bfog|\bmist"), "fog"),
    (re.compile(r"\bsnow|blizzard"), "snow"),
    (re.compile(r"storm|thunder|lightning"), "storm"),
    (re.compile(r"\bhaze|\bhazy sky|smog"), "haze"),
    (re.compile(r"\bwind"), "wind"),
    (re.compile(r"clear sky|cloudless"), "clear"),
]
# vocab.LIGHTS and their free-text kin.
LIGHT_WORDS: list[tuple[re.Pattern, str]] = [
    (re.compile(r"strobe"), "strobe"),
    (re.compile(r"neon"), "neon"),
    (re.compile(r"streetlight|street ?lamp|lamplight"), "streetlight"),
    (re.compile(r"candle"), "candle"),
    (re.compile(r"firelight|fire|torch|bonfire|flame"), "fire"),
    (re.compile(r"moon"), "moon"),
    (re.compile(r"backlight|backlit|silhouett"), "backlight"),
    (re.compile(r"twilight|blue hour"), "twilight"),
    (re.compile(r"overcast|daylight"), "daylight"),
    (re.compile(r"sun|golden hour|morning light"), "sun"),
]


def framing_of(text: str) -> tuple[str | None, str | None]:
    """(shot size, angle) a framing phrase or a free-text prompt names; None where it names none."""
    low = text.lower()
    for phrase, pair in FRAMING.items():
        if low.startswith(phrase):
            return pair
    size = next((s for pattern, s in SIZE_WORDS if pattern.search(low)), None)
    angle = next((a for pattern, a in ANGLE_WORDS if pattern.search(low)), None)
    if angle and not size:
        size = {"aerial": "extreme_wide", "high": "wide", "low": "medium"}[angle]
    return size, angle or ("eye_level" if size else None)


def time_of(text: str) -> str | None:
    """The time of day a setting names ('at midnight' -> 'midnight'), or None."""
    return next((TIME_WORDS[w] for w in words(text) if w in TIME_WORDS), None)


def weather_of(text: str) -> str | None:
    """The weather a setting names ('in light rain' -> 'drizzle'), or None."""
    low = text.lower()
    return next((w for pattern, w in WEATHER_WORDS if pattern.search(low)), None)


def light_of(text: str) -> str | None:
    """The kind of light a lighting phrase names ('flashing strobe light' -> 'strobe'), or None."""
    low = text.lower()
    return next((k for pattern, k in LIGHT_WORDS if pattern.search(low)), None)


def staging(prompt: str, setting: str, light: str | None) -> dict[str, str | None]:
    """A shot's staging fields (schemas.shots.Shot) from its prompt, its scene's setting and light."""
    size, angle = framing_of(prompt)
    return {
        "shot_size": size, "angle": angle, "time_of_day": time_of(setting) or time_of(prompt),
        "weather": weather_of(setting), "light": light_of(light or "") or light_of(prompt),
    }
