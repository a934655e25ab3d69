"""Words that agree with each other: light with the time of day and the place, a subject with its
setting, weather with the place.

Read from the words themselves (any model's phrasing), so the word checker can judge any stage's
JSON, and used by the chooser to leave out the options that would contradict what a scene already
has. The tables are small on purpose: each names a clash a viewer would see at once.
"""

from __future__ import annotations

import re

from songflow.words.vocab import words

# Times of day, by the word that names them in a setting.
NIGHT = {"night", "midnight", "nighttime", "nightfall"}
TWILIGHT = {"dawn", "dusk", "sunset", "sunrise", "twilight", "daybreak"}
DAY = {"morning", "noon", "afternoon", "midday", "daytime"}
TIMES = NIGHT | TWILIGHT | DAY

# Lights, by what in their wording ties them to a time; each with the times it can shine at.
LIGHT_TIMES: list[tuple[re.Pattern, set[str], str]] = [
    (re.compile(r"\bnoon\b|\bmidday\b"), {"noon", "midday", "afternoon", "daytime"}, "noon sun outside the middle of the day"),
    (re.compile(r"\bmorning light\b|\bmorning sun"), {"dawn", "sunrise", "daybreak", "morning"}, "morning light outside the morning"),
    (re.compile(r"\bgolden hour\b"), {"dawn", "sunrise", "daybreak", "morning", "afternoon", "sunset", "dusk"}, "golden hour in the middle of the day or at night"),
    (re.compile(r"\bdaylight\b|\bsunlight\b|\bsunlit\b|\bsunshine\b|\bsun\b|\bsunbeams?\b"), TWILIGHT | DAY, "sunlight at night"),
    (re.compile(r"\bmoonlight\b|\bmoonlit\b|\bmoon\b"), NIGHT | {"dusk", "dawn", "twilight", "sunset"}, "moonlight by day"),
    (re.compile(r"\bblue hour\b|\btwilight\b"), TWILIGHT | {"night"}, "twilight at midday or midnight"),
]

# Places that are indoors: no weather, no landscape as the subject.
INDOOR = {
    "room", "bedroom", "kitchen", "hallway", "diner", "bar", "club", "nightclub", "motel", "hotel", "church", "chapel", "studio",
    "library", "theatre", "theater", "attic", "basement", "apartment", "office", "cafe", "restaurant", "classroom", "lobby",
    "ballroom", "gym", "elevator", "corridor", "museum", "warehouse", "laundromat",
}
INDOOR_PHRASES = ("subway car", "dance floor", "train carriage", "living room", "concert hall")
# Landscape and open-air places: never the subject of a shot set indoors.
OUTDOOR = {
    "bay", "beach", "shore", "coast", "sea", "ocean", "harbour", "harbor", "pier", "river", "lake", "island", "street", "streets",
    "road", "highway", "avenue", "alley", "boulevard", "bridge", "rooftop", "skyline", "field", "fields", "meadow", "forest",
    "woods", "garden", "park", "desert", "canyon", "valley", "mountain", "mountains", "hill", "hills", "cliff", "prairie",
    "jungle", "lagoon", "waterfall", "dunes", "sky", "city", "town", "village", "farm", "tide", "waves",
}
WEATHER = {
    "rain", "raining", "rainy", "drizzle", "downpour", "snow", "snowing", "snowfall", "storm", "stormy", "thunderstorm", "fog",
    "foggy", "mist", "misty", "hail", "wind", "windy", "sky",
}
# Where a strobe flashes: a club, a stage, a party.
STROBE_PLACES = {"club", "nightclub", "disco", "rave", "stage", "concert", "party", "arena", "stadium", "bar", "warehouse", "dance"}
STROBE = re.compile(r"\bstrobe")
# Streetlights and neon belong to built-up places (or indoors), not to a canyon or a forest.
BUILT = re.compile(r"\bstreetlights?\b|\bneon\b|\bstreet ?lamps?\b")
BUILT_UP = {
    "street", "streets", "city", "town", "road", "highway", "avenue", "alley", "boulevard", "bridge", "rooftop", "station",
    "platform", "parking", "harbour", "harbor", "pier", "downtown", "subway", "skyline", "square", "market", "village", "diner",
}


def times_in(text: str) -> set[str]:
    return set(words(text)) & TIMES


def is_indoor(setting: str) -> bool:
    """Whether a setting is inside a building, by its place word."""
    low = " ".join(words(setting))
    return bool(set(words(setting)) & INDOOR) or any(p in low for p in INDOOR_PHRASES)


def light_clash(light: str, setting: str, *, lamps: bool = True) -> str | None:
    """Why `light` cannot shine in `setting` (its time of day or its place), or None. With
    `lamps=False` (a whole prompt, where "the streetlights" may be a subject) streetlights and neon
    are not judged."""
    low = light.lower()
    when = times_in(setting)
    for pattern, allowed, why in LIGHT_TIMES:
        if pattern.search(low) and when and not when & allowed:
            return f"{why} ({', '.join(sorted(when))})"
    if STROBE.search(low) and not set(words(setting)) & STROBE_PLACES:
        return "strobe light outside a club, stage or party"
    if lamps and BUILT.search(low) and not (set(words(setting)) & BUILT_UP or is_indoor(setting)):
        return "streetlight or neon away from streets and buildings"
    return None


def weather_clash(setting: str) -> str | None:
    """Why the weather in `setting` cannot be there (rain, snow or sky indoors), or None."""
    if is_indoor(setting):
        found = set(words(setting)) & WEATHER
        if found:
            return f"{', '.join(sorted(found))} indoors"
    return None


def subject_clash(subject: str, setting: str) -> str | None:
    """Why `subject` cannot be in `setting` (a landscape inside a building), or None."""
    if is_indoor(setting):
        found = set(words(subject)) & OUTDOOR
        if found:
            return f"{', '.join(sorted(found))} inside {setting!r}"
    return None


def clashes(setting: str, subject: str = "", light: str = "") -> list[str]:
    """Every contradiction among a setting, its subject and its light."""
    found = [weather_clash(setting), subject_clash(subject, setting) if subject else None, light_clash(light, setting) if light else None]
    return [why for why in found if why]


def lights_for(setting: str, options) -> list[str]:
    """The lights among `options` that can shine in `setting`."""
    return [o for o in options if not light_clash(o, setting)]


def subjects_for(setting: str, options) -> list[str]:
    """The subjects among `options` that can be in `setting`."""
    return [o for o in options if not subject_clash(o, setting)]


def has_weather(place: str) -> bool:
    """Whether a scene at `place` gets weather: not indoors."""
    return not is_indoor(place)
