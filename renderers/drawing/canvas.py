"""The drawing surface every part of a procedural keyframe draws on.

A keyframe is flat, graphic illustration: filled shapes in the scene's palette, like a poster or a
motion-graphics storyboard. `Frame` holds the picture, the camera's horizon and scale, the palette
(`Paint`) and a low-resolution light layer (`glow`) that is blurred and added at the end. Subjects
draw with a `Pen` in the unit square of their own box, so one drawing serves every shot size, and
everything a pen draws also lands in the frame's subject mask: the renderer measures how much of
the frame its subject covers from that mask.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw

RGB = tuple[int, int, int]
GLOW_SCALE = 4  # the light layer is drawn at 1/4 size, blurred, then added
GLOW_MAX = 0.28  # the largest glow's radius, as a share of the frame height


def hex_rgb(color: str) -> RGB:
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def mix(a: Sequence[float], b: Sequence[float], t: float) -> RGB:
    """`a` moved toward `b` by `t` (0: a, 1: b)."""
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b))  # type: ignore[return-value]


def shade(c: Sequence[float], k: float) -> RGB:
    """`c` darkened (k < 1) or lightened toward white (k > 1)."""
    if k <= 1:
        return tuple(int(v * k) for v in c)  # type: ignore[return-value]
    return mix(c, (255, 255, 255), min(1.0, k - 1))


@dataclass(frozen=True)
class Paint:
    """The scene's palette by role, and the time of day it is seen at."""

    shadow: RGB  # darkest: silhouettes, ground in front
    mid: RGB  # main colour: buildings, hills, walls
    light: RGB  # lightest: lit windows, rims, highlights
    accent: RGB  # vivid: neon, signs, flowers, details
    night: bool = False  # dark sky: windows lit, lamps on
    time: str = "dusk"  # dawn | day | dusk | night

    @classmethod
    def of(cls, palette: Sequence[str], *, night: bool = False, time: str = "dusk") -> Paint:
        cols = [hex_rgb(c) for c in palette]
        accent = cols[3] if len(cols) > 3 else cols[2]
        return cls(shadow=cols[0], mid=cols[1], light=cols[2], accent=accent, night=night, time=time)

    @property
    def ground(self) -> RGB:
        """The ground in front: the shadow tone lifted a little toward the midtone."""
        return mix(self.shadow, self.mid, 0.25)


@dataclass
class Frame:
    """One keyframe being drawn: the picture, where the horizon is, how near the camera is."""

    image: Image.Image  # RGB, width x height
    paint: Paint
    rng: np.random.Generator
    horizon: float  # y of the horizon in pixels; < 0 (aerial: no sky) or > height (looking up) happen
    zoom: float = 1.0  # background scale: 1 for the widest shot, larger as the camera comes closer
    pan: float = 0.0  # horizontal shift of the background in pixels (each shot looks a little elsewhere)
    sky: Image.Image | None = None  # the sky alone, as drawn before the place (windows show it)
    draw: ImageDraw.ImageDraw = field(init=False)
    mask: Image.Image = field(init=False)  # "L": 255 where a subject was drawn
    glow_layer: Image.Image = field(init=False)
    glow_draw: ImageDraw.ImageDraw = field(init=False)

    def __post_init__(self) -> None:
        self.draw = ImageDraw.Draw(self.image, "RGBA")
        self.mask = Image.new("L", self.image.size, 0)
        self.glow_layer = Image.new("RGB", (max(1, self.w // GLOW_SCALE), max(1, self.h // GLOW_SCALE)), (0, 0, 0))
        self.glow_draw = ImageDraw.Draw(self.glow_layer)

    @property
    def w(self) -> int:
        return self.image.width

    @property
    def h(self) -> int:
        return self.image.height

    def x(self, u: float) -> float:
        """A background x (0..1 across the widest view) in pixels, scaled about the centre by the
        zoom and shifted by the pan."""
        return self.w / 2 + (u - 0.5) * self.w * self.zoom + self.pan

    def glow(self, x: float, y: float, r: float, color: Sequence[int], strength: float = 1.0) -> None:
        """Light added around (x, y), radius r pixels: lamps, neon, candles, the sun."""
        s = GLOW_SCALE
        r = min(r, GLOW_MAX * self.h)  # a lamp in a close-up lights its corner, not the whole frame
        c = tuple(int(min(255, v * strength)) for v in color)
        self.glow_draw.ellipse([(x - r) / s, (y - r) / s, (x + r) / s, (y + r) / s], fill=c)

    def window(self, box: Sequence[float], frame_color: Sequence[int] | None = None, bars: int = 1) -> None:
        """A window at `box` (x0, y0, x1, y1 pixels) that shows the sky behind the place."""
        x0, y0, x1, y1 = (int(round(v)) for v in box)
        if x1 - x0 < 2 or y1 - y0 < 2:
            return
        if self.sky is not None:
            sx0, sy0 = max(0, x0), max(0, y0)
            sx1, sy1 = min(self.w, x1), min(self.h, y1)
            if sx1 > sx0 and sy1 > sy0:
                self.image.paste(self.sky.crop((sx0, max(0, sy0 - (y1 - y0)), sx1, max(1, sy1 - (y1 - y0)))).resize((sx1 - sx0, sy1 - sy0)), (sx0, sy0))
        col = tuple(frame_color or self.paint.shadow)
        width = max(2, (x1 - x0) // 20)
        self.draw.rectangle([x0, y0, x1, y1], outline=(*col, 255), width=width)
        for k in range(1, bars + 1):
            xm = x0 + (x1 - x0) * k / (bars + 1)
            self.draw.line([(xm, y0), (xm, y1)], fill=(*col, 255), width=max(1, width // 2))
        self.draw.line([(x0, (y0 + y1) / 2), (x1, (y0 + y1) / 2)], fill=(*col, 255), width=max(1, width // 2))


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels


class Pen:
    """Draws a subject in the unit square of its box: (0, 0) is the box's top left, (1, 1) its
    bottom right, y down. What it draws also fills the frame's subject mask (unless mask=False).
    `flip` mirrors the drawing left to right."""

    def __init__(self, frame: Frame, box: Box, *, flip: bool = False, mask: bool = True) -> None:
        self.frame = frame
        self.box = box
        self.flip = flip
        self.masking = mask
        self._mask = ImageDraw.Draw(frame.mask)

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    def pt(self, u: float, v: float) -> tuple[float, float]:
        x0, y0, x1, y1 = self.box
        if self.flip:
            u = 1 - u
        return x0 + u * (x1 - x0), y0 + v * (y1 - y0)

    def px(self, d: float) -> int:
        """A length given in units of the box's height, in pixels (at least 1)."""
        return max(1, int(round(d * self.height)))

    def rim(self) -> int:
        """Width of the light outline that keeps a silhouette readable on a dark ground."""
        return max(1, int(round(0.006 * self.height)))

    def _both(self, fn: str, *args, fill=None, outline=None, width: int = 1, **kw) -> None:
        if fill is not None and len(fill) == 3:
            fill = (*fill, 255)
        if outline is not None and len(outline) == 3:
            outline = (*outline, 255)
        getattr(self.frame.draw, fn)(*args, fill=fill, outline=outline, width=width, **kw)
        if self.masking:
            getattr(self._mask, fn)(*args, fill=255 if fill is not None else None, outline=255 if outline is not None else None, width=width, **kw)

    def polygon(self, points: Iterable[tuple[float, float]], fill, outline=None, width: float = 0.0) -> None:
        pts = [self.pt(u, v) for u, v in points]
        self._both("polygon", pts, fill=fill, outline=outline, width=self.px(width) if outline is not None and width else (self.rim() if outline is not None else 1))

    def ellipse(self, u0: float, v0: float, u1: float, v1: float, fill, outline=None, width: float = 0.0) -> None:
        (a, b), (c, d) = self.pt(u0, v0), self.pt(u1, v1)
        self._both("ellipse", [min(a, c), min(b, d), max(a, c), max(b, d)], fill=fill, outline=outline,
                   width=self.px(width) if outline is not None and width else (self.rim() if outline is not None else 1))

    def rect(self, u0: float, v0: float, u1: float, v1: float, fill, outline=None, width: float = 0.0) -> None:
        (a, b), (c, d) = self.pt(u0, v0), self.pt(u1, v1)
        self._both("rectangle", [min(a, c), min(b, d), max(a, c), max(b, d)], fill=fill, outline=outline,
                   width=self.px(width) if outline is not None and width else (self.rim() if outline is not None else 1))

    def line(self, points: Iterable[tuple[float, float]], fill, width: float = 0.01) -> None:
        """A stroke `width` (in units of the box's height) wide through `points`, with round joints."""
        pts = [self.pt(u, v) for u, v in points]
        if len(fill) == 3:
            fill = (*fill, 255)
        w = self.px(width)
        self.frame.draw.line(pts, fill=fill, width=w, joint="curve")
        if self.masking:
            self._mask.line(pts, fill=255, width=w, joint="curve")

    def glow(self, u: float, v: float, r: float, color: Sequence[int], strength: float = 1.0) -> None:
        """Light around (u, v), radius r in units of the box's height (not part of the mask)."""
        x, y = self.pt(u, v)
        self.frame.glow(x, y, r * self.height, color, strength)
