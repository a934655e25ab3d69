"""Words that agree: the rules the word checker applies to any model's JSON, and the chooser's
options, which cannot combine into what the rules forbid."""

from __future__ import annotations

import itertools

import pytest

from songflow.words import vocab
from songflow.words.agreement import clashes, has_weather, lights_for, subjects_for


@pytest.mark.parametrize(
    ("setting", "subject", "light", "why"),
    [
        ("a forest at midnight", "a lone figure", "flashing strobe light", "strobe light outside a club"),  # seen by users
        ("the bay at dawn under a clear sky", "the tide", "harsh noon sun", "noon sun outside the middle of the day"),  # seen
        ("an empty diner at night", "a singer and the forest", "", "forest inside"),  # seen
        ("a wheat field at noon", "a white horse", "flashing strobe light", "strobe light outside a club"),
        ("a beach at midnight", "a young couple", "golden hour sunlight", "golden hour"),
        ("a harbour at midnight", "the boats", "warm afternoon sunlight", "sunlight at night"),
        ("a rooftop at noon", "a dancer", "pale moonlight", "moonlight by day"),
        ("a bedroom at night in light rain", "a singer", "warm candlelight", "rain indoors"),
        ("a subway car in falling snow", "a stranger", "", "snow indoors"),
        ("a hotel room at dusk", "the sea", "", "sea inside"),
        ("the canyon at dawn under storm clouds", "the dust", "streetlight glow", "streetlight or neon away from streets"),
    ],
)
def test_words_that_contradict_each_other_are_flagged(setting, subject, light, why):
    found = clashes(setting, subject, light)
    assert any(w.startswith(why) for w in found), found


@pytest.mark.parametrize(
    ("setting", "subject", "light"),
    [
        ("a dance floor at midnight", "a dancer", "flashing strobe light"),
        ("a city street at midnight in summer haze", "the city lights", "streetlight glow"),
        ("the bay at dusk under storm clouds", "the spray", "blue hour twilight"),
        ("a wheat field at sunset in the wind", "a white horse", "golden hour sunlight"),
        ("a desert road at noon under a clear sky", "a vintage car", "harsh noon sun"),
        ("an empty diner at night", "a singer", "neon glow"),
        ("a lake shore at dawn in thick fog", "a flock of birds", "soft morning light"),
        ("a forest at midnight", "a lone figure", "pale moonlight"),
    ],
)
def test_words_that_fit_together_pass(setting, subject, light):
    assert clashes(setting, subject, light) == []


def test_the_chooser_cannot_compose_a_contradiction():
    """Every place, time, weather, subject and light the scene chooser can combine, with its
    filters applied, is free of contradictions (and no filter leaves a pick without options)."""
    subjects = list(vocab.SUBJECTS_GENERIC) + [f"the {n}" for n in sorted(vocab.NOUNS)]
    combos = 0
    for place, when in itertools.product(vocab.PLACES_GENERIC, vocab.TIMES.values()):
        for weather in (vocab.WEATHER.values() if has_weather(place) else [""]):
            setting = " ".join(w for w in (place, when, weather) if w)
            lights, fitting = lights_for(setting, vocab.LIGHTS), subjects_for(setting, subjects)
            assert lights and fitting, setting
            for subject, light in itertools.product(fitting, lights):
                assert clashes(setting, subject, light) == [], (setting, subject, light)
                combos += 1
    assert combos > 100_000
