"""The offline default keyframe renderer: flat, graphic illustration of what the shot asks for.

Each keyframe is drawn from the shot's fields, not from a mood: the place its setting names
(renderers/drawing/places.py), the sky of its time of day, its weather and its light
(renderers/drawing/sky.py), its subjects and recurring characters, each character with the same
hair and clothes in every shot (renderers/drawing/subjects.py), framed by its shot size and angle
(renderers/drawing/camera.py). What it drew is recorded next to what was asked (`Drawing`, kept
in the PNG), and a word it has no drawing for is drawn as a visible emblem and reported.

Keyframes are drawn in a process pool as wide as the cores this process may use
(OMP_NUM_THREADS, or the CPU affinity Prefect's worker or taskset gives it).
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np
from PIL import Image, ImageChops, ImageFilter, ImageOps

from renderers.base import Capabilities, Renderer
from renderers.drawing.camera import ANCHOR_X, SIZE_OF_COMPOSITION, Camera
from renderers.drawing.canvas import Frame, Pen
from renderers.drawing.places import PLACES, place_for
from renderers.drawing.sky import draw_light, draw_sky, draw_weather, paint_for, sky_of
from renderers.drawing.subjects import SUBJECTS, look_for, subjects_in
from schemas.drawing import DRAWING_KEY, Drawing, Element
from schemas.scenes import StyleBible
from schemas.shots import Shot
from songflow.core.config import cpu_share

FALLBACK_PLACE = "field"
# Words a shot may name as a subject that the sky, the weather, the light or the place draws.
WEATHER_WORDS = {"rain": "downpour", "snow": "snow", "storm": "storm", "thunder": "storm", "lightning": "storm", "wind": "wind",
                 "cloud": "storm", "clouds": "storm", "fog": "fog", "mist": "fog", "haze": "haze"}
LIGHT_WORDS = {"fire": "fire", "flame": "fire", "flames": "fire", "smoke": "fire", "sunlight": "sun", "moonlight": "moon",
               "light": "backlight", "lights": "backlight", "glow": "backlight"}
TIME_WORDS = {"dawn", "sunset", "sunrise", "twilight", "midnight", "summer", "winter", "autumn", "spring", "night", "day"}
WATER_WORDS = {"wave", "waves", "tide", "salt", "spray", "water", "river", "sea", "ocean"}
WATER_PLACES = {"beach", "harbour", "river", "lake", "bridge"}
MAX_SUBJECTS = 3
SEEN = 0.0002  # a subject covering less of the frame than this (184 pixels at 1280x720) is not in it
# The colour and strength of the hour's light over an interior (None: the palette's shadow).
INDOOR_LIGHT = {"dawn": ((255, 176, 140), 50), "day": ((255, 252, 235), 60), "dusk": ((255, 120, 60), 55), "night": (None, 100)}


def framing(shot: Shot) -> Camera:
    size = shot.shot_size or SIZE_OF_COMPOSITION[shot.composition]
    angle = shot.angle or "eye_level"
    return Camera(size=size, angle=angle, anchor_x=0.5 if size in ("close_up", "extreme_close_up") else ANCHOR_X[shot.composition])


def asked_things(shot: Shot) -> list[str]:
    """The things the shot shows, as its words say them: its subject, then what its prompt puts
    with it before the setting ('Wide shot of the neon and the streetlights in a city street...')."""
    things = [shot.subject]
    head = shot.prompt.split(shot.setting, 1)[0] if shot.setting in shot.prompt else ""
    head = re.sub(r"^.*?\bof\b\s+", "", head, count=1)
    head = re.sub(r"\s+(in|on|at|by|under|inside)\s*$", "", head.strip())
    for part in re.split(r"\s*,\s*|\s+and\s+", head):
        part = part.strip()
        if part and part != shot.subject and part not in things:
            things.append(part)
    return things


class Plan:
    """What one keyframe will draw, read from the shot."""

    def __init__(self, shot: Shot) -> None:
        self.place_asked = place_for(shot.setting) or place_for(shot.prompt)
        self.place = self.place_asked or FALLBACK_PLACE
        self.indoor = PLACES[self.place].indoor
        self.weather = shot.weather
        self.light = shot.light
        self.fallbacks: list[str] = [] if self.place_asked else [shot.setting]
        self.subjects: list[tuple[str, str | None, str | None]] = []  # (asked words, subject name or None, look text)
        looks = {c.name.lower(): c.look for c in shot.characters}
        names = {re.sub(r"^(the|a|an)\s+", "", n): n for n in looks}
        placed_characters: set[str] = set()
        for words in asked_things(shot):
            low = words.lower()
            bare = re.sub(r"^(the|a|an)\s+", "", low)
            character = names.get(bare)
            found = subjects_in(low)
            if found:
                look = looks[character] if character else None
                if character:
                    placed_characters.add(character)
                self.subjects.append((words, found[0], look))
            elif place_for(low):
                continue  # a place as the subject: the place is drawn
            elif bare in WEATHER_WORDS:
                self.weather = self.weather or WEATHER_WORDS[bare]
            elif bare in LIGHT_WORDS:
                self.light = self.light or LIGHT_WORDS[bare]
            elif bare in TIME_WORDS or (bare in WATER_WORDS and self.place in WATER_PLACES):
                continue  # the sky or the place shows it
            else:
                self.subjects.append((words, None, None))
                self.fallbacks.append(words)
        # Characters the scene has that the words did not name: in frame, with their look.
        for name, look in looks.items():
            if name not in placed_characters and len(self.subjects) < MAX_SUBJECTS:
                found = subjects_in(name)
                self.subjects.append((name, found[0] if found and SUBJECTS[found[0]].person else "figure", look))
        self.subjects = self.subjects[:MAX_SUBJECTS]


def _add_glow(f: Frame, spread: float = 1.0) -> None:
    """The light drawn so far, blurred and added to the picture (screen); the light layer is emptied.
    `spread` > 1 blows the lights up into the big soft discs of an out-of-focus background."""
    if f.glow_layer.getbbox() is None:
        return
    layer = f.glow_layer
    if spread > 1:
        w, h = layer.size
        big = layer.resize((int(w * spread), int(h * spread)), Image.BILINEAR)
        layer = big.crop(((big.width - w) // 2, (big.height - h) // 2, (big.width - w) // 2 + w, (big.height - h) // 2 + h))
    glow = layer.filter(ImageFilter.GaussianBlur(5 * spread)).resize((f.w, f.h), Image.BILINEAR)
    f.image.paste(ImageChops.screen(f.image, glow))
    f.glow_draw.rectangle([0, 0, f.glow_layer.width, f.glow_layer.height], fill=(0, 0, 0))


def _mirror(region: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    u0, v0, u1, v1 = region
    return 1 - u1, v0, 1 - u0, v1


def _others_x(anchor: float) -> list[float]:
    """Where the second and third subjects stand: away from the first."""
    return [0.78, 0.6] if anchor < 0.5 else [0.22, 0.4] if anchor > 0.5 else [0.2, 0.8]


def draw_shot(shot: Shot, *, seed: int, width: int, height: int, style: StyleBible | None = None) -> tuple[Image.Image, Drawing]:
    """The keyframe and the record of what it shows."""
    rng = np.random.default_rng(seed)
    plan = Plan(shot)
    cam = framing(shot)
    if plan.indoor and cam.angle == "aerial":  # no sky above a room: the camera looks down from high
        cam = Camera(size="wide", angle="high", anchor_x=cam.anchor_x)
    paint = paint_for(shot.palette, shot.time_of_day)
    w, h = width, height
    # Each shot looks a little elsewhere in its place, so two shots of one size still differ.
    # Consecutive shots look to alternate sides of the place, and every other one from the other
    # side of it (the place mirrored: a reverse angle), so a cut between two shots of one scene
    # changes the picture, not only the subject's size.
    side = 1 if shot.index % 2 == 0 else -1
    pan = side * rng.uniform(0.08, 0.2) * w
    reverse = shot.index % 2 == 1
    f = Frame(image=Image.new("RGB", (w, h)), paint=paint, rng=rng, horizon=cam.horizon * h, zoom=cam.zoom, pan=pan)
    sun = draw_sky(f)
    PLACES[plan.place].draw(f)
    # The land takes the hour's light: dim at night, a little dimmer at dawn and dusk (an interior
    # keeps its lamps).
    dim = {"night": 95, "dawn": 35, "dusk": 35}.get(paint.time, 0)
    if plan.indoor:  # a room takes the hour's light through its windows
        tint, alpha = INDOOR_LIGHT[paint.time]
        f.draw.rectangle([0, 0, w, h], fill=(*(tint or paint.shadow), alpha))
    elif dim and f.horizon < h:
        f.draw.rectangle([0, max(0, int(f.horizon)), w, h], fill=(*paint.shadow, dim))
    if reverse:
        f.image.paste(ImageOps.mirror(f.image))
        f.glow_layer.paste(ImageOps.mirror(f.glow_layer))
        f.sky = ImageOps.mirror(f.sky) if f.sky is not None else None
        sun = (w - sun[0], sun[1]) if sun is not None else None

    main = plan.subjects[0] if plan.subjects else None
    rest = plan.subjects[1:]
    boxes = []
    xs = _others_x(cam.anchor_x)
    # Further subjects stand beside the first in a wide shot, behind it (smaller, softer) when near.
    near = cam.close
    # (at least the size of a wide shot's: a second subject in an extreme wide shot is still seen)
    side_size = "wide" if near or cam.size == "extreme_wide" else cam.size
    side_angle = cam.angle if cam.angle not in ("low",) or not near else "eye_level"
    for k, item in enumerate(rest):
        boxes.append((item, Camera(size=side_size, angle=side_angle, anchor_x=xs[k]), 0.8 if not near else 1.0))
    focus = ((cam.anchor_x * w), 0.4 * h)
    light_drawn = draw_light(f, plan.light, sun, plan.indoor, focus)
    covers: dict[int, float] = {}
    centres: dict[str, float] = {}
    total = np.zeros((h, w), dtype=bool)

    def put(i: int, item, camera: Camera, scale: float) -> None:
        words, name, look = item
        f.mask = Image.new("L", (w, h), 0)
        if name is None:  # no drawing for it: a visible emblem, reported
            x0, y0, x1, y1 = camera.box(w, h, 1.0, (0.1, 0.1, 0.9, 0.9), (0.1, 0.1, 0.9, 0.9), scale)
            pen = Pen(f, (x0, y0, x1, y1))
            pen.polygon([(0.5, 0.0), (0.95, 0.5), (0.5, 1.0), (0.05, 0.5)], fill=paint.accent, outline=paint.light, width=0.03)
            pen.polygon([(0.5, 0.2), (0.75, 0.5), (0.5, 0.8), (0.25, 0.5)], fill=paint.light)
            pen.glow(0.5, 0.5, 0.8, paint.accent, 0.8)
        else:
            s = SUBJECTS[name]
            flip = bool(rng.random() < 0.5) and not s.person  # things face either way; people face the camera
            medium, close = (_mirror(s.medium), _mirror(s.close)) if flip else (s.medium, s.close)
            box = camera.box(w, h, s.aspect, medium, close, scale)
            s.draw(Pen(f, box, flip=flip), paint, look_for(look) if look and s.person else None)
        m = np.asarray(f.mask) > 0
        covers[i] = float(m.mean())
        if i == 0 and m.any():
            centres["x"] = float((m.sum(axis=0) * np.arange(w)).sum() / m.sum() / w)
        total[:] |= m

    for k, (item, camera, scale) in enumerate(boxes):
        if near:
            put(k + 1, item, camera, scale)
    if cam.softness > 1:  # the background out of focus behind a near subject
        k = cam.softness
        f.image.paste(f.image.resize((w // k, h // k), Image.BILINEAR).resize((w, h), Image.BILINEAR))
    if cam.field:  # a near subject stands on a field of the scene's main colour, as on a poster
        field = paint.light if shot.index % 2 == 0 else paint.mid
        f.draw.rectangle([0, 0, w, h], fill=(*field, int(255 * cam.field)))
    # The place's lights shine on the place, not on the subject in front of it: they are added
    # now, and only the subjects' own lights (a lantern, a neon sign) after the subjects are drawn.
    _add_glow(f, cam.softness)
    # Fog and haze lie between the camera and the place: a near subject stands in front of them.
    behind = near and plan.weather in ("fog", "haze")
    if behind:
        weather_drawn = draw_weather(f, plan.weather, plan.indoor)
    if main is not None:
        put(0, main, cam, 1.0)
    for k, (item, camera, scale) in enumerate(boxes):
        if not near:
            put(k + 1, item, camera, scale)
    if not behind:
        weather_drawn = draw_weather(f, plan.weather, plan.indoor)
    _add_glow(f)
    image = f.image

    elements = [
        Element(kind="framing", asked=f"{shot.shot_size} {shot.angle}" if shot.shot_size else None, drawn=f"{cam.size} {cam.angle}"),
        Element(kind="place", asked=plan.place_asked or shot.setting, drawn=plan.place),
        Element(kind="sky", asked=sky_of(shot.time_of_day) if shot.time_of_day else None, drawn=paint.time),
        Element(kind="weather", asked=plan.weather, drawn=weather_drawn),
        Element(kind="light", asked=plan.light, drawn=light_drawn),
    ]
    if plan.indoor and plan.weather:
        elements[3] = Element(kind="weather", asked=plan.weather, drawn="indoors")
    for i, (words, name, look) in enumerate(plan.subjects):
        cover = covers.get(i, 0.0)
        kind = "character" if look else "subject"
        drawn = (name or "emblem") if cover > SEEN else None
        elements.append(Element(kind=kind, asked=name or words, drawn=drawn, cover=round(cover, 4)))
    drawing = Drawing(renderer="procedural", elements=elements, fallbacks=plan.fallbacks, subject_cover=round(float(total.mean()), 4),
                      subject_x=round(centres["x"], 3) if "x" in centres else None)
    image.info[DRAWING_KEY] = drawing.model_dump_json()
    return image, drawing


def workers() -> int:
    """Processes to draw with: this process's share of the cores (OMP_NUM_THREADS, or its CPU affinity)."""
    return cpu_share()


def _draw_in_worker(shot_json: str, seed: int, width: int, height: int, style_json: str | None) -> tuple[bytes, str]:
    shot = Shot.model_validate_json(shot_json)
    style = StyleBible.model_validate_json(style_json) if style_json else None
    image, drawing = draw_shot(shot, seed=seed, width=width, height=height, style=style)
    return image.tobytes(), drawing.model_dump_json()


def _end_with_parent(parent: int) -> None:
    """In a drawing process: end at once when the run that started it is gone (killed, even by
    SIGKILL), so no drawing process outlives its run. A thread watches for the parent's pid to change."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="end-with-parent").start()


_POOL: ProcessPoolExecutor | None = None
_POOL_WIDTH = 0
_POOL_LOCK = threading.Lock()


def _pool(n: int) -> ProcessPoolExecutor:
    global _POOL, _POOL_WIDTH
    with _POOL_LOCK:
        if _POOL is None or _POOL_WIDTH != n:
            if _POOL is not None:
                _POOL.shutdown(wait=True)
            # fork: the workers only draw (numpy, PIL, already imported here), and unlike spawn or
            # forkserver it leaves no server or resource tracker process behind once they stop.
            _POOL, _POOL_WIDTH = ProcessPoolExecutor(max_workers=n, mp_context=get_context("fork"), initializer=_end_with_parent, initargs=(os.getpid(),)), n
        return _POOL


def release() -> None:
    """Stop the drawing processes (the next keyframe starts them again)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None:
            _POOL.shutdown(wait=True)
            _POOL = None


class ProceduralRenderer(Renderer):
    """Flat illustration of the shot's place, time, weather, light, subjects and framing."""

    name = "procedural"
    capabilities = Capabilities(references=False, video=False)
    parallel = True  # its own process pool: several shots may be drawn at once

    def close(self) -> None:
        release()

    def render(
        self, shot: Shot, *, seed: int, width: int, height: int, style: StyleBible | None = None, references: Sequence[Image.Image] = ()
    ) -> Image.Image:
        n = workers()
        if n == 1:
            return draw_shot(shot, seed=seed, width=width, height=height, style=style)[0]
        raw, drawing = _pool(n).submit(
            _draw_in_worker, shot.model_dump_json(), seed, width, height, style.model_dump_json() if style else None
        ).result()
        image = Image.frombytes("RGB", (width, height), raw)
        image.info[DRAWING_KEY] = drawing
        return image
