"""The procedural renderer draws what the shot asks for: its place, sky, weather, light, subjects,
characters and framing, each measurably its own, and says what it drew."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from renderers.drawing.places import PLACES, place_for
from renderers.drawing.subjects import SUBJECTS, look_for, mask_of, subjects_in
from renderers import procedural
from renderers.procedural import ProceduralRenderer, draw_shot
from schemas.drawing import DRAWING_KEY, Drawing
from songflow.pictures.gallery import CAST, DAY, DUSK, NIGHT, shot
from songflow.words.vocab import PEOPLE_NOUNS, PLACE_NOUNS, PLACES_GENERIC, SUBJECTS_GENERIC, THING_NOUNS

W, H = 320, 180
ROOT = Path(__file__).resolve().parents[1]


def grey(image) -> np.ndarray:
    return np.asarray(image.convert("L"), dtype=np.float32)


def diff(a, b) -> float:
    return float(np.abs(grey(a) - grey(b)).mean())


def picture(s, size=(W, H)):
    return draw_shot(s, seed=s.seed, width=size[0], height=size[1])


def test_same_seed_same_pixels_new_seed_new_pixels(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    r = ProceduralRenderer()
    s = shot("a rooftop", "a singer", palette=NIGHT)
    a = np.asarray(r.render(s, seed=1, width=W, height=H))
    b = np.asarray(r.render(s, seed=1, width=W, height=H))
    c = np.asarray(r.render(s, seed=2, width=W, height=H))
    assert a.shape == (H, W, 3)
    assert np.array_equal(a, b)
    assert np.abs(a.astype(float) - c).mean() > 2


def test_palette_drives_the_colours():
    warm = np.asarray(picture(shot("a wheat field", "a lone figure", palette=["#4a0e0e", "#cc5500", "#ffcba4", "#ffbf00"]))[0], dtype=float)
    cold = np.asarray(picture(shot("a wheat field", "a lone figure", palette=["#0b1d3a", "#0047ab", "#87ceeb", "#30d5c8"]))[0], dtype=float)
    assert warm[..., 0].mean() > warm[..., 2].mean()
    assert cold[..., 2].mean() > cold[..., 0].mean()


def test_every_place_is_a_drawing_of_its_own():
    assert len(PLACES) >= 20
    assert [name for name in PLACES if place_for(name) != name] == []
    drawn = {name: picture(shot(name, "a lone figure", palette=DUSK, seed=3))[0] for name in PLACES}
    worst = min(itertools.combinations(drawn, 2), key=lambda p: diff(drawn[p[0]], drawn[p[1]]))
    assert diff(drawn[worst[0]], drawn[worst[1]]) >= 8, worst


@pytest.mark.parametrize("place", ["a city street", "a beach", "a forest", "a bedroom"])
def test_every_time_of_day_has_its_own_sky(place):
    drawn = {t: picture(shot(place, "a lone figure", time=t, palette=DUSK, seed=3))[0] for t in ("dawn", "noon", "dusk", "midnight")}
    for a, b in itertools.combinations(drawn, 2):
        assert diff(drawn[a], drawn[b]) >= 4, (place, a, b)


def test_every_weather_shows():
    drawn = {w: picture(shot("a highway", "a vintage car", weather=w, seed=5))[0] for w in ("clear", "drizzle", "downpour", "fog", "haze", "snow", "storm", "wind")}
    for a, b in itertools.combinations(drawn, 2):
        assert diff(drawn[a], drawn[b]) >= 2, (a, b)
    for w, image in drawn.items():
        assert picture(shot("a highway", "a vintage car", weather=w, seed=5))[1].of("weather")[0].drawn == w


@pytest.mark.parametrize("light,place", [("neon", "a city street"), ("strobe", "a nightclub"), ("streetlight", "a parking lot"),
                                         ("candle", "a bedroom"), ("sun", "a wheat field"), ("moon", "a lake shore"), ("fire", "a desert road")])
def test_every_light_shows(light, place):
    time = {"sun": "morning", "moon": "midnight"}.get(light, "night")
    lit, drawing = picture(shot(place, "a lone figure", light=light, time=time, palette=NIGHT, seed=9))
    dark, _ = picture(shot(place, "a lone figure", light=None, time=time, palette=NIGHT, seed=9))
    assert drawing.of("light")[0].drawn == light
    assert diff(lit, dark) >= 1.5


def test_subjects_are_shapes_of_their_own():
    assert len(SUBJECTS) >= 15
    masks = {name: mask_of(name, 128) for name in SUBJECTS}
    worst, iou = None, 0.0
    for a, b in itertools.combinations(masks, 2):
        x = (masks[a] & masks[b]).sum() / max(1, (masks[a] | masks[b]).sum())
        if x > iou:
            worst, iou = (a, b), x
    assert iou < 0.6, (worst, iou)


@pytest.mark.parametrize("name", sorted(SUBJECTS))
def test_a_close_up_fills_the_frame_and_a_wide_shot_leaves_the_place(name):
    close = picture(shot("a field", f"a {name}", size="close_up", seed=2))[1]
    wide = picture(shot("a field", f"a {name}", size="wide", seed=2))[1]
    assert close.of("subject")[0].drawn == name
    assert close.subject_cover >= 0.40, close.subject_cover
    assert wide.subject_cover <= 0.10, wide.subject_cover


def test_no_place_or_subject_of_the_vocabularies_falls_back():
    assert [p for p in sorted(PLACE_NOUNS | set(PLACES_GENERIC)) if place_for(p) is None] == []
    assert [p for p in sorted(PEOPLE_NOUNS | set(SUBJECTS_GENERIC)) if not subjects_in(p)] == []
    fallbacks = [t for t in sorted(THING_NOUNS) if picture(shot("a beach", f"the {t}", seed=1), (64, 36))[1].fallbacks]
    assert fallbacks == [], fallbacks


def test_the_renderer_and_the_word_checker_agree_on_what_is_indoors():
    """A setting the words give weather (outdoors) is drawn outdoors, and a room has none."""
    from songflow.words.agreement import is_indoor

    assert [p for p in sorted(PLACE_NOUNS | set(PLACES_GENERIC)) if PLACES[place_for(p)].indoor != is_indoor(p)] == []


def test_what_cannot_be_drawn_is_shown_as_an_emblem_and_reported():
    image, drawing = picture(shot("a beach", "a teapot", seed=1))
    assert drawing.fallbacks == ["a teapot"]
    assert drawing.of("subject")[0].drawn == "emblem"
    plain, _ = picture(shot("a beach", "a lone figure", seed=1))
    assert diff(image, plain) >= 1  # the emblem is in the picture
    _, nowhere = picture(shot("a teapot factory", "a dog", seed=1))
    assert nowhere.fallbacks == ["a teapot factory"]
    assert nowhere.of("place")[0].asked == "a teapot factory" and nowhere.of("place")[0].drawn == "field"


def test_the_drawing_records_what_was_asked():
    s = shot("a city street", "the stranger", size="medium", time="midnight", weather="drizzle", light="neon", characters=CAST[:1], palette=NIGHT)
    _, drawing = picture(s)
    assert drawing.fallbacks == []
    assert {e.kind: (e.asked, e.drawn) for e in drawing.elements} == {
        "framing": ("medium eye_level", "medium eye_level"), "place": ("city street", "city street"), "sky": ("night", "night"),
        "weather": ("drizzle", "drizzle"), "light": ("neon", "neon"), "character": ("figure", "figure"),
    }
    assert Drawing.model_validate_json(draw_shot(s, seed=1, width=W, height=H)[0].info[DRAWING_KEY]).elements


def _share_near(image, color, tol=40.0) -> float:
    rgb = np.asarray(image, dtype=np.float32)
    return float((np.linalg.norm(rgb - np.array(color, dtype=np.float32), axis=-1) < tol).mean())


def test_a_character_keeps_their_look_from_shot_to_shot():
    stranger, dancer = CAST
    coat, dress = look_for(stranger.look).clothes, look_for(dancer.look).clothes
    assert np.linalg.norm(np.subtract(coat, dress)) > 80  # two looks a viewer tells apart
    grey_palette = ["#2b2b2b", "#5a6270", "#c0c0c8", "#e6b422"]  # no blue, no green: the clothes are the only ones
    for place, size in (("a train station", "wide"), ("an empty diner", "medium"), ("a beach", "close_up")):
        seen = picture(shot(place, "the stranger", size=size, characters=[stranger], palette=grey_palette), (640, 360))[0]
        other = picture(shot(place, "the dancer", size=size, characters=[dancer], palette=grey_palette), (640, 360))[0]
        assert _share_near(seen, coat) > 3 * _share_near(other, coat) and _share_near(seen, coat) > 0.001, (place, size)
        assert _share_near(other, dress) > 3 * _share_near(seen, dress) and _share_near(other, dress) > 0.001, (place, size)


def test_each_shot_size_and_angle_changes_the_picture():
    sizes = ["extreme_wide", "wide", "medium", "medium_close_up", "close_up", "extreme_close_up"]
    drawn = [picture(shot("a rooftop", "a singer", size=s, palette=NIGHT, time="night", seed=11))[0] for s in sizes]
    drawn += [picture(shot("a rooftop", "a singer", size=s, angle=a, palette=NIGHT, time="night", seed=11))[0]
              for s, a in (("medium", "low"), ("wide", "high"), ("extreme_wide", "aerial"))]
    for a, b in itertools.combinations(range(len(drawn)), 2):
        assert diff(drawn[a], drawn[b]) >= 4, (a, b)


def test_a_pool_of_processes_draws_the_same_picture(monkeypatch):
    s = shot("a harbour", "a boat", palette=DAY, time="noon")
    alone = picture(s)[0]
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    renderer = ProceduralRenderer()
    try:
        pooled = renderer.render(s, seed=s.seed, width=W, height=H)
        assert procedural._POOL is not None  # it went through the pool
    finally:
        renderer.close()
    assert procedural._POOL is None
    assert np.array_equal(np.asarray(alone), np.asarray(pooled))


def test_the_gallery_in_docs_has_every_sheet():
    names = {p.stem for p in (ROOT / "docs" / "gallery").glob("*.jpg")}
    assert names == {"places", "subjects", "times", "weather", "lights", "framing", "characters"}
