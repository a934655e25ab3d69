"""The procedural renderer's gallery: every place, subject, time of day, weather, light and framing
it draws, as labelled contact sheets a person can look at (docs/gallery/).

    python -m songflow.pictures.gallery docs/gallery
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from renderers.drawing.places import PLACES
from renderers.drawing.subjects import SUBJECTS
from renderers.procedural import draw_shot
from schemas.scenes import Character
from schemas.shots import Shot

TILE = (384, 216)
DRAW = (768, 432)  # drawn at twice the tile and reduced: the sheet shows what a keyframe shows
DUSK = ["#191970", "#cc5500", "#ffcba4", "#ff3ea5"]  # midnight blue, burnt orange, peach, hot pink
NIGHT = ["#0b1d3a", "#008080", "#c0c0c8", "#ff00cc"]  # deep navy, teal, silver, magenta
DAY = ["#1f5130", "#0047ab", "#fff44f", "#ff7f50"]  # forest green, cobalt, lemon, coral
SIZE_WORDS = {"extreme_wide": "Extreme wide shot", "wide": "Wide shot", "medium": "Medium shot", "medium_close_up": "Medium close-up",
              "close_up": "Close-up shot", "extreme_close_up": "Extreme close-up"}
CAST = [Character(name="the stranger", look="a blonde bob, a blue denim jacket"), Character(name="the dancer", look="long auburn hair, a flowing green dress")]


def shot(setting: str, subject: str, *, size: str = "wide", angle: str = "eye_level", time: str = "dusk", weather: str | None = None,
         light: str | None = None, palette: list[str] = DUSK, seed: int = 7, characters: list[Character] = (), composition: str = "center") -> Shot:
    """A shot as stage 3 writes one, with its staging fields set."""
    return Shot(
        index=0, scene_index=0, start=0, end=2, prompt=f"{SIZE_WORDS[size]} of {subject} in {setting}", composition=composition,
        setting=setting, subject=subject, palette=palette, camera="hold", seed=seed, shot_size=size, angle=angle,
        time_of_day=time, weather=weather, light=light, characters=list(characters),
    )


def sheet(tiles: list[tuple[str, Shot]], columns: int = 4) -> Image.Image:
    """The tiles drawn and labelled in a grid."""
    rows = (len(tiles) + columns - 1) // columns
    label = 26
    out = Image.new("RGB", (columns * TILE[0], rows * (TILE[1] + label)), (18, 18, 24))
    font = ImageFont.load_default(size=17)
    draw = ImageDraw.Draw(out)
    for i, (name, s) in enumerate(tiles):
        image, _ = draw_shot(s, seed=s.seed, width=DRAW[0], height=DRAW[1])
        x, y = (i % columns) * TILE[0], (i // columns) * (TILE[1] + label)
        out.paste(image.resize(TILE, Image.LANCZOS), (x, y))
        draw.text((x + 8, y + TILE[1] + 4), name, fill=(230, 230, 230), font=font)
    return out


def sheets() -> dict[str, Image.Image]:
    places = [(name, shot(name, "a lone figure", palette=[DUSK, NIGHT, DAY][i % 3], time=["dusk", "night", "noon"][i % 3], seed=i + 1))
              for i, name in enumerate(sorted(PLACES))]
    subjects = [(name, shot("a field", f"a {name}", size="medium", palette=[DUSK, NIGHT, DAY][i % 3], time=["dusk", "night", "noon"][i % 3], seed=i + 1))
                for i, name in enumerate(sorted(SUBJECTS))]
    times = [(f"{place}, {t}", shot(place, "a lone figure", time=t, palette=DUSK, seed=3))
             for place in ("a city street", "a beach") for t in ("dawn", "noon", "dusk", "midnight")]
    weather = [(w, shot("a highway", "a vintage car", weather=None if w == "clear" else w, time="dusk", seed=5))
               for w in ("clear", "drizzle", "downpour", "fog", "haze", "snow", "storm", "wind")]
    lights = [(f"{light} in {place}", shot(place, subject, light=light, time=time, palette=NIGHT, seed=9))
              for light, place, subject, time in (
                  ("neon", "a city street", "a stranger", "night"), ("strobe", "a nightclub", "a dancer", "night"),
                  ("streetlight", "a parking lot", "a bicycle", "night"), ("candle", "a bedroom", "a young couple", "night"),
                  ("sun", "a wheat field", "a white horse", "morning"), ("moon", "a lake shore", "a boat", "midnight"),
                  ("fire", "a desert road", "a drifter", "dusk"), ("backlight", "a rooftop", "a singer", "dusk"))]
    framing = [(f"{size.replace('_', ' ')}", shot("a rooftop", "a singer", size=size, palette=NIGHT, time="night", seed=11))
               for size in SIZE_WORDS]
    framing += [(f"{angle} angle", shot("a rooftop", "a singer", size={"low": "medium", "high": "wide", "aerial": "extreme_wide"}[angle],
                                        angle=angle, palette=NIGHT, time="night", seed=11)) for angle in ("low", "high", "aerial")]
    characters = [(f"{c.name}, {size.replace('_', ' ')}", shot(place, c.name, size=size, characters=[c], palette=pal, time=t, seed=13))
                  for c in CAST for size, place, pal, t in (("wide", "a train station", DUSK, "dusk"), ("medium", "an empty diner", NIGHT, "night"),
                                                            ("close_up", "a beach", DAY, "noon"))]
    return {"places": sheet(places, 6), "subjects": sheet(subjects, 6), "times": sheet(times), "weather": sheet(weather),
            "lights": sheet(lights), "framing": sheet(framing, 3), "characters": sheet(characters, 3)}


def main(folder: str = "docs/gallery") -> None:
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for name, image in sheets().items():
        image.save(out / f"{name}.jpg", quality=85, optimize=True)
        print(out / f"{name}.jpg")


if __name__ == "__main__":
    main(*sys.argv[1:])
