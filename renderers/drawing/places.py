"""Places: the flat, graphic backgrounds a keyframe's subject stands in.

Each place is a drawer that paints over the already-drawn sky with filled polygons in the scene's
palette (`mid` for the main masses, `shadow` in front, `light` and `accent` for details), in two
or three layers that darken toward the camera. Drawers share one small perspective model
(`View`): the ground is a plane seen from a camera whose height grows as the horizon rises out of
the frame, so the same drawing reads at eye level, from a low angle, from high above (roofs,
canopies, fields seen from the air) and when the camera looks up. The zoom scales the whole
ground plane about the centre, so close shots see fewer, bigger things.

`place_for` turns a setting ("an empty diner at dusk in light rain") into a place name.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from renderers.drawing.canvas import RGB, Frame, mix, shade

# Ground depth at the frame's bottom edge for an eye-level, widest shot, as a share of the height.
FOCAL = 0.38
FAR = 400.0  # depth used for "at the horizon"


@dataclass(frozen=True)
class Place:
    name: str
    draw: Callable[[Frame], None]
    indoor: bool = False


class View:
    """A pinhole camera over a ground plane, fitted to a frame's horizon and zoom.

    World units: the eye height of a standing person is 1. X runs right, Y up, Z away from the
    camera. The camera stands at X=0 and height `C`: 1 at eye level, higher as the horizon climbs
    toward (and past) the top of the frame, so a high or aerial shot looks down on the place."""

    def __init__(self, f: Frame, ceiling: float | None = None) -> None:
        self.f = f
        self.w, self.h = f.w, f.h
        self.hz = f.horizon
        r = self.hz / self.h
        self.F = FOCAL * self.h * f.zoom
        c = 1.0 + 6.0 * max(0.0, 0.45 - r) + 16.0 * max(0.0, -r)
        # Indoors the camera stays under the ceiling (an aerial interior looks down from it).
        self.C = min(c, ceiling) if ceiling else c
        self.cx = f.x(0.5)
        self.aerial = self.hz < 0.05 * self.h

    def p(self, X: float, Y: float, Z: float) -> tuple[float, float]:
        """Screen position of the world point (X, Y, Z)."""
        Z = max(Z, 0.05)
        return self.cx + self.F * X / Z, self.hz + self.F * (self.C - Y) / Z

    def gy(self, Z: float) -> float:
        """Screen y of the ground at depth Z."""
        return self.hz + self.F * self.C / max(Z, 0.05)

    def z_at(self, y: float) -> float:
        """Depth of the ground seen at screen y (below the horizon)."""
        return self.F * self.C / max(y - self.hz, 1e-3)

    @property
    def z_near(self) -> float:
        """Depth of the ground at the frame's bottom edge (a nominal 1.0 when no ground shows)."""
        return self.z_at(self.h) if self.hz < self.h - 1 else 1.0

    @property
    def z_far(self) -> float:
        """Depth of the ground at the frame's top edge (FAR when the horizon is in view)."""
        return min(FAR, self.z_at(0)) if self.hz < 0 else FAR

    def xspan(self, Z: float, margin: float = 0.15) -> tuple[float, float]:
        """World X range visible at depth Z (with a margin of the frame width either side)."""
        m = margin * self.w
        return (-m - self.cx) * Z / self.F, (self.w + m - self.cx) * Z / self.F

    def rows(self, z0: float, z1: float, q: float) -> list[float]:
        """Depths from z0 to z1 (clipped to what can be seen), each q times the last."""
        lo = max(z0, self.z_near * 0.55, 0.3)
        hi = min(z1, self.z_far * 1.1)
        out = []
        z = lo
        while z <= hi and len(out) < 40:
            out.append(z)
            z *= q
        return out

    def size(self, H: float, Z: float) -> float:
        """Pixel height of a world length H standing at depth Z."""
        return self.F * H / max(Z, 0.05)


# --- Drawing helpers -------------------------------------------------------------------------------


def _glow(f: Frame, x: float, y: float, r: float, col: Sequence[int], strength: float = 1.0) -> None:
    """Light around (x, y), its radius capped so a lamp near the camera does not flood the frame."""
    f.glow(x, y, min(r, 0.06 * f.h * f.zoom), col, strength)


def _c(col: Sequence[int], a: int = 255) -> tuple[int, int, int, int]:
    return (int(col[0]), int(col[1]), int(col[2]), a)


def _poly(f: Frame, pts: Sequence[tuple[float, float]], col: Sequence[int], a: int = 255) -> None:
    f.draw.polygon([(float(x), float(y)) for x, y in pts], fill=_c(col, a))


def _rect(f: Frame, x0: float, y0: float, x1: float, y1: float, col: Sequence[int], a: int = 255) -> None:
    if x1 < x0:
        x0, x1 = x1, x0
    if y1 < y0:
        y0, y1 = y1, y0
    if x1 < 0 or y1 < 0 or x0 > 1e5 or y0 > 1e5:
        return
    f.draw.rectangle([x0, y0, x1, y1], fill=_c(col, a))


def _quad(f: Frame, v: View, pts3: Sequence[tuple[float, float, float]], col: Sequence[int], a: int = 255) -> None:
    _poly(f, [v.p(*q) for q in pts3], col, a)


def _band(f: Frame, y0: float, y1: float, col: Sequence[int], a: int = 255) -> None:
    """A full-width horizontal band (clipped to the frame)."""
    y0, y1 = max(-2.0, y0), min(f.h + 2.0, y1)
    if y1 > y0:
        f.draw.rectangle([-2, y0, f.w + 2, y1], fill=_c(col, a))


def _ground(f: Frame, v: View, col: Sequence[int], z: float = FAR) -> None:
    """Fill the ground from depth z (default: the horizon) to the frame's bottom."""
    _band(f, v.gy(z) if z < FAR else v.hz, f.h + 2, col)


def _ground_bands(f: Frame, v: View, cols: Sequence[Sequence[int]], depths: Sequence[float]) -> None:
    """Ground in tones by distance: cols[0] beyond depths[0], cols[1] nearer than depths[0], ..."""
    _ground(f, v, cols[0])
    for col, z in zip(cols[1:], depths):
        _band(f, v.gy(z), f.h + 2, col)


def _ridge(f: Frame, v: View, base: float, amp: float, col: Sequence[int], n: int = 14, rough: float = 0.5,
           jag: bool = False) -> list[tuple[float, float]]:
    """A hill or mountain silhouette standing on the horizon line `base` px, `amp` px high (times the
    zoom), filled down to the bottom of the frame. Returns the crest points."""
    rng = f.rng
    us = np.linspace(-0.6, 1.6, n * 2 + 1)
    hs = rng.random(len(us))
    if jag:
        hs = np.where(np.arange(len(us)) % 2 == 0, hs * 0.35 + 0.6 * rng.random(len(us)), hs * 0.25)
    else:
        hs = np.convolve(hs, [0.25, 0.5, 0.25], mode="same") * 0.6 + 0.4 * rng.random(len(us)) * rough
    hs = hs / max(1e-6, hs.max())
    crest = [(f.x(float(u)), base - float(a) * amp * f.zoom) for u, a in zip(us, hs)]
    _poly(f, [(crest[0][0], f.h + 5), *crest, (crest[-1][0], f.h + 5)], col)
    return crest


def _water_glints(f: Frame, v: View, z0: float, z1: float, col: Sequence[int], n: int, a: int = 200,
                  length: float = 1.5) -> None:
    """Short horizontal streaks on water between depths z0 and z1, thinner toward the horizon."""
    rng = f.rng
    zs = np.exp(rng.uniform(math.log(max(z0, 0.05)), math.log(max(z1, z0 + 0.01)), n))
    for Z in zs:
        xa, xb = v.xspan(Z, 0.0)
        X = rng.uniform(xa, xb)
        L = length * rng.uniform(0.5, 1.5) * Z / 8 + 0.2
        x0, y = v.p(X, 0, Z)
        x1, _ = v.p(X + L, 0, Z)
        t = max(1.0, v.size(0.03, Z) * v.C)
        _rect(f, x0, y - t / 2, x1, y + t / 2, col, a)


def _pine(f: Frame, v: View, X: float, Z: float, H: float, col: Sequence[int], tiers: int = 3) -> None:
    """A fir tree: stacked triangles on a short trunk."""
    W = H * 0.42
    for k in range(tiers):
        yb = H * (0.08 + 0.85 * k / tiers * 0.8)
        yt = H * (0.45 + 0.55 * (k + 1) / tiers)
        wk = W * (1 - 0.22 * k)
        _poly(f, [v.p(X - wk / 2, yb, Z), v.p(X, yt, Z), v.p(X + wk / 2, yb, Z)], col)
    x0, y0 = v.p(X - W * 0.04, 0, Z)
    x1, y1 = v.p(X + W * 0.04, H * 0.1, Z)
    _rect(f, x0, y0, x1, y1, col)


def _round_tree(f: Frame, v: View, X: float, Z: float, H: float, col: Sequence[int], leaf: Sequence[int],
                hi: Sequence[int] | None = None) -> None:
    """A deciduous tree: trunk and a round crown (with a lit side when `hi` is given)."""
    x0, y0 = v.p(X - H * 0.04, 0, Z)
    x1, y1 = v.p(X + H * 0.04, H * 0.5, Z)
    _rect(f, x0, y0, x1, y1, col)
    cx0, cy0 = v.p(X - H * 0.32, H, Z)
    cx1, cy1 = v.p(X + H * 0.32, H * 0.4, Z)
    f.draw.ellipse([cx0, cy0, cx1, cy1], fill=_c(leaf))
    if hi is not None:
        dx = (cx1 - cx0)
        f.draw.ellipse([cx0 + dx * 0.12, cy0 + dx * 0.06, cx0 + dx * 0.55, cy0 + dx * 0.45], fill=_c(hi))


def _box(f: Frame, v: View, x0: float, x1: float, z0: float, z1: float, H: float, front: Sequence[int],
         side: Sequence[int], top: Sequence[int], y0: float = 0.0) -> None:
    """A block from X x0..x1, Z z0..z1, Y y0..H: the faces the camera can see."""
    if v.C > H:
        _quad(f, v, [(x0, H, z0), (x1, H, z0), (x1, H, z1), (x0, H, z1)], top)
    elif v.C < y0:
        _quad(f, v, [(x0, y0, z0), (x1, y0, z0), (x1, y0, z1), (x0, y0, z1)], top)
    if x0 > 0:
        _quad(f, v, [(x0, y0, z0), (x0, H, z0), (x0, H, z1), (x0, y0, z1)], side)
    elif x1 < 0:
        _quad(f, v, [(x1, y0, z0), (x1, H, z0), (x1, H, z1), (x1, y0, z1)], side)
    _quad(f, v, [(x0, y0, z0), (x1, y0, z0), (x1, H, z0), (x0, H, z0)], front)


def _front_windows(f: Frame, v: View, x0: float, x1: float, Z: float, H: float, lit: Sequence[int],
                   dark: Sequence[int], p_lit: float, floor: float = 1.8, bottom: float = 0.6,
                   glow: bool = False) -> None:
    """A grid of windows on a face toward the camera (plane Z), lit ones in `lit`."""
    px = v.size(1.0, Z)
    if px * floor < 5:
        return
    rows = max(1, min(16, int((H - bottom) / floor)))
    cols = max(1, min(8, int((x1 - x0) / 1.6)))
    cw = (x1 - x0) / cols
    rng = f.rng
    on = rng.random((rows, cols)) < p_lit
    for j in range(rows):
        ya = bottom + j * floor + floor * 0.3
        yb = ya + floor * 0.45
        for i in range(cols):
            xa = x0 + i * cw + cw * 0.25
            xb = xa + cw * 0.5
            (sx0, sy0), (sx1, sy1) = v.p(xa, yb, Z), v.p(xb, ya, Z)
            if sx1 < -5 or sx0 > f.w + 5:
                continue
            _rect(f, sx0, sy0, sx1, sy1, lit if on[j, i] else dark)
            if glow and on[j, i] and rng.random() < 0.25:
                _glow(f, (sx0 + sx1) / 2, (sy0 + sy1) / 2, max(4, (sx1 - sx0)), lit, 0.5)


def _side_windows(f: Frame, v: View, X: float, z0: float, z1: float, H: float, lit: Sequence[int],
                  dark: Sequence[int], p_lit: float, floor: float = 1.8, glow: bool = False) -> None:
    """A grid of windows on a face along the street (plane X), seen at an angle."""
    if v.size(floor, z1) < 4 or abs(v.p(X, 0, z0)[0] - v.p(X, 0, z1)[0]) < 6:
        return
    rows = max(1, int((H - 0.6) / floor))
    cols = max(1, min(6, int((z1 - z0) / 1.6)))
    cw = (z1 - z0) / cols
    on = f.rng.random((rows, cols)) < p_lit
    for j in range(rows):
        ya = 0.6 + j * floor + floor * 0.3
        yb = ya + floor * 0.45
        for i in range(cols):
            za = z0 + i * cw + cw * 0.2
            zb = za + cw * 0.55
            col = lit if on[j, i] else dark
            _quad(f, v, [(X, ya, za), (X, yb, za), (X, yb, zb), (X, ya, zb)], col)
            if glow and on[j, i] and i % 2 == 0:
                gx, gy = v.p(X, (ya + yb) / 2, (za + zb) / 2)
                _glow(f, gx, gy, max(4.0, v.size(0.6, za)), lit, 0.45)


def _lamp_post(f: Frame, v: View, X: float, Z: float, H: float, pole: Sequence[int], lamp: Sequence[int],
               arm: float = 0.0) -> None:
    """A street lamp: pole, optional arm toward the road, a lamp head that glows at night."""
    x0, y0 = v.p(X, 0, Z)
    x1, y1 = v.p(X, H, Z)
    wpx = max(1.0, v.size(0.05, Z))
    _rect(f, x0 - wpx, y1, x0 + wpx, y0, pole)
    hx, hy = v.p(X + arm, H, Z)
    if arm:
        f.draw.line([(x1, y1), (hx, hy)], fill=_c(pole), width=max(1, int(wpx * 1.5)))
    r = max(1.5, v.size(0.12, Z))
    f.draw.ellipse([hx - r, hy - r * 0.6, hx + r, hy + r * 0.6], fill=_c(lamp))
    if f.paint.night:
        _glow(f, hx, hy, r * 5, lamp, 0.8)


def _dashes(f: Frame, v: View, X: float, z0: float, z1: float, width: float, col: Sequence[int],
            period: float = 3.0, duty: float = 0.5) -> None:
    """Dashed lane marking along Z at X."""
    z = z0
    n = 0
    while z < z1 and n < 60:
        L = period * max(1.0, z / 6)
        _quad(f, v, [(X - width / 2, 0, z), (X + width / 2, 0, z), (X + width / 2, 0, z + L * duty),
                     (X - width / 2, 0, z + L * duty)], col)
        z += L
        n += 1


def _strip(f: Frame, v: View, xa: float, xb: float, z0: float, z1: float, col: Sequence[int], Y: float = 0.0,
           a: int = 255) -> None:
    """A flat strip of ground (road, rail, path) from X xa..xb and Z z0..z1 at height Y."""
    _quad(f, v, [(xa, Y, z0), (xb, Y, z0), (xb, Y, z1), (xa, Y, z1)], col, a)


def _skyline_row(f: Frame, v: View, Z: float, hmin: float, hmax: float, col: Sequence[int],
                 win: Sequence[int] | None, p_lit: float, spacing: float = 5.0, spire: float = 0.15,
                 glow: bool = False) -> None:
    """A row of towers facing the camera at depth Z across the whole view."""
    rng = f.rng
    xa, xb = v.xspan(Z, 0.1)
    X = xa
    n = 0
    while X < xb and n < 80:
        wd = spacing * rng.uniform(0.6, 1.3)
        H = rng.uniform(hmin, hmax)
        x0, y0 = v.p(X, 0, Z)
        x1, y1 = v.p(X + wd, H, Z)
        _rect(f, x0, y1, x1, max(y0, f.h + 2) if not v.aerial else y0, col)
        if v.C > H:
            _quad(f, v, [(X, H, Z), (X + wd, H, Z), (X + wd, H, Z + wd), (X, H, Z + wd)], shade(col, 1.15))
        r = rng.random()
        if r < spire:
            sx, sy = v.p(X + wd / 2, H + H * 0.25, Z)
            f.draw.line([((x0 + x1) / 2, y1), (sx, sy)], fill=_c(col), width=max(1, int((x1 - x0) * 0.05)))
            if f.paint.night:
                _glow(f, sx, sy, 6, f.paint.accent, 1.0)
        elif r < spire + 0.2:
            # stepped crown
            _rect(f, x0 + (x1 - x0) * 0.2, y1 - (y0 - y1) * 0.08, x1 - (x1 - x0) * 0.2, y1 + 1, col)
        if win is not None:
            _front_windows(f, v, X, X + wd, Z, H, win, shade(col, 0.8), p_lit, glow=glow)
        X += wd * rng.uniform(1.0, 1.25)
        n += 1


def _tones(f: Frame) -> tuple[RGB, RGB, RGB, RGB, RGB, RGB]:
    """The palette and two in-between tones: far (mid toward light) and near (mid toward shadow)."""
    p = f.paint
    return p.shadow, p.mid, p.light, p.accent, mix(p.mid, p.light, 0.35), mix(p.mid, p.shadow, 0.5)


# --- Outdoor built places --------------------------------------------------------------------------


def draw_city_street(f: Frame) -> None:
    """A street running away from the camera between rows of buildings, lamps along the kerb."""
    v = View(f)
    S, M, L, A, far, near = _tones(f)
    night = f.paint.night
    rng = f.rng
    _skyline_row(f, v, 140, 25, 70, far, None, 0, spacing=9)
    _ground(f, v, near)
    road = 3.2
    walk = 1.6
    _strip(f, v, -road, road, 0.3, FAR, S)
    _dashes(f, v, 0, 0.5, 120, 0.15, L)
    _strip(f, v, -road - walk, -road, 0.3, FAR, M)
    _strip(f, v, road, road + walk, 0.3, FAR, M)
    for side in (-1, 1):
        z = 70.0
        segs = []
        while z > 0.4:
            ln = z * rng.uniform(0.25, 0.4)
            segs.append((z - ln, z))
            z -= ln
        for k, (z0, z1) in enumerate(segs):
            H = rng.uniform(5, 16)
            X = road + walk
            depth = 8.0
            x0, x1 = (X, X + depth) if side > 0 else (-X - depth, -X)
            tone = mix(M, S, 0.15 + 0.5 * rng.random())
            _box(f, v, x0, x1, z0, z1, H, shade(tone, 0.8), tone, shade(tone, 1.2))
            _side_windows(f, v, side * X, z0, z1, H, L, shade(tone, 0.7), 0.55 if night else 0.25, glow=night)
            if k % 3 == 1:
                # a shop sign hanging over the sidewalk
                zs = (z0 + z1) / 2
                sx = side * (X - 0.05)
                _quad(f, v, [(sx, 1.4, zs), (sx, 2.6, zs), (sx - side * 0.9, 2.6, zs), (sx - side * 0.9, 1.4, zs)], A)
                # an awning above the ground floor
                _quad(f, v, [(sx, 1.2, z0 + 0.1), (sx, 1.2, z1 - 0.1), (sx - side * 0.8, 0.9, z1 - 0.1),
                             (sx - side * 0.8, 0.9, z0 + 0.1)], A)
                if night:
                    gx, gy = v.p(sx - side * 0.45, 2.0, zs)
                    _glow(f, gx, gy, v.size(1.2, zs), A, 0.9)
        for Z in v.rows(1.2, 80, 1.7):
            _lamp_post(f, v, side * (road + 0.4), Z, 2.8, S, L, arm=-side * 0.6)


def draw_alley(f: Frame) -> None:
    """A narrow back alley: tall blank walls close on both sides, fire escapes, pipes, a bulb."""
    v = View(f)
    S, M, L, A, far, near = _tones(f)
    rng = f.rng
    night = f.paint.night
    _ground(f, v, near)
    half = 1.6
    _strip(f, v, -half, half, 0.3, FAR, S)
    # a puddle catching the light
    _strip(f, v, -0.9, 1.1, 2.2, 5.5, L)
    for side in (-1, 1):
        z = 60.0
        while z > 0.4:
            ln = z * rng.uniform(0.3, 0.5)
            z0, z1 = z - ln, z
            H = rng.uniform(7, 14)
            x0, x1 = (half, half + 6) if side > 0 else (-half - 6, -half)
            tone = M if rng.random() < 0.5 else mix(M, S, 0.45)
            _box(f, v, x0, x1, z0, z1, H, shade(tone, 0.7), tone, shade(tone, 1.3))
            X = side * half
            # fire escape: balconies as lines with a ladder
            if ln > 1.5 and v.size(1.0, z1) > 12:
                for Y in np.arange(2.5, H - 1, 2.2):
                    za, zb = z0 + ln * 0.2, z0 + ln * 0.7
                    _quad(f, v, [(X, Y, za), (X - side * 0.5, Y, za), (X - side * 0.5, Y, zb), (X, Y, zb)], S)
                    _quad(f, v, [(X - side * 0.5, Y, za), (X - side * 0.5, Y + 0.5, za), (X - side * 0.5, Y + 0.5, zb),
                                 (X - side * 0.5, Y, zb)], S, 200)
            # a lit back door with a bulb over it
            if rng.random() < 0.6 and z0 > 1.2:
                zd = z0 + ln * 0.5
                _quad(f, v, [(X, 0, zd), (X, 1.3, zd), (X, 1.3, zd + 0.6), (X, 0, zd + 0.6)], A)
                bx, by = v.p(X - side * 0.1, 1.6, zd + 0.3)
                r = max(2.0, v.size(0.08, zd))
                f.draw.ellipse([bx - r, by - r, bx + r, by + r], fill=_c(L))
                if night:
                    _glow(f, bx, by, r * 8, L, 0.9)
            z = z0
        # a drainpipe running up the near wall
        x0, y0 = v.p(side * half, 0, 2.5)
        x1, y1 = v.p(side * half, 14, 2.5)
        f.draw.line([(x0, y0), (x1, y1)], fill=_c(S), width=max(2, int(v.size(0.12, 2.5))))
    # a dumpster against the left wall, a strip of light at the alley's end
    _box(f, v, -half, -half + 1.0, 4.0, 5.6, 0.9, A, shade(A, 0.6), shade(A, 0.8))
    _quad(f, v, [(-half, 0, 70), (half, 0, 70), (half, 6, 70), (-half, 6, 70)], L)


def draw_village(f: Frame) -> None:
    """A small town: gabled houses along a lane, a church spire, hills behind."""
    v = View(f)
    S, M, L, A, far, near = _tones(f)
    rng = f.rng
    night = f.paint.night
    _ridge(f, v, v.hz, 0.12 * f.h, far, n=8)
    _ground(f, v, mix(M, S, 0.3))
    _strip(f, v, -1.4, 1.4, 0.3, FAR, L)
    houses = []
    for Z in v.rows(4.0, 90, 1.3):
        xa, xb = v.xspan(Z, 0.1)
        X = xa
        while X < xb:
            wd = rng.uniform(2.5, 4.5)
            if X + wd > -1.8 and X < 1.8:
                X = 1.8 if X < 1.8 and X + wd > 0 else X
                X += 0.01
            if not (X + wd > -1.8 and X < 1.8):
                houses.append((Z + rng.uniform(0, Z * 0.1), X, wd))
            X += wd + rng.uniform(0.5, 3.0) * Z / 6
    houses.sort(key=lambda t: -t[0])
    for Z, X, wd in houses[:160]:
        H = rng.uniform(1.8, 2.8)
        d = wd * 0.8
        wall = mix(M, L, 0.15 * rng.random())
        _box(f, v, X, X + wd, Z, Z + d, H, wall, shade(wall, 0.8), wall)
        # gable roof: a triangle on the front and a sloping plane back
        rh = wd * 0.5
        roof = A if rng.random() < 0.6 else S
        _quad(f, v, [(X - 0.15, H, Z), (X + wd / 2, H + rh, Z), (X + wd / 2, H + rh, Z + d), (X - 0.15, H, Z + d)], shade(roof, 0.85))
        _quad(f, v, [(X + wd + 0.15, H, Z), (X + wd / 2, H + rh, Z), (X + wd / 2, H + rh, Z + d), (X + wd + 0.15, H, Z + d)], roof)
        _poly(f, [v.p(X - 0.15, H, Z), v.p(X + wd / 2, H + rh, Z), v.p(X + wd + 0.15, H, Z)], wall)
        if v.size(1, Z) > 10:
            (wx0, wy0), (wx1, wy1) = v.p(X + wd * 0.2, 1.6, Z), v.p(X + wd * 0.42, 1.0, Z)
            lit = L if night or rng.random() < 0.3 else S
            _rect(f, wx0, wy0, wx1, wy1, lit)
            (dx0, dy0), (dx1, dy1) = v.p(X + wd * 0.6, 1.3, Z), v.p(X + wd * 0.8, 0, Z)
            _rect(f, dx0, dy0, dx1, dy1, S)
            if night:
                _glow(f, (wx0 + wx1) / 2, (wy0 + wy1) / 2, (wx1 - wx0) * 1.2, L, 0.4)
    # a church spire rising from the middle distance
    Zs = max(30.0, v.z_near * 3)
    if Zs < v.z_far:
        _box(f, v, -4.5, -2.5, Zs, Zs + 2, 6, M, shade(M, 0.8), M)
        _poly(f, [v.p(-4.7, 6, Zs), v.p(-3.5, 11, Zs), v.p(-2.3, 6, Zs)], S)
    for Z in v.rows(2, 40, 2.0):
        _lamp_post(f, v, 1.6, Z, 2.4, S, L)


def draw_skyline(f: Frame) -> None:
    """A city skyline across the horizon in three layers of towers, water in front reflecting it."""
    v = View(f)
    S, M, L, A, far, near = _tones(f)
    night = f.paint.night
    zw = (22.0 if v.hz < f.h else 7.0) if not v.aerial else max(v.z_near * 1.1, v.z_far * 0.35)
    # the far ranks first, nearest last; in an aerial view they fill the visible ground
    ranks = [(zw * 4.0, 30, 75, far, 0.12), (zw * 2.2, 14, 45, M, 0.3), (zw * 1.15, 5, 20, near, 0.45)]
    _ground(f, v, S)
    for Z, hmin, hmax, col, pl in ranks:
        _skyline_row(f, v, Z, hmin, hmax, col, L if v.size(1, Z) > 3.5 else None, pl if night else pl * 0.5,
                     spacing=7 * Z / 60 + 3, glow=night and Z < zw * 2)
    # the water: from the nearest rank's feet to the camera
    yw = v.gy(zw)
    _band(f, yw, f.h + 2, S)
    _band(f, yw, yw + v.size(1.2, zw) * v.C + 2, A)
    _band(f, yw + v.size(1.2, zw) * v.C, yw + v.size(1.6, zw) * v.C + 2, M)
    _water_glints(f, v, zw * 0.08, zw, L, 60, a=220, length=4)
    _water_glints(f, v, zw * 0.2, zw, A, 45, a=255, length=4)
    # a quay wall along the bottom
    _band(f, v.gy(v.z_near * 1.12), f.h + 2, near)


def draw_rooftop(f: Frame) -> None:
    """A flat roof with a parapet, a water tower and a billboard, the city spread out beyond its edge."""
    S, M, L, A, far, near = _tones(f)
    night = f.paint.night
    # Up on a roof the camera sits high above the streets: the city below is seen from above.
    v = View(f)
    v.C = v.C + 10
    _ground(f, v, mix(S, M, 0.4))
    for Z, hmin, hmax, col in ((240, 15, 45, far), (110, 8, 30, M), (50, 4, 16, near), (26, 3, 11, mix(near, S, 0.4))):
        _skyline_row(f, v, Z, hmin, hmax, col, L if v.size(1, Z) > 1.5 else None, 0.5 if night else 0.2,
                     spacing=4 + Z / 25, glow=night and Z < 120)
    # the roof deck at the camera's feet, ending at a parapet
    vr = View(f)
    edge = max(2.4, vr.z_near * 1.8) if vr.hz < f.h else 2.4
    _strip(f, vr, -40, 40, 0.3, edge, S)
    _quad(f, vr, [(-40, 0, edge), (40, 0, edge), (40, 0.45, edge), (-40, 0.45, edge)], near)
    _quad(f, vr, [(-40, 0.45, edge), (40, 0.45, edge), (40, 0.45, edge + 0.25), (-40, 0.45, edge + 0.25)], L)
    # gravel marks and a skylight on the deck
    _box(f, vr, -2.6, -1.2, edge * 0.45, edge * 0.45 + 0.6, 0.35, near, shade(near, 0.8), mix(L, M, 0.4))
    # water tower on legs at the right
    Zt = edge * 0.9
    for lx in (2.4, 3.6):
        (x0, y0), (x1, y1) = vr.p(lx, 0.45, Zt), vr.p(lx, 2.6, Zt)
        f.draw.line([(x0, y0), (x1, y1)], fill=_c(S), width=max(2, int(vr.size(0.08, Zt))))
    _box(f, vr, 2.2, 3.8, Zt, Zt + 1.4, 4.4, M, shade(M, 0.8), shade(M, 1.2), y0=2.6)
    _poly(f, [vr.p(2.0, 4.4, Zt), vr.p(3.0, 5.3, Zt), vr.p(4.0, 4.4, Zt)], S)
    # a billboard on the next roof, lit in the accent colour
    zb = edge * 4
    _box(f, vr, -9.0, -3.0, zb, zb + 0.2, 4.4, A, shade(A, 0.7), A, y0=1.6)
    (a, b), (c, d) = vr.p(-8.4, 3.7, zb), vr.p(-4.8, 3.3, zb)
    _rect(f, a, b, c, d, L)
    (a, b), (c, d) = vr.p(-8.4, 2.9, zb), vr.p(-6.0, 2.6, zb)
    _rect(f, a, b, c, d, L)
    for lx in (-8.2, -3.8):
        x0, y0 = vr.p(lx, -2, zb)
        x1, y1 = vr.p(lx, 1.6, zb)
        f.draw.line([(x0, y0), (x1, y1)], fill=_c(S), width=max(2, int(vr.size(0.08, zb))))
    if night:
        x, y = vr.p(-6.0, 3.0, zb)
        _glow(f, x, y, vr.size(3.0, zb), A, 0.8)


def draw_highway(f: Frame) -> None:
    """A wide divided highway to the vanishing point, guardrails, lamp masts and a sign gantry."""
    v = View(f)
    S, M, L, A, far, near = _tones(f)
    _ridge(f, v, v.hz, 0.05 * f.h, far, n=6)
    _ground_bands(f, v, [M, near], [25])
    lane = 1.9
    _strip(f, v, -4 * lane - 0.6, 4 * lane + 0.6, 0.3, FAR, S)
    _strip(f, v, -0.35, 0.35, 0.3, FAR, mix(M, S, 0.3))
    for k in (-3, -2, -1, 1, 2, 3):
        if abs(k) == 1:
            continue
        # lane lines between the four lanes each way, measured from the median's edge
        X = (abs(k) - 1) * lane * (1 if k > 0 else -1) + 0.35 * (1 if k > 0 else -1)
        _dashes(f, v, X, 0.4, 150, 0.12, L, period=4.0, duty=0.4)
    for side in (-1, 1):
        xe = side * (4 * lane + 0.35)
        _strip(f, v, xe - 0.08, xe + 0.08, 0.3, FAR, L)
        # guardrail
        _quad(f, v, [(xe + side * 0.3, 0.3, 0.3), (xe + side * 0.3, 0.8, 0.3), (xe + side * 0.3, 0.8, FAR),
                     (xe + side * 0.3, 0.3, FAR)], A)
        for Z in v.rows(1.5, 120, 1.6):
            _lamp_post(f, v, side * (4 * lane + 0.9), Z, 5.0, S, L, arm=-side * 1.2)
    # the overhead sign gantry
    Zg = max(14.0, v.z_near * 3)
    if Zg < v.z_far:
        for side in (-1, 1):
            X = side * (4 * lane + 0.8)
            (x0, y0), (x1, y1) = v.p(X, 0, Zg), v.p(X, 5.6, Zg)
            _rect(f, x0 - v.size(0.1, Zg), y1, x0 + v.size(0.1, Zg), y0, S)
        (x0, y0), (x1, y1) = v.p(-4 * lane - 0.8, 5.6, Zg), v.p(4 * lane + 0.8, 5.2, Zg)
        _rect(f, x0, y0, x1, y1, S)
        for k, X in enumerate((-5.8, -1.8, 2.4)):
            (x0, y0), (x1, y1) = v.p(X, 6.8, Zg), v.p(X + 3.4, 4.8, Zg)
            _rect(f, x0, y0, x1, y1, A if k != 1 else mix(A, M, 0.4))
            (x0, y0), (x1, y1) = v.p(X + 0.4, 6.2, Zg), v.p(X + 3.0, 6.0, Zg)
            _rect(f, x0, y0, x1, y1, L)
            (x0, y0), (x1, y1) = v.p(X + 0.4, 5.6, Zg), v.p(X + 2.0, 5.45, Zg)
            _rect(f, x0, y0, x1, y1, L)


def draw_desert_road(f: Frame) -> None:
    """A two-lane blacktop straight across flat sand to mesas on the horizon, poles and cacti."""
    v = View(f)
    S, M, L, A, far, near = _tones(f)
    rng = f.rng
    # mesas: flat-topped buttes in the accent tone, far and near
    for amp, col, u0 in ((0.1, mix(A, M, 0.4), 0.12), (0.16, A, 0.62)):
        for k in range(2):
            uc = u0 + k * 0.18 + rng.uniform(-0.05, 0.05)
            wd = rng.uniform(0.08, 0.16)
            top = v.hz - amp * f.h * f.zoom * rng.uniform(0.7, 1.1)
            _poly(f, [(f.x(uc - wd), v.hz + 1), (f.x(uc - wd * 0.7), top + 6 * f.zoom), (f.x(uc - wd * 0.6), top),
                      (f.x(uc + wd * 0.6), top), (f.x(uc + wd * 0.75), top + 10 * f.zoom), (f.x(uc + wd), v.hz + 1)], col)
    _ground_bands(f, v, [L, mix(L, M, 0.5), M], [30, 6])
    _strip(f, v, -1.8, 1.8, 0.3, FAR, S)
    _dashes(f, v, 0, 0.4, 200, 0.12, A, period=3.0, duty=0.5)
    _strip(f, v, -1.65, -1.55, 0.3, FAR, L)
    _strip(f, v, 1.55, 1.65, 0.3, FAR, L)
    # telephone poles along the right with the sagging wire
    tops = []
    for Z in v.rows(2.0, 200, 1.45):
        (x0, y0), (x1, y1) = v.p(4.5, 0, Z), v.p(4.5, 4.2, Z)
        wpx = max(1.0, v.size(0.07, Z))
        _rect(f, x0 - wpx, y1, x0 + wpx, y0, S)
        (a0, b0), (a1, _) = v.p(4.0, 3.9, Z), v.p(5.0, 3.9, Z)
        f.draw.line([(a0, b0), (a1, b0)], fill=_c(S), width=max(1, int(wpx)))
        tops.append((x1, y1))
    if len(tops) > 1:
        f.draw.line(tops, fill=_c(S), width=1)
    # saguaro cacti and scrub on the left
    for Z in v.rows(2.5, 80, 1.5):
        X = -rng.uniform(3.5, 9.0) * (1 + Z / 40)
        H = rng.uniform(1.6, 2.6)
        tw = 0.28
        (x0, y0), (x1, y1) = v.p(X - tw / 2, 0, Z), v.p(X + tw / 2, H, Z)
        col = near
        f.draw.rounded_rectangle([x0, y1, x1, y0], radius=(x1 - x0) / 2, fill=_c(col))
        for s, ya, yb in ((-1, 0.8, 1.5), (1, 1.1, 1.9)):
            (ax0, ay0), (ax1, ay1) = v.p(X + s * 0.5 - tw / 3, ya, Z), v.p(X + s * 0.5 + tw / 3, yb, Z)
            f.draw.rounded_rectangle([min(ax0, ax1), ay1, max(ax0, ax1), ay0], radius=(abs(ax1 - ax0)) / 2, fill=_c(col))
            (bx0, by0), (bx1, by1) = v.p(min(X, X + s * 0.5), ya, Z), v.p(max(X, X + s * 0.5), ya + 0.25, Z)
            _rect(f, bx0, by1, bx1, by0, col)
        sx, sy = v.p(X + 2.0, 0, Z * 1.1)
        r = v.size(0.5, Z * 1.1)
        f.draw.ellipse([sx - r, sy - r * 0.7, sx + r, sy + r * 0.1], fill=_c(mix(M, S, 0.4)))


def draw_parking_lot(f: Frame) -> None:
    """An empty car park: painted bays to a low store with a lit sign, tall lamp masts."""
    v = View(f)
    S, M, L, A, far, near = _tones(f)
    night = f.paint.night
    Zb = max(20.0, v.z_near * 4) if not v.aerial else v.z_far * 1.2
    # the store front across the back, trees behind it
    for X in np.arange(-60, 60, 5.0):
        _round_tree(f, v, float(X) + f.rng.uniform(-1, 1), Zb + 12, 5.0, S, near)
    _ground(f, v, mix(S, M, 0.35))
    _box(f, v, -26, 26, Zb, Zb + 10, 4.6, M, shade(M, 0.8), shade(M, 1.1))
    (x0, y0), (x1, y1) = v.p(-26, 4.2, Zb), v.p(26, 3.5, Zb)
    _rect(f, x0, y0, x1, y1, near)
    (x0, y0), (x1, y1) = v.p(-12, 1.9, Zb), v.p(12, 0.1, Zb)
    _rect(f, x0, y0, x1, y1, L if night else mix(L, M, 0.3))
    for X in np.arange(-12, 12.1, 3.0):
        (a, b), (c, d) = v.p(float(X), 1.9, Zb), v.p(float(X), 0.1, Zb)
        f.draw.line([(a, b), (c, d)], fill=_c(S), width=max(1, int(v.size(0.08, Zb))))
    (x0, y0), (x1, y1) = v.p(-10, 6.6, Zb), v.p(10, 4.1, Zb)
    _rect(f, x0, y0, x1, y1, A)
    if night:
        _glow(f, (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * 0.6, A, 0.8)
        _glow(f, (x0 + x1) / 2, v.p(0, 1, Zb)[1], (x1 - x0) * 0.8, L, 0.5)
    # asphalt and the painted bays, in rows with a driving lane between
    _strip(f, v, -40, 40, 0.3, Zb, S)
    for zr in (2.0, 8.0, 14.0):
        for X in np.arange(-30, 30.1, 2.6):
            _strip(f, v, float(X) - 0.06, float(X) + 0.06, zr, zr + 4.5, L)
        _strip(f, v, -30, 30, zr + 4.5, zr + 4.65, L)
        # wheel stops
        for X in np.arange(-28.7, 30, 2.6):
            _box(f, v, float(X) - 0.6, float(X) + 0.6, zr + 3.9, zr + 4.3, 0.2, A, A, A)
    _strip(f, v, -0.9, 0.9, 8.0, 9.5, A)
    # lamp masts with paired heads
    for X, Z in ((-9, 8.5), (9, 8.5), (-9, 22), (9, 22), (0, 15.2)):
        _lamp_post(f, v, X, Z, 7.0, S, L, arm=0.8)
        _lamp_post(f, v, X, Z, 7.0, S, L, arm=-0.8)


def draw_bridge(f: Frame) -> None:
    """A suspension bridge across the frame over water: towers, swooping cables, a deck."""
    v = View(f)
    S, M, L, A, far, near = _tones(f)
    night = f.paint.night
    _ridge(f, v, v.hz, 0.06 * f.h, far, n=8)
    _ground(f, v, mix(S, M, 0.45))
    Zd = 15.0 if not v.aerial else max(v.z_near * 1.4, (v.z_near + v.z_far) / 2)
    _water_glints(f, v, 2, FAR, L, 70, a=255, length=5)
    # the deck spans the view at depth Zd, 3 units above the water, 2 units thick
    xa, xb = v.xspan(Zd, 0.3)
    deck_y = 3.0
    if v.C > deck_y:
        _quad(f, v, [(xa, deck_y, Zd), (xb, deck_y, Zd), (xb, deck_y, Zd + 3.5), (xa, deck_y, Zd + 3.5)], M)
        _quad(f, v, [(xa, deck_y + 0.02, Zd + 1.6), (xb, deck_y + 0.02, Zd + 1.6), (xb, deck_y + 0.02, Zd + 1.9),
                     (xa, deck_y + 0.02, Zd + 1.9)], L)
    (x0, y0), (x1, y1) = v.p(xa, deck_y, Zd), v.p(xb, deck_y - 1.2, Zd)
    _rect(f, x0, y0, x1, y1, S)
    (x0, y0), (x1, y1) = v.p(xa, deck_y + 0.7, Zd), v.p(xb, deck_y, Zd)
    _rect(f, x0, y0, x1, y1, A)
    # towers and cables, spaced along the span
    span = 28.0
    tops = []
    X = math.floor(xa / span) * span + span * 0.5
    while X < xb + span:
        for dx in (-1.2, 1.2):
            (a, b), (c, d) = v.p(X + dx - 0.5, 16, Zd), v.p(X + dx + 0.5, -3, Zd)
            _rect(f, a, b, c, d, M)
        (a, b), (c, d) = v.p(X - 1.7, 15.2, Zd), v.p(X + 1.7, 14.2, Zd)
        _rect(f, a, b, c, d, M)
        (a, b), (c, d) = v.p(X - 1.7, 9.2, Zd), v.p(X + 1.7, 8.4, Zd)
        _rect(f, a, b, c, d, M)
        tops.append(X)
        if night:
            gx, gy = v.p(X, 16.2, Zd)
            _glow(f, gx, gy, 8, A, 1.0)
        X += span
    for X in tops:
        for lo, hi in ((X - span, X), (X, X + span)):
            xs = np.linspace(lo, hi, 17)
            t = (xs - lo) / span
            ys = deck_y + 0.6 + 15.0 * (2 * t - 1) ** 2
            pts = [v.p(float(a), float(b), Zd) for a, b in zip(xs, ys)]
            f.draw.line(pts, fill=_c(L), width=max(2, int(v.size(0.2, Zd))))
            for a, b in list(zip(xs, ys))[1:-1:2]:
                (p0, q0), (p1, q1) = v.p(float(a), float(b), Zd), v.p(float(a), deck_y, Zd)
                f.draw.line([(p0, q0), (p1, q1)], fill=_c(L, 180), width=1)
    # lights along the deck at night
    if night:
        for X in np.arange(xa, xb, 8.0):
            gx, gy = v.p(float(X), deck_y + 0.6, Zd)
            _glow(f, gx, gy, 5, L, 0.8)
    # reflections of the deck below it
    yr = v.gy(Zd) + v.size(deck_y - 1.2, Zd) * 0.0
    _band(f, yr + v.size(0.4, Zd), yr + v.size(0.8, Zd), mix(S, A, 0.5), 160)
    # the near embankment
    _band(f, v.gy(max(2.0, v.z_near * 1.25)), f.h + 2, S)


def draw_train_station(f: Frame) -> None:
    """A train shed: a glazed barrel vault on iron ribs over platforms and sunken tracks, a clock."""
    v = View(f, ceiling=None if f.horizon < 0.05 * f.h else 6.0)
    S, M, L, A, far, near = _tones(f)
    night = f.paint.night
    half, wall, rise, Zf = 10.0, 4.5, 6.0, 70.0
    _ridge(f, v, v.hz, 0.04 * f.h, far, n=5)
    _ground(f, v, mix(S, M, 0.3))
    # platforms at the camera's level, tracks sunk a metre between them
    for xa, xb in ((-half, -6.0), (-2.0, 2.6), (6.6, half)):
        _strip(f, v, xa, xb, 0.3, Zf, M)
    for xa, xb in ((-6.0, -2.0), (2.6, 6.6)):
        _strip(f, v, xa, xb, 0.3, Zf, S, Y=-1.0)
        xc = (xa + xb) / 2
        z, n = 0.5, 0
        while z < Zf and n < 60:
            _strip(f, v, xc - 1.0, xc + 1.0, z, z + 0.15 * max(1, z / 8), mix(S, M, 0.35), Y=-1.0)
            z += 0.7 * max(1, z / 8)
            n += 1
        for r in (-0.72, 0.72):
            _strip(f, v, xc + r - 0.05, xc + r + 0.05, 0.3, Zf, L, Y=-0.95)
        # the platform walls dropping to the tracks, and yellow safety lines on the edges
        for X in (xa, xb):
            _quad(f, v, [(X, 0, 0.3), (X, -1.0, 0.3), (X, -1.0, Zf), (X, 0, Zf)], near)
            inward = 1 if X == xb else -1
            _strip(f, v, X + inward * 0.1, X + inward * 0.45, 0.3, Zf, A)
    # side walls with tall arched windows
    for side in (-1, 1):
        X = side * half
        _quad(f, v, [(X, 0, 0.3), (X, wall, 0.3), (X, wall, Zf), (X, 0, Zf)], near)
        for Z in np.arange(1.0, Zf - 4, 4.0):
            Z = float(Z)
            _quad(f, v, [(X, 1.2, Z), (X, 3.6, Z), (X, 3.6, Z + 2.2), (X, 1.2, Z + 2.2)], mix(near, L, 0.35))
    # the vault: longitudinal panels, glass and iron alternating
    th = np.linspace(0, math.pi, 13)
    ax, ay = half * np.cos(th), wall + rise * np.sin(th)
    for k in range(len(th) - 1):
        col = L if k % 2 == 0 else M
        _quad(f, v, [(ax[k], ay[k], 0.3), (ax[k + 1], ay[k + 1], 0.3), (ax[k + 1], ay[k + 1], Zf),
                     (ax[k], ay[k], Zf)], col)
    # iron ribs across the vault, nearest last
    for Z in reversed(v.rows(1.0, Zf, 1.3)):
        pts = [v.p(float(x), float(y), Z) for x, y in zip(ax, ay)]
        pts = [v.p(-half, 0, Z)] + pts + [v.p(half, 0, Z)]
        f.draw.line(pts, fill=_c(S), width=max(2, int(v.size(0.25, Z))), joint="curve")
    # the open end of the shed: the arch outlined where it meets the daylight
    end = [v.p(float(x), float(y), Zf) for x, y in zip(ax, ay)]
    f.draw.line([v.p(-half, 0, Zf)] + end + [v.p(half, 0, Zf)], fill=_c(S), width=max(3, int(v.size(0.6, Zf))))
    # lamps on posts along the middle platform
    for Z in v.rows(3.0, Zf, 1.5):
        _lamp_post(f, v, -1.6, Z, 3.2, S, L)
    # a sign and a clock hanging from a rib
    Zc = max(8.0, v.z_near * 2.5)
    (x0, y0), (x1, y1) = v.p(-2.5, 5.4, Zc), v.p(1.0, 4.6, Zc)
    f.draw.line([v.p(-2.0, wall + 1.5, Zc), (x0 + (x1 - x0) * 0.1, y0)], fill=_c(S), width=1)
    f.draw.line([v.p(0.5, wall + 1.5, Zc), (x1 - (x1 - x0) * 0.1, y0)], fill=_c(S), width=1)
    _rect(f, x0, y0, x1, y1, A)
    (a, b), (c, d) = v.p(-2.1, 5.1, Zc), v.p(0.6, 4.95, Zc)
    _rect(f, a, b, c, d, L)
    cx, cy = v.p(2.4, 5.0, Zc)
    r = v.size(0.5, Zc)
    f.draw.line([v.p(2.4, wall + 1.5, Zc), (cx, cy - r)], fill=_c(S), width=max(1, int(r * 0.1)))
    f.draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=_c(L), outline=_c(S), width=max(1, int(r * 0.15)))
    f.draw.line([(cx, cy), (cx, cy - r * 0.7)], fill=_c(S), width=max(1, int(r * 0.1)))
    f.draw.line([(cx, cy), (cx + r * 0.5, cy)], fill=_c(S), width=max(1, int(r * 0.1)))
    if night:
        _glow(f, cx, cy, r * 2, L, 0.6)


def draw_harbour(f: Frame) -> None:
    """A port: a quay with bollards in front, container stacks and gantry cranes across the water."""
    v = View(f)
    S, M, L, A, far, near = _tones(f)
    night = f.paint.night
    rng = f.rng
    _ridge(f, v, v.hz, 0.05 * f.h, far, n=7)
    _ground(f, v, M)
    _water_glints(f, v, 3, FAR, L, 60, a=255, length=4)
    Zq = 24.0 if not v.aerial else (v.z_near + v.z_far) * 0.6
    # far quay: container stacks and cranes
    xa, xb = v.xspan(Zq, 0.2)
    _box(f, v, xa, xb, Zq, Zq + 20, 1.0, near, near, mix(M, S, 0.2))
    cols = [A, A, mix(A, S, 0.4), mix(M, L, 0.4)]
    X = xa
    while X < xb:
        wd = rng.uniform(4, 7)
        H = 1.0 + 1.2 * rng.integers(1, 4)
        _box(f, v, X, X + wd, Zq + 0.5, Zq + 3, H, cols[int(rng.integers(0, 4))], S, shade(M, 1.1), y0=1.0)
        X += wd + rng.uniform(0.2, 4)
    X = xa + rng.uniform(0, 10)
    while X < xb:
        # a container gantry crane seen side-on: splayed legs, a heavy boom over the water, stays
        Zc = Zq + 1
        for lx in (X, X + 5):
            _poly(f, [v.p(lx - 0.9, 1, Zc), v.p(lx - 0.25, 15, Zc), v.p(lx + 0.25, 15, Zc), v.p(lx + 0.9, 1, Zc),
                      v.p(lx + 0.5, 1, Zc), v.p(lx, 13, Zc), v.p(lx - 0.5, 1, Zc)], S)
        (a, b), (c, d) = v.p(X - 1, 15.8, Zc), v.p(X + 6, 14.6, Zc)
        _rect(f, a, b, c, d, S)
        (a, b), (c, d) = v.p(X - 12, 15.4, Zc), v.p(X + 10, 14.8, Zc)
        _rect(f, a, b, c, d, S)
        (a, b), (c, d) = v.p(X + 1.2, 17.2, Zc), v.p(X + 3.8, 15.8, Zc)
        _rect(f, a, b, c, d, mix(S, A, 0.5))
        apex = v.p(X + 2.5, 21, Zc)
        lw = max(1, int(v.size(0.12, Zc)))
        for ex in (X - 12, X - 5, X + 10):
            f.draw.line([apex, v.p(ex, 15.4, Zc)], fill=_c(S), width=lw)
        f.draw.line([apex, v.p(X + 2.5, 15.8, Zc)], fill=_c(S), width=lw * 2)
        if night:
            gx, gy = apex
            _glow(f, gx, gy, 6, A, 1.0)
        X += rng.uniform(26, 36)
    # a lighthouse at the end of a breakwater on the right
    Zl = Zq * 0.7
    _strip(f, v, 8, 40, Zl, Zl + 1.5, near, Y=0.0)
    _box(f, v, 8, 40, Zl, Zl + 1.5, 0.8, near, S, M)
    (a, b), (c, d) = v.p(9.0, 7.0, Zl), v.p(10.6, 0.8, Zl)
    _poly(f, [(a, d), (a + (c - a) * 0.2, b), (c - (c - a) * 0.2, b), (c, d)], L)
    _rect(f, a, b + (d - b) * 0.35, c, b + (d - b) * 0.5, A)
    lx, ly = v.p(9.8, 7.6, Zl)
    r = v.size(0.6, Zl)
    f.draw.rectangle([lx - r * 0.7, ly - r, lx + r * 0.7, ly + r * 0.6], fill=_c(A if night else S))
    if night:
        _glow(f, lx, ly, r * 8, L, 1.0)
    # the near quay: a concrete edge with bollards and a hanging tyre
    Zn = max(2.5, v.z_near * 1.6)
    _strip(f, v, -60, 60, 0.3, Zn, L, Y=0.5)
    # (the quay's face toward the water faces away from the camera standing on it)
    _quad(f, v, [(-60, 0.5, Zn), (60, 0.5, Zn), (60, 0.5, Zn - 0.2), (-60, 0.5, Zn - 0.2)], S)
    for X in np.arange(-12, 12, 4.5):
        bx, by = v.p(float(X), 0.5, Zn * 0.93)
        r = v.size(0.32, Zn)
        f.draw.rounded_rectangle([bx - r, by - r * 1.6, bx + r, by], radius=r * 0.5, fill=_c(A))
        f.draw.ellipse([bx - r * 1.3, by - r * 1.9, bx + r * 1.3, by - r * 1.3], fill=_c(shade(A, 0.7)))


# --- Water and land ------------------------------------------------------------------------------


def draw_beach(f: Frame) -> None:
    """Open sea to the horizon, rolling surf lines, a wide sand beach, dune grass, a lifeguard hut."""
    v = View(f)
    S, M, L, A, far, near = _tones(f)
    rng = f.rng
    _ground(f, v, M)
    _band(f, v.hz, v.hz + max(2.0, 3 * f.zoom), mix(M, L, 0.4))
    _water_glints(f, v, 8, FAR, L, 45, a=200, length=4)
    Zs = 7.0 if not v.aerial else (v.z_near + v.z_far) * 0.5
    # surf: scalloped foam bands where waves break
    for k, Zw in enumerate((Zs * 2.2, Zs * 1.5, Zs * 1.1)):
        xa, xb = v.xspan(Zw, 0.1)
        xs = np.linspace(xa, xb, 40)
        ph = rng.uniform(0, 6.28)
        ys = [v.gy(Zw + 0.4 * Zw / 8 / v.C * math.sin(float(x) * 0.35 + ph)) for x in xs]
        top = [(v.p(float(x), 0, Zw)[0], y) for x, y in zip(xs, ys)]
        thick = max(2.0, v.size(0.12 + 0.05 * k, Zw) * v.C)
        _poly(f, top + [(x, y + thick) for x, y in reversed(top)], L, 230)
    # wet sand and dry sand
    yb = v.gy(Zs)
    xs = np.linspace(-0.2, 1.2, 30)
    edge = [(f.x(float(u)), yb + v.size(0.3, Zs) * math.sin(float(u) * 9) * v.C) for u in xs]
    _poly(f, edge + [(edge[-1][0], f.h + 2), (edge[0][0], f.h + 2)], mix(L, M, 0.35))
    y2 = v.gy(Zs * 0.75)
    edge2 = [(x, y2 + (y - yb) * 0.8) for x, y in edge]
    _poly(f, edge2 + [(edge[-1][0], f.h + 2), (edge[0][0], f.h + 2)], L)
    # a lifeguard hut on stilts on the right
    Zh = Zs * 0.85
    for lx in (5.0, 6.6):
        (a, b), (c, d) = v.p(lx - 0.08, 0, Zh), v.p(lx + 0.08, 1.8, Zh)
        _rect(f, a, b, c, d, S)
    _box(f, v, 4.6, 7.0, Zh, Zh + 1.6, 3.4, A, shade(A, 0.7), shade(A, 1.2), y0=1.8)
    _poly(f, [v.p(4.5, 3.2, Zh), v.p(5.8, 3.9, Zh), v.p(7.1, 3.2, Zh)], S)
    (a, b), (c, d) = v.p(5.3, 2.9, Zh), v.p(6.3, 2.2, Zh)
    _rect(f, a, b, c, d, S)
    # dune with grass along the bottom
    yd = v.gy(max(1.2, v.z_near * 1.15))
    us = np.linspace(-0.2, 1.2, 16)
    crest = [(f.x(float(u)), yd - f.h * 0.05 * f.zoom * (0.5 + 0.5 * math.sin(float(u) * 5 + 1))) for u in us]
    _poly(f, crest + [(crest[-1][0], f.h + 2), (crest[0][0], f.h + 2)], S)
    for x, y in crest[::1]:
        for k in range(4):
            dx = rng.uniform(-25, 25) * f.zoom
            f.draw.line([(x + dx, y + 6), (x + dx + rng.uniform(-8, 8) * f.zoom, y - rng.uniform(12, 30) * f.zoom)],
                        fill=_c(near), width=max(1, int(2 * f.zoom)))
    # a beach umbrella planted in the sand
    Zu = Zs * 0.55
    top = v.p(-3.5, 2.3, Zu)
    (a, b), (c, d) = v.p(-5.8, 1.6, Zu), v.p(-1.2, 1.6, Zu)
    f.draw.line([v.p(-3.5, 0, Zu), top], fill=_c(S), width=max(2, int(v.size(0.06, Zu))))
    _poly(f, [(a, b), top, (c, d)], A)
    _poly(f, [top, ((a + c) / 2 - (c - a) * 0.12, b), ((a + c) / 2 + (c - a) * 0.12, b)], L)


def draw_lake(f: Frame) -> None:
    """A still lake: a wooded far shore and hills mirrored in it, reeds and a little jetty in front."""
    v = View(f)
    S, M, L, A, far, near = _tones(f)
    rng = f.rng
    crest = _ridge(f, v, v.hz, 0.14 * f.h, far, n=7)
    Zs = 120.0 if not v.aerial else v.z_far * 1.6
    ys = v.gy(Zs)
    _band(f, ys, f.h + 2, M)
    # the far shore's tree line
    xa, xb = v.xspan(Zs, 0.1)
    for X in np.arange(xa, xb, 3.0):
        _pine(f, v, float(X) + rng.uniform(-1, 1), Zs, rng.uniform(4, 7), S, tiers=2)
    # mirror of the hills and trees: a darker, flipped band under the shore
    yw = ys + 1
    _band(f, yw, f.h + 2, M)
    refl = [(x, yw + (yw - y) * 0.7) for x, y in crest if True]
    _poly(f, [(crest[0][0], yw), *refl, (crest[-1][0], yw)], mix(far, M, 0.5), 200)
    _band(f, yw, yw + v.size(4, Zs) * 0.6, near, 220)
    _water_glints(f, v, 3, Zs, L, 80, a=255, length=8)
    # a shimmer path in the accent tone
    for k in range(12):
        Z = Zs / (1.4 ** k)
        if Z < v.z_near * 0.8:
            break
        x, y = v.p(2.0, 0, Z)
        hw = v.size(2.4, Z) * (0.5 + 0.5 * rng.random())
        _rect(f, x - hw, y - 1, x + hw, y + max(2.0, v.size(0.1, Z) * v.C), A)
    # reeds on the left and a jetty going out on the right
    Zn = max(2.0, v.z_near * 1.3)
    if not v.aerial:
        _band(f, v.gy(Zn * 0.8), f.h + 2, S)
    for k in range(60):
        X = rng.uniform(-10, -1.5) * Zn / 2.5
        Z = Zn * rng.uniform(0.9, 1.3)
        (x0, y0), (x1, y1) = v.p(X, 0, Z), v.p(X + rng.uniform(-0.15, 0.15), rng.uniform(0.4, 1.1), Z)
        f.draw.line([(x0, y0), (x1, y1)], fill=_c(S), width=max(1, int(v.size(0.02, Z))))
        if k % 3 == 0:
            r = max(1.5, v.size(0.03, Z))
            f.draw.ellipse([x1 - r, y1, x1 + r, y1 + r * 5], fill=_c(S))
    _strip(f, v, 2.5, 4.0, Zn * 0.6, Zn * 4, A, Y=0.4)
    _quad(f, v, [(2.5, 0.4, Zn * 4), (4.0, 0.4, Zn * 4), (4.0, 0.2, Zn * 4), (2.5, 0.2, Zn * 4)], S)
    for Z in (Zn, Zn * 1.6, Zn * 2.6, Zn * 4):
        for X in (2.55, 3.95):
            (a, b), (c, d) = v.p(X - 0.05, 0.4, Z), v.p(X + 0.05, -0.5, Z)
            _rect(f, a, b, c, d, S)


def draw_river(f: Frame) -> None:
    """A river winding from the horizon toward the camera between grassy banks and trees."""
    v = View(f)
    S, M, L, A, far, near = _tones(f)
    rng = f.rng
    _ridge(f, v, v.hz, 0.08 * f.h, far, n=6)
    _ground_bands(f, v, [mix(M, L, 0.5), M, near], [40, 8])
    # the river's centre line meanders in X as it recedes
    zs = np.geomspace(max(0.3, v.z_near * 0.5), min(FAR, v.z_far * 1.2), 36)
    ph = rng.uniform(0, 6.28)
    cxs = np.sin(np.log(zs) * 2.2 + ph) * (1.0 + 0.3 * zs)
    half = np.full_like(zs, 2.8)
    left = [v.p(float(c - hw), 0, float(z)) for c, hw, z in zip(cxs, half, zs)]
    right = [v.p(float(c + hw), 0, float(z)) for c, hw, z in zip(cxs, half, zs)]
    _poly(f, left + right[::-1], mix(S, A, 0.35))
    # lighter current lines down the middle
    for k in range(0, len(zs) - 1, 2):
        c, z = cxs[k], zs[k]
        (x0, y0), (x1, _) = v.p(float(c) - 0.8, 0, float(z)), v.p(float(c) + 0.8, 0, float(z))
        t = max(1.0, v.size(0.06, float(z)) * v.C)
        _rect(f, x0, y0 - t * 0.6, x1, y0 + t * 0.6, L)
    f.draw.line(left, fill=_c(L), width=max(2, int(6 * f.zoom)))
    f.draw.line(right, fill=_c(L), width=max(2, int(6 * f.zoom)))
    # trees on both banks, far to near
    for Z in reversed(v.rows(2.5, 150, 1.25)):
        k = int(np.searchsorted(zs, Z).clip(0, len(zs) - 1))
        for side in (-1, 1):
            X = float(cxs[k]) + side * (half[k] + rng.uniform(1.5, 6) * (1 + Z / 30))
            H = rng.uniform(3, 5)
            if rng.random() < 0.5:
                _round_tree(f, v, X, Z, H, S, near if Z < 20 else M, L)
            else:
                _pine(f, v, X, Z, H * 1.2, near if Z < 20 else mix(M, S, 0.3))
    # the near bank in shadow, with accent wildflowers
    Zn = max(1.0, v.z_near * 1.1)
    if not v.aerial:
        _band(f, v.gy(Zn * 1.6), f.h + 2, S)
    for k in range(70):
        X = rng.uniform(-8, 8) * Zn
        Z = Zn * rng.uniform(1.0, 2.5)
        x, y = v.p(X, 0, Z)
        r = max(2.0, v.size(0.06, Z))
        f.draw.ellipse([x - r, y - r, x + r, y + r], fill=_c(A))


def draw_forest(f: Frame) -> None:
    """A fir forest in ranks fading into the distance, a path into it, trunks in front."""
    v = View(f)
    S, M, L, A, far, near = _tones(f)
    rng = f.rng
    _ridge(f, v, v.hz, 0.1 * f.h, far, n=6)
    _ground(f, v, M)
    _strip(f, v, -0.9, 0.9, 0.3, FAR, L)
    rows = list(reversed(v.rows(2.0, 120, 1.22)))
    zmax = max(rows) if rows else 1
    for Z in rows:
        t = math.log(Z / 2.0) / math.log(max(2.01, zmax / 2.0))
        col = S if t < 0.34 else (near if t < 0.67 else M)
        xa, xb = v.xspan(Z, 0.1)
        X = xa + rng.uniform(0, 2)
        n = 0
        while X < xb and n < 40:
            if abs(X) > 1.3:
                _pine(f, v, X, Z * rng.uniform(1.0, 1.15), rng.uniform(5, 9), col)
            X += rng.uniform(1.6, 3.2) * (1 + Z / 25)
            n += 1
    # accent: mushrooms / ferns glowing in the undergrowth; light shafts
    Zn = max(1.0, v.z_near * 1.05)
    for k in range(26):
        X = rng.uniform(-4, 4) * Zn
        if abs(X) < 1.0:
            continue
        Z = Zn * rng.uniform(1.0, 1.8)
        x, y = v.p(X, 0, Z)
        r = v.size(0.16, Z)
        f.draw.pieslice([x - r, y - r, x + r, y + r], 180, 360, fill=_c(A))
    # the nearest trunks framing the view
    for X in (-2.2, 2.6) if v.C < 1.5 else ():
        Z = max(1.2, v.z_near * 1.2)
        (x0, y0), (x1, y1) = v.p(X - 0.3, 0, Z), v.p(X + 0.3, 40, Z)
        _rect(f, x0, y1, x1, y0, S)


def draw_field(f: Frame) -> None:
    """Wheat to the horizon in converging furrows, a red barn and silo far off, a fence, a lone tree."""
    v = View(f)
    S, M, L, A, far, near = _tones(f)
    rng = f.rng
    _ridge(f, v, v.hz, 0.03 * f.h, far, n=5)
    _ground(f, v, L)
    # furrows: alternate strips converging on the vanishing point
    for X in np.arange(-60, 60, 1.2):
        _strip(f, v, float(X), float(X) + 0.45, 0.3, FAR, M)
    # a farm on the horizon: barn, silo, a tree
    Zb = 32.0 if not v.aerial else (v.z_near + v.z_far) / 2
    _box(f, v, 6, 12, Zb, Zb + 5, 3.2, A, shade(A, 0.7), shade(A, 0.8))
    _poly(f, [v.p(5.8, 3.2, Zb), v.p(9.0, 5.6, Zb), v.p(12.2, 3.2, Zb)], shade(A, 0.85))
    (a, b), (c, d) = v.p(7.9, 2.2, Zb), v.p(10.1, 0, Zb)
    _rect(f, a, b, c, d, L)
    f.draw.line([(a, b), (c, d)], fill=_c(A), width=max(1, int(v.size(0.15, Zb))))
    f.draw.line([(c, b), (a, d)], fill=_c(A), width=max(1, int(v.size(0.15, Zb))))
    (a, b), (c, d) = v.p(12.6, 7.0, Zb), v.p(14.6, 0, Zb)
    _rect(f, a, b, c, d, mix(M, L, 0.5))
    f.draw.pieslice([a, b - (c - a) / 2, c, b + (c - a) / 2], 180, 360, fill=_c(mix(M, L, 0.5)))
    _round_tree(f, v, -14, Zb * 0.6, 6, S, near)
    # golden near wheat: a ragged band of stalks
    Zn = max(1.0, v.z_near * 1.1)
    yn = v.gy(Zn * 1.6) if not v.aerial else f.h * 0.92
    _band(f, yn, f.h + 2, A)
    us = np.linspace(-0.2, 1.2, 90)
    heads = [(f.x(float(u)), yn - rng.uniform(0.0, 0.04) * f.h * f.zoom) for u in us]
    _poly(f, heads + [(heads[-1][0], yn + 3), (heads[0][0], yn + 3)], A)
    for x, y in heads[::2]:
        f.draw.ellipse([x - 3 * f.zoom, y - 9 * f.zoom, x + 3 * f.zoom, y + 3 * f.zoom], fill=_c(mix(L, A, 0.5)))
    # a wooden fence along the right
    for Z in v.rows(1.5, 60, 1.35):
        (a, b), (c, d) = v.p(4.0, 1.2, Z), v.p(4.12, 0, Z)
        _rect(f, a, b, c, d, S)
    for y in (0.5, 1.0):
        _quad(f, v, [(4.0, y, 1.0), (4.0, y + 0.08, 1.0), (4.0, y + 0.08, 60), (4.0, y, 60)], S)


def draw_garden(f: Frame) -> None:
    """A park: lawns, a curving path, clipped hedges, round trees, flower beds, a lamp and bench."""
    v = View(f)
    S, M, L, A, far, near = _tones(f)
    rng = f.rng
    _ridge(f, v, v.hz, 0.05 * f.h, far, n=10)
    for X in np.arange(-80, 80, 6):
        _round_tree(f, v, float(X) + rng.uniform(-2, 2), 90, rng.uniform(7, 10), near, mix(M, far, 0.4))
    _ground(f, v, M)
    # the path: a gentle S curve toward the camera
    zs = np.geomspace(max(0.3, v.z_near * 0.5), min(FAR, v.z_far * 1.2), 30)
    cx = 3.0 * np.sin(np.log(zs) * 1.8)
    left = [v.p(float(c - 1.1), 0, float(z)) for c, z in zip(cx, zs)]
    right = [v.p(float(c + 1.1), 0, float(z)) for c, z in zip(cx, zs)]
    _poly(f, left + right[::-1], L)
    # hedges in rows either side and round trees behind them
    for Z in reversed(v.rows(4.0, 70, 1.5)):
        k = int(np.searchsorted(zs, Z).clip(0, len(zs) - 1))
        for side in (-1, 1):
            X = float(cx[k]) + side * 2.0
            _box(f, v, X if side > 0 else X - 5.0, X + 5.0 if side > 0 else X, Z, Z + 1.2, 0.9, near, mix(near, S, 0.3),
                 mix(M, near, 0.5))
            # flowers on top of the hedge
            (a, b), (c, d) = v.p(X if side > 0 else X - 5.0, 1.0, Z), v.p(X + 5.0 if side > 0 else X, 0.75, Z)
            _rect(f, a, b, c, d, A)
            _round_tree(f, v, X + side * rng.uniform(4, 8), Z + 1.5, rng.uniform(3.5, 5), S, mix(M, S, 0.35), mix(M, L, 0.3))
    # a fountain on the path far off
    Zf = max(25.0, v.z_near * 3)
    if Zf < v.z_far:
        k = int(np.searchsorted(zs, Zf).clip(0, len(zs) - 1))
        X = float(cx[k])
        (a, b), (c, d) = v.p(X - 2.2, 0.7, Zf), v.p(X + 2.2, 0, Zf)
        f.draw.ellipse([a, b - (d - b) * 0.5, c, d + (d - b) * 0.3], fill=_c(S))
        (a, b), (c, d) = v.p(X - 0.2, 2.2, Zf), v.p(X + 0.2, 0.6, Zf)
        _rect(f, a, b, c, d, S)
        (a, b), (c, d) = v.p(X - 1.0, 2.9, Zf), v.p(X + 1.0, 2.0, Zf)
        f.draw.ellipse([a, b, c, d], fill=_c(L))
    # near flower bed (dark soil) and a lamp post
    Zn = max(1.2, v.z_near * 1.15)
    if not v.aerial:
        _band(f, v.gy(Zn * 1.3), f.h + 2, S)
    for k in range(60):
        X = rng.uniform(-7, 7) * Zn
        Z = Zn * rng.uniform(0.95, 1.25)
        x, y = v.p(X, 0.3, Z)
        r = max(2.0, v.size(0.07, Z))
        f.draw.ellipse([x - r, y - r, x + r, y + r], fill=_c(A if k % 3 else L))
    _lamp_post(f, v, -2.2, max(4.0, v.z_near * 2.5), 3.0, S, L)


def draw_mountain_ridge(f: Frame) -> None:
    """Jagged ranges in three tones, snow on the far peaks, a rocky ridge in front with a few firs."""
    v = View(f)
    S, M, L, A, far, near = _tones(f)
    rng = f.rng
    if v.aerial:
        # from above: ridgelines as bands of light and shadow
        _ground(f, v, M)
        for k, Z in enumerate(reversed(v.rows(v.z_near, v.z_far * 1.2, 1.25))):
            xs = np.linspace(*v.xspan(Z, 0.2), 14)
            pts = [v.p(float(x), 0, Z * (1 + 0.15 * rng.random())) for x in xs]
            col = [L, mix(M, S, 0.5), A if k % 3 == 0 else mix(M, L, 0.4)][k % 3]
            _poly(f, pts + [(f.w + 10, f.h + 10), (-10, f.h + 10)], col)
        return
    crest = _ridge(f, v, v.hz, 0.42 * f.h, far, n=9, jag=True)
    # snow caps: the top part of each far peak
    for i in range(1, len(crest) - 1):
        x, y = crest[i]
        if crest[i - 1][1] > y and crest[i + 1][1] > y:
            dl = (crest[i - 1][0] - x, crest[i - 1][1] - y)
            dr = (crest[i + 1][0] - x, crest[i + 1][1] - y)
            t = 0.45
            _poly(f, [(x, y), (x + dr[0] * t, y + dr[1] * t), (x + dr[0] * t * 0.5, y + dr[1] * t * 0.7),
                      (x + dl[0] * t * 0.4, y + dl[1] * t * 0.8), (x + dl[0] * t, y + dl[1] * t)], L)
    crest2 = _ridge(f, v, v.hz + 0.03 * f.h * f.zoom, 0.26 * f.h, M, n=7, jag=True)
    # sunlit flanks in the accent tone on the middle range
    for i in range(1, len(crest2) - 1):
        x, y = crest2[i]
        if crest2[i - 1][1] > y and crest2[i + 1][1] > y:
            xr, yr = crest2[i + 1]
            _poly(f, [(x, y), (xr, yr), (x + (xr - x) * 0.3, v.hz + 0.1 * f.h * f.zoom)], A)
    _ground(f, v, near, z=60)
    # the near ridge: a rocky slope rising to one side, with firs
    base = v.gy(max(3.0, v.z_near * 1.3))
    us = np.linspace(-0.2, 1.2, 14)
    ys = base - f.h * f.zoom * (0.05 + 0.22 * np.clip(us - 0.3, 0, 1) ** 1.3) - rng.uniform(0, 0.03, len(us)) * f.h
    pts = [(f.x(float(u)), float(y)) for u, y in zip(us, ys)]
    _poly(f, pts + [(pts[-1][0], f.h + 5), (pts[0][0], f.h + 5)], S)
    for (x, y) in pts[2::2]:
        hpx = rng.uniform(0.05, 0.1) * f.h * f.zoom
        wpx = hpx * 0.4
        _poly(f, [(x - wpx / 2, y + 4), (x, y - hpx), (x + wpx / 2, y + 4)], S)


def draw_snowfield(f: Frame) -> None:
    """White snow to the horizon with soft drifts and blue shadows, icy peaks, a few dark firs."""
    v = View(f)
    S, M, L, A, far, near = _tones(f)
    rng = f.rng
    white = L
    crest = _ridge(f, v, v.hz, 0.2 * f.h, M, n=6, jag=True)
    for i in range(1, len(crest) - 1):
        x, y = crest[i]
        if crest[i - 1][1] > y and crest[i + 1][1] > y:
            xr, yr = crest[i + 1]
            _poly(f, [(x, y), (xr, yr), (x + (xr - x) * 0.2, v.hz)], mix(M, S, 0.2))
    _ground(f, v, white)
    # drifts: long soft mounds with a shadowed side
    for k, Z in enumerate(v.rows(1.5, 150, 1.7)):
        xa, xb = v.xspan(Z, 0.1)
        xs = np.linspace(xa, xb, 24)
        ph = rng.uniform(0, 6.28)
        top = [(v.p(float(x), 0, Z)[0], v.gy(Z) - v.size(0.5, Z) * (0.5 + 0.5 * math.sin(float(x) / Z * 6 + ph))) for x in xs]
        _poly(f, top + [(top[-1][0], v.gy(Z) + v.size(0.3, Z) * v.C), (top[0][0], v.gy(Z) + v.size(0.3, Z) * v.C)],
              mix(white, M, 0.3 if k % 2 else 0.15))
        _poly(f, [(x, y + v.size(0.15, Z)) for x, y in top] + [(top[-1][0], f.h + 2), (top[0][0], f.h + 2)], white)
    # sparse dark firs and a frozen pond in the accent tone
    for Z in v.rows(3, 60, 1.6):
        X = rng.choice([-1, 1]) * rng.uniform(3, 10) * (1 + Z / 20)
        _pine(f, v, X, Z, rng.uniform(3, 5), S if Z < 10 else near)
    Zp = max(4.0, v.z_near * 2.5)
    a, b = v.p(-5, 0, Zp), v.p(5, 0, Zp * 1.9)
    f.draw.ellipse([a[0], b[1], b[0], a[1]], fill=_c(A))
    # footprints-like marks: a trail of shadows
    for k in range(14):
        Z = max(1.2, v.z_near) * 1.25 ** k
        x, y = v.p(0.4 * (-1) ** k, 0, Z)
        r = v.size(0.1, Z) * max(1.0, v.C * 0.5)
        f.draw.ellipse([x - r, y - r * 0.4, x + r, y + r * 0.4], fill=_c(mix(white, S, 0.35)))


def draw_canyon(f: Frame) -> None:
    """A canyon floor between towering, layered rock walls that wander as they recede."""
    v = View(f)
    S, M, L, A, far, near = _tones(f)
    rng = f.rng
    rock = mix(A, M, 0.45)
    _ridge(f, v, v.hz, 0.2 * f.h, mix(rock, L, 0.35), n=8)
    _ground(f, v, mix(L, A, 0.3))
    _strip(f, v, -1.0, 1.4, 0.3, FAR, L)
    zs = np.geomspace(0.3, 300, 30)
    for side in (-1, 1):
        xs = side * (4.5 + 1.8 * rng.random(len(zs))) * (1 + zs / 70)
        tops = 16 + 10 * rng.random(len(zs))
        foot = [v.p(float(x), 0, float(z)) for x, z in zip(xs, zs)]
        crest = [v.p(float(x), float(t), float(z)) for x, t, z in zip(xs, tops, zs)]
        edge = -20.0 if side < 0 else f.w + 20.0
        # the rock mass behind the face, out to the frame's edge
        _poly(f, crest + [(edge, crest[-1][1]), (edge, crest[0][1])], mix(rock, S, 0.45))
        _poly(f, foot + crest[::-1], mix(rock, S, 0.15))
        # strata: bands along the wall, alternately darker and lighter
        for k, Y in enumerate(np.arange(2.0, 24, 3.0)):
            lo = [v.p(float(x), float(min(Y, t)), float(z)) for x, t, z in zip(xs, tops, zs)]
            hi = [v.p(float(x), float(min(Y + 1.2, t)), float(z)) for x, t, z in zip(xs, tops, zs)]
            _poly(f, lo + hi[::-1], M if k % 2 else A)
        # fallen boulders at the foot
        for i in range(2, len(zs) - 8, 3):
            x, y = foot[i]
            r = v.size(rng.uniform(0.3, 0.7), float(zs[i]))
            f.draw.ellipse([x - r, y - r * 1.2, x + r, y + r * 0.3], fill=_c(S))


def draw_space(f: Frame) -> None:
    """Outer space: a huge planet's curved limb below with atmosphere, a ringed planet and a moon."""
    S, M, L, A, far, near = _tones(f)
    rng = f.rng
    w, h = f.w, f.h
    # when the camera looks down (aerial), the planet fills more of the frame
    top = min(h * 1.1, max(0.25 * h, f.horizon + 0.05 * h)) if f.horizon > 0 else 0.15 * h
    R = w * 1.6 * f.zoom
    cx = f.x(0.45)
    cy = top + R
    f.draw.ellipse([cx - R - 14 * f.zoom, cy - R - 14 * f.zoom, cx + R + 14 * f.zoom, cy + R + 14 * f.zoom], fill=_c(A))
    f.draw.ellipse([cx - R, cy - R, cx + R, cy + R], fill=_c(M))
    # cloud bands on the planet: offset ellipses of lighter and darker tone
    for k, col in enumerate((mix(M, L, 0.4), near, mix(M, L, 0.2))):
        d = R * (0.04 + 0.05 * k)
        f.draw.ellipse([cx - R + d * 2, cy - R + d, cx + R - d * 2, cy + R + d], outline=_c(col), width=max(2, int(h * 0.02 * f.zoom)))
    # night side shadow
    f.draw.ellipse([cx - R + R * 0.35, cy - R - R * 0.02, cx + R * 1.4, cy + R], fill=_c(S))
    # a ringed planet and a small moon
    px, py = f.x(0.8), top - 0.28 * h * f.zoom
    r = 0.1 * h * f.zoom
    f.draw.ellipse([px - r * 2.4, py - r * 0.5, px + r * 2.4, py + r * 0.5], outline=_c(L), width=max(2, int(r * 0.12)))
    f.draw.ellipse([px - r, py - r, px + r, py + r], fill=_c(A))
    f.draw.pieslice([px - r * 2.4, py - r * 0.5, px + r * 2.4, py + r * 0.5], 0, 180, fill=None, outline=_c(L),
                    width=max(2, int(r * 0.12)))
    mx, my = f.x(0.15), top - 0.4 * h * f.zoom
    r2 = 0.06 * h * f.zoom
    f.draw.ellipse([mx - r2, my - r2, mx + r2, my + r2], fill=_c(L))
    f.draw.ellipse([mx - r2 * 0.4, my - r2 * 0.5, mx + r2 * 0.1, my], fill=_c(shade(L, 0.8)))
    # a few bright stars with glow
    for k in range(10):
        x, y = rng.uniform(0, w), rng.uniform(0, max(10, top - 10))
        f.draw.ellipse([x - 2, y - 2, x + 2, y + 2], fill=_c(L))
        _glow(f, x, y, 6, L, 0.6)


def draw_cloudscape(f: Frame) -> None:
    """Above the clouds: banks of rounded cloud tops to the horizon, lit on their upper edges."""
    v = View(f)
    S, M, L, A, far, near = _tones(f)
    rng = f.rng
    v.C = v.C + 3  # the camera flies above the cloud tops
    _ground(f, v, mix(M, L, 0.3))
    _band(f, v.hz - 1, v.hz + max(3.0, 0.03 * f.h * f.zoom), A)
    rows = list(reversed(v.rows(v.z_near * 0.9, 200, 1.6)))
    for i, Z in enumerate(rows):
        t = min(1.0, math.log(max(Z, 1.0)) / math.log(200))
        body = S if t < 0.3 else (near if t < 0.55 else M)
        top = L if t < 0.8 else far
        xa, xb = v.xspan(Z, 0.2)
        y0 = v.gy(Z)
        _band(f, y0, f.h + 2, body)
        X = xa
        n = 0
        while X < xb and n < 30:
            r = rng.uniform(1.5, 3.5) * (1 + Z / 40)
            x, _ = v.p(X, 0, Z)
            rp = v.size(r, Z)
            ry = rp * 0.6
            f.draw.ellipse([x - rp, y0 - ry, x + rp, y0 + ry], fill=_c(body))
            f.draw.chord([x - rp * 0.9, y0 - ry * 0.95, x + rp * 0.7, y0 + ry * 0.3], 180, 360, fill=_c(top))
            X += r * rng.uniform(1.2, 1.8)
            n += 1
    # sunlit haze along the horizon beyond the last banks
    if 0 < v.hz < f.h:
        _band(f, v.hz - max(3.0, 0.03 * f.h * f.zoom), v.hz, A)


# --- Interiors ------------------------------------------------------------------------------------


def _room(f: Frame, v: View, W: float, Hr: float, Zb: float, wall: Sequence[int], floor: Sequence[int],
          ceil: Sequence[int], side: Sequence[int], x_off: float = 0.0) -> None:
    """A box room around the camera: back wall at depth Zb, side walls, floor and ceiling."""
    a, b = -W / 2 + x_off, W / 2 + x_off
    zn = 0.08
    _quad(f, v, [(a, 0, zn), (b, 0, zn), (b, 0, Zb), (a, 0, Zb)], floor)
    _quad(f, v, [(a, Hr, zn), (b, Hr, zn), (b, Hr, Zb), (a, Hr, Zb)], ceil)
    _quad(f, v, [(a, 0, zn), (a, Hr, zn), (a, Hr, Zb), (a, 0, Zb)], side)
    _quad(f, v, [(b, 0, zn), (b, Hr, zn), (b, Hr, Zb), (b, 0, Zb)], side)
    _quad(f, v, [(a, 0, Zb), (b, 0, Zb), (b, Hr, Zb), (a, Hr, Zb)], wall)


def _wall_window(f: Frame, v: View, xa: float, xb: float, ya: float, yb: float, Z: float, frame: Sequence[int]) -> None:
    """A window in a wall facing the camera that shows the sky."""
    (x0, y0), (x1, y1) = v.p(xa, yb, Z), v.p(xb, ya, Z)
    f.window((x0, y0, x1, y1), frame_color=frame)


def draw_diner(f: Frame) -> None:
    """A diner: a long counter with stools receding, pendant lamps, a neon sign, windows at the back."""
    v = View(f, ceiling=2.6)
    S, M, L, A, far, near = _tones(f)
    night = f.paint.night
    W, Hr, Zb = 9.0, 2.8, 11.0
    _room(f, v, W, Hr, Zb, M, near, shade(S, 1.0), M)
    # checkerboard floor
    for i, X in enumerate(np.arange(-4.5, 4.5, 0.9)):
        for j, Z in enumerate(np.arange(0.3, Zb, 0.9)):
            if (i + j) % 2 == 0:
                _strip(f, v, float(X), float(X) + 0.9, float(Z), float(Z) + 0.9, mix(L, M, 0.3))
    # windows along the back wall and the right wall
    for xa in (-3.8, -1.3, 1.2):
        _wall_window(f, v, xa, xa + 2.2, 1.0, 2.3, Zb, S)
    for za in (3.0, 5.5, 8.0):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = v.p(4.5, 1.0, za), v.p(4.5, 2.3, za), v.p(4.5, 2.3, za + 1.8), v.p(4.5, 1.0, za + 1.8)
        _poly(f, [(x0, y0), (x1, y1), (x2, y2), (x3, y3)], f.sky.getpixel((int(min(f.w - 1, max(0, x2))), int(min(f.h - 1, max(0, y2))))) if f.sky else S)
    # a neon sign on the back wall
    (x0, y0), (x1, y1) = v.p(-1.2, 2.75, Zb), v.p(1.4, 2.4, Zb)
    f.draw.rounded_rectangle([x0, y0, x1, y1], radius=(y1 - y0) / 2, outline=_c(A), width=max(2, int((y1 - y0) * 0.15)))
    _glow(f, (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * 0.6, A, 0.9)
    # the counter along the left, with a lighter top and stools in front of it
    cx0, cx1 = -4.5, -2.6
    _box(f, v, cx0, cx1, 0.3, Zb, 1.05, A, A, L)
    _quad(f, v, [(cx1, 0.95, 0.3), (cx1, 1.05, 0.3), (cx1, 1.05, Zb), (cx1, 0.95, Zb)], L)
    _quad(f, v, [(cx1, 0, 0.3), (cx1, 0.12, 0.3), (cx1, 0.12, Zb), (cx1, 0, Zb)], S)
    for Z in np.arange(10.0, 0.5, -1.1):
        Z = float(Z)
        (x0, y0), (x1, y1) = v.p(cx1 + 0.45, 0.72, Z), v.p(cx1 + 0.55, 0, Z)
        _rect(f, x0, y0, x1, y1, S)
        (x0, y0), (x1, y1) = v.p(cx1 + 0.2, 0.8, Z), v.p(cx1 + 0.8, 0.7, Z)
        f.draw.ellipse([x0, y0 - (y1 - y0) * 0.5, x1, y1], fill=_c(A))
    # booths on the right: high-backed benches and tables
    for Z in (3.0, 5.5, 8.0):
        _box(f, v, 3.0, 4.5, Z, Z + 0.3, 1.3, mix(A, S, 0.3), shade(A, 0.5), mix(A, L, 0.3))
        _box(f, v, 3.2, 4.5, Z + 0.8, Z + 1.5, 0.75, L, mix(L, M, 0.4), L)
    # light panels on the ceiling (what a camera looking up sees)
    for Z in np.arange(1.0, Zb, 2.0):
        _strip(f, v, -0.8, 0.8, float(Z), float(Z) + 0.9, L, Y=Hr - 0.01)
    # pendant lamps over the counter
    for Z in np.arange(3.5, Zb, 2.0):
        Z = float(Z)
        (x0, y0), (x1, y1) = v.p(-2.2, Hr, Z), v.p(-2.2, 2.1, Z)
        f.draw.line([(x0, y0), (x1, y1)], fill=_c(S), width=1)
        r = v.size(0.25, Z)
        f.draw.pieslice([x1 - r, y1 - r * 0.6, x1 + r, y1 + r * 0.6], 180, 360, fill=_c(L))
        _glow(f, x1, y1 + r * 0.3, r * 3, L, 0.8 if night else 0.4)


def draw_bedroom(f: Frame) -> None:
    """A bedroom: a bed with pillows against the back wall, a window, a lamp on a nightstand, a door."""
    v = View(f, ceiling=2.4)
    S, M, L, A, far, near = _tones(f)
    night = f.paint.night
    W, Hr, Zb = 5.0, 2.6, 4.2
    _room(f, v, W, Hr, Zb, M, near, L, mix(M, S, 0.25))
    # a cornice along the ceiling and a round ceiling lamp
    for X in (-W / 2 + 0.01, W / 2 - 0.01):
        _quad(f, v, [(X, Hr - 0.15, 0.1), (X, Hr, 0.1), (X, Hr, Zb), (X, Hr - 0.15, Zb)], S)
    (a, b), (c, d) = v.p(-0.5, Hr - 0.01, 1.6), v.p(0.5, Hr - 0.01, 2.4)
    f.draw.ellipse([a, min(b, d), c, max(b, d)], fill=_c(A))
    # floorboards converging
    for X in np.arange(-2.5, 2.5, 0.4):
        _strip(f, v, float(X), float(X) + 0.03, 0.1, Zb, shade(near, 0.8))
    # a rug
    _strip(f, v, -1.8, 1.4, 1.0, 2.0, mix(A, S, 0.25))
    _wall_window(f, v, 0.7, 2.2, 0.9, 2.2, Zb, S)
    # curtains either side of the window
    for xa in (0.35, 2.2):
        _quad(f, v, [(xa, 2.35, Zb - 0.01), (xa + 0.35, 2.35, Zb - 0.01), (xa + 0.35, 0.5, Zb - 0.01), (xa, 0.5, Zb - 0.01)], A)
    # a picture frame and a door on the left wall
    (x0, y0), (x1, y1) = v.p(-2.2, 2.1, Zb), v.p(-1.0, 1.5, Zb)
    _rect(f, x0, y0, x1, y1, S)
    _rect(f, x0 + (x1 - x0) * 0.1, y0 + (y1 - y0) * 0.1, x1 - (x1 - x0) * 0.1, y1 - (y1 - y0) * 0.1, mix(L, A, 0.4))
    _quad(f, v, [(-2.5, 0, 1.8), (-2.5, 2.05, 1.8), (-2.5, 2.05, 2.8), (-2.5, 0, 2.8)], S)
    # the bed: headboard on the back wall, mattress and a blanket toward the camera
    bx0, bx1 = -2.2, 0.3
    _box(f, v, bx0, bx1, Zb - 0.15, Zb, 1.15, S, S, S)
    _box(f, v, bx0, bx1, Zb - 2.3, Zb - 0.15, 0.55, L, mix(L, M, 0.3), L)
    _box(f, v, bx0 - 0.05, bx1 + 0.05, Zb - 2.35, Zb - 1.0, 0.6, A, shade(A, 0.7), mix(A, L, 0.2))
    for px in (bx0 + 0.2, bx0 + 1.5):
        _box(f, v, px, px + 1.0, Zb - 0.65, Zb - 0.2, 0.72, shade(L, 1.3), L, shade(L, 1.3), y0=0.5)
    # nightstand and lamp
    _box(f, v, 0.35, 0.95, Zb - 0.55, Zb - 0.05, 0.6, near, S, mix(M, S, 0.3))
    (x0, y0), (x1, y1) = v.p(0.55, 0.95, Zb - 0.3), v.p(0.75, 0.6, Zb - 0.3)
    _rect(f, x0, y0, x1, y1, S)
    (x0, y0), (x1, y1) = v.p(0.4, 1.25, Zb - 0.3), v.p(0.9, 0.95, Zb - 0.3)
    _poly(f, [(x0 + (x1 - x0) * 0.2, y0), (x1 - (x1 - x0) * 0.2, y0), (x1, y1), (x0, y1)], L)
    _glow(f, (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * 2.5, L, 0.9 if night else 0.4)


def draw_subway_car(f: Frame) -> None:
    """Inside a subway carriage: bench seats along both walls, poles, strip lights, dark windows."""
    v = View(f, ceiling=2.1)
    S, M, L, A, far, near = _tones(f)
    W, Hr, Zb = 2.9, 2.3, 18.0
    _room(f, v, W, Hr, Zb, M, near, mix(M, L, 0.4), M)
    # light strips along the ceiling
    for X in (-0.7, 0.7):
        _strip(f, v, X - 0.12, X + 0.12, 0.1, Zb, L, Y=Hr - 0.01)
    # windows along both walls, showing the dark tunnel (or sky) in the shadow tone
    for side in (-1, 1):
        X = side * W / 2
        for Z in np.arange(0.6, Zb - 1, 2.2):
            Z = float(Z)
            _quad(f, v, [(X, 1.05, Z), (X, 1.85, Z), (X, 1.85, Z + 1.6), (X, 1.05, Z + 1.6)], S)
            _quad(f, v, [(X, 1.75, Z + 0.2), (X, 1.85, Z + 0.2), (X, 1.85, Z + 1.3), (X, 1.75, Z + 1.3)], mix(S, L, 0.4))
        # advertising cards above the windows
        for Z in np.arange(1.0, Zb - 1, 2.2):
            Z = float(Z)
            _quad(f, v, [(X, 1.92, Z), (X, 2.15, Z), (X, 2.15, Z + 1.2), (X, 1.92, Z + 1.2)], A)
        # bench seats
        sx = X - side * 0.45
        _box(f, v, min(X, sx), max(X, sx), 0.3, Zb - 1.2, 0.45, A, mix(A, S, 0.3), mix(A, L, 0.25))
        _quad(f, v, [(X - side * 0.02, 0.45, 0.3), (X - side * 0.02, 1.0, 0.3), (X - side * 0.02, 1.0, Zb - 1.2),
                     (X - side * 0.02, 0.45, Zb - 1.2)], mix(A, S, 0.45))
    # the end door with its window
    (x0, y0), (x1, y1) = v.p(-0.45, 2.0, Zb), v.p(0.45, 0, Zb)
    _rect(f, x0, y0, x1, y1, mix(M, S, 0.4))
    (x0, y0), (x1, y1) = v.p(-0.3, 1.8, Zb), v.p(0.3, 1.1, Zb)
    _rect(f, x0, y0, x1, y1, S)
    # vertical grab poles, a handrail, hanging straps
    for Z in np.arange(Zb - 2, 0.6, -2.5):
        Z = float(Z)
        for X in (-0.85, 0.85):
            (x0, y0), (x1, y1) = v.p(X, 0, Z), v.p(X, Hr, Z)
            f.draw.line([(x0, y0), (x1, y1)], fill=_c(L), width=max(2, int(v.size(0.04, Z))))
    for X in (-0.85, 0.85):
        f.draw.line([v.p(X, 2.0, 0.3), v.p(X, 2.0, Zb)], fill=_c(L), width=max(1, int(v.size(0.04, 1.0))))
        for Z in np.arange(0.8, Zb - 1, 0.7):
            x, y = v.p(X, 2.0, float(Z))
            r = v.size(0.06, float(Z))
            f.draw.ellipse([x - r, y + r * 1.2, x + r, y + r * 3], outline=_c(L), width=max(1, int(r * 0.4)))
    _glow(f, v.p(0, Hr, 4)[0], v.p(0, Hr, 4)[1], v.size(1.0, 4), L, 0.5)


def draw_stage(f: Frame) -> None:
    """A club stage / dance floor: lit floor tiles, a lighting truss with spotlights, speaker stacks, beams."""
    v = View(f, ceiling=5.5)
    S, M, L, A, far, near = _tones(f)
    rng = f.rng
    W, Hr, Zb = 16.0, 6.0, 10.0
    _room(f, v, W, Hr, Zb, M, S, shade(S, 0.7), shade(S, 0.9))
    # the back wall: a screen of light in the mid tone with a graphic stripe pattern
    (x0, y0), (x1, y1) = v.p(-5, 5.0, Zb), v.p(5, 1.4, Zb)
    _rect(f, x0, y0, x1, y1, M)
    for k in range(6):
        xa = x0 + (x1 - x0) * (k / 6)
        _poly(f, [(xa, y1), (xa + (x1 - x0) / 12, y0), (xa + (x1 - x0) / 6, y0), (xa + (x1 - x0) / 12, y1)], mix(M, A, 0.5))
    # the stage riser
    _box(f, v, -7, 7, Zb - 4, Zb, 1.0, near, near, mix(M, S, 0.3))
    _quad(f, v, [(-7, 0.9, Zb - 4), (7, 0.9, Zb - 4), (7, 1.0, Zb - 4), (-7, 1.0, Zb - 4)], A)
    # speaker stacks either side
    for X in (-7.5, 5.7):
        _box(f, v, X, X + 1.8, Zb - 3.5, Zb - 2, 3.4, shade(S, 0.6), shade(S, 0.5), M, y0=1.0)
        for Y in (1.8, 2.9):
            x, y = v.p(X + 0.9, Y, Zb - 3.5)
            r = v.size(0.45, Zb - 3.5)
            f.draw.ellipse([x - r, y - r, x + r, y + r], fill=_c(near), outline=_c(M), width=max(1, int(r * 0.15)))
    # the dance floor: a grid of tiles, some lit
    for i, X in enumerate(np.arange(-7, 7, 1.4)):
        for j, Z in enumerate(np.arange(0.3, Zb - 4, 1.4)):
            r = rng.random()
            col = A if r < 0.3 else (L if r < 0.5 else mix(S, M, 0.35))
            _strip(f, v, float(X) + 0.05, float(X) + 1.35, float(Z) + 0.05, float(Z) + 1.35, col)
    # truss with spotlights and their beams
    ty = 5.3
    (x0, y0), (x1, y1) = v.p(-7, ty + 0.3, Zb - 4), v.p(7, ty, Zb - 4)
    _rect(f, x0, y0, x1, y1, mix(S, M, 0.5))
    for k, X in enumerate(np.linspace(-6, 6, 7)):
        X = float(X)
        sx, sy = v.p(X, ty - 0.1, Zb - 4)
        tx, ty2 = v.p(X * 0.4 + rng.uniform(-3, 3), 0, rng.uniform(3, 7))
        spread = v.size(0.9, 4)
        col = L if k % 2 else A
        _poly(f, [(sx - 3, sy), (sx + 3, sy), (tx + spread, ty2), (tx - spread, ty2)], col, 45)
        r = v.size(0.22, Zb - 4)
        f.draw.ellipse([sx - r, sy - r, sx + r, sy + r], fill=_c(col))
        _glow(f, sx, sy, r * 4, col, 1.0)
    # a mirror ball
    bx, by = v.p(0, Hr - 0.9, Zb * 0.5)
    r = v.size(0.45, Zb * 0.5)
    f.draw.line([v.p(0, Hr, Zb * 0.5), (bx, by)], fill=_c(M), width=1)
    f.draw.ellipse([bx - r, by - r, bx + r, by + r], fill=_c(L))
    _glow(f, bx, by, r * 3, L, 0.7)


def draw_church(f: Frame) -> None:
    """A church nave: pews in rows to the altar, pointed stained-glass windows, a tall arch, candles."""
    v = View(f, ceiling=6.0)
    S, M, L, A, far, near = _tones(f)
    W, Hr, Zb = 9.0, 8.0, 22.0
    _room(f, v, W, Hr, Zb, M, near, shade(S, 0.9), M)
    # the vaulted ceiling: a pointed arch spine
    _strip(f, v, -0.5, 0.5, 0.1, Zb, L, Y=Hr - 0.01)
    # the central aisle
    _strip(f, v, -0.9, 0.9, 0.1, Zb - 3, A)
    # a great pointed window behind the altar
    xa, xb, ya, yb = -1.6, 1.6, 2.2, 6.4
    (x0, y0), (x1, y1) = v.p(xa, yb - 1.6, Zb), v.p(xb, ya, Zb)
    tx, ty = v.p(0, yb + 0.6, Zb)
    _poly(f, [(x0, y1), (x0, y0), (tx, ty), (x1, y0), (x1, y1)], S)
    ins = (x1 - x0) * 0.08
    _poly(f, [(x0 + ins, y1 - ins), (x0 + ins, y0), (tx, ty + ins * 1.5), (x1 - ins, y0), (x1 - ins, y1 - ins)], L)
    for k in range(1, 4):
        xm = x0 + (x1 - x0) * k / 4
        f.draw.line([(xm, y1), (xm, y0 + (ty - y0) * (0.5 if k == 2 else 0.2))], fill=_c(S), width=max(2, int(ins * 0.6)))
    f.draw.line([(x0, (y0 + y1) / 2), (x1, (y0 + y1) / 2)], fill=_c(S), width=max(2, int(ins * 0.6)))
    cx, cy = (x0 + x1) / 2, y0
    r = (x1 - x0) * 0.22
    f.draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=_c(A), outline=_c(S), width=max(2, int(ins * 0.6)))
    _glow(f, cx, (y0 + y1) / 2, (x1 - x0) * 0.8, L, 0.6)
    # stained-glass lancets along both side walls, columns between them
    for side in (-1, 1):
        X = side * W / 2
        for k, Z in enumerate(np.arange(3.0, Zb - 2, 3.5)):
            Z = float(Z)
            p0, p1 = v.p(X, 2.2, Z), v.p(X, 2.2, Z + 1.2)
            p2, p3 = v.p(X, 4.6, Z + 1.2), v.p(X, 4.6, Z)
            pt = v.p(X, 5.4, Z + 0.6)
            _poly(f, [p0, p1, p2, pt, p3], A if k % 2 == 0 else L)
            f.draw.line([v.p(X, 2.2, Z + 0.6), v.p(X, 5.2, Z + 0.6)], fill=_c(S), width=max(1, int(v.size(0.06, Z))))
            zc = Z + 2.35
            _quad(f, v, [(X - side * 0.01, 0, zc - 0.3), (X - side * 0.01, Hr, zc - 0.3), (X - side * 0.01, Hr, zc + 0.3),
                         (X - side * 0.01, 0, zc + 0.3)], mix(M, S, 0.55))
    # the altar with candles
    _box(f, v, -1.6, 1.6, Zb - 2.6, Zb - 1.8, 1.0, L, mix(L, M, 0.4), L)
    for X in (-1.2, -0.6, 0.6, 1.2):
        (x0, y0), (x1, y1) = v.p(X - 0.05, 1.5, Zb - 2.2), v.p(X + 0.05, 1.0, Zb - 2.2)
        _rect(f, x0, y0, x1, y1, L)
        _glow(f, (x0 + x1) / 2, y0, v.size(0.3, Zb - 2.2), (255, 200, 120), 0.9)
    # pews: rows of benches either side of the aisle, nearest last
    for Z in np.arange(Zb - 4.5, 2.0, -1.3):
        Z = float(Z)
        for side in (-1, 1):
            xa, xb = (1.0, 4.2) if side > 0 else (-4.2, -1.0)
            _box(f, v, xa, xb, Z, Z + 0.5, 0.5, mix(S, M, 0.2), S, mix(M, S, 0.5))
            _box(f, v, xa, xb, Z + 0.45, Z + 0.6, 1.0, S, S, mix(M, S, 0.4))


def draw_cave(f: Frame) -> None:
    """Inside a cave looking out: rough dark rock framing a bright mouth, stalactites, a pool."""
    S, M, L, A, far, near = _tones(f)
    rng = f.rng
    w, h = f.w, f.h
    # the mouth is an irregular opening around the vanishing point; everything else is rock
    cx, cy = f.x(0.5), min(h * 0.9, max(h * 0.2, f.horizon))
    rx, ry = 0.3 * w * f.zoom, 0.32 * h * f.zoom
    ang = np.linspace(0, 2 * math.pi, 28, endpoint=False)
    rad = 1 + 0.18 * rng.standard_normal(28)
    mouth = [(cx + rx * r * math.cos(a), cy - ry * 0.6 + ry * r * math.sin(a)) for a, r in zip(ang, rad)]
    # the rock fills the frame; the mouth is then cut back out to the sky
    rock = mix(M, S, 0.35)
    _band(f, -10, h + 10, rock, 255)
    if f.sky is not None:
        m = Image.new("L", f.image.size, 0)
        ImageDraw.Draw(m).polygon(mouth, fill=255)
        f.image.paste(f.sky, (0, 0), m)
    else:
        f.draw.polygon(mouth, fill=_c(L))
    # ground outside the mouth and a lit rim around it
    gy = cy + ry * 0.15
    inner = [(x, max(y, gy)) for x, y in mouth]
    _poly(f, inner, L)
    f.draw.line(mouth + [mouth[0]], fill=_c(mix(M, L, 0.5)), width=max(3, int(0.012 * h * f.zoom)))
    # darker rock bands nearer the camera
    for k, col in enumerate((M, near)):
        s = 1.3 + 0.35 * k
        ring = [(cx + (x - cx) * s, cy - ry * 0.6 + (y - cy + ry * 0.6) * s) for x, y in mouth]
        # draw as a thick outline so the mouth stays open
        f.draw.line(ring + [ring[0]], fill=_c(col), width=int(0.12 * h * f.zoom))
    # stalactites hanging from the top and a pool of light on the floor
    for k in range(12):
        x = rng.uniform(0, w)
        L0 = rng.uniform(0.05, 0.2) * h * f.zoom
        wd = rng.uniform(8, 24) * f.zoom
        _poly(f, [(x - wd, -5), (x + wd, -5), (x, L0)], S)
    _band(f, h * 0.88, h + 2, S)
    (a, b) = (f.x(0.35), h * 0.86)
    f.draw.ellipse([a, b, a + 0.3 * w * f.zoom, b + 0.06 * h], fill=_c(A))


def draw_stadium(f: Frame) -> None:
    """A stadium: a pitch in front, the bowl of stands around it, floodlight towers."""
    v = View(f)
    S, M, L, A, far, near = _tones(f)
    night = f.paint.night
    _ground(f, v, M)
    Zs = 18.0 if not v.aerial else v.z_far * 0.9
    # the stands: tiers rising away, in bands of tone, with an accent stripe
    for k in range(5):
        Y = 1.5 + k * 3.2
        Z = Zs + k * 3
        xa, xb = v.xspan(Z, 0.2)
        col = [near, A, M, A, near][k]
        _quad(f, v, [(xa, Y, Z), (xb, Y, Z), (xb, Y + 3.2, Z + 3), (xa, Y + 3.2, Z + 3)], col)
        _quad(f, v, [(xa, Y, Z), (xb, Y, Z), (xb, Y + 0.5, Z + 0.9), (xa, Y + 0.5, Z + 0.9)], A if k == 2 else mix(col, L, 0.2))
    # the roof rim
    xa, xb = v.xspan(Zs + 15, 0.2)
    _quad(f, v, [(xa, 17.5, Zs + 15), (xb, 17.5, Zs + 15), (xb, 19.5, Zs + 13), (xa, 19.5, Zs + 13)], S)
    # pitch stripes and lines
    _strip(f, v, -60, 60, 0.3, Zs, mix(M, S, 0.25))
    for X in np.arange(-60, 60, 6.0):
        _strip(f, v, float(X), float(X) + 3, 0.3, Zs, mix(M, S, 0.4))
    _strip(f, v, -30, 30, Zs * 0.55, Zs * 0.55 + 0.25, L)
    _strip(f, v, -30, 30, Zs - 1, Zs - 0.75, L)
    for X in (-30, 30):
        _strip(f, v, X - 0.12, X + 0.12, 1, Zs - 0.75, L)
    # floodlight towers with light banks
    for X in (-40, -14, 14, 40):
        Z = Zs + 14
        (x0, y0), (x1, y1) = v.p(X - 0.4, 0, Z), v.p(X + 0.4, 26, Z)
        _rect(f, x0, y1, x1, y0, S)
        (x0, y0), (x1, y1) = v.p(X - 3, 30, Z), v.p(X + 3, 26, Z)
        _rect(f, x0, y0, x1, y1, L)
        if night:
            _glow(f, (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * 1.5, L, 1.0)


def draw_airport(f: Frame) -> None:
    """An airfield: a runway with edge lights and threshold bars, a control tower and hangars."""
    v = View(f)
    S, M, L, A, far, near = _tones(f)
    night = f.paint.night
    _ground_bands(f, v, [mix(M, L, 0.1), M], [30])
    _strip(f, v, -3.5, 3.5, 0.3, FAR, S)
    _dashes(f, v, 0, 2.0, 300, 0.35, L, period=6, duty=0.5)
    for k in range(8):
        X = -3.0 + k * 0.85
        if abs(X) > 0.3:
            _strip(f, v, X - 0.25, X + 0.25, 3.5, 7.5, L)
    # a taxiway line in the accent colour curving off to the right
    _strip(f, v, 3.8, 30, 9.0, 10.5, A)
    for side in (-1, 1):
        for Z in v.rows(1.2, 200, 1.25):
            x, y = v.p(side * 3.8, 0.1, Z)
            r = max(2.0, v.size(0.16, Z))
            f.draw.ellipse([x - r, y - r, x + r, y + r], fill=_c(A))
            if night:
                _glow(f, x, y, r * 4, A, 0.8)
    Zt = 28.0 if not v.aerial else v.z_far * 0.8
    # hangars with curved roofs and a control tower
    for X in (-40, -26):
        _box(f, v, X, X + 12, Zt, Zt + 10, 4, M, shade(M, 0.8), M)
        (a, b), (c, d) = v.p(X, 6.5, Zt), v.p(X + 12, 1.5, Zt)
        f.draw.chord([a, b, c, d], 180, 360, fill=_c(M))
        (a, b), (c, d) = v.p(X + 2, 3.2, Zt), v.p(X + 10, 0, Zt)
        _rect(f, a, b, c, d, A)
    X = 18.0
    (a, b), (c, d) = v.p(X, 14, Zt), v.p(X + 1.6, 0, Zt)
    _rect(f, a, b, c, d, near)
    (a, b), (c, d) = v.p(X - 1.3, 17, Zt), v.p(X + 2.9, 14, Zt)
    _poly(f, [(a, d), (a + (c - a) * 0.1, b), (c - (c - a) * 0.1, b), (c, d)], L)
    (a2, b2), (c2, _) = v.p(X - 1.5, 17.6, Zt), v.p(X + 3.1, 17.6, Zt)
    _rect(f, a2, b2, c2, b, S)
    # a windsock
    (a, b), (c, d) = v.p(8, 3, 20), v.p(8, 0, 20)
    f.draw.line([(a, b), (c, d)], fill=_c(S), width=max(1, int(v.size(0.06, 20))))
    (e, g) = v.p(9.4, 2.8, 20)
    _poly(f, [(a, b - 3), (e, g - 1), (e, g + 3), (a, b + 5)], A)


def draw_waterfall(f: Frame) -> None:
    """A waterfall pouring off a cliff into a plunge pool, ferns and rocks around it."""
    v = View(f)
    S, M, L, A, far, near = _tones(f)
    rng = f.rng
    Zc = 16.0 if not v.aerial else (v.z_near + v.z_far) / 2
    _ground(f, v, mix(M, S, 0.3))
    # the cliff face across the view
    xa, xb = v.xspan(Zc, 0.2)
    xs = np.linspace(xa, xb, 18)
    top = [v.p(float(x), 16 + rng.uniform(-2, 3) + (0 if abs(x) > 5 else 1), Zc) for x in xs]
    _poly(f, top + [v.p(xb, 0, Zc), v.p(xa, 0, Zc)], M)
    for x in xs[::2]:
        a = v.p(float(x), 12, Zc)
        b = v.p(float(x) + 1.5, 1, Zc)
        f.draw.line([a, b], fill=_c(mix(M, S, 0.3)), width=max(2, int(v.size(0.5, Zc))))
    # the fall itself: a light sheet with streaks
    (x0, y0), (x1, y1) = v.p(-2.6, 16.5, Zc - 0.1), v.p(2.6, 0, Zc - 0.1)
    _rect(f, x0, y0, x1, y1, L)
    for k in range(10):
        xx = x0 + (x1 - x0) * rng.random()
        f.draw.line([(xx, y0), (xx, y1)], fill=_c(mix(L, M, 0.3)), width=max(1, int(f.zoom * 2)))
    # plunge pool and spray
    Zp = Zc * 0.6
    (a, b), (c, d) = v.p(-12, 0, Zc - 0.2), v.p(12, 0, Zp)
    f.draw.ellipse([a, b - (d - b) * 0.1, c, d + (d - b) * 0.6], fill=_c(A))
    for k in range(9):
        x = x0 + (x1 - x0) * rng.random()
        r = (x1 - x0) * rng.uniform(0.2, 0.45)
        f.draw.ellipse([x - r, y1 - r * 0.6, x + r, y1 + r * 0.4], fill=_c(L, 200))
    # jungle ferns and trees framing the sides
    for Z in reversed(v.rows(2.0, 40, 1.4)):
        for side in (-1, 1):
            X = side * rng.uniform(5, 10) * (1 + Z / 20)
            _round_tree(f, v, X, Z, rng.uniform(4, 7), S, near if Z < 15 else mix(M, S, 0.4), A)
    Zn = max(1.0, v.z_near * 1.1)
    for k in range(18):
        X = rng.uniform(-6, 6) * Zn
        x, y = v.p(X, 0, Zn)
        r = v.size(rng.uniform(0.2, 0.4), Zn)
        f.draw.pieslice([x - r, y - r, x + r, y + r], 180, 360, fill=_c(S))


def draw_island(f: Frame) -> None:
    """A tropical island across a lagoon: a sandy hump with palms, open water, a sandbar in front."""
    v = View(f)
    S, M, L, A, far, near = _tones(f)
    rng = f.rng
    _ground(f, v, M)
    _water_glints(f, v, 3, FAR, L, 50, a=255, length=4)
    Zi = 26.0 if not v.aerial else (v.z_near + v.z_far) / 2
    # the island: a green hump on a rim of sand
    (a, b), (c, d) = v.p(-14, 0, Zi), v.p(10, 0, Zi)
    hpx = v.size(3.5, Zi)
    f.draw.ellipse([a - hpx * 3, b - hpx * 0.9, c + hpx * 3, d + hpx * 1.3], fill=_c(A))
    f.draw.ellipse([a - 10, b - hpx * 0.5, c + 10, d + hpx * 0.5], fill=_c(L))
    f.draw.chord([a + (c - a) * 0.08, b - hpx, c - (c - a) * 0.08, d + hpx * 0.8], 180, 360, fill=_c(S))
    # palms on the island
    for X in (-9, -4, 2, 6):
        base = v.p(X, 0.5, Zi)
        top = v.p(X + rng.uniform(-1.5, 1.5), 7 + rng.uniform(-1, 1), Zi)
        f.draw.line([base, top], fill=_c(S), width=max(2, int(v.size(0.25, Zi))))
        R = v.size(2.4, Zi)
        for ang in np.linspace(0.2, math.pi - 0.2, 6):
            ex, ey = top[0] + R * math.cos(ang) * 1.2, top[1] - R * math.sin(ang) * 0.35 + R * 0.45
            mx, my = (top[0] + ex) / 2, top[1] - R * 0.25
            _poly(f, [top, (mx, my - R * 0.08), (ex, ey), (mx, my + R * 0.12)], S)
    # a sandbar with a leaning palm in front
    Zn = max(2.0, v.z_near * 1.3)
    us = np.linspace(-0.2, 1.2, 16)
    yb = v.gy(Zn)
    top = [(f.x(float(u)), yb - 0.04 * f.h * f.zoom * math.sin(min(math.pi, max(0.0, float(u) * math.pi * 1.2)))) for u in us]
    _poly(f, top + [(top[-1][0], f.h + 2), (top[0][0], f.h + 2)], L)
    _band(f, v.gy(Zn * 0.75), f.h + 2, mix(L, M, 0.3))
    x0, y0 = f.x(0.12), yb
    x1, y1 = f.x(0.28), yb - 0.5 * f.h * f.zoom
    f.draw.line([(x0, y0), ((x0 + x1) / 2 - 15 * f.zoom, (y0 + y1) / 2), (x1, y1)], fill=_c(S), width=max(4, int(12 * f.zoom)), joint="curve")
    R = 0.2 * f.h * f.zoom
    for ang in np.linspace(-0.3, math.pi + 0.3, 7):
        ex, ey = x1 + R * math.cos(ang) * 1.3, y1 - R * math.sin(ang) * 0.4 + R * 0.5
        mx, my = (x1 + ex) / 2, y1 - R * 0.2
        _poly(f, [(x1, y1), (mx, my - R * 0.1), (ex, ey), (mx, my + R * 0.15)], near)


# --- The catalogue ----------------------------------------------------------------------------------


PLACES: dict[str, Place] = {
    p.name: p
    for p in (
        Place("city street", draw_city_street),
        Place("alley", draw_alley),
        Place("village", draw_village),
        Place("skyline", draw_skyline),
        Place("rooftop", draw_rooftop),
        Place("highway", draw_highway),
        Place("desert road", draw_desert_road),
        Place("parking lot", draw_parking_lot),
        Place("bridge", draw_bridge),
        Place("harbour", draw_harbour),
        Place("train station", draw_train_station),
        Place("beach", draw_beach),
        Place("lake", draw_lake),
        Place("river", draw_river),
        Place("forest", draw_forest),
        Place("field", draw_field),
        Place("garden", draw_garden),
        Place("mountain ridge", draw_mountain_ridge),
        Place("snowfield", draw_snowfield),
        Place("canyon", draw_canyon),
        Place("waterfall", draw_waterfall),
        Place("island", draw_island),
        Place("stadium", draw_stadium),
        Place("airport", draw_airport),
        Place("space", draw_space),
        Place("cloudscape", draw_cloudscape),
        Place("cave", draw_cave, indoor=False),
        Place("diner", draw_diner, indoor=True),
        Place("bedroom", draw_bedroom, indoor=True),
        Place("subway car", draw_subway_car, indoor=True),
        Place("stage", draw_stage, indoor=True),
        Place("church", draw_church, indoor=True),
    )
}

# Words and phrases of a setting -> the place drawn for it (covers the vocabulary's place nouns
# and generic settings; longer phrases are tried first).
PLACE_WORDS: dict[str, str] = {
    # streets and towns
    "city street": "city street", "street": "city street", "streets": "city street", "city": "city street",
    "avenue": "city street", "boulevard": "city street", "road": "city street", "market": "city street",
    "square": "village", "main street": "city street", "crosswalk": "city street", "sidewalk": "city street",
    "alley": "alley", "alleyway": "alley", "back alley": "alley", "backstreet": "alley",
    "town": "village", "village": "village", "small town": "village", "suburb": "village", "neighbourhood": "village",
    "neighborhood": "village",
    "skyline": "skyline", "downtown": "skyline", "tower": "skyline", "towers": "skyline", "skyscraper": "skyline",
    "skyscrapers": "skyline", "city lights": "skyline", "city skyline": "skyline",
    "rooftop": "rooftop", "roof": "rooftop", "rooftops": "rooftop", "fire escape": "alley",
    "highway": "highway", "freeway": "highway", "motorway": "highway", "interstate": "highway", "overpass": "highway",
    "desert road": "desert road", "desert": "desert road", "open road": "desert road", "dunes": "desert road",
    "sand dunes": "desert road", "mesa": "desert road", "route 66": "desert road",
    "parking lot": "parking lot", "car park": "parking lot", "parking garage": "parking lot", "gas station": "parking lot",
    "bridge": "bridge", "golden gate": "bridge",
    "harbour": "harbour", "harbor": "harbour", "bay": "harbour", "pier": "harbour", "port": "harbour", "dock": "harbour",
    "docks": "harbour", "marina": "harbour", "wharf": "harbour", "quay": "harbour", "lighthouse": "harbour",
    "train station": "train station", "station": "train station", "platform": "train station", "train": "train station",
    "railway": "train station", "railroad": "train station", "subway station": "train station", "tracks": "train station",
    "subway": "train station", "subway car": "subway car", "train carriage": "subway car", "carriage": "subway car",
    "metro": "subway car", "tube": "subway car", "bus": "subway car",
    # water and land
    "beach": "beach", "shore": "beach", "coast": "beach", "sea": "beach", "ocean": "beach", "seaside": "beach",
    "boardwalk": "beach", "waves": "beach", "tide": "beach", "surf": "beach", "sand": "beach", "coastline": "beach",
    "island": "island", "lagoon": "island", "tropics": "island", "tropical island": "island",
    "lake": "lake", "lake shore": "lake", "lakeshore": "lake", "lakeside": "lake", "pond": "lake", "pool": "lake",
    "reservoir": "lake",
    "river": "river", "riverbank": "river", "river bank": "river", "stream": "river", "creek": "river", "canal": "river",
    "forest": "forest", "woods": "forest", "woodland": "forest", "jungle": "forest", "pines": "forest",
    "rainforest": "forest", "grove": "forest",
    "field": "field", "fields": "field", "wheat field": "field", "meadow": "field", "prairie": "field", "farm": "field",
    "barn": "field", "countryside": "field", "cornfield": "field", "plains": "field", "orchard": "garden",
    "garden": "garden", "park": "garden", "gardens": "garden", "backyard": "garden", "yard": "garden",
    "courtyard": "garden", "cemetery": "garden", "graveyard": "garden",
    "mountain ridge": "mountain ridge", "mountain": "mountain ridge", "mountains": "mountain ridge",
    "hill": "mountain ridge", "hills": "mountain ridge", "cliff": "mountain ridge", "cliffs": "mountain ridge",
    "valley": "mountain ridge", "peak": "mountain ridge", "summit": "mountain ridge", "ridge": "mountain ridge",
    "hillside": "mountain ridge",
    "canyon": "canyon", "gorge": "canyon", "ravine": "canyon",
    "waterfall": "waterfall", "falls": "waterfall",
    "snow": "snowfield", "snowfield": "snowfield", "ice": "snowfield", "glacier": "snowfield", "tundra": "snowfield",
    "arctic": "snowfield", "frozen lake": "snowfield", "snowy field": "snowfield",
    "cave": "cave", "cavern": "cave", "tunnel": "cave",
    "stadium": "stadium", "arena": "stadium", "football field": "stadium",
    "airport": "airport", "runway": "airport", "airfield": "airport", "terminal": "airport",
    "cloudscape": "cloudscape", "sky": "cloudscape", "heaven": "cloudscape", "clouds": "cloudscape", "above the clouds": "cloudscape",
    "space": "space", "outer space": "space", "galaxy": "space", "orbit": "space",
    # interiors
    "diner": "diner", "empty diner": "diner", "bar": "diner", "cafe": "diner", "café": "diner", "restaurant": "diner",
    "pub": "diner", "coffee shop": "diner", "laundromat": "diner",
    "room": "bedroom", "bedroom": "bedroom", "kitchen": "bedroom", "hallway": "bedroom", "house": "village",
    "home": "village", "motel": "bedroom", "hotel": "bedroom", "living room": "bedroom", "apartment": "bedroom",
    "attic": "bedroom", "corridor": "bedroom", "hotel room": "bedroom", "motel room": "bedroom", "basement": "bedroom",
    "office": "bedroom", "studio": "bedroom", "lobby": "bedroom", "library": "bedroom", "elevator": "bedroom",
    "classroom": "bedroom",
    "club": "stage", "nightclub": "stage", "dance floor": "stage", "stage": "stage", "disco": "stage",
    "concert": "stage", "concert hall": "stage", "theatre": "stage", "theater": "stage", "ballroom": "stage",
    "warehouse": "stage", "rave": "stage", "party": "stage", "gym": "stage", "museum": "church",
    "church": "church", "chapel": "church", "cathedral": "church", "temple": "church",
}

_WORD = re.compile(r"[a-zà-ÿ][a-zà-ÿ0-9'-]*")
_PHRASES = sorted((k for k in PLACE_WORDS if " " in k), key=len, reverse=True)


def place_for(text: str) -> str | None:
    """The place a setting such as 'an empty diner at dusk in light rain' or 'the bay at midnight' names:
    longest phrase match first, else the first word of the text that names a place; None if none."""
    words = _WORD.findall(text.lower())
    padded = " " + " ".join(words) + " "
    for phrase in _PHRASES:
        if f" {phrase} " in padded:
            return PLACE_WORDS[phrase]
    for w in words:
        if w in PLACE_WORDS:
            return PLACE_WORDS[w]
    return None
