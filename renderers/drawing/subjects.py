"""The subjects of a shot drawn as flat, graphic shapes: people, animals, vehicles, instruments,
lights and things, each a recognisable silhouette in the scene's palette.

Every subject draws in the unit box of a `Pen` (see canvas.py), so one drawing serves every shot
size; `Subject.medium` and `Subject.close` say which part of the box a medium shot and a close-up
show. People take a `Look` (hair and clothes parsed once from a character's look text), so a
recurring character is the same person in every shot; without one they are a dark silhouette.

Drawers work in "height units": x runs from 0 to the subject's aspect, y from 0 to 1, so circles
stay round whatever the aspect. Shapes are collected by an `_Ink` and drawn twice: first grown by
the rim width in the light colour, then in their own colours, which leaves a light outline round
the whole silhouette and none inside it (the poster look, and readable on a dark ground).
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from renderers.drawing.canvas import RGB, Frame, Paint, Pen, mix, shade

Pt = tuple[float, float]


# ---------------------------------------------------------------------------------------------
# Looks


@dataclass(frozen=True)
class Look:
    """A character's fixed look, the same in every shot."""

    hair: RGB
    hair_style: str  # "short" | "long" | "bob" | "buzz" | "curly" | "braided"
    clothes: RGB
    clothes_kind: str  # "coat" | "jacket" | "dress" | "shirt" | "hoodie" | "suit" | "raincoat"


HAIR_COLOURS: dict[str, RGB] = {
    "black": (28, 24, 26), "dark": (52, 38, 32), "auburn": (150, 62, 34), "red": (178, 58, 30),
    "ginger": (205, 110, 45), "copper": (190, 95, 45), "silver": (206, 208, 216), "grey": (150, 150, 156),
    "gray": (150, 150, 156), "white": (236, 236, 232), "blonde": (238, 206, 118), "blond": (238, 206, 118),
    "golden": (232, 185, 80), "fair": (230, 200, 130), "brown": (112, 70, 40), "chestnut": (125, 65, 35),
    "pink": (240, 130, 180), "blue": (70, 110, 210), "green": (60, 160, 90), "purple": (130, 70, 170),
}
CLOTHES_COLOURS: dict[str, RGB] = {
    "red": (202, 40, 46), "crimson": (170, 20, 40), "scarlet": (215, 35, 35), "white": (236, 236, 230),
    "cream": (235, 222, 190), "yellow": (244, 202, 40), "gold": (222, 178, 60), "golden": (222, 178, 60),
    "orange": (236, 120, 40), "blue": (52, 88, 180), "navy": (30, 40, 90), "denim": (72, 108, 156),
    "green": (40, 132, 72), "emerald": (20, 140, 90), "olive": (110, 110, 50), "grey": (126, 128, 136),
    "gray": (126, 128, 136), "silver": (190, 192, 200), "black": (34, 32, 36), "leather": (38, 34, 36),
    "dark": (44, 44, 52), "brown": (122, 80, 48), "tan": (180, 140, 90), "beige": (200, 180, 140),
    "pink": (236, 120, 170), "purple": (112, 60, 150), "violet": (130, 80, 190), "teal": (30, 130, 130),
}
CLOTHES_KINDS: dict[str, str] = {
    "raincoat": "raincoat", "mac": "raincoat", "slicker": "raincoat", "trench": "coat", "coat": "coat",
    "overcoat": "coat", "cloak": "coat", "jacket": "jacket", "blazer": "jacket", "bomber": "jacket",
    "dress": "dress", "gown": "dress", "skirt": "dress", "shirt": "shirt", "blouse": "shirt", "tee": "shirt",
    "t-shirt": "shirt", "sweater": "shirt", "jumper": "shirt", "top": "shirt", "hoodie": "hoodie",
    "sweatshirt": "hoodie", "suit": "suit", "tuxedo": "suit",
}
HAIR_STYLES: dict[str, str] = {
    "buzz": "buzz", "shaved": "buzz", "crew": "buzz", "bald": "buzz", "bob": "bob", "braid": "braided",
    "braided": "braided", "braids": "braided", "plait": "braided", "curly": "curly", "curls": "curly",
    "afro": "curly", "wavy": "curly", "long": "long", "flowing": "long", "ponytail": "long",
    "short": "short", "tousled": "short", "cropped": "short", "messy": "short",
}
HAIR_WORDS = ("hair", "bob", "buzz", "cut", "braid", "curl", "afro", "ponytail", "bald", "locks", "fringe")
# Defaults when a look names no colour: picked by a hash of the text, so two vague looks still differ.
_DEFAULT_HAIR = ((52, 38, 32), (112, 70, 40), (28, 24, 26), (238, 206, 118), (150, 62, 34))
_DEFAULT_CLOTHES = ((126, 128, 136), (72, 108, 156), (202, 40, 46), (40, 132, 72), (244, 202, 40))


def look_for(text: str) -> Look:
    """The Look a look text describes ('a blonde bob, a blue denim jacket'), with sensible defaults."""
    low = text.lower()
    parts = [p.strip() for p in re.split(r",|;|\band\b|\bwith\b", low) if p.strip()] or [low]
    hair_parts = [p for p in parts if any(w in p for w in HAIR_WORDS)]
    cloth_parts = [p for p in parts if p not in hair_parts]
    seed = zlib.crc32(low.encode())
    hair = style = clothes = kind = None
    for p in hair_parts:
        ws = re.findall(r"[a-z-]+", p)
        hair = hair or next((HAIR_COLOURS[w] for w in ws if w in HAIR_COLOURS), None)
        named = [HAIR_STYLES[w] for w in ws if w in HAIR_STYLES]
        # "long braided hair" is braided: a specific style beats a length.
        style = style or next((x for x in named if x not in ("long", "short")), None) or (named[0] if named else None)
        if style is None and "bob" in p:
            style = "bob"
    for p in cloth_parts:
        ws = re.findall(r"[a-z-]+", p)
        k = next((CLOTHES_KINDS[w] for w in ws if w in CLOTHES_KINDS), None)
        # "a white shirt and dark jeans": the first named garment carries the look's colour.
        c = CLOTHES_COLOURS["denim"] if "denim" in ws else next((CLOTHES_COLOURS[w] for w in ws if w in CLOTHES_COLOURS), None)
        if k is None and c is None:
            continue
        if kind is None and k is not None:
            kind = k
            clothes = c or clothes
        elif clothes is None:
            clothes = c
    if hair_parts and style is None:
        style = "long" if "long" in low else "short"
    return Look(
        hair=hair or _DEFAULT_HAIR[seed % len(_DEFAULT_HAIR)],
        hair_style=style or "short",
        clothes=clothes or _DEFAULT_CLOTHES[(seed >> 8) % len(_DEFAULT_CLOTHES)],
        clothes_kind=kind or "jacket",
    )


# ---------------------------------------------------------------------------------------------
# Ink: shapes collected in height units and drawn with one outer rim


class _Ink:
    """Shapes in height units (x: 0..aspect, y: 0..1) drawn through a Pen: rim pass, then fill."""

    def __init__(self, pen: Pen, aspect: float, paint: Paint, rim: float = 0.007) -> None:
        self.pen, self.a, self.paint, self.r = pen, aspect, paint, rim
        self.rc = paint.light
        self.ops: list[tuple] = []
        # A second pen for see-through parts (window panes): drawn, but not part of the subject.
        self.clear = Pen(pen.frame, pen.box, flip=pen.flip, mask=False)

    def uv(self, x: float, y: float) -> Pt:
        return (x / self.a, y)

    def poly(self, pts: Sequence[Pt], col: RGB, rim: bool = True, solid: bool = True) -> None:
        self.ops.append(("p" if solid else "q", [self.uv(x, y) for x, y in pts], col, 0.0, rim))

    def oval(self, cx: float, cy: float, rx: float, ry: float, col: RGB, rim: bool = True) -> None:
        self.ops.append(("e", (cx - rx, cy - ry, cx + rx, cy + ry), col, 0.0, rim))

    def line(self, pts: Sequence[Pt], col: RGB, w: float, rim: bool = True, cap: bool = False) -> None:
        self.ops.append(("l", [self.uv(x, y) for x, y in pts], col, w, rim))
        if cap:  # round ends, so limbs and tubes do not end in square cuts
            for x, y in (pts[0], pts[-1]):
                self.oval(x, y, w / 2, w / 2, col, rim)

    def glow(self, x: float, y: float, r: float, col: Sequence[int], strength: float = 1.0) -> None:
        self.pen.glow(x / self.a, y, r, col, strength)

    def flush(self) -> None:
        """Draw what was collected: grown by the rim in the light colour, then in its colours."""
        pen, r, rc, a = self.pen, self.r, self.rc, self.a
        for kind, g, _col, w, rim in self.ops:
            if not rim:
                continue
            # Outlines only: the fill pass covers the inside, so filling it here would be wasted time.
            if kind in "pq":
                pen.line([*g, g[0], g[1]], rc, 2 * r)
            elif kind == "e":
                x0, y0, x1, y1 = g
                pen.ellipse((x0 - r) / a, y0 - r, (x1 + r) / a, y1 + r, None, outline=rc, width=2 * r)
            else:
                pen.line(g, rc, w + 2 * r)
        for kind, g, col, w, _rim in self.ops:
            if kind == "p":
                pen.polygon(g, col)
            elif kind == "q":
                self.clear.polygon(g, col)
            elif kind == "e":
                x0, y0, x1, y1 = g
                pen.ellipse(x0 / a, y0, x1 / a, y1, col)
            else:
                pen.line(g, col, w)
        self.ops = []


def _oval_pts(cx: float, cy: float, rx: float, ry: float, ang: float = 0.0, n: int = 28,
              a0: float = 0.0, a1: float = 2 * math.pi) -> list[Pt]:
    """Points round an ellipse turned by `ang` radians (PIL ellipses cannot turn), or an arc of it."""
    ca, sa = math.cos(ang), math.sin(ang)
    out = []
    for k in range(n):
        t = a0 + (a1 - a0) * k / (n - 1 if a1 - a0 < 2 * math.pi else n)
        x, y = rx * math.cos(t), ry * math.sin(t)
        out.append((cx + x * ca - y * sa, cy + x * sa + y * ca))
    return out


def _turn(pts: Sequence[Pt], ang: float, c: Pt) -> list[Pt]:
    """`pts` turned by `ang` radians about `c`."""
    ca, sa = math.cos(ang), math.sin(ang)
    return [(c[0] + (x - c[0]) * ca - (y - c[1]) * sa, c[1] + (x - c[0]) * sa + (y - c[1]) * ca) for x, y in pts]


def _star_pts(cx: float, cy: float, r0: float, r1: float, n: int = 5, ang: float = -math.pi / 2) -> list[Pt]:
    return [(cx + (r1 if k % 2 == 0 else r0) * math.cos(ang + k * math.pi / n),
             cy + (r1 if k % 2 == 0 else r0) * math.sin(ang + k * math.pi / n)) for k in range(2 * n)]


def _body(paint: Paint) -> RGB:
    """The body colour of a thing: the palette's shadow, lifted a touch so the rim reads."""
    return mix(paint.shadow, paint.mid, 0.18)


def _second(paint: Paint) -> RGB:
    """A second body tone, for parts that must separate from the body (a far leg, a lid)."""
    return mix(paint.shadow, paint.mid, 0.45)


# ---------------------------------------------------------------------------------------------
# People

SKIN: RGB = (182, 136, 110)  # a neutral mid tone: reads on dark and light grounds, not a statement
SHOES: RGB = (30, 28, 32)
TROUSERS: RGB = (46, 50, 66)

# A pose in person units: height 1 from the top of the head (y 0) to the soles (y 1), x about the
# body's centre line. L/R are the figure's screen-left/right limbs.
STAND: dict[str, Pt] = {
    "head": (0.0, 0.078), "shL": (-0.112, 0.2), "shR": (0.112, 0.2), "elL": (-0.142, 0.36),
    "elR": (0.142, 0.36), "haL": (-0.138, 0.5), "haR": (0.138, 0.5), "hipL": (-0.068, 0.52),
    "hipR": (0.068, 0.52), "knL": (-0.074, 0.74), "knR": (0.074, 0.74), "ftL": (-0.084, 0.962),
    "ftR": (0.084, 0.962),
}
HEAD_R = 0.072


def _pose(**moved: Pt) -> dict[str, Pt]:
    return {**STAND, **moved}


@dataclass
class _Place:
    """Where a person stands in the subject's box: origin (feet centre line, head top) and scale."""

    ox: float
    oy: float
    s: float
    flip: bool = False

    def __call__(self, p: Pt) -> Pt:
        return (self.ox + (-p[0] if self.flip else p[0]) * self.s, self.oy + p[1] * self.s)


def _colours(look: Look | None, paint: Paint) -> dict[str, RGB]:
    if look is None:
        sil = shade(paint.shadow, 0.6)
        return {"skin": sil, "hair": sil, "cloth": sil, "legs": sil, "shoes": sil, "trim": sil}
    legs = shade(look.clothes, 0.8) if look.clothes_kind == "suit" else TROUSERS
    if look.clothes_kind == "dress":
        legs = SKIN
    return {"skin": SKIN, "hair": look.hair, "cloth": look.clothes, "legs": legs, "shoes": SHOES,
            "trim": shade(look.clothes, 0.72) if sum(look.clothes) > 200 else shade(look.clothes, 1.35)}


def _hair_back(ink: _Ink, style: str, hx: float, hy: float, r: float, col: RGB, tilt: float) -> None:
    """Hair behind the head: the volume that frames the face and falls to the shoulders."""
    rx = r * 0.86
    if style == "long":
        pts = _oval_pts(hx, hy - 0.05 * r, rx * 1.22, r * 1.12, 0, 16, math.pi, 2 * math.pi)
        pts += [(hx + rx * 1.35, hy + 1.6 * r), (hx + rx * 1.1, hy + 2.7 * r),
                (hx - rx * 1.1, hy + 2.7 * r), (hx - rx * 1.35, hy + 1.6 * r)]
        ink.poly(_turn(pts, tilt, (hx, hy)), col)
    elif style == "bob":
        pts = _oval_pts(hx, hy - 0.05 * r, rx * 1.28, r * 1.14, 0, 16, math.pi, 2 * math.pi)
        pts += [(hx + rx * 1.34, hy + 0.95 * r), (hx - rx * 1.34, hy + 0.95 * r)]
        ink.poly(_turn(pts, tilt, (hx, hy)), col)
    elif style == "curly":
        for k in range(9):
            t = math.pi * (0.85 + 1.3 * k / 8)
            ink.oval(hx + math.cos(t + tilt) * rx * 1.08, hy + math.sin(t + tilt) * r * 1.0, r * 0.42, r * 0.42, col)
    elif style == "braided":
        ink.oval(hx, hy - 0.08 * r, rx * 1.1, r * 1.06, col)
        for side in (-1, 1):
            for k in range(5):
                ink.oval(hx + side * rx * (1.05 - 0.06 * k), hy + r * (0.6 + 0.5 * k), r * 0.26, r * 0.3, col)
    elif style == "short":
        ink.oval(hx, hy - 0.12 * r, rx * 1.1, r * 1.02, col)
    else:  # buzz: nothing behind, a thin cap in front
        pass


def _hair_front(ink: _Ink, style: str, hx: float, hy: float, r: float, col: RGB, tilt: float) -> None:
    """The hair over the top of the head and the forehead."""
    rx = r * 0.86
    depth = {"buzz": -0.42, "short": -0.3, "long": -0.25, "bob": -0.12, "curly": -0.35, "braided": -0.38}[style]
    grow = {"buzz": 1.03, "short": 1.08, "long": 1.1, "bob": 1.14, "curly": 1.1, "braided": 1.06}[style]
    pts = _oval_pts(hx, hy, rx * grow, r * grow, 0, 18, math.pi * 1.0, math.pi * 2.0)
    pts += [(hx + rx * grow, hy + depth * r * 0.3), (hx + rx * 0.2, hy + depth * r), (hx - rx * 0.5, hy + depth * r * 0.8),
            (hx - rx * grow, hy + depth * r * 0.2)]
    ink.poly(_turn(pts, tilt, (hx, hy)), col, rim=False)
    if style == "curly":
        for k in range(5):
            t = math.pi * (1.1 + 0.8 * k / 4)
            ink.oval(hx + math.cos(t + tilt) * rx * 0.9, hy + math.sin(t + tilt) * r * 0.92, r * 0.3, r * 0.3, col, rim=False)


def _person(ink: _Ink, look: Look | None, paint: Paint, at: _Place, pose: dict[str, Pt] | None = None,
            head_r: float = HEAD_R, tilt: float = 0.0, gown: bool = False) -> None:
    """One person in `pose`, placed by `at`, in the look's hair and clothes (a silhouette without)."""
    p = {k: at(v) for k, v in (pose or STAND).items()}
    s = at.s
    c = _colours(look, paint)
    kind = "dress" if gown else (look.clothes_kind if look else "jacket")
    style = look.hair_style if look else "short"
    hx, hy = p["head"]
    r = head_r * s
    arm_w, leg_w = 0.056 * s, 0.076 * s
    if at.flip:
        tilt = -tilt
    _hair_back(ink, style, hx, hy, r, c["hair"], tilt)
    if kind == "hoodie":  # the hood, down, behind the neck
        ink.oval(hx, hy + 1.15 * r, r * 1.05, r * 0.75, shade(c["cloth"], 0.85))
    # Legs, then the garment over their tops.
    for side in "LR":
        hip, kn, ft = p["hip" + side], p["kn" + side], p["ft" + side]
        ink.line([hip, kn], c["legs"], leg_w, cap=True)
        ink.line([kn, ft], c["legs"], leg_w * 0.82, cap=True)
        toe = 1 if ft[0] >= hip[0] else -1
        ink.oval(ft[0] + toe * 0.018 * s, ft[1] + 0.008 * s, 0.045 * s, 0.022 * s, c["shoes"])
    shL, shR, hipL, hipR = p["shL"], p["shR"], p["hipL"], p["hipR"]
    mid_sh = ((shL[0] + shR[0]) / 2, (shL[1] + shR[1]) / 2)
    mid_hip = ((hipL[0] + hipR[0]) / 2, (hipL[1] + hipR[1]) / 2)
    down = (mid_hip[0] - mid_sh[0], mid_hip[1] - mid_sh[1])
    if kind in ("coat", "raincoat", "dress"):
        hem = 0.3 if kind == "coat" else 0.22 if kind == "raincoat" else 0.24
        if gown:
            hem = 0.44
        flare = (0.16 if gown else 0.06) * s
        k = hem * s / max(1e-6, math.hypot(*down))
        hemc = (mid_hip[0] + down[0] * k, min(0.99, mid_hip[1] + down[1] * k))  # a leap must not carry it out of the box
        wid = (hipR[0] - hipL[0]) / 2 + flare
        ink.poly([(hipL[0] - 0.02 * s, hipL[1] - 0.04 * s), (hipR[0] + 0.02 * s, hipR[1] - 0.04 * s),
                  (hemc[0] + wid, hemc[1]), (hemc[0] - wid, hemc[1])], c["cloth"])
    # Torso.
    waist = 0.012 * s
    top = [(shL[0] + 0.02 * s, shL[1] - 0.012 * s), (shR[0] - 0.02 * s, shR[1] - 0.012 * s)]
    ink.poly([(shL[0] - 0.012 * s, shL[1] + 0.02 * s), *top, (shR[0] + 0.012 * s, shR[1] + 0.02 * s),
              (hipR[0] + waist, hipR[1] + 0.01 * s), (hipL[0] - waist, hipL[1] + 0.01 * s)], c["cloth"])
    # Arms: sleeves to the wrist, skin hands.
    for side in "LR":
        sh, el, ha = p["sh" + side], p["el" + side], p["ha" + side]
        sleeve = c["cloth"] if kind != "dress" else c["skin"]
        ink.line([sh, el], c["cloth"], arm_w, cap=True)
        ink.line([el, ha], sleeve, arm_w * 0.86, cap=True)
        ink.oval(ha[0], ha[1], arm_w * 0.55, arm_w * 0.62, c["skin"])
    # Neck and head.
    ink.line([(hx * 0.5 + mid_sh[0] * 0.5, hy + r * 0.7), (mid_sh[0], mid_sh[1] - 0.005 * s)], c["skin"], r * 0.75)
    ink.poly(_oval_pts(hx, hy, r * 0.86, r, tilt, 24), c["skin"])
    _hair_front(ink, style, hx, hy, r, c["hair"], tilt)
    if look is None:
        return
    # Details that tell the garment: lapels, tie, collar, buttons, pocket.
    mx, my = mid_sh
    dn = (mid_hip[0] - mx, mid_hip[1] - my)
    if kind in ("suit", "jacket", "coat"):
        inner = (236, 236, 230) if kind == "suit" else shade(c["cloth"], 0.6) if kind == "coat" else (225, 225, 218)
        ink.poly([(mx - 0.04 * s, my - 0.01 * s), (mx + 0.04 * s, my - 0.01 * s), (mx + dn[0] * 0.55, my + dn[1] * 0.55)], inner, rim=False)
        if kind == "suit":
            ink.line([(mx, my), (mx + dn[0] * 0.5, my + dn[1] * 0.5)], (150, 30, 40), 0.016 * s, rim=False)
        ink.line([(mx + dn[0] * 0.55, my + dn[1] * 0.55), (mx + dn[0] * 1.0, my + dn[1] * 1.0)], c["trim"], 0.006 * s, rim=False)
    elif kind == "raincoat":
        for k in range(4):
            t = 0.2 + 0.22 * k
            ink.oval(mx + dn[0] * t + 0.02 * s, my + dn[1] * t, 0.009 * s, 0.009 * s, c["trim"], rim=False)
        ink.line([(hipL[0] - 0.02 * s, hipL[1] - 0.05 * s), (hipR[0] + 0.02 * s, hipR[1] - 0.05 * s)], c["trim"], 0.014 * s, rim=False)
    elif kind == "hoodie":
        ink.poly([(mx - 0.055 * s + dn[0] * 0.7, my + dn[1] * 0.7), (mx + 0.055 * s + dn[0] * 0.7, my + dn[1] * 0.7),
                  (mx + 0.07 * s + dn[0] * 0.95, my + dn[1] * 0.95), (mx - 0.07 * s + dn[0] * 0.95, my + dn[1] * 0.95)], c["trim"], rim=False)
        ink.line([(mx - 0.02 * s, my), (mx - 0.025 * s, my + dn[1] * 0.35)], c["trim"], 0.005 * s, rim=False)
        ink.line([(mx + 0.02 * s, my), (mx + 0.025 * s, my + dn[1] * 0.35)], c["trim"], 0.005 * s, rim=False)
    elif kind == "shirt":
        ink.poly([(mx - 0.035 * s, my - 0.012 * s), (mx, my + 0.03 * s), (mx + 0.035 * s, my - 0.012 * s), (mx, my + 0.005 * s)], c["trim"], rim=False)
        ink.line([(hipL[0] - 0.01 * s, hipL[1]), (hipR[0] + 0.01 * s, hipR[1])], (40, 30, 26), 0.014 * s, rim=False)
    elif kind == "dress":
        ink.line([(hipL[0] - 0.01 * s, hipL[1] - 0.05 * s), (hipR[0] + 0.01 * s, hipR[1] - 0.05 * s)], c["trim"], 0.012 * s, rim=False)


def _partner(look: Look | None) -> Look | None:
    """The other one of a couple: a look that differs from `look` in hair and clothes."""
    if look is None:
        return None
    hair = (28, 24, 26) if sum(look.hair) > 300 else (238, 206, 118)
    clothes = (236, 236, 230) if sum(look.clothes) < 450 else (52, 88, 180)
    style = "long" if look.hair_style in ("short", "buzz") else "short"
    kind = "dress" if look.clothes_kind in ("suit", "jacket", "shirt", "hoodie") else "suit"
    return Look(hair, style, clothes, kind)


def _person_regions(at: _Place, aspect: float, pose: dict[str, Pt] | None = None, head_r: float = HEAD_R,
                    close_w: float = 2.0) -> tuple[tuple[float, float, float, float], tuple[float, float, float, float]]:
    """Medium (head to waist) and close (head and shoulders) unit regions of a placed person."""
    p = pose or STAND
    hx, hy = at(p["head"])
    r = head_r * at.s
    hip_y = at(p["hipL"])[1]
    top = hy - 1.15 * r
    med_h = hip_y + 0.02 * at.s - top
    cl_top = hy - 0.85 * r
    cl_h = 3.0 * r
    cu = hx / aspect
    half_m = min(med_h * 0.55 / aspect, cu, 1 - cu)  # kept inside the box, centred on the head
    half_c = min(cl_h * close_w / 2 / aspect, cu, 1 - cu)
    med = (cu - half_m, top, cu + half_m, hip_y + 0.02 * at.s)
    close = (cu - half_c, cl_top, cu + half_c, cl_top + cl_h)
    return med, close


def figure(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A standing person, arms easy at the sides."""
    ink = _Ink(pen, 0.4, paint)
    _person(ink, look, paint, _Place(0.2, 0.0, 1.0))
    ink.flush()


SINGER_POSE = _pose(head=(0.035, 0.082), shL=(-0.1, 0.205), shR=(0.115, 0.2), elL=(-0.2, 0.3), haL=(-0.3, 0.33),
                    elR=(0.2, 0.28), haR=(0.13, 0.155), hipL=(-0.065, 0.52), hipR=(0.07, 0.52),
                    knL=(-0.15, 0.74), ftL=(-0.22, 0.962), knR=(0.12, 0.74), ftR=(0.16, 0.962))


def singer(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A singer at a microphone stand, one hand on the mic, the other flung out."""
    ink = _Ink(pen, 0.72, paint)
    at = _Place(0.36, 0.0, 1.0)
    stand = _second(paint) if look is None else (40, 40, 46)
    base, mic = at((0.34, 0.965)), at((0.155, 0.12))
    ink.line([base, mic], stand, 0.014, cap=True)
    for dx in (-0.07, 0.07):
        ink.line([at((0.34, 0.93)), at((0.34 + dx, 0.972))], stand, 0.012)
    _person(ink, look, paint, at, SINGER_POSE, tilt=-0.12)
    ink.poly(_oval_pts(*at((0.15, 0.118)), 0.026, 0.017, -0.6, 14), (60, 60, 66) if look else stand)
    ink.flush()


DANCER_POSE = _pose(head=(0.03, 0.08), shL=(-0.1, 0.2), shR=(0.12, 0.2), elL=(-0.2, 0.1), haL=(-0.27, -0.02),
                    elR=(0.22, 0.1), haR=(0.3, 0.0), hipL=(-0.05, 0.5), hipR=(0.08, 0.5), knL=(-0.22, 0.56),
                    ftL=(-0.42, 0.62), knR=(0.26, 0.46), ftR=(0.46, 0.54))


def dancer(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A dancer in a leap: arms thrown up, legs split."""
    ink = _Ink(pen, 1.2, paint)
    _person(ink, look, paint, _Place(0.6, 0.12, 1.22), DANCER_POSE, tilt=0.1)
    ink.flush()


def couple(pen: Pen, paint: Paint, look: Look | None) -> None:
    """Two people side by side holding hands."""
    ink = _Ink(pen, 0.78, paint)
    left = _Place(0.2, 0.04, 0.96)
    right = _Place(0.56, 0.0, 1.0)
    _person(ink, look, paint, left, _pose(haR=(0.19, 0.45), elR=(0.16, 0.34)), tilt=0.08)
    ink.flush()
    _person(ink, _partner(look), paint, right, _pose(haL=(-0.16, 0.46), elL=(-0.15, 0.34)), tilt=-0.06)
    ink.flush()


CHILD_POSE = _pose(head=(0.0, 0.11), shL=(-0.12, 0.28), shR=(0.12, 0.28), elL=(-0.17, 0.42), elR=(0.2, 0.36),
                   haL=(-0.16, 0.56), haR=(0.28, 0.26), hipL=(-0.075, 0.6), hipR=(0.075, 0.6), knL=(-0.08, 0.79),
                   knR=(0.08, 0.79), ftL=(-0.09, 0.962), ftR=(0.09, 0.962))


def child(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A small child, big head, waving."""
    ink = _Ink(pen, 0.75, paint)
    _person(ink, look, paint, _Place(0.33, 0.3, 0.7), CHILD_POSE, head_r=0.105)
    ink.flush()


def crowd(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A crowd seen from behind: rows of heads and shoulders, a few hands up."""
    a = 2.8
    ink = _Ink(pen, a, paint)
    sil = shade(paint.shadow, 0.6)
    rng = np.random.default_rng(7)  # fixed: the same crowd in every shot
    for row, (y, size, col) in enumerate(((0.38, 0.16, mix(sil, paint.mid, 0.3)), (0.55, 0.2, sil))):
        n = 10 if row == 0 else 8
        for k in range(n):
            x = (k + 0.5 + (0.3 if row == 0 else 0)) * a / n + rng.uniform(-0.05, 0.05)
            x = min(a - size * 0.8, max(size * 0.8, x))
            hy = y + rng.uniform(-0.04, 0.04)
            if rng.random() < 0.35:  # a raised hand
                ink.line([(x + size * 0.5, hy + size * 0.6), (x + size * 0.7, hy - size * 0.9)], col, size * 0.22, cap=True)
            ink.poly([(x - size * 0.85, 1.0), (x - size * 0.8, hy + size * 0.75), (x - size * 0.45, hy + size * 0.48),
                      (x + size * 0.45, hy + size * 0.48), (x + size * 0.8, hy + size * 0.75), (x + size * 0.85, 1.0)], col)
            ink.oval(x, hy, size * 0.36, size * 0.43, col)
        ink.flush()


def angel(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A person with great feathered wings spread and a halo."""
    a = 1.05
    ink = _Ink(pen, a, paint)
    at = _Place(a / 2, 0.06, 0.94)
    wing = mix(paint.light, paint.mid, 0.35)
    for side in (-1, 1):
        sx, sy = at((side * 0.08, 0.24))
        pts = [(sx, sy), (sx + side * 0.2, sy - 0.2), (sx + side * 0.42, sy - 0.23), (sx + side * 0.5, sy - 0.16)]
        for k in range(5):  # the feathered trailing edge
            t = k / 4
            pts.append((sx + side * (0.5 - 0.32 * t), sy - 0.1 + 0.5 * t + (0.06 if k % 2 else 0)))
        pts.append((sx + side * 0.06, sy + 0.3))
        ink.poly(pts, wing)
    ink.flush()
    hx, hy = at((0.0, 0.078))
    ink.line(_oval_pts(hx, hy - 0.09, 0.06, 0.018, 0, 24) + [_oval_pts(hx, hy - 0.09, 0.06, 0.018, 0, 24)[0]],
             paint.light, 0.012, rim=False)
    _person(ink, look, paint, at, _pose(haL=(-0.15, 0.46), haR=(0.15, 0.46)))
    ink.flush()
    ink.glow(hx, hy - 0.09, 0.1, paint.light, 0.5)


def ghost(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A sheet ghost drifting sideways: round head, arms out, a long tail trailing behind."""
    a = 1.1
    ink = _Ink(pen, a, paint)
    col = mix(paint.light, paint.mid, 0.3)
    cx = 0.7
    pts = _oval_pts(cx, 0.3, 0.22, 0.25, 0, 20, math.pi * 0.95, 2.05 * math.pi)
    pts += [(cx + 0.36, 0.4), (cx + 0.38, 0.47), (cx + 0.22, 0.5), (cx + 0.18, 0.7), (cx + 0.04, 0.66),
            (cx - 0.08, 0.8), (cx - 0.22, 0.76), (cx - 0.4, 0.92), (cx - 0.66, 0.97), (cx - 0.5, 0.84),
            (cx - 0.38, 0.62), (cx - 0.3, 0.52), (cx - 0.36, 0.46), (cx - 0.22, 0.4)]
    ink.poly(pts, col)
    ink.flush()
    dark = shade(paint.shadow, 0.5)
    ink.oval(cx - 0.04, 0.27, 0.035, 0.05, dark, rim=False)
    ink.oval(cx + 0.1, 0.27, 0.035, 0.05, dark, rim=False)
    ink.oval(cx + 0.04, 0.4, 0.035, 0.045, dark, rim=False)
    ink.flush()
    ink.glow(cx, 0.45, 0.4, paint.light, 0.35)


# ---------------------------------------------------------------------------------------------
# Animals


def horse(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A horse in profile, one foreleg raised: long neck, mane, tail."""
    ink = _Ink(pen, 1.3, paint)
    body, far = _body(paint), _second(paint)
    mane = mix(paint.shadow, paint.light, 0.15)
    # Far legs first, in the second tone.
    ink.line([(0.46, 0.56), (0.44, 0.76), (0.48, 0.95)], far, 0.045, cap=True)
    ink.line([(0.86, 0.56), (0.9, 0.75), (0.86, 0.95)], far, 0.045, cap=True)
    ink.flush()
    ink.poly([(0.3, 0.36), (0.22, 0.44), (0.17, 0.6), (0.19, 0.72), (0.25, 0.58), (0.3, 0.48)], mane)  # tail
    ink.poly(_oval_pts(0.62, 0.45, 0.33, 0.14, -0.04, 28), body)  # barrel
    ink.poly([(0.78, 0.38), (0.9, 0.24), (0.98, 0.1), (1.06, 0.06), (1.1, 0.14), (1.04, 0.28), (0.98, 0.46), (0.86, 0.52)], body)
    ink.poly([(0.99, 0.08), (1.02, 0.01), (1.05, 0.05), (1.08, 0.06), (1.24, 0.2), (1.26, 0.25), (1.22, 0.28),
              (1.16, 0.27), (1.04, 0.2)], body)  # head and ear
    ink.line([(0.38, 0.5), (0.34, 0.74), (0.38, 0.955)], body, 0.05, cap=True)
    ink.line([(0.9, 0.52), (0.98, 0.7), (0.92, 0.83)], body, 0.05, cap=True)  # raised foreleg
    ink.line([(0.78, 0.54), (0.8, 0.76), (0.78, 0.955)], body, 0.05, cap=True)
    ink.flush()
    ink.poly([(0.99, 0.07), (0.9, 0.18), (0.82, 0.34), (0.86, 0.36), (0.95, 0.22), (1.03, 0.13)], mane, rim=False)
    ink.oval(1.11, 0.13, 0.012, 0.01, paint.light, rim=False)
    ink.flush()


def dog(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A dog standing in profile: pricked ears, tail up."""
    a = 1.5
    ink = _Ink(pen, a, paint)
    body, far = _body(paint), _second(paint)
    ink.line([(0.45, 0.62), (0.42, 0.8), (0.46, 0.96)], far, 0.06, cap=True)
    ink.line([(1.08, 0.62), (1.1, 0.96)], far, 0.06, cap=True)
    ink.flush()
    ink.line([(0.36, 0.5), (0.24, 0.36), (0.2, 0.2)], body, 0.05, cap=True)  # tail
    ink.poly(_oval_pts(0.78, 0.56, 0.42, 0.15, 0, 28), body)
    ink.poly([(1.0, 0.5), (1.08, 0.3), (1.18, 0.22), (1.3, 0.24), (1.28, 0.45), (1.16, 0.6)], body)  # neck
    ink.poly([(1.1, 0.24), (1.12, 0.04), (1.2, 0.16), (1.28, 0.06), (1.3, 0.22), (1.44, 0.28), (1.46, 0.33),
              (1.4, 0.38), (1.22, 0.4)], body)  # head, ears, muzzle
    ink.line([(0.55, 0.6), (0.56, 0.8), (0.52, 0.965)], body, 0.065, cap=True)
    ink.line([(1.0, 0.6), (1.02, 0.965)], body, 0.065, cap=True)
    ink.flush()
    ink.oval(1.3, 0.28, 0.014, 0.014, paint.light, rim=False)
    ink.oval(1.455, 0.31, 0.015, 0.013, shade(paint.shadow, 0.4), rim=False)
    ink.poly([(1.12, 0.42), (1.2, 0.44), (1.22, 0.5), (1.14, 0.52)], paint.accent, rim=False)  # collar
    ink.flush()


def cat(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A cat sitting, seen from the side: pointed ears, curled tail."""
    a = 0.72
    ink = _Ink(pen, a, paint)
    body = _body(paint)
    ink.line([(0.5, 0.95), (0.66, 0.93), (0.7, 0.82), (0.64, 0.74)], body, 0.05)  # tail round the feet
    ink.poly([(0.22, 0.3), (0.14, 0.5), (0.12, 0.75), (0.16, 0.97), (0.56, 0.97), (0.58, 0.78), (0.5, 0.56), (0.36, 0.36)], body)
    ink.poly(_oval_pts(0.27, 0.24, 0.13, 0.11, 0, 22), body)
    ink.poly([(0.15, 0.2), (0.16, 0.04), (0.24, 0.15)], body)
    ink.poly([(0.3, 0.15), (0.39, 0.04), (0.4, 0.2)], body)
    ink.flush()
    for dx in (-0.05, 0.05):
        ink.poly(_oval_pts(0.27 + dx, 0.23, 0.022, 0.014, 0, 10), paint.accent, rim=False)
    ink.flush()


def wolf(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A wolf sitting with its head thrown back, howling."""
    a = 0.9
    ink = _Ink(pen, a, paint)
    body = _body(paint)
    ink.poly([(0.12, 0.95), (0.02, 0.9), (0.06, 0.8), (0.2, 0.84)], body)  # tail
    ink.poly([(0.14, 0.97), (0.14, 0.7), (0.24, 0.52), (0.38, 0.36), (0.5, 0.26), (0.58, 0.36), (0.6, 0.6),
              (0.62, 0.97)], body)
    ink.poly([(0.44, 0.3), (0.46, 0.18), (0.5, 0.04), (0.56, 0.14), (0.62, 0.1), (0.8, 0.0), (0.84, 0.04),
              (0.72, 0.2), (0.66, 0.32), (0.6, 0.4)], body)  # head up, muzzle to the sky
    ink.poly([(0.46, 0.98), (0.5, 0.6), (0.6, 0.6), (0.58, 0.98)], _second(paint))
    ink.flush()
    ink.oval(0.6, 0.15, 0.012, 0.012, paint.light, rim=False)
    ink.flush()


def _gull(ink: _Ink, x: float, y: float, s: float, col: RGB, rim: bool = True, lift: float = 0.0) -> None:
    """A bird in flight, wings in a shallow M, `s` half its wingspan."""
    pts = [(-1.0, -0.38 - lift), (-0.62, -0.2), (-0.3, -0.08), (-0.1, 0.02), (0, -0.02), (0.1, 0.02), (0.3, -0.08),
           (0.62, -0.2), (1.0, -0.38 - lift), (0.7, -0.02), (0.35, 0.12), (0.14, 0.2), (0.0, 0.32), (-0.14, 0.2),
           (-0.35, 0.12), (-0.7, -0.02)]
    ink.poly([(x + px * s, y + py * s) for px, py in pts], col, rim)


def birds(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A flock of birds in flight, one large in front."""
    a = 1.7
    ink = _Ink(pen, a, paint)
    body = _body(paint)
    for x, y, s in ((0.3, 0.18, 0.1), (0.55, 0.1, 0.08), (0.2, 0.42, 0.08), (1.2, 0.12, 0.12), (1.5, 0.3, 0.09),
                    (1.45, 0.7, 0.07), (0.28, 0.78, 0.09), (0.62, 0.9, 0.06)):
        _gull(ink, x, y, s, body, lift=0.1 * ((x * 10) % 3))
    _gull(ink, 0.9, 0.5, 0.42, body)
    ink.flush()


def butterfly(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A butterfly, wings open."""
    a = 1.2
    ink = _Ink(pen, a, paint)
    c = a / 2
    wing = mix(paint.accent, paint.shadow, 0.15)
    for side in (-1, 1):
        ink.poly([(c, 0.45), (c + side * 0.2, 0.1), (c + side * 0.45, 0.02), (c + side * 0.57, 0.12),
                  (c + side * 0.5, 0.38), (c + side * 0.1, 0.52)], wing)
        ink.poly([(c, 0.5), (c + side * 0.36, 0.52), (c + side * 0.44, 0.72), (c + side * 0.3, 0.92),
                  (c + side * 0.14, 0.88), (c, 0.62)], shade(wing, 0.8))
    ink.line([(c, 0.3), (c, 0.78)], _body(paint), 0.05, cap=True)
    ink.flush()
    for side in (-1, 1):
        ink.line([(c, 0.3), (c + side * 0.06, 0.12), (c + side * 0.1, 0.06)], _body(paint), 0.012)
        ink.oval(c + side * 0.38, 0.17, 0.06, 0.05, paint.light, rim=False)
        ink.oval(c + side * 0.28, 0.74, 0.04, 0.05, paint.light, rim=False)
    ink.flush()


# ---------------------------------------------------------------------------------------------
# Vehicles


def _wheel(ink: _Ink, x: float, y: float, r: float, paint: Paint, spokes: int = 0, tyre: float = 0.3) -> None:
    ink.oval(x, y, r, r, shade(paint.shadow, 0.55))
    ink.oval(x, y, r * (1 - tyre), r * (1 - tyre), mix(paint.shadow, paint.light, 0.45), rim=False)
    ink.oval(x, y, r * 0.22, r * 0.22, paint.light, rim=False)


def car(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A vintage car from the side: rounded cab, sweeping fenders, running board."""
    a = 2.4
    ink = _Ink(pen, a, paint)
    body = _body(paint)
    glass = mix(paint.light, paint.shadow, 0.35)
    ink.poly([(0.06, 0.72), (0.04, 0.5), (0.2, 0.42), (0.62, 0.38), (0.78, 0.1), (1.5, 0.08), (1.74, 0.38),
              (2.2, 0.42), (2.34, 0.5), (2.36, 0.72)], body)
    ink.poly(_oval_pts(0.55, 0.62, 0.34, 0.22, 0, 20, math.pi, 2 * math.pi), body)  # rear fender
    ink.poly(_oval_pts(1.88, 0.62, 0.34, 0.22, 0, 20, math.pi, 2 * math.pi), body)  # front fender
    _wheel(ink, 0.55, 0.76, 0.21, paint)
    _wheel(ink, 1.88, 0.76, 0.21, paint)
    ink.flush()
    ink.poly([(0.84, 0.38), (0.9, 0.16), (1.12, 0.15), (1.12, 0.38)], glass, rim=False)
    ink.poly([(1.2, 0.38), (1.2, 0.15), (1.44, 0.16), (1.6, 0.38)], glass, rim=False)
    ink.line([(0.9, 0.7), (1.56, 0.7)], paint.light, 0.018, rim=False)  # running board
    ink.line([(1.22, 0.44), (1.3, 0.44)], paint.light, 0.012, rim=False)  # door handle
    ink.oval(2.3, 0.5, 0.04, 0.05, paint.light, rim=False)  # headlight
    ink.poly([(0.05, 0.5), (0.12, 0.48), (0.12, 0.58), (0.05, 0.58)], paint.accent, rim=False)  # tail light
    ink.flush()
    ink.glow(2.3, 0.5, 0.08, paint.light, 0.4)
    ink.glow(0.08, 0.53, 0.05, paint.accent, 0.5)


def bicycle(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A bicycle from the side: two spoked wheels, diamond frame, saddle and bars."""
    a = 1.7
    ink = _Ink(pen, a, paint)
    rim_col = shade(paint.shadow, 0.55)
    frame = paint.accent
    for x in (0.36, 1.34):
        ink.oval(x, 0.66, 0.32, 0.32, rim_col)
        ink.oval(x, 0.66, 0.27, 0.27, mix(paint.shadow, paint.mid, 0.25), rim=False)
    ink.flush()
    for x in (0.36, 1.34):
        for k in range(8):
            t = k * math.pi / 8
            ink.line([(x - 0.27 * math.cos(t), 0.66 - 0.27 * math.sin(t)), (x + 0.27 * math.cos(t), 0.66 + 0.27 * math.sin(t))],
                     mix(paint.shadow, paint.light, 0.5), 0.008, rim=False)
        ink.oval(x, 0.66, 0.035, 0.035, paint.light, rim=False)
    bb, seat, head = (0.8, 0.7), (0.7, 0.3), (1.2, 0.32)
    ink.line([(0.36, 0.66), bb, head, seat, (0.36, 0.66)], frame, 0.04)
    ink.line([bb, seat], frame, 0.04)
    ink.line([head, (1.24, 0.42), (1.34, 0.66)], frame, 0.04)
    ink.line([seat, (0.68, 0.22)], frame, 0.03)
    ink.poly([(0.58, 0.2), (0.76, 0.19), (0.78, 0.23), (0.62, 0.25)], _body(paint))
    ink.line([head, (1.18, 0.18), (1.1, 0.16)], _body(paint), 0.03, cap=True)
    ink.oval(bb[0], bb[1], 0.07, 0.07, _body(paint))
    ink.flush()


def motorcycle(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A motorcycle from the side: fat wheels, tank, engine, forks, headlight."""
    a = 1.9
    ink = _Ink(pen, a, paint)
    body = _body(paint)
    ink.line([(1.52, 0.7), (1.38, 0.26)], _second(paint), 0.045)  # forks
    ink.poly([(0.4, 0.5), (0.62, 0.36), (0.92, 0.34), (1.0, 0.26), (1.36, 0.28), (1.44, 0.4), (1.2, 0.6), (0.9, 0.72),
              (0.62, 0.7)], body)
    ink.poly([(0.3, 0.44), (0.6, 0.38), (0.9, 0.4), (0.9, 0.45), (0.4, 0.5)], shade(paint.shadow, 0.5))  # seat
    _wheel(ink, 0.42, 0.72, 0.25, paint, tyre=0.38)
    _wheel(ink, 1.52, 0.72, 0.25, paint, tyre=0.38)
    ink.line([(1.36, 0.24), (1.28, 0.12), (1.16, 0.1)], body, 0.03, cap=True)  # bars
    ink.flush()
    ink.poly([(1.0, 0.28), (1.32, 0.3), (1.3, 0.38), (1.04, 0.38)], paint.accent, rim=False)  # tank
    ink.poly([(0.78, 0.5), (1.08, 0.48), (1.1, 0.66), (0.82, 0.68)], _second(paint), rim=False)  # engine
    ink.line([(0.84, 0.7), (0.3, 0.66), (0.12, 0.6)], paint.light, 0.025, rim=False)  # exhaust
    ink.oval(1.46, 0.26, 0.05, 0.05, paint.light, rim=False)
    ink.flush()
    ink.glow(1.46, 0.26, 0.1, paint.light, 0.5)


def boat(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A sailboat: hull, mast, mainsail and jib."""
    a = 0.95
    ink = _Ink(pen, a, paint)
    sail = mix(paint.light, paint.mid, 0.2)
    ink.poly([(0.44, 0.05), (0.44, 0.76), (0.08, 0.72)], sail)
    ink.poly([(0.5, 0.12), (0.84, 0.72), (0.5, 0.74)], mix(sail, paint.shadow, 0.15))
    ink.line([(0.47, 0.02), (0.47, 0.8)], _body(paint), 0.02)
    ink.poly([(0.02, 0.78), (0.93, 0.78), (0.8, 0.95), (0.14, 0.95)], _body(paint))
    ink.flush()
    ink.line([(0.08, 0.84), (0.88, 0.84)], paint.accent, 0.025, rim=False)
    ink.poly([(0.48, 0.02), (0.6, 0.04), (0.48, 0.07)], paint.accent, rim=False)
    ink.flush()


def train(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A steam locomotive pulling a carriage, from the side."""
    a = 3.6
    ink = _Ink(pen, a, paint)
    body = _body(paint)
    ink.poly([(0.05, 0.22), (2.009, 0.22), (2.06, 0.3), (2.06, 0.78), (0.05, 0.78), (0.0, 0.3)], _second(paint))  # carriage
    ink.poly([(2.2, 0.12), (2.62, 0.12), (2.62, 0.36), (3.38, 0.36), (3.38, 0.74), (2.2, 0.74)], body)  # cab, boiler
    ink.poly([(3.12, 0.36), (3.12, 0.14), (3.06, 0.08), (3.3, 0.08), (3.24, 0.14), (3.24, 0.36)], body)  # stack
    ink.poly([(3.38, 0.5), (3.58, 0.86), (3.36, 0.86)], body)  # cowcatcher
    ink.line([(2.06, 0.7), (2.2, 0.7)], body, 0.03)
    for x in (0.37, 1.74):
        _wheel(ink, x, 0.84, 0.12, paint)
    for x in (2.42, 2.78, 3.14):
        _wheel(ink, x, 0.82, 0.15, paint)
    ink.flush()
    win = mix(paint.light, paint.shadow, 0.2 if paint.night else 0.45)
    for k in range(4):
        x = 0.2 + k * 0.46
        ink.poly([(x, 0.32), (x + 0.26, 0.32), (x + 0.26, 0.52), (x, 0.52)], win, rim=False)
    ink.poly([(2.3, 0.2), (2.52, 0.2), (2.52, 0.4), (2.3, 0.4)], win, rim=False)
    ink.line([(2.42, 0.82), (3.14, 0.82)], paint.light, 0.02, rim=False)
    ink.line([(2.7, 0.46), (3.36, 0.46)], paint.accent, 0.02, rim=False)
    ink.oval(3.4, 0.42, 0.04, 0.05, paint.light, rim=False)
    ink.flush()
    ink.glow(3.4, 0.42, 0.1, paint.light, 0.5)


def plane(pen: Pen, paint: Paint, look: Look | None) -> None:
    """An airliner seen from below: swept wings, tailplane, engines."""
    a = 1.6
    ink = _Ink(pen, a, paint)
    body = _body(paint)
    ink.poly([(0.8, 0.44), (0.56, 0.02), (0.46, 0.02), (0.56, 0.44)], body)  # wings
    ink.poly([(0.8, 0.56), (0.56, 0.98), (0.46, 0.98), (0.56, 0.56)], body)
    ink.poly([(0.24, 0.47), (0.12, 0.28), (0.06, 0.28), (0.1, 0.47)], body)  # tail
    ink.poly([(0.24, 0.53), (0.12, 0.72), (0.06, 0.72), (0.1, 0.53)], body)
    ink.poly(_oval_pts(0.8, 0.5, 0.76, 0.07, 0, 30), body)
    ink.oval(0.66, 0.28, 0.07, 0.03, _second(paint))
    ink.oval(0.66, 0.72, 0.07, 0.03, _second(paint))
    ink.flush()
    ink.oval(0.52, 0.06, 0.02, 0.02, paint.accent, rim=False)
    ink.oval(0.52, 0.94, 0.02, 0.02, paint.accent, rim=False)
    ink.flush()
    ink.glow(0.52, 0.06, 0.04, paint.accent, 0.6)
    ink.glow(0.52, 0.94, 0.04, paint.accent, 0.6)


# ---------------------------------------------------------------------------------------------
# Music


def radio(pen: Pen, paint: Paint, look: Look | None) -> None:
    """An old cathedral radio: arched wooden case, speaker grille, dial and knobs."""
    a = 1.0
    ink = _Ink(pen, a, paint)
    wood = mix(paint.shadow, paint.accent, 0.25)
    ink.poly(_oval_pts(a / 2, 0.46, 0.48, 0.42, 0, 24, math.pi, 2 * math.pi) + [(a / 2 + 0.48, 0.96), (a / 2 - 0.48, 0.96)], wood)
    ink.flush()
    grille = _second(paint)
    ink.poly(_oval_pts(a / 2, 0.42, 0.27, 0.3, 0, 20, math.pi, 2 * math.pi) + [(a / 2 + 0.27, 0.6), (a / 2 - 0.27, 0.6)], grille, rim=False)
    for k in range(7):
        x = a / 2 - 0.21 + k * 0.07
        ink.line([(x, 0.2 if abs(k - 3) < 2 else 0.28), (x, 0.6)], wood, 0.018, rim=False)
    ink.oval(a / 2, 0.76, 0.1, 0.08, mix(paint.light, paint.accent, 0.3), rim=False)  # dial
    ink.line([(a / 2, 0.76), (a / 2 + 0.05, 0.7)], shade(paint.shadow, 0.5), 0.01, rim=False)
    ink.oval(a / 2 - 0.24, 0.78, 0.05, 0.05, paint.light, rim=False)
    ink.oval(a / 2 + 0.24, 0.78, 0.05, 0.05, paint.light, rim=False)
    ink.flush()
    ink.glow(a / 2, 0.76, 0.12, paint.light, 0.4)


def guitar(pen: Pen, paint: Paint, look: Look | None) -> None:
    """An acoustic guitar standing upright: two bouts, sound hole, long neck, headstock."""
    a = 0.42
    ink = _Ink(pen, a, paint)
    wood = mix(paint.shadow, paint.accent, 0.5)
    c = a / 2
    ink.poly([(c - 0.04, 0.0), (c + 0.04, 0.0), (c + 0.035, 0.12), (c - 0.035, 0.12)], _body(paint))
    ink.line([(c, 0.1), (c, 0.52)], _body(paint), 0.042)
    ink.oval(c, 0.56, 0.14, 0.13, wood)
    ink.oval(c, 0.79, 0.195, 0.18, wood)
    ink.poly([(c - 0.12, 0.6), (c + 0.12, 0.6), (c + 0.15, 0.74), (c - 0.15, 0.74)], wood)
    ink.flush()
    ink.oval(c, 0.62, 0.06, 0.06, shade(paint.shadow, 0.4), rim=False)
    ink.poly([(c - 0.07, 0.84), (c + 0.07, 0.84), (c + 0.07, 0.86), (c - 0.07, 0.86)], _body(paint), rim=False)
    for dx in (-0.012, 0.0, 0.012):
        ink.line([(c + dx, 0.1), (c + dx, 0.85)], paint.light, 0.003, rim=False)
    for k in range(3):
        ink.oval(c - 0.05, 0.03 + 0.035 * k, 0.012, 0.01, paint.light, rim=False)
        ink.oval(c + 0.05, 0.03 + 0.035 * k, 0.012, 0.01, paint.light, rim=False)
    ink.flush()


def piano(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A grand piano from the side, lid raised on its prop."""
    a = 1.5
    ink = _Ink(pen, a, paint)
    body = _body(paint)
    ink.poly([(0.16, 0.42), (0.6, 0.04), (1.42, 0.36), (1.36, 0.42)], _second(paint))  # raised lid
    ink.line([(0.9, 0.42), (0.86, 0.24)], body, 0.015)
    ink.poly([(0.1, 0.42), (1.44, 0.42), (1.46, 0.52), (1.3, 0.6), (0.1, 0.6)], body)
    for x in (0.2, 1.28):
        ink.poly([(x - 0.04, 0.6), (x + 0.04, 0.6), (x + 0.03, 0.95), (x - 0.03, 0.95)], body)
    ink.line([(0.7, 0.6), (0.7, 0.92)], body, 0.02)
    ink.poly([(0.64, 0.92), (0.76, 0.92), (0.76, 0.95), (0.64, 0.95)], body)
    ink.flush()
    ink.poly([(0.04, 0.44), (0.14, 0.44), (0.14, 0.5), (0.04, 0.5)], paint.light)  # keys
    ink.flush()
    ink.line([(0.12, 0.56), (1.32, 0.56)], paint.accent, 0.01, rim=False)


def drums(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A drum kit: bass drum with its skin facing us, toms, snare, cymbals on stands."""
    a = 1.5
    ink = _Ink(pen, a, paint)
    body, metal = _body(paint), mix(paint.light, paint.mid, 0.3)
    for x, top in ((0.14, 0.22), (1.36, 0.16)):
        ink.line([(x, top), (x, 0.96)], body, 0.016)
        ink.line([(x - 0.08, 0.97), (x, 0.88), (x + 0.08, 0.97)], body, 0.012)
    ink.poly(_oval_pts(0.14, 0.22, 0.16, 0.03, -0.1, 18), metal)
    ink.poly(_oval_pts(1.36, 0.16, 0.15, 0.03, 0.12, 18), metal)
    ink.poly([(0.18, 0.52), (0.46, 0.52), (0.46, 0.66), (0.18, 0.66)], _second(paint))  # snare
    ink.oval(0.32, 0.52, 0.14, 0.035, paint.light)
    ink.poly([(1.06, 0.5), (1.3, 0.5), (1.3, 0.92), (1.06, 0.92)], _second(paint))  # floor tom
    ink.oval(1.18, 0.5, 0.12, 0.035, paint.light)
    ink.oval(0.58, 0.36, 0.12, 0.1, _second(paint))  # rack toms
    ink.oval(0.9, 0.36, 0.12, 0.1, _second(paint))
    ink.oval(0.74, 0.66, 0.3, 0.3, body)  # bass drum
    ink.flush()
    ink.oval(0.74, 0.66, 0.24, 0.24, mix(paint.light, paint.mid, 0.2), rim=False)
    ink.oval(0.74, 0.66, 0.1, 0.1, paint.accent, rim=False)
    ink.flush()


def record(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A vinyl record sliding out of its sleeve."""
    a = 2.0
    ink = _Ink(pen, a, paint)
    vinyl = shade(paint.shadow, 0.45)
    ink.oval(0.5, 0.5, 0.46, 0.46, vinyl)
    ink.flush()
    for rr in (0.4, 0.34, 0.28, 0.22):
        ink.line(_oval_pts(0.5, 0.5, rr, rr, 0, 30, math.pi - 0.9, math.pi + 0.9), mix(vinyl, paint.light, 0.25), 0.004, rim=False)
    ink.oval(0.5, 0.5, 0.14, 0.14, paint.accent, rim=False)
    ink.oval(0.5, 0.5, 0.015, 0.015, paint.shadow, rim=False)
    ink.flush()
    ink.poly([(0.86, 0.04), (1.96, 0.04), (1.96, 0.96), (0.86, 0.96)], mix(paint.mid, paint.shadow, 0.3))
    ink.flush()
    for k in range(4):
        ink.line([(0.98, 0.2 + 0.18 * k), (1.84, 0.2 + 0.18 * k)], mix(paint.accent, paint.mid, 0.4), 0.05, rim=False)
    ink.flush()


def violin(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A violin lying at a slant with its bow across the strings: two bouts, waist, f-holes, scroll."""
    a = 0.95
    ink = _Ink(pen, a, paint)
    t, c = 0.62, (a / 2, 0.5)  # drawn upright about c, then turned

    def T(pts: Sequence[Pt]) -> list[Pt]:
        return _turn(pts, t, c)

    x = a / 2
    wood = mix(paint.shadow, paint.accent, 0.5)
    dark = shade(paint.shadow, 0.5)
    ink.poly(T(_oval_pts(x, 0.44, 0.135, 0.12, 0, 20)), wood)  # upper bout
    ink.poly(T(_oval_pts(x, 0.8, 0.165, 0.15, 0, 20)), wood)  # lower bout
    ink.poly(T([(x - 0.1, 0.5), (x - 0.07, 0.6), (x - 0.1, 0.7), (x + 0.1, 0.7), (x + 0.07, 0.6), (x + 0.1, 0.5)]), wood)
    ink.poly(T([(x - 0.025, 0.06), (x + 0.025, 0.06), (x + 0.02, 0.34), (x - 0.02, 0.34)]), wood)  # neck, pegbox
    ink.poly(T(_oval_pts(x, 0.045, 0.04, 0.04, 0, 14)), wood)  # scroll
    ink.flush()
    ink.poly(T(_oval_pts(x, 0.045, 0.018, 0.018, 0, 10)), dark, rim=False)
    ink.poly(T([(x - 0.022, 0.16), (x + 0.022, 0.16), (x + 0.03, 0.6), (x - 0.03, 0.6)]), dark, rim=False)  # fingerboard
    for s in (-1, 1):
        ink.line(T([(x + s * 0.068, 0.61), (x + s * 0.058, 0.66), (x + s * 0.07, 0.72), (x + s * 0.062, 0.77)]), dark, 0.008, rim=False)
        for fx, fy in ((x + s * 0.068, 0.61), (x + s * 0.062, 0.77)):
            ink.poly(T(_oval_pts(fx, fy, 0.01, 0.01, 0, 8)), dark, rim=False)
        for k in range(2):
            ink.line(T([(x + s * 0.03, 0.1 + 0.05 * k), (x + s * 0.055, 0.1 + 0.05 * k)]), dark, 0.014, rim=False)  # pegs
    ink.poly(T([(x - 0.035, 0.8), (x + 0.035, 0.8), (x + 0.025, 0.93), (x - 0.025, 0.93)]), dark, rim=False)  # tailpiece
    for dx in (-0.012, -0.004, 0.004, 0.012):
        ink.line(T([(x + dx, 0.08), (x + dx * 1.6, 0.82)]), paint.light, 0.0035, rim=False)
    ink.line(T([(x - 0.05, 0.74), (x + 0.05, 0.74)]), paint.light, 0.014, rim=False)  # bridge
    ink.flush()
    # The bow, across the strings at the bridge
    b0, b1 = (0.04, 0.42), (0.92, 0.82)
    ink.line([b0, b1], shade(paint.shadow, 0.7), 0.016)
    ink.line([(b0[0] + 0.03, b0[1] + 0.04), (b1[0] - 0.07, b1[1] + 0.01)], paint.light, 0.006, rim=False)
    ink.poly([(b1[0] - 0.09, b1[1] - 0.035), (b1[0] - 0.03, b1[1] - 0.01), (b1[0] - 0.05, b1[1] + 0.04), (b1[0] - 0.1, b1[1] + 0.02)],
             paint.accent)  # frog
    ink.flush()


def flute(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A silver flute lying flat: long tube, lip plate near the crown, a row of round keys on rods."""
    a = 5.0
    ink = _Ink(pen, a, paint)
    metal = mix(paint.mid, paint.light, 0.55)
    y0, y1 = 0.4, 0.6
    ink.poly([(0.1, y0), (4.9, y0), (4.9, y1), (0.1, y1)], metal)
    ink.poly([(0.04, y0 - 0.02), (0.12, y0 - 0.02), (0.12, y1 + 0.02), (0.04, y1 + 0.02)], metal)  # crown
    for xj in (1.05, 3.9):  # joints
        ink.poly([(xj, y0 - 0.025), (xj + 0.1, y0 - 0.025), (xj + 0.1, y1 + 0.025), (xj, y1 + 0.025)], metal)
    ink.poly([(0.42, y0 - 0.06), (0.78, y0 - 0.06), (0.74, y0 + 0.04), (0.46, y0 + 0.04)], metal)  # lip plate
    keys = [1.5, 1.78, 2.06, 2.42, 2.7, 2.98, 3.26, 3.58, 4.2, 4.5]
    for xk in keys:  # key cups, seen from the side on top of the tube
        ink.oval(xk, y0 + 0.005, 0.1, 0.055, metal)
    ink.flush()
    ink.poly([(0.1, 0.54), (4.9, 0.54), (4.9, y1), (0.1, y1)], shade(metal, 0.72), rim=False)
    ink.oval(0.6, y0 - 0.01, 0.08, 0.035, shade(paint.shadow, 0.6), rim=False)  # embouchure hole
    ink.line([(1.3, y0 - 0.005), (4.7, y0 - 0.005)], paint.light, 0.02, rim=False)  # key rod
    for i, xk in enumerate(keys):
        ink.oval(xk, y0 - 0.005, 0.08, 0.035, paint.light, rim=False)
        ink.oval(xk, y0 - 0.005, 0.03, 0.014, paint.accent if i % 2 else shade(paint.shadow, 0.6), rim=False)
    ink.flush()


def harp(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A concert harp from the side: carved pillar, curving neck, sloping soundbox, a fan of strings."""
    a = 0.8
    ink = _Ink(pen, a, paint)
    gold = mix(paint.light, (236, 186, 60), 0.6)
    wood = mix(paint.shadow, paint.accent, 0.45)
    neck = [(0.13, 0.12), (0.24, 0.2), (0.36, 0.22), (0.48, 0.14), (0.6, 0.08), (0.7, 0.1), (0.76, 0.18)]
    box_lo, box_hi = (0.26, 0.9), (0.74, 0.2)

    def on(p: Sequence[Pt], xq: float) -> float:  # y of the polyline p at x
        for (xa, ya), (xb, yb) in zip(p, p[1:]):
            if xa <= xq <= xb:
                return ya + (yb - ya) * (xq - xa) / (xb - xa)
        return p[-1][1]

    ink.poly([(0.06, 0.9), (0.42, 0.9), (0.46, 0.97), (0.03, 0.97)], gold)  # base
    ink.poly([(0.09, 0.14), (0.17, 0.14), (0.165, 0.9), (0.095, 0.9)], gold)  # pillar
    ink.poly(_oval_pts(0.13, 0.08, 0.07, 0.06, 0, 16), gold)  # crown
    ink.poly([(0.18, 0.92), (0.42, 0.92), (0.79, 0.22), (0.7, 0.16)], wood)  # soundbox
    ink.line(neck, wood, 0.06, cap=True)
    ink.flush()
    for k in range(16):
        xs = 0.2 + 0.032 * k
        yb = box_lo[1] + (box_hi[1] - box_lo[1]) * (xs - 0.18) / (0.72 - 0.18)
        ink.line([(xs, on(neck, xs) + 0.02), (xs, yb)], paint.accent if k % 7 == 0 else paint.light, 0.007, rim=False)
    ink.line([(0.26, 0.86), (0.72, 0.22)], shade(wood, 0.7), 0.012, rim=False)
    ink.oval(0.13, 0.08, 0.03, 0.03, paint.accent, rim=False)
    ink.flush()


def synth(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A synthesizer keyboard on an X stand: knobs and a lit screen over a row of black and white keys."""
    a = 2.9
    ink = _Ink(pen, a, paint)
    body = _body(paint)
    x0, x1 = 0.08, a - 0.08
    for xa, xb in ((0.55, a - 0.55), (a - 0.55, 0.55)):
        ink.line([(xa, 0.56), (xb, 0.95)], body, 0.045)
    for xf in (0.55, a - 0.55):
        ink.line([(xf - 0.14, 0.96), (xf + 0.14, 0.96)], body, 0.035, cap=True)
    ink.poly([(x0, 0.2), (x1, 0.2), (x1 + 0.02, 0.58), (x0 - 0.02, 0.58)], body)
    ink.flush()
    kx0, kx1, ky0, ky1 = 0.34, x1 - 0.06, 0.36, 0.56
    white = mix(paint.light, (255, 255, 255), 0.3)
    ink.poly([(kx0, ky0), (kx1, ky0), (kx1, ky1), (kx0, ky1)], white, rim=False)
    n = 36
    kw = (kx1 - kx0) / n
    edge = shade(white, 0.55)
    for k in range(1, n):
        ink.line([(kx0 + k * kw, ky0), (kx0 + k * kw, ky1)], edge, 0.004, rim=False)
    for k in range(n - 1):
        if k % 7 in (0, 1, 3, 4, 5):
            xb = kx0 + (k + 1) * kw
            ink.poly([(xb - kw * 0.3, ky0), (xb + kw * 0.3, ky0), (xb + kw * 0.3, ky0 + 0.12), (xb - kw * 0.3, ky0 + 0.12)],
                     shade(paint.shadow, 0.5), rim=False)
    for xw in (0.15, 0.24):  # pitch and mod wheels
        ink.poly([(xw - 0.03, 0.4), (xw + 0.03, 0.4), (xw + 0.03, 0.54), (xw - 0.03, 0.54)], shade(paint.shadow, 0.5), rim=False)
    ink.poly([(1.06, 0.245), (1.5, 0.245), (1.5, 0.32), (1.06, 0.32)], paint.accent, rim=False)  # screen
    for k in range(5):
        ink.oval(0.22 + 0.16 * k, 0.28, 0.035, 0.035, paint.light, rim=False)
        ink.line([(1.66 + 0.12 * k, 0.24), (1.66 + 0.12 * k, 0.33)], shade(paint.shadow, 0.5), 0.014, rim=False)
        ink.poly([(1.63 + 0.12 * k, 0.27 + 0.012 * (k % 3)), (1.69 + 0.12 * k, 0.27 + 0.012 * (k % 3)),
                  (1.69 + 0.12 * k, 0.3 + 0.012 * (k % 3)), (1.63 + 0.12 * k, 0.3 + 0.012 * (k % 3))], paint.light, rim=False)
    ink.flush()
    ink.glow(1.28, 0.28, 0.2, paint.accent, 0.35)


def sitar(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A sitar held aslant: a big round gourd, a long broad neck with arched frets, a second small gourd up top."""
    a = 1.05
    ink = _Ink(pen, a, paint)
    t, c = -0.72, (a / 2, 0.5)

    def T(pts: Sequence[Pt]) -> list[Pt]:
        return _turn(pts, t, c)

    x = a / 2
    wood = mix(paint.shadow, paint.accent, 0.5)
    ink.poly(T(_oval_pts(x + 0.005, 0.2, 0.085, 0.085, 0, 16)), shade(wood, 0.85))  # the small top gourd
    ink.poly(T([(x - 0.05, -0.02), (x + 0.05, -0.02), (x + 0.05, 0.7), (x - 0.05, 0.7)]), wood)  # the neck
    ink.poly(T(_oval_pts(x, 0.8, 0.2, 0.18, 0, 24)), wood)  # the big gourd
    for k in range(4):
        ink.line(T([(x - 0.05, 0.08 + 0.09 * k), (x - 0.09, 0.08 + 0.09 * k)]), wood, 0.022, cap=True)  # pegs
    ink.flush()
    ink.poly(T(_oval_pts(x, 0.8, 0.15, 0.13, 0, 20)), shade(wood, 0.78), rim=False)
    ink.poly(T(_oval_pts(x, 0.8, 0.09, 0.08, 0, 16)), paint.accent, rim=False)
    ink.poly(T([(x - 0.035, 0.85), (x + 0.035, 0.85), (x + 0.035, 0.88), (x - 0.035, 0.88)]), paint.light, rim=False)  # bridge
    for k in range(12):
        y = 0.06 + 0.048 * k
        ink.line(T([(x - 0.04, y + 0.008), (x, y - 0.004), (x + 0.04, y + 0.008)]), paint.light, 0.006, rim=False)  # frets
    for dx in (-0.015, 0.0, 0.015):
        ink.line(T([(x + dx, 0.0), (x + dx, 0.87)]), mix(paint.light, paint.mid, 0.3), 0.003, rim=False)
    ink.flush()


# ---------------------------------------------------------------------------------------------
# Plants


def flowers(pen: Pen, paint: Paint, look: Look | None) -> None:
    """Roses: a few blooms on stems with leaves, one large bloom in front."""
    a = 0.85
    ink = _Ink(pen, a, paint)
    stem = mix(paint.shadow, (40, 120, 60), 0.5)
    bloom = paint.accent
    for (x, y), (bx, by) in (((0.42, 0.98), (0.42, 0.32)), ((0.4, 0.98), (0.18, 0.22)), ((0.44, 0.98), (0.68, 0.2))):
        ink.line([(x, y), ((x + bx) / 2, (y + by) / 2 + 0.05), (bx, by)], stem, 0.025)
    for x, y, ang in ((0.3, 0.66, -0.6), (0.56, 0.6, 0.6), (0.36, 0.82, -0.4)):
        ink.poly(_oval_pts(x, y, 0.1, 0.04, ang, 14), stem)
    for x, y, r in ((0.18, 0.2, 0.13), (0.68, 0.18, 0.13), (0.42, 0.3, 0.2)):
        ink.poly(_star_pts(x, y, r * 0.85, r * 1.02, 7, 0.3), bloom)
    ink.flush()
    for x, y, r in ((0.18, 0.2, 0.13), (0.68, 0.18, 0.13), (0.42, 0.3, 0.2)):
        dark = shade(bloom, 0.7)
        ink.line(_oval_pts(x, y, r * 0.6, r * 0.55, 0.4, 16, 0, 1.7 * math.pi), dark, r * 0.08, rim=False)
        ink.line(_oval_pts(x + r * 0.05, y, r * 0.3, r * 0.28, 1.2, 12, 0, 1.6 * math.pi), dark, r * 0.08, rim=False)
    ink.flush()


def tree(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A broad tree: trunk and branches under a round, clumped crown."""
    a = 0.95
    ink = _Ink(pen, a, paint)
    c = a / 2
    ink.poly([(c - 0.06, 0.98), (c - 0.03, 0.5), (c - 0.18, 0.36), (c - 0.15, 0.34), (c, 0.45), (c + 0.12, 0.3),
              (c + 0.15, 0.32), (c + 0.04, 0.5), (c + 0.07, 0.98)], _body(paint))
    leaves = mix(paint.shadow, paint.mid, 0.55)
    for x, y, r in ((c, 0.2, 0.2), (c - 0.24, 0.32, 0.17), (c + 0.25, 0.3, 0.18), (c - 0.14, 0.14, 0.14),
                    (c + 0.16, 0.13, 0.14), (c, 0.4, 0.16), (c - 0.3, 0.45, 0.1), (c + 0.3, 0.46, 0.11)):
        ink.oval(x, y, r, r * 0.92, leaves)
    ink.flush()
    for x, y, r in ((c - 0.08, 0.14, 0.07), (c + 0.2, 0.24, 0.06), (c - 0.26, 0.28, 0.05)):
        ink.oval(x, y, r, r, mix(leaves, paint.light, 0.3), rim=False)
    ink.flush()


def leaf(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A single leaf on a diagonal, with its stalk and veins."""
    ink = _Ink(pen, 1.0, paint)
    col = mix(paint.mid, paint.accent, 0.2)
    t, c = 0.8, (0.5, 0.5)
    ink.poly(_turn(_oval_pts(0.5, 0.42, 0.2, 0.4, 0, 26), t, c), col)
    ink.line(_turn([(0.5, 0.8), (0.5, 1.0)], t, c), _body(paint), 0.025)
    ink.flush()
    vein = shade(col, 0.7)
    ink.line(_turn([(0.5, 0.82), (0.5, 0.05)], t, c), vein, 0.015, rim=False)
    for k in range(5):
        y = 0.22 + 0.11 * k
        ink.line(_turn([(0.36, y - 0.06), (0.5, y + 0.02), (0.64, y - 0.06)], t, c), vein, 0.008, rim=False)
    ink.flush()


# ---------------------------------------------------------------------------------------------
# Lights


def moon(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A crescent moon."""
    ink = _Ink(pen, 1.0, paint, rim=0.0)
    col = mix(paint.light, (255, 255, 240), 0.4)
    (x1, y1, r1), (x2, y2, r2) = (0.5, 0.5, 0.46), (0.68, 0.36, 0.4)
    away = math.atan2(y2 - y1, x2 - x1)  # from the lit disc toward the shadow disc
    ts = [away + 2 * math.pi * k / 80 for k in range(81)]
    # The lit limb: the outer circle where it is not covered; then back along the shadow circle.
    outer = [(x1 + r1 * math.cos(t), y1 + r1 * math.sin(t)) for t in ts]
    outer = [(x, y) for x, y in outer if math.hypot(x - x2, y - y2) > r2]
    inner = [(x2 + r2 * math.cos(t), y2 + r2 * math.sin(t)) for t in ts]
    inner = [(x, y) for x, y in inner if math.hypot(x - x1, y - y1) <= r1]
    if math.dist(outer[-1], inner[0]) > math.dist(outer[-1], inner[-1]):
        inner = inner[::-1]
    ink.poly(outer + inner, col)
    ink.flush()
    ink.glow(0.4, 0.55, 0.6, col, 0.5)


def sun(pen: Pen, paint: Paint, look: Look | None) -> None:
    """The sun: a disc with a ring of rays."""
    ink = _Ink(pen, 1.0, paint, rim=0.0)
    col = mix(paint.light, paint.accent, 0.25)
    for k in range(12):
        t = k * math.pi / 6
        ink.poly([(0.5 + 0.3 * math.cos(t - 0.14), 0.5 + 0.3 * math.sin(t - 0.14)), (0.5 + 0.49 * math.cos(t), 0.5 + 0.49 * math.sin(t)),
                  (0.5 + 0.3 * math.cos(t + 0.14), 0.5 + 0.3 * math.sin(t + 0.14))], col)
    ink.oval(0.5, 0.5, 0.32, 0.32, mix(paint.light, (255, 250, 220), 0.4))
    ink.flush()
    ink.glow(0.5, 0.5, 0.9, col, 0.7)


def star(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A bright five-pointed star with two small sparkles."""
    ink = _Ink(pen, 1.0, paint, rim=0.0)
    col = mix(paint.light, (255, 255, 255), 0.4)
    ink.poly(_star_pts(0.48, 0.54, 0.2, 0.46, 5), col)
    ink.poly(_star_pts(0.86, 0.14, 0.02, 0.1, 4, 0), col)
    ink.poly(_star_pts(0.12, 0.12, 0.015, 0.07, 4, 0), col)
    ink.flush()
    ink.glow(0.48, 0.54, 0.5, col, 0.6)


def neon(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A neon sign shaped as an arrow: a dark board, a glowing tube outline, a tube heart inside."""
    a = 1.7
    ink = _Ink(pen, a, paint)
    board = shade(paint.shadow, 0.7)
    shape = [(0.1, 0.26), (1.04, 0.26), (1.04, 0.1), (1.6, 0.5), (1.04, 0.9), (1.04, 0.74), (0.1, 0.74)]
    tilt, c = -0.22, (0.85, 0.5)
    ink.poly(_turn(shape, tilt, c), board)
    ink.flush()
    tube, hot = paint.accent, mix(paint.accent, (255, 255, 255), 0.55)
    inner = [(0.17, 0.32), (1.1, 0.32), (1.1, 0.22), (1.48, 0.5), (1.1, 0.78), (1.1, 0.68), (0.17, 0.68)]
    border = [*inner, inner[0], inner[1]]
    heart = _heart_pts(0.38, 0.48, 0.11)
    wave = [(0.62 + 0.7 * k / 20, 0.5 + 0.06 * math.sin(k * 0.9)) for k in range(21)]
    for pts in (border, heart, wave):
        ink.line(_turn(pts, tilt, c), tube, 0.035, rim=False)
        ink.line(_turn(pts, tilt, c), hot, 0.012, rim=False)
    ink.flush()
    for x, y in ((0.36, 0.5), (0.9, 0.5), (1.3, 0.5)):
        ink.glow(x, y, 0.4, tube, 0.55)


def streetlamp(pen: Pen, paint: Paint, look: Look | None) -> None:
    """An old street lamp: a post on a stepped base, an arm, a lantern head alight."""
    a = 0.42
    ink = _Ink(pen, a, paint)
    body = _body(paint)
    c = 0.2
    ink.poly([(c - 0.07, 0.99), (c + 0.07, 0.99), (c + 0.05, 0.9), (c - 0.05, 0.9)], body)
    ink.line([(c, 0.92), (c, 0.25)], body, 0.03)
    ink.line([(c, 0.3), (c + 0.08, 0.24), (c + 0.1, 0.17)], body, 0.015)
    ink.poly([(c - 0.12, 0.07), (c + 0.12, 0.07), (c + 0.15, 0.1), (c - 0.15, 0.1)], body)  # cap
    ink.poly([(c - 0.03, 0.0), (c + 0.03, 0.0), (c + 0.06, 0.07), (c - 0.06, 0.07)], body)
    ink.poly([(c - 0.11, 0.1), (c + 0.11, 0.1), (c + 0.07, 0.25), (c - 0.07, 0.25)], body)
    ink.flush()
    lamp = mix(paint.light, (255, 240, 200), 0.4)
    ink.poly([(c - 0.09, 0.11), (c + 0.09, 0.11), (c + 0.058, 0.235), (c - 0.058, 0.235)], lamp, rim=False)
    ink.line([(c, 0.11), (c, 0.235)], body, 0.01, rim=False)
    ink.flush()
    ink.glow(c, 0.17, 0.3, lamp, 0.9)


def lantern(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A round paper lantern hung on a long string, ribbed, a tassel below, glowing from inside."""
    a = 0.5
    ink = _Ink(pen, a, paint)
    c = a / 2
    paper = mix(paint.accent, paint.light, 0.35)
    ink.line([(c, 0.0), (c, 0.2)], _body(paint), 0.012)
    ink.poly(_oval_pts(c, 0.5, 0.22, 0.28, 0, 30), paper)
    ink.poly([(c - 0.1, 0.19), (c + 0.1, 0.19), (c + 0.1, 0.25), (c - 0.1, 0.25)], _body(paint))
    ink.poly([(c - 0.1, 0.75), (c + 0.1, 0.75), (c + 0.1, 0.81), (c - 0.1, 0.81)], _body(paint))
    ink.poly([(c - 0.015, 0.8), (c + 0.015, 0.8), (c + 0.045, 0.99), (c - 0.045, 0.99)], paint.accent)
    ink.flush()
    rib = shade(paper, 0.75)
    for rx in (0.06, 0.13, 0.19):
        ink.line(_oval_pts(c, 0.5, rx, 0.27, 0, 18, -math.pi / 2, math.pi / 2), rib, 0.006, rim=False)
        ink.line(_oval_pts(c, 0.5, rx, 0.27, 0, 18, math.pi / 2, 3 * math.pi / 2), rib, 0.006, rim=False)
    ink.flush()
    ink.glow(c, 0.5, 0.5, paper, 0.9)


def candle(pen: Pen, paint: Paint, look: Look | None) -> None:
    """Two pillar candles of different heights on a dish, wax dripping, flames alight."""
    a = 0.8
    ink = _Ink(pen, a, paint)
    wax = mix(paint.light, paint.mid, 0.25)
    flame = mix(paint.accent, (255, 200, 80), 0.6)
    ink.oval(a / 2, 0.94, 0.38, 0.05, _body(paint))
    tops = ((0.28, 0.3, 0.19), (0.6, 0.56, 0.15))
    for x, top, r in tops:
        ink.poly([(x - r, top), (x + r, top), (x + r, 0.93), (x - r, 0.93)], shade(wax, 0.9 if x != 0.28 else 1.0))
        ink.oval(x, top, r, 0.03, wax)
        ink.poly([(x, top - 0.26), (x + 0.06, top - 0.12), (x + 0.05, top - 0.06), (x, top - 0.03), (x - 0.05, top - 0.06),
                  (x - 0.06, top - 0.12)], flame)
    ink.flush()
    for x, top, r in tops:
        ink.poly([(x - r * 0.6, top), (x - r * 0.6, top + 0.14), (x - r * 0.45, top + 0.16), (x - r * 0.35, top + 0.02)],
                 shade(wax, 1.2), rim=False)
        ink.line([(x, top), (x, top - 0.04)], shade(paint.shadow, 0.5), 0.01, rim=False)
        ink.poly([(x, top - 0.16), (x + 0.025, top - 0.09), (x, top - 0.05), (x - 0.025, top - 0.09)], (255, 250, 220), rim=False)
    ink.flush()
    for x, top, r in tops:
        ink.glow(x, top - 0.1, 0.35, flame, 1.0)


def firework(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A firework burst: sparks thrown out in a ring of tapering streaks."""
    ink = _Ink(pen, 1.0, paint, rim=0.0)
    col = paint.accent
    hot = mix(col, (255, 255, 255), 0.5)
    for k in range(16):
        t = k * math.pi / 8
        r1 = 0.46 if k % 2 == 0 else 0.36
        ink.poly([(0.5 + 0.06 * math.cos(t - 0.5), 0.5 + 0.06 * math.sin(t - 0.5)), (0.5 + r1 * math.cos(t), 0.5 + r1 * math.sin(t)),
                  (0.5 + 0.06 * math.cos(t + 0.5), 0.5 + 0.06 * math.sin(t + 0.5))], col)
        ink.oval(0.5 + (r1 + 0.03) * math.cos(t), 0.5 + (r1 + 0.03) * math.sin(t), 0.018, 0.018, hot)
    ink.oval(0.5, 0.5, 0.1, 0.1, hot)
    ink.flush()
    ink.glow(0.5, 0.5, 0.6, col, 0.8)


# ---------------------------------------------------------------------------------------------
# Things


def window(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A lit window: a frame of six panes (see-through), curtains drawn back, a sill."""
    a = 1.4
    ink = _Ink(pen, a, paint)
    frame = _body(paint)
    pane = mix(paint.light, paint.mid, 0.15 if paint.night else 0.5)
    # The panes show the room's light but are not the subject: the mask keeps the frame and curtains.
    ink.poly([(0.1, 0.06), (1.3, 0.06), (1.3, 0.86), (0.1, 0.86)], pane, rim=False, solid=False)
    ink.flush()
    bars = [[(0.1, 0.06), (1.3, 0.06), (1.3, 0.86), (0.1, 0.86), (0.1, 0.06), (1.3, 0.06)],
            [(0.52, 0.06), (0.52, 0.86)], [(0.88, 0.06), (0.88, 0.86)], [(0.1, 0.44), (1.3, 0.44)]]
    for b in bars:
        ink.line(b, frame, 0.06)
    ink.poly([(0.02, 0.86), (1.38, 0.86), (1.34, 0.96), (0.06, 0.96)], frame)
    cur = paint.accent
    ink.poly([(0.1, 0.06), (0.46, 0.06), (0.26, 0.5), (0.28, 0.86), (0.1, 0.86)], cur)
    ink.poly([(1.3, 0.06), (0.94, 0.06), (1.14, 0.5), (1.12, 0.86), (1.3, 0.86)], cur)
    ink.flush()
    ink.glow(0.7, 0.45, 0.45, pane, 0.5 if paint.night else 0.2)


def phone(pen: Pen, paint: Paint, look: Look | None) -> None:
    """An old rotary telephone: handset across the top, dial on the front."""
    a = 1.25
    ink = _Ink(pen, a, paint)
    body = mix(paint.shadow, paint.accent, 0.35)
    ink.poly([(0.18, 0.96), (0.3, 0.44), (0.95, 0.44), (1.07, 0.96)], body)
    ink.poly([(0.1, 0.3), (0.2, 0.12), (1.05, 0.12), (1.15, 0.3), (1.04, 0.4), (0.94, 0.28), (0.31, 0.28), (0.21, 0.4)], body)
    ink.flush()
    ink.oval(0.625, 0.68, 0.2, 0.2, mix(paint.light, paint.mid, 0.2), rim=False)
    for k in range(10):
        t = -0.5 + k * 0.52
        ink.oval(0.625 + 0.13 * math.cos(t), 0.68 + 0.13 * math.sin(t), 0.025, 0.025, body, rim=False)
    ink.oval(0.625, 0.68, 0.05, 0.05, paint.accent, rim=False)
    ink.flush()


def _heart_pts(cx: float, cy: float, r: float) -> list[Pt]:
    return [(cx + r * 1.05 * math.sin(t) ** 3, cy - r * 0.08 * (13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)))
            for t in np.linspace(0, 2 * math.pi, 36)]


def balloons(pen: Pen, paint: Paint, look: Look | None) -> None:
    """Three balloons on strings, gathered below."""
    a = 0.85
    ink = _Ink(pen, a, paint)
    knot = (0.16, 0.98)  # held low at one side: the strings slant
    spots = ((0.3, 0.2, mix(paint.accent, paint.light, 0.3)), (0.66, 0.2, mix(paint.mid, paint.light, 0.2)), (0.5, 0.4, paint.accent))
    for x, y, _col in spots:
        ink.line([(x, y + 0.2), ((x + knot[0]) / 2 + 0.03, 0.7), knot], paint.light, 0.006, rim=False)
    for x, y, col in spots:
        ink.poly(_oval_pts(x, y, 0.15, 0.18, 0, 22) + [(x + 0.02, y + 0.23), (x - 0.02, y + 0.23)], col)
        ink.flush()
        ink.oval(x - 0.07, y - 0.08, 0.03, 0.05, mix(col, (255, 255, 255), 0.5), rim=False)
        ink.flush()


def kite(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A diamond kite with a bowed tail."""
    a = 0.9
    ink = _Ink(pen, a, paint)
    tail = [(0.36, 0.62), (0.42, 0.72), (0.34, 0.82), (0.44, 0.92), (0.38, 0.99)]
    ink.line(_turn(tail, 0.35, (0.45, 0.5)), paint.light, 0.008, rim=False)
    for x, y in tail[1:]:
        ink.poly(_turn([(x - 0.05, y - 0.03), (x + 0.05, y + 0.03), (x + 0.05, y - 0.03), (x - 0.05, y + 0.03)], 0.35, (0.45, 0.5)), paint.accent)
    ink.poly(_turn([(0.4, 0.0), (0.7, 0.22), (0.36, 0.64), (0.06, 0.22)], 0.35, (0.45, 0.5)), paint.accent)
    ink.flush()
    ink.poly(_turn([(0.4, 0.0), (0.7, 0.22), (0.38, 0.25)], 0.35, (0.45, 0.5)), mix(paint.accent, paint.light, 0.4), rim=False)
    ink.poly(_turn([(0.06, 0.22), (0.38, 0.25), (0.36, 0.64)], 0.35, (0.45, 0.5)), shade(paint.accent, 0.7), rim=False)
    ink.line(_turn([(0.4, 0.0), (0.36, 0.64)], 0.35, (0.45, 0.5)), _body(paint), 0.008, rim=False)
    ink.line(_turn([(0.06, 0.22), (0.7, 0.22)], 0.35, (0.45, 0.5)), _body(paint), 0.008, rim=False)
    ink.flush()


def glass(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A wine glass, half full."""
    a = 0.55
    ink = _Ink(pen, a, paint)
    c = a / 2
    clear = mix(paint.light, paint.mid, 0.5)
    ink.poly(_oval_pts(c, 0.08, 0.22, 0.4, 0, 18, 0, math.pi), clear)
    ink.line([(c, 0.46), (c, 0.93)], clear, 0.03)
    ink.oval(c, 0.94, 0.17, 0.035, clear)
    ink.flush()
    ink.poly(_oval_pts(c, 0.08, 0.22, 0.4, 0, 18, 0.42, math.pi - 0.42), mix(paint.accent, (120, 0, 30), 0.5), rim=False)
    ink.flush()


def crown(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A crown with five points and jewels."""
    a = 1.08
    ink = _Ink(pen, a, paint)
    gold = mix(paint.light, (236, 186, 60), 0.6)
    ink.poly([(0.096, 0.9), (0.048, 0.22), (0.272, 0.56), (0.376, 0.12), (0.54, 0.5), (0.704, 0.12), (0.808, 0.56), (1.032, 0.22),
              (0.984, 0.9)], gold)
    for x, y in ((0.048, 0.2), (0.376, 0.1), (0.704, 0.1), (1.032, 0.2)):
        ink.oval(x, y, 0.05, 0.05, gold)
    ink.flush()
    ink.poly([(0.096, 0.74), (0.984, 0.74), (0.984, 0.9), (0.096, 0.9)], shade(gold, 0.75), rim=False)
    for x in (0.24, 0.54, 0.84):
        ink.oval(x, 0.82, 0.05, 0.05, paint.accent, rim=False)
    ink.flush()


def key(pen: Pen, paint: Paint, look: Look | None) -> None:
    """An old key: round bow, long shank, toothed bit."""
    a = 2.2
    ink = _Ink(pen, a, paint)
    metal = mix(paint.light, (220, 180, 90), 0.4)
    ink.oval(0.38, 0.5, 0.34, 0.34, metal)
    ink.poly([(0.6, 0.42), (2.12, 0.42), (2.12, 0.58), (0.6, 0.58)], metal)
    ink.poly([(1.7, 0.56), (2.12, 0.56), (2.12, 0.9), (2.0, 0.9), (2.0, 0.76), (1.9, 0.76), (1.9, 0.9), (1.7, 0.9)], metal)
    ink.flush()
    ink.oval(0.38, 0.5, 0.17, 0.17, shade(paint.shadow, 0.6), rim=False)
    ink.flush()


def ring(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A gold ring seen at a slant, a cut diamond set on top."""
    a = 1.2
    ink = _Ink(pen, a, paint)
    c = a / 2
    gold = mix(paint.light, (236, 186, 60), 0.6)
    band = _oval_pts(c, 0.64, 0.44, 0.26, -0.15, 40)
    ink.line([*band, band[0], band[1]], gold, 0.09)
    ink.poly([(c - 0.2, 0.3), (c + 0.2, 0.3), (c + 0.12, 0.42), (c - 0.12, 0.42)], gold)
    gem = mix(paint.light, (200, 240, 255), 0.5)
    ink.poly([(c - 0.24, 0.2), (c - 0.12, 0.02), (c + 0.12, 0.02), (c + 0.24, 0.2), (c, 0.44)], gem)
    ink.flush()
    ink.line([(c - 0.24, 0.2), (c + 0.24, 0.2)], paint.mid, 0.008, rim=False)
    ink.line([(c - 0.12, 0.02), (c - 0.05, 0.2), (c, 0.44)], paint.mid, 0.006, rim=False)
    ink.line([(c + 0.12, 0.02), (c + 0.05, 0.2), (c, 0.44)], paint.mid, 0.006, rim=False)
    ink.flush()
    ink.glow(c, 0.16, 0.25, paint.light, 0.5)


def flag(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A flag flying from a pole."""
    a = 1.1
    ink = _Ink(pen, a, paint)
    ink.line([(0.08, 0.02), (0.08, 0.99)], _body(paint), 0.03)
    ink.oval(0.08, 0.02, 0.025, 0.02, paint.light)
    top = [(0.1 + k * 0.1, 0.06 + 0.05 * math.sin(k * 0.9)) for k in range(10)]
    bot = [(x + 0.02, y + 0.46) for x, y in top]
    ink.poly(top + bot[::-1], paint.accent)
    ink.flush()
    mid = [(x + 0.01, y + 0.23) for x, y in top]
    ink.poly(mid + bot[::-1], shade(paint.accent, 0.75), rim=False)
    ink.flush()


def mask(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A masquerade mask: eye holes, swept wings, a stick."""
    a = 2.0
    ink = _Ink(pen, a, paint)
    col = paint.accent
    ink.line([(1.6, 0.62), (1.9, 0.98)], _body(paint), 0.04)
    ink.poly([(0.04, 0.12), (0.4, 0.26), (0.8, 0.24), (1.0, 0.36), (1.2, 0.24), (1.6, 0.26), (1.96, 0.12), (1.82, 0.5),
              (1.5, 0.72), (1.14, 0.66), (1.0, 0.54), (0.86, 0.66), (0.5, 0.72), (0.18, 0.5)], col)
    ink.flush()
    dark = shade(paint.shadow, 0.5)
    ink.poly(_oval_pts(0.66, 0.46, 0.18, 0.09, 0.15, 18), dark, rim=False)
    ink.poly(_oval_pts(1.34, 0.46, 0.18, 0.09, -0.15, 18), dark, rim=False)
    ink.line([(0.2, 0.3), (0.5, 0.36)], paint.light, 0.02, rim=False)
    ink.line([(1.8, 0.3), (1.5, 0.36)], paint.light, 0.02, rim=False)
    ink.flush()


def feather(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A long curved feather lying on a diagonal, its quill at the lower left."""
    a = 1.0
    ink = _Ink(pen, a, paint)
    col = mix(paint.light, paint.mid, 0.3)
    t, c = -0.75, (0.5, 0.5)
    left = [(0.43, 0.8), (0.36, 0.62), (0.37, 0.36), (0.44, 0.14), (0.54, 0.0)]
    right = [(0.54, 0.0), (0.6, 0.2), (0.6, 0.46), (0.53, 0.7), (0.47, 0.8)]
    ink.poly(_turn(left + right, t, c), col)
    ink.line(_turn([(0.45, 0.8), (0.43, 1.0)], t, c), col, 0.02)
    ink.flush()
    ink.line(_turn([(0.43, 1.0), (0.45, 0.8), (0.5, 0.4), (0.54, 0.0)], t, c), shade(col, 0.7), 0.012, rim=False)
    for k in range(4):
        y = 0.3 + 0.12 * k
        ink.line(_turn([(0.38, y + 0.06), (0.48, y)], t, c), shade(col, 0.8), 0.008, rim=False)
    ink.flush()


def shoes(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A pair of high-heeled shoes, one behind the other."""
    a = 1.5
    ink = _Ink(pen, a, paint)
    for dx, dy, col in ((0.3, -0.18, shade(paint.accent, 0.7)), (0.0, 0.0, paint.accent)):
        ink.poly([(0.08 + dx, 0.5 + dy), (0.16 + dx, 0.44 + dy), (0.24 + dx, 0.56 + dy), (0.6 + dx, 0.86 + dy), (1.12 + dx, 0.8 + dy),
                  (1.16 + dx, 0.9 + dy), (0.56 + dx, 0.96 + dy), (0.26 + dx, 0.7 + dy), (0.18 + dx, 0.7 + dy), (0.16 + dx, 0.96 + dy),
                  (0.12 + dx, 0.96 + dy), (0.1 + dx, 0.62 + dy)], col)
        ink.flush()


def sword(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A sword point down: blade, crossguard, grip, pommel."""
    a = 0.4
    ink = _Ink(pen, a, paint)
    c = a / 2
    steel = mix(paint.light, paint.mid, 0.25)
    ink.poly([(c - 0.045, 0.28), (c + 0.045, 0.28), (c + 0.045, 0.88), (c, 0.99), (c - 0.045, 0.88)], steel)
    ink.poly([(c - 0.18, 0.23), (c + 0.18, 0.23), (c + 0.18, 0.28), (c - 0.18, 0.28)], _body(paint))
    ink.poly([(c - 0.03, 0.06), (c + 0.03, 0.06), (c + 0.03, 0.23), (c - 0.03, 0.23)], _second(paint))
    ink.oval(c, 0.05, 0.05, 0.045, paint.accent)
    ink.flush()
    ink.line([(c, 0.3), (c, 0.9)], shade(steel, 0.75), 0.012, rim=False)
    ink.flush()


def gun(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A revolver in profile."""
    a = 1.6
    ink = _Ink(pen, a, paint)
    body = _body(paint)
    ink.poly([(0.1, 0.18), (1.52, 0.18), (1.52, 0.3), (0.62, 0.3), (0.62, 0.44), (0.1, 0.44)], body)
    ink.poly([(0.12, 0.4), (0.4, 0.4), (0.36, 0.94), (0.1, 0.94), (0.06, 0.8)], _second(paint))  # grip
    ink.poly(_oval_pts(0.52, 0.33, 0.16, 0.14, 0, 18), body)  # cylinder
    ink.line([(0.44, 0.46), (0.5, 0.6), (0.62, 0.58), (0.62, 0.44)], body, 0.025)  # trigger guard
    ink.poly([(0.12, 0.18), (0.04, 0.08), (0.12, 0.08), (0.2, 0.18)], body)  # hammer
    ink.flush()
    ink.line([(0.4, 0.33), (0.64, 0.33)], paint.light, 0.012, rim=False)
    ink.flush()


def cigarette(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A lit cigarette, a curl of smoke rising from the ember."""
    a = 1.6
    ink = _Ink(pen, a, paint)
    ink.poly([(0.1, 0.74), (1.2, 0.62), (1.22, 0.78), (0.12, 0.9)], (236, 234, 226))
    ink.poly([(0.1, 0.74), (0.42, 0.705), (0.44, 0.865), (0.12, 0.9)], (210, 150, 80))
    smoke = mix(paint.light, paint.mid, 0.5)
    ink.line([(1.26, 0.66), (1.34, 0.5), (1.22, 0.36), (1.32, 0.2), (1.24, 0.04)], smoke, 0.03)
    ink.flush()
    ink.poly([(1.2, 0.62), (1.26, 0.615), (1.28, 0.775), (1.22, 0.78)], paint.accent)
    ink.flush()
    ink.glow(1.24, 0.7, 0.08, paint.accent, 0.8)


# ---------------------------------------------------------------------------------------------
# Things from the lyrics: keepsakes, furniture, the body, paper, treasure


def bed(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A bed seen from the side: a tall headboard, a pillow, the covers turned back, a low footboard."""
    a = 1.6
    ink = _Ink(pen, a, paint)
    wood = _body(paint)
    ink.poly(_oval_pts(0.17, 0.17, 0.13, 0.13, 0, 12, math.pi, 2 * math.pi) + [(0.3, 0.98), (0.04, 0.98)], wood)  # headboard
    ink.poly([(1.42, 0.42), (1.56, 0.36), (1.56, 0.98), (1.42, 0.98)], wood)  # footboard
    ink.poly([(0.3, 0.62), (1.42, 0.62), (1.42, 0.78), (0.3, 0.78)], wood)  # the frame under the mattress
    ink.poly([(0.36, 0.78), (0.44, 0.78), (0.44, 0.96), (0.36, 0.96)], wood)
    ink.poly([(1.3, 0.78), (1.38, 0.78), (1.38, 0.96), (1.3, 0.96)], wood)
    sheet = mix(paint.light, paint.mid, 0.12)
    ink.poly([(0.3, 0.48), (1.42, 0.48), (1.42, 0.64), (0.3, 0.64)], sheet)  # mattress and sheet
    cover = mix(paint.accent, paint.shadow, 0.25)
    ink.poly([(0.72, 0.44), (1.0, 0.4), (1.3, 0.41), (1.46, 0.44), (1.48, 0.82), (1.34, 0.84), (1.16, 0.78), (0.9, 0.74),
              (0.7, 0.66)], cover)
    ink.poly(_oval_pts(0.5, 0.42, 0.19, 0.08, -0.1, 18), mix(paint.light, (255, 255, 255), 0.3))  # pillow
    ink.flush()
    ink.poly([(0.72, 0.44), (0.88, 0.42), (0.84, 0.7), (0.7, 0.66)], sheet, rim=False)  # the turned-back hem
    for x in (1.06, 1.28):
        ink.line([(x, 0.44), (x + 0.04, 0.76)], shade(cover, 0.75), 0.01, rim=False)
    ink.line([(0.08, 0.2), (0.26, 0.2)], shade(wood, 1.3), 0.012, rim=False)
    ink.flush()


def bell(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A church bell hung from its yoke: a flared bronze body, a band at the lip, the clapper below."""
    a = 0.9
    ink = _Ink(pen, a, paint)
    c = a / 2
    wood = _body(paint)
    ink.poly([(0.04, 0.02), (a - 0.04, 0.02), (a - 0.08, 0.1), (0.08, 0.1)], wood)  # the yoke
    bronze = mix(paint.light, (205, 150, 60), 0.55)
    ink.line([(c, 0.14), (c, 0.9)], wood, 0.025)
    ink.oval(c, 0.92, 0.065, 0.065, wood)  # the clapper
    side = [(0.13, 0.12), (0.17, 0.16), (0.19, 0.28), (0.21, 0.46), (0.26, 0.62), (0.34, 0.72), (0.42, 0.76), (0.43, 0.82)]
    ink.poly([(c - dx, y) for dx, y in side] + [(c + dx, y) for dx, y in side[::-1]], bronze)
    ink.oval(c, 0.12, 0.06, 0.04, bronze)
    ink.flush()
    ink.poly([(c - 0.4, 0.74), (c + 0.4, 0.74), (c + 0.43, 0.82), (c - 0.43, 0.82)], shade(bronze, 0.72), rim=False)
    ink.poly([(c - 0.19, 0.28), (c + 0.19, 0.28), (c + 0.2, 0.34), (c - 0.2, 0.34)], shade(bronze, 0.8), rim=False)
    ink.line([(c - 0.12, 0.2), (c - 0.15, 0.5), (c - 0.24, 0.7)], mix(bronze, (255, 255, 255), 0.5), 0.025, rim=False)
    ink.flush()


def _drop(cx: float, cy: float, r: float, n: int = 20) -> list[Pt]:
    """A falling drop: round below, drawn to a point above."""
    pts = _oval_pts(cx, cy, r, r, 0, n, -0.25 * math.pi, 1.25 * math.pi)
    return [*pts, (cx, cy - 2.4 * r)]


def blood(pen: Pen, paint: Paint, look: Look | None) -> None:
    """Drops of blood falling, a small splash pooled beneath."""
    a = 0.8
    ink = _Ink(pen, a, paint)
    red = mix((150, 12, 24), paint.accent, 0.15)
    ink.poly(_drop(0.36, 0.56, 0.26), red)
    ink.poly(_drop(0.66, 0.26, 0.09), red)
    ink.poly(_drop(0.7, 0.66, 0.07), red)
    ink.poly(_oval_pts(0.4, 0.93, 0.36, 0.05, 0, 20) + [(0.74, 0.95), (0.78, 0.92)], red)
    ink.flush()
    shine = mix(red, (255, 255, 255), 0.55)
    ink.poly(_oval_pts(0.27, 0.6, 0.05, 0.1, 0.4, 14), shine, rim=False)
    ink.oval(0.635, 0.27, 0.018, 0.03, shine, rim=False)
    ink.flush()


def clock(pen: Pen, paint: Paint, look: Look | None) -> None:
    """An alarm clock: a round face with two bells and a hammer on top, little feet below."""
    a = 0.85
    ink = _Ink(pen, a, paint)
    c = a / 2
    body = mix(paint.shadow, paint.accent, 0.45)
    for side in (-1, 1):
        ink.line([(c + side * 0.2, 0.82), (c + side * 0.28, 0.98)], body, 0.05, cap=True)
        ink.poly(_oval_pts(c + side * 0.24, 0.2, 0.14, 0.1, side * 0.6, 18, math.pi, 2 * math.pi), body)
    ink.line([(c, 0.2), (c, 0.04)], body, 0.03)
    ink.poly([(c - 0.08, 0.02), (c + 0.08, 0.02), (c + 0.08, 0.06), (c - 0.08, 0.06)], body)
    ink.oval(c, 0.6, 0.29, 0.29, body)
    ink.flush()
    face = mix(paint.light, (255, 255, 255), 0.3)
    ink.oval(c, 0.6, 0.23, 0.23, face, rim=False)
    for k in range(12):
        t = k * math.pi / 6
        r = 0.016 if k % 3 == 0 else 0.009
        ink.oval(c + 0.25 * math.cos(t), 0.6 + 0.19 * math.sin(t), r, r, body, rim=False)
    hand = shade(paint.shadow, 0.6)
    ink.line([(c, 0.6), (c - 0.04, 0.45)], hand, 0.022, rim=False)
    ink.line([(c, 0.6), (c + 0.14, 0.65)], hand, 0.014, rim=False)
    ink.oval(c, 0.6, 0.025, 0.025, paint.accent, rim=False)
    ink.flush()


def door(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A door standing ajar: a tall doorway full of light, the panelled leaf swung toward us."""
    a = 0.58
    ink = _Ink(pen, a, paint)
    light = mix(paint.light, (255, 240, 210), 0.3)
    # The light in the doorway is the room beyond, not the door: drawn, but left out of the mask.
    ink.poly([(0.07, 0.07), (0.34, 0.07), (0.34, 0.98), (0.07, 0.98)], light, rim=False, solid=False)
    ink.flush()
    ink.line([(0.045, 0.99), (0.045, 0.045), (0.36, 0.045)], _body(paint), 0.07)
    ink.poly([(0.36, 0.04), (0.56, 0.0), (0.56, 1.0), (0.36, 0.96)], _second(paint))  # the door leaf
    ink.flush()
    ink.poly([(0.39, 0.1), (0.53, 0.07), (0.53, 0.46), (0.39, 0.47)], _body(paint), rim=False)
    ink.poly([(0.39, 0.54), (0.53, 0.54), (0.53, 0.93), (0.39, 0.89)], _body(paint), rim=False)
    ink.oval(0.42, 0.5, 0.014, 0.014, paint.accent, rim=False)
    ink.flush()
    ink.glow(0.2, 0.5, 0.35, light, 0.5)


def glitter(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A drift of glitter: a cloud of specks thick in the middle, four-pointed sparkles flashing in it."""
    a = 1.3
    ink = _Ink(pen, a, paint, rim=0.0)
    rng = np.random.default_rng(11)  # the same drift every time
    haze = mix(paint.mid, paint.light, 0.45)
    for _ in range(46):  # the thick middle: specks overlapping into one drifting cloud
        r = rng.uniform(0.04, 0.09)
        ang, d = rng.uniform(0, 2 * math.pi), abs(rng.normal(0, 0.16))
        ink.oval(a / 2 + 1.5 * d * math.cos(ang), 0.5 + d * math.sin(ang), r, r, haze)
    for _ in range(40):  # loose specks round it
        r = rng.uniform(0.008, 0.02)
        ang, d = rng.uniform(0, 2 * math.pi), rng.uniform(0.28, 0.46)
        ink.oval(a / 2 + 1.35 * d * math.cos(ang), 0.5 + d * math.sin(ang), r, r, mix(paint.light, paint.accent, rng.uniform(0, 0.6)))
    hot = mix(paint.light, (255, 255, 255), 0.5)
    for x, y, s in ((0.62, 0.46, 0.2), (0.34, 0.3, 0.1), (0.94, 0.64, 0.12), (0.4, 0.72, 0.07), (1.1, 0.26, 0.08), (0.18, 0.56, 0.06)):
        ink.poly(_star_pts(x, y, s * 0.18, s, 4, 0), hot)
    ink.flush()
    ink.glow(0.62, 0.46, 0.5, paint.light, 0.4)


def gold(pen: Pen, paint: Paint, look: Look | None) -> None:
    """Gold bars stacked in a pyramid, three, two, one, a glint on the top bar."""
    a = 1.5
    ink = _Ink(pen, a, paint)
    metal = mix(paint.light, (236, 186, 60), 0.65)
    top_face, side = mix(metal, (255, 255, 255), 0.35), shade(metal, 0.72)
    w, h, gap = 0.42, 0.25, 0.06
    for row, n in enumerate((3, 2, 1)):
        y1 = 0.98 - row * h
        x = a / 2 - (n * w + (n - 1) * gap) / 2
        for k in range(n):
            x0 = x + k * (w + gap)
            ink.poly([(x0, y1), (x0 + w, y1), (x0 + w - 0.06, y1 - h + 0.02), (x0 + 0.06, y1 - h + 0.02)], metal)
        ink.flush()
        for k in range(n):
            x0 = x + k * (w + gap)
            ink.poly([(x0 + 0.06, y1 - h + 0.02), (x0 + w - 0.06, y1 - h + 0.02), (x0 + w - 0.1, y1 - h + 0.08), (x0 + 0.1, y1 - h + 0.08)],
                     top_face, rim=False)
            ink.poly([(x0 + 0.04, y1 - 0.05), (x0 + w - 0.04, y1 - 0.05), (x0 + w, y1), (x0, y1)], side, rim=False)
        ink.flush()
    ink.poly(_star_pts(a / 2 + 0.14, 0.26, 0.012, 0.07, 4, 0), (255, 255, 255), rim=False)
    ink.flush()
    ink.glow(a / 2, 0.6, 0.6, metal, 0.35)


def _hand(ink: _Ink, x: float, y: float, s: float, ang: float, col: RGB, flip: bool = False) -> None:
    """An open hand, palm out, fingers spread: wrist at (x, y), size s, turned by ang."""
    m = -1 if flip else 1
    c = (x, y)
    pts: list[list[Pt]] = []
    ink.poly(_turn([(x - 0.1 * s, y), (x + 0.1 * s, y), (x + 0.13 * s, y - 0.2 * s), (x - 0.14 * s, y - 0.2 * s)], ang, c), col)
    ink.poly(_turn(_oval_pts(x, y - 0.34 * s, 0.2 * s, 0.2 * s, 0, 20), ang, c), col)
    for fx, tx, ty, w in ((-0.13, -0.3, -0.8, 0.088), (-0.04, -0.1, -0.9, 0.092), (0.05, 0.1, -0.88, 0.09), (0.13, 0.28, -0.74, 0.082)):
        pts.append([(x + m * fx * s, y - 0.42 * s), (x + m * tx * s, y + ty * s)])
        ink.line(_turn(pts[-1], ang, c), col, w * s, cap=True)
    ink.line(_turn([(x - m * 0.14 * s, y - 0.26 * s), (x - m * 0.4 * s, y - 0.46 * s)], ang, c), col, 0.1 * s, cap=True)  # thumb


def hand(pen: Pen, paint: Paint, look: Look | None) -> None:
    """An open hand raised, fingers spread, palm toward us."""
    a = 0.8
    ink = _Ink(pen, a, paint)
    col = mix(SKIN, paint.light, 0.15)
    _hand(ink, 0.42, 1.0, 1.0, 0.05, col)
    ink.flush()
    crease = shade(col, 0.78)
    ink.line([(0.3, 0.72), (0.42, 0.62), (0.56, 0.6)], crease, 0.01, rim=False)
    ink.line([(0.32, 0.8), (0.46, 0.74)], crease, 0.01, rim=False)
    ink.flush()


def hands(pen: Pen, paint: Paint, look: Look | None) -> None:
    """Two open hands raised side by side, leaning apart."""
    a = 1.5
    ink = _Ink(pen, a, paint)
    col = mix(SKIN, paint.light, 0.15)
    _hand(ink, 0.5, 1.02, 0.86, -0.28, col, flip=True)
    _hand(ink, 1.0, 1.02, 0.86, 0.28, shade(col, 0.88))
    ink.flush()


def heart(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A heart at a tilt, pierced by an arrow, a shine on its shoulder."""
    a = 1.5
    ink = _Ink(pen, a, paint)
    col = mix(paint.accent, (200, 20, 50), 0.4)
    t, c = -0.2, (a / 2, 0.5)
    wood = mix(paint.light, paint.mid, 0.3)
    ink.line([(0.06, 0.86), (0.42, 0.66)], wood, 0.03)  # the arrow's tail end, behind the heart
    for k in range(3):
        x, y = 0.08 + 0.07 * k, 0.85 - 0.04 * k
        ink.poly([(x, y), (x + 0.08, y - 0.045), (x + 0.02, y - 0.13), (x - 0.04, y - 0.08)], paint.light)
    ink.poly(_turn(_heart_pts(a / 2, 0.5, 0.41), t, c), col)
    ink.line([(1.06, 0.33), (1.34, 0.17)], wood, 0.03)  # the point coming out
    ink.poly([(1.44, 0.1), (1.28, 0.12), (1.36, 0.25)], wood)
    ink.flush()
    ink.line(_turn(_oval_pts(0.58, 0.32, 0.12, 0.1, 0, 8, math.pi * 1.05, math.pi * 1.6), t, c), mix(col, (255, 255, 255), 0.6), 0.035,
             rim=False, cap=True)
    ink.flush()
    ink.glow(a / 2, 0.5, 0.5, col, 0.3)


def mirror(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A hand mirror held up at a slant: an oval gilt frame, the glass with a streak of reflection, a handle."""
    a = 0.7
    ink = _Ink(pen, a, paint)
    t, c = 0.22, (0.35, 0.5)
    frame = mix(paint.light, (220, 170, 70), 0.5)
    ink.line(_turn([(0.35, 0.66), (0.35, 0.97)], t, c), frame, 0.075, cap=True)
    ink.poly(_turn(_oval_pts(0.35, 0.35, 0.27, 0.33, 0, 30), t, c), frame)
    ink.flush()
    glass_col = mix(paint.mid, paint.light, 0.35)
    ink.poly(_turn(_oval_pts(0.35, 0.35, 0.22, 0.28, 0, 30), t, c), glass_col, rim=False)
    shine = mix(glass_col, (255, 255, 255), 0.6)
    ink.line(_turn([(0.22, 0.34), (0.36, 0.14)], t, c), shine, 0.035, rim=False)
    ink.line(_turn([(0.26, 0.46), (0.44, 0.2)], t, c), shine, 0.016, rim=False)
    ink.oval(*_turn([(0.35, 0.69)], t, c)[0], 0.03, 0.03, paint.accent, rim=False)
    ink.flush()


def rock(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A pile of boulders: one tall stone at the back, others tumbling away to the right, lit from the top left."""
    a = 1.6
    ink = _Ink(pen, a, paint)
    stone = mix(mix(paint.shadow, paint.mid, 0.5), (128, 124, 120), 0.35)
    lit = mix(stone, paint.light, 0.3)
    big = [(0.1, 0.96), (0.08, 0.5), (0.2, 0.16), (0.42, 0.04), (0.62, 0.14), (0.74, 0.44), (0.76, 0.96)]
    mid = [(0.6, 0.96), (0.62, 0.62), (0.78, 0.44), (0.98, 0.46), (1.1, 0.64), (1.12, 0.96)]
    small = [(1.04, 0.96), (1.1, 0.78), (1.26, 0.7), (1.44, 0.76), (1.54, 0.96)]
    ink.poly(big, stone)
    ink.poly(mid, shade(stone, 0.85))
    ink.poly(small, shade(stone, 0.92))
    for x, r in ((0.4, 0.05), (0.94, 0.04), (1.22, 0.035)):
        ink.poly(_oval_pts(x, 0.97 - r * 0.7, r * 1.3, r * 0.8, 0, 10), shade(stone, 0.75))
    ink.flush()
    ink.poly([(0.08, 0.5), (0.2, 0.16), (0.42, 0.04), (0.36, 0.2), (0.22, 0.44)], lit, rim=False)
    ink.poly([(0.62, 0.62), (0.78, 0.44), (0.98, 0.46), (0.8, 0.52)], lit, rim=False)
    ink.poly([(1.1, 0.78), (1.26, 0.7), (1.44, 0.76), (1.26, 0.74)], lit, rim=False)
    ink.line([(0.42, 0.04), (0.46, 0.4), (0.4, 0.96)], shade(stone, 0.7), 0.01, rim=False)
    ink.flush()


def song(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A song in the air: a pair of beamed quavers and a single note rising off a curling staff."""
    a = 1.4
    ink = _Ink(pen, a, paint)
    col = mix(paint.light, paint.accent, 0.25)
    staff = mix(paint.mid, paint.light, 0.4)
    for k in range(3):
        ink.line([(x, 0.84 - 0.05 * k + 0.1 * math.sin(x * 3.2)) for x in np.linspace(0.02, 1.38, 16)], staff, 0.014)
    for hx, hy in ((0.3, 0.72), (0.72, 0.6)):
        ink.poly(_oval_pts(hx, hy, 0.12, 0.085, -0.4, 18), col)
        ink.line([(hx + 0.1, hy - 0.02), (hx + 0.1, hy - 0.5)], col, 0.045)
    ink.poly([(0.38, 0.18), (0.84, 0.06), (0.84, 0.18), (0.38, 0.3)], col)  # the beam
    ink.poly(_oval_pts(1.1, 0.44, 0.1, 0.072, -0.4, 18), col)
    ink.line([(1.185, 0.42), (1.185, 0.04)], col, 0.04)
    ink.poly([(1.165, 0.04), (1.21, 0.04), (1.34, 0.18), (1.32, 0.3), (1.26, 0.2), (1.165, 0.16)], col)  # the flag
    ink.flush()
    ink.glow(0.7, 0.4, 0.5, col, 0.3)


# ---------------------------------------------------------------------------------------------
# Paper and clothes


def _paper(paint: Paint) -> RGB:
    """Paper, a touch under the light colour so the light rim still reads round it."""
    return mix(paint.light, paint.mid, 0.22)


def book(pen: Pen, paint: Paint, look: Look | None) -> None:
    """An open book seen from the front and low: its two halves rise like wings from the spine, lines of print."""
    a = 2.4
    ink = _Ink(pen, a, paint)
    c = a / 2
    us = [0.0, 0.1, 0.3, 0.55, 0.8, 1.0]
    top = [0.62, 0.47, 0.3, 0.17, 0.1, 0.074]  # the pages' upper edge, spine to fore-edge
    bot = [0.94, 0.91, 0.835, 0.745, 0.67, 0.64]
    w = 1.1
    cover = mix(paint.shadow, paint.accent, 0.35)
    page = _paper(paint)
    for s in (-1, 1):
        ink.poly([(c + s * u * (w + 0.04), y + 0.02) for u, y in zip(us, top)] +
                 [(c + s * u * (w + 0.04), y + 0.05) for u, y in zip(us[::-1], bot[::-1])], cover)
    ink.line([(c + 0.04, 0.9), (c + 0.09, 0.99)], paint.accent, 0.045)  # ribbon
    ink.flush()
    for s in (-1, 1):
        ink.poly([(c + s * u * w, y) for u, y in zip(us, bot)][::-1] + [(c + s * u * w, y + 0.03) for u, y in zip(us, bot)],
                 shade(page, 0.7), rim=False)  # the page block's edge
        ink.poly([(c + s * u * w, y) for u, y in zip(us, top)] + [(c + s * u * w, y) for u, y in zip(us[::-1], bot[::-1])],
                 page, rim=False)
        for j in range(6):
            pts = []
            for u in (0.12, 0.35, 0.6, 0.88):
                yt, yb = float(np.interp(u, us, top)), float(np.interp(u, us, bot))
                pts.append((c + s * u * w, yt + (yb - yt) * (0.16 + 0.13 * j)))
            ink.line(pts, shade(page, 0.62), 0.016, rim=False)
    ink.line([(c, top[0]), (c, bot[0] + 0.03)], shade(page, 0.55), 0.012, rim=False)
    ink.flush()


def letter(pen: Pen, paint: Paint, look: Look | None) -> None:
    """An opened envelope seen low and steep, its flap thrown back and the letter standing half out of it, aslant."""
    a = 1.7
    ink = _Ink(pen, a, paint)
    env = mix(_paper(paint), paint.accent, 0.25)
    paper = _paper(paint)
    c = a / 2
    w = c - 0.06

    def L(pts: Sequence[Pt]) -> list[Pt]:
        return _turn(pts, 0.3, (c, 0.5))

    ink.poly([(c - w + 0.12, 0.68), (c + w - 0.04, 0.68), (c + 0.2, 0.46)], shade(env, 0.78))  # the flap, thrown back
    ink.poly(L([(c - 0.22, 0.04), (c + 0.22, 0.04), (c + 0.22, 0.82), (c - 0.22, 0.82)]), paper)  # the letter
    ink.poly([(c - w + 0.14, 0.62), (c + w, 0.62), (c + w - 0.12, 0.97), (c - w, 0.97)], env)  # the envelope, foreshortened
    ink.flush()
    for k in range(6):
        ink.line(L([(c - 0.16, 0.12 + 0.075 * k), (c + 0.16 - 0.12 * (k == 5), 0.12 + 0.075 * k)]), shade(paper, 0.6), 0.016, rim=False)
    fold = shade(env, 0.72)
    ink.line([(c - w, 0.97), (c + 0.04, 0.8), (c + w - 0.12, 0.97)], fold, 0.012, rim=False)
    wax = mix((170, 20, 30), paint.accent, 0.3)
    ink.poly(_star_pts(c + 0.04, 0.82, 0.05, 0.065, 9, 0), wax, rim=False)
    ink.oval(c + 0.04, 0.82, 0.03, 0.03, shade(wax, 0.8), rim=False)
    ink.flush()


def map_(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A map opened out in a long zigzag of folded panels running off into the distance, a dashed route to an X."""
    a = 2.6
    ink = _Ink(pen, a, paint)
    paper = _paper(paint)
    n = 5
    xs = [0.04, 0.62, 1.12, 1.56, 1.96, 2.3]
    mid = [0.55, 0.52, 0.5, 0.47, 0.45, 0.43]
    half = [0.44, 0.22, 0.3, 0.14, 0.19, 0.08]  # near folds tall, far folds short, all shrinking with distance
    tops = [m - h for m, h in zip(mid, half)]
    bots = [m + h for m, h in zip(mid, half)]
    for k in range(n):
        ink.poly([(xs[k], tops[k]), (xs[k + 1], tops[k + 1]), (xs[k + 1], bots[k + 1]), (xs[k], bots[k])],
                 paper if k % 2 == 0 else shade(paper, 0.78))
    ink.flush()
    land = mix(paint.mid, (110, 150, 90), 0.45)

    def at(x: float, y: float) -> Pt:  # a point on the unfolded sheet (x along, y 0..1) put on its panel
        k = min(n - 1, max(0, int(np.searchsorted(xs, x)) - 1))
        f = (x - xs[k]) / (xs[k + 1] - xs[k])
        t0 = tops[k] + (tops[k + 1] - tops[k]) * f
        b0 = bots[k] + (bots[k + 1] - bots[k]) * f
        return (x, t0 + (b0 - t0) * y)

    for cx, cy, rx, ry in ((0.34, 0.4, 0.22, 0.25), (1.0, 0.62, 0.3, 0.24), (1.75, 0.35, 0.22, 0.22)):
        ink.poly([at(x, y) for x, y in _oval_pts(cx, cy, rx, ry, 0.2, 16)], land, rim=False)
    route = [(0.2, 0.75), (0.45, 0.55), (0.75, 0.6), (1.1, 0.4), (1.4, 0.55), (1.7, 0.5), (1.95, 0.4)]
    for k in range(len(route) - 1):
        (xa, ya), (xb, yb) = route[k], route[k + 1]
        ink.line([at(xa + (xb - xa) * 0.15, ya + (yb - ya) * 0.15), at(xa + (xb - xa) * 0.7, ya + (yb - ya) * 0.7)],
                 paint.accent, 0.025, rim=False)
    xx, yx = at(2.02, 0.4)
    for d in (1, -1):
        ink.line([(xx - 0.04, yx - d * 0.04), (xx + 0.04, yx + d * 0.04)], paint.accent, 0.025, rim=False)
    ink.flush()


def money(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A fan of banknotes spread wide from one corner, each with its border, portrait and corner figures."""
    a = 1.25
    ink = _Ink(pen, a, paint)
    note = mix(mix(paint.light, paint.mid, 0.3), (120, 180, 120), 0.45)
    px, py = 0.14, 0.9
    for i, ang in enumerate((0.12, 0.45, 0.78, 1.11, 1.44)):
        col = note if i % 2 == 0 else shade(note, 0.86)
        rect = [(px - 0.13, py + 0.04), (px + 0.13, py + 0.04), (px + 0.13, py - 0.86), (px - 0.13, py - 0.86)]
        ink.poly(_turn(rect, ang, (px, py)), col)
        ink.flush()
        inner = [(px - 0.09, py - 0.0), (px + 0.09, py - 0.0), (px + 0.09, py - 0.82), (px - 0.09, py - 0.82), (px - 0.09, py - 0.0)]
        ink.line(_turn(inner, ang, (px, py)), shade(note, 0.6), 0.012, rim=False)
        ox, oy = _turn([(px, py - 0.46)], ang, (px, py))[0]
        ink.poly(_oval_pts(ox, oy, 0.06, 0.1, ang, 16), shade(note, 0.65), rim=False)
        for yy in (0.12, 0.74):
            cx_, cy_ = _turn([(px + 0.045, py - yy - 0.03)], ang, (px, py))[0]
            ink.oval(cx_, cy_, 0.026, 0.026, paint.accent, rim=False)
        ink.flush()


def photo(pen: Pen, paint: Paint, look: Look | None) -> None:
    """Instant photographs pegged to a sagging string, each a white frame round a small sunset."""
    a = 1.9
    ink = _Ink(pen, a, paint)
    card = _paper(paint)
    string = [(0.0, 0.04), (0.48, 0.2), (0.95, 0.3), (1.42, 0.2), (1.9, 0.04)]
    ink.line(string, shade(paint.light, 0.8), 0.012)
    ink.flush()
    sky = mix(paint.mid, paint.accent, 0.35)
    for cx, top, ang in ((0.4, 0.18, 0.16), (0.95, 0.3, -0.05), (1.5, 0.18, -0.18)):

        def T(pts: Sequence[Pt]) -> list[Pt]:
            return _turn(pts, ang, (cx, top))

        ink.poly(T([(cx - 0.2, top), (cx + 0.2, top), (cx + 0.2, top + 0.5), (cx - 0.2, top + 0.5)]), card)
        ink.flush()
        ink.poly(T([(cx - 0.165, top + 0.035), (cx + 0.165, top + 0.035), (cx + 0.165, top + 0.37), (cx - 0.165, top + 0.37)]), sky,
                 rim=False)
        sx, sy = T([(cx + 0.05, top + 0.17)])[0]
        ink.poly(_oval_pts(sx, sy, 0.05, 0.05, 0, 12), mix(paint.light, (255, 220, 140), 0.4), rim=False)
        ink.poly(T([(cx - 0.165, top + 0.3), (cx - 0.07, top + 0.23), (cx + 0.03, top + 0.28), (cx + 0.165, top + 0.21),
                    (cx + 0.165, top + 0.37), (cx - 0.165, top + 0.37)]), _body(paint), rim=False)
        ink.poly(T([(cx - 0.03, top - 0.05), (cx + 0.03, top - 0.05), (cx + 0.025, top + 0.06), (cx - 0.025, top + 0.06)]),
                 paint.accent, rim=False)  # the peg
        ink.flush()


def _hanger(ink: _Ink, c: float, y: float, w: float, paint: Paint) -> None:
    wire = mix(paint.light, paint.mid, 0.3)
    ink.line(_oval_pts(c + 0.035, 0.05, 0.035, 0.035, 0, 10, math.pi, 2.2 * math.pi) + [(c, y - 0.04)], wire, 0.014)
    ink.line([(c - w, y + 0.03), (c, y - 0.045), (c + w, y + 0.03)], wire, 0.018)


def dress(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A dress on a hanger: thin straps, a fitted bodice and sash, a full short skirt flaring to a wavy hem."""
    a = 0.8
    ink = _Ink(pen, a, paint)
    c = a / 2
    col = paint.accent
    _hanger(ink, c, 0.16, 0.17, paint)
    hem = [(c + 0.38 - 0.76 * k / 14, 0.8 + (0.04 if k % 2 else 0.0)) for k in range(15)]
    ink.poly([(c - 0.14, 0.19), (c - 0.11, 0.19), (c - 0.1, 0.27), (c, 0.3), (c + 0.1, 0.27), (c + 0.11, 0.19), (c + 0.14, 0.19),
              (c + 0.14, 0.3), (c + 0.1, 0.44), (c + 0.13, 0.5), (c + 0.38, 0.8), *hem, (c - 0.13, 0.5), (c - 0.1, 0.44),
              (c - 0.14, 0.3)], col)
    ink.flush()
    fold = shade(col, 0.7)
    for x0, x1 in ((-0.05, -0.24), (0.0, -0.04), (0.05, 0.15)):
        ink.line([(c + x0, 0.52), (c + x1, 0.82)], fold, 0.016, rim=False)
    ink.poly([(c - 0.1, 0.43), (c + 0.1, 0.43), (c + 0.12, 0.5), (c - 0.12, 0.5)], mix(col, paint.light, 0.5), rim=False)  # sash
    ink.flush()


def jacket(pen: Pen, paint: Paint, look: Look | None) -> None:
    """A jacket on a hanger: square shoulders, sleeves hanging free of the body, open front, lapels."""
    a = 0.8
    ink = _Ink(pen, a, paint)
    c = a / 2
    col = mix(paint.shadow, paint.accent, 0.35)
    sleeve = shade(col, 0.82)
    _hanger(ink, c, 0.17, 0.26, paint)
    for s in (-1, 1):
        ink.poly([(c + s * 0.22, 0.19), (c + s * 0.33, 0.21), (c + s * 0.39, 0.82), (c + s * 0.29, 0.84), (c + s * 0.27, 0.42)], sleeve)
        ink.poly([(c + s * 0.1, 0.16), (c + s * 0.27, 0.2), (c + s * 0.2, 0.42), (c + s * 0.19, 0.96), (c + s * 0.06, 0.96),
                  (c + s * 0.02, 0.62), (c, 0.52), (c, 0.16)], col)
    ink.flush()
    ink.poly([(c - 0.08, 0.16), (c + 0.08, 0.16), (c, 0.5)], mix(paint.light, paint.mid, 0.3), rim=False)  # shirt
    lapel = shade(col, 0.68)
    for s in (-1, 1):
        ink.poly([(c + s * 0.1, 0.16), (c + s * 0.16, 0.3), (c + s * 0.11, 0.32), (c, 0.52), (c + s * 0.07, 0.17)], lapel, rim=False)
        ink.line([(c + s * 0.08, 0.76), (c + s * 0.16, 0.76)], lapel, 0.018, rim=False)  # pockets
    for k in range(2):
        ink.oval(c - 0.05, 0.58 + 0.1 * k, 0.016, 0.016, paint.accent, rim=False)
    ink.flush()


# ---------------------------------------------------------------------------------------------
# The table


@dataclass(frozen=True)
class Subject:
    """A drawable subject: its drawer, the aspect of the box it is drawn for, and its framings."""

    name: str
    draw: Callable[[Pen, Paint, Look | None], None]
    aspect: float  # box width / height the drawing is made for
    medium: tuple[float, float, float, float]  # unit region a MEDIUM shot shows (person: head to waist)
    close: tuple[float, float, float, float]  # unit region a CLOSE-UP fills the frame with
    person: bool = False  # takes a character's Look
    glows: bool = False  # a light source


def _people() -> list[Subject]:
    out = []
    for name, fn, aspect, at, pose, head_r, cw in (
        ("figure", figure, 0.4, _Place(0.2, 0.0, 1.0), None, HEAD_R, 2.0),
        ("singer", singer, 0.72, _Place(0.36, 0.0, 1.0), SINGER_POSE, HEAD_R, 2.0),
        ("dancer", dancer, 1.2, _Place(0.6, 0.12, 1.22), DANCER_POSE, HEAD_R, 2.0),
        ("child", child, 0.75, _Place(0.33, 0.3, 0.7), CHILD_POSE, 0.105, 2.0),
        ("angel", angel, 1.05, _Place(0.525, 0.06, 0.94), None, HEAD_R, 2.0),
    ):
        med, close = _person_regions(at, aspect, pose, head_r, cw)
        out.append(Subject(name, fn, aspect, med, close, person=True))
    return out


SUBJECTS: dict[str, Subject] = {s.name: s for s in [
    *_people(),
    Subject("couple", couple, 0.78, (0.0, 0.0, 1.0, 0.55), (0.05, 0.02, 0.95, 0.34), person=True),
    Subject("crowd", crowd, 2.8, (0.0, 0.0, 1.0, 1.0), (0.183, 0.0, 0.817, 1.0)),
    Subject("ghost", ghost, 1.1, (0.0, 0.0, 1.0, 0.8), (0.133, 0.187, 1.0, 0.787)),
    Subject("horse", horse, 1.3, (0.1, 0.0, 1.0, 0.7), (0.126, 0.21, 0.941, 0.81)),
    Subject("dog", dog, 1.5, (0.1, 0.0, 1.0, 0.8), (0.184, 0.21, 0.949, 0.86)),
    Subject("cat", cat, 0.72, (0.0, 0.0, 1.0, 1.0), (0.0, 0.42, 0.972, 0.92)),
    Subject("wolf", wolf, 0.9, (0.0, 0.0, 1.0, 0.8), (0.0, 0.42, 0.933, 0.92)),
    Subject("birds", birds, 1.7, (0.0, 0.0, 1.0, 1.0), (0.398, 0.42, 0.602, 0.62)),
    Subject("butterfly", butterfly, 1.2, (0.0, 0.0, 1.0, 1.0), (0.0, 0.023, 1.0, 0.873)),
    Subject("car", car, 2.4, (0.0, 0.0, 1.0, 1.0), (0.13, 0.0, 0.87, 1.0)),
    Subject("bicycle", bicycle, 1.7, (0.0, 0.0, 1.0, 1.0), (0.004, 0.047, 0.996, 0.997)),
    Subject("motorcycle", motorcycle, 1.9, (0.0, 0.0, 1.0, 1.0), (0.056, 0.047, 0.944, 0.997)),
    Subject("boat", boat, 1.3, (0.0, 0.0, 1.0, 1.0), (0.0, 0.187, 1.0, 0.987)),
    Subject("train", train, 3.6, (0.3, 0.0, 1.0, 1.0), (0.253, 0.0, 0.747, 1.0)),
    Subject("plane", plane, 1.6, (0.0, 0.0, 1.0, 1.0), (0.058, 0.257, 0.608, 0.757)),
    Subject("radio", radio, 1.0, (0.0, 0.0, 1.0, 1.0), (0.0, 0.0, 1.0, 1.0)),
    Subject("guitar", guitar, 0.42, (0.0, 0.3, 1.0, 1.0), (0.016, 0.467, 1.0, 0.867)),
    Subject("piano", piano, 1.5, (0.0, 0.0, 1.0, 1.0), (0.029, 0.047, 0.971, 0.847)),
    Subject("drums", drums, 1.5, (0.0, 0.0, 1.0, 1.0), (0.067, 0.14, 1.0, 0.99)),
    Subject("record", record, 2.0, (0.0, 0.0, 1.0, 1.0), (0.089, 0.0, 0.978, 1.0)),
    Subject("violin", violin, 0.95, (0.0, 0.0, 1.0, 1.0), (0.104, 0.373, 0.844, 0.773)),
    Subject("flute", flute, 5.0, (0.0, 0.0, 1.0, 1.0), (0.34, 0.32, 0.54, 0.68)),
    Subject("harp", harp, 0.8, (0.0, 0.0, 1.0, 1.0), (0.094, 0.187, 0.973, 0.587)),
    Subject("synth", synth, 2.9, (0.0, 0.0, 1.0, 1.0), (0.1, 0.18, 0.9, 0.6)),
    Subject("sitar", sitar, 1.05, (0.0, 0.0, 1.0, 1.0), (0.311, 0.49, 0.895, 0.84)),
    Subject("flowers", flowers, 0.85, (0.0, 0.0, 1.0, 0.7), (0.004, 0.14, 1.0, 0.64)),
    Subject("tree", tree, 0.95, (0.0, 0.0, 1.0, 0.7), (0.011, 0.0, 1.0, 0.7)),
    Subject("leaf", leaf, 0.75, (0.0, 0.0, 1.0, 1.0), (0.12, 0.257, 1.0, 0.657)),
    Subject("moon", moon, 1.0, (0.0, 0.0, 1.0, 1.0), (0.0, 0.42, 0.733, 0.92), glows=True),
    Subject("sun", sun, 1.0, (0.0, 0.0, 1.0, 1.0), (0.0, 0.187, 1.0, 0.837), glows=True),
    Subject("star", star, 1.0, (0.0, 0.0, 1.0, 1.0), (0.0, 0.257, 0.933, 0.807), glows=True),
    Subject("firework", firework, 1.0, (0.0, 0.0, 1.0, 1.0), (0.148, 0.303, 0.852, 0.703), glows=True),
    Subject("neon", neon, 1.7, (0.0, 0.0, 1.0, 1.0), (0.0, 0.07, 0.933, 0.97), glows=True),
    Subject("streetlamp", streetlamp, 0.42, (0.0, 0.0, 1.0, 0.6), (0.063, 0.07, 0.889, 0.27), glows=True),
    Subject("lantern", lantern, 0.5, (0.0, 0.0, 1.0, 1.0), (0.0, 0.303, 1.0, 0.753), glows=True),
    Subject("candle", candle, 0.8, (0.0, 0.0, 1.0, 1.0), (0.0, 0.28, 1.0, 0.98), glows=True),
    Subject("window", window, 1.4, (0.0, 0.0, 1.0, 1.0), (0.0, 0.023, 1.0, 0.973)),
    Subject("phone", phone, 1.25, (0.0, 0.0, 1.0, 1.0), (0.024, 0.14, 1.0, 0.99)),
    Subject("balloons", balloons, 0.8, (0.0, 0.0, 1.0, 1.0), (0.133, 0.047, 1.0, 0.547)),
    Subject("kite", kite, 0.9, (0.0, 0.0, 1.0, 1.0), (0.011, 0.07, 0.989, 0.57)),
    Subject("glass", glass, 0.55, (0.0, 0.0, 1.0, 1.0), (0.0, 0.093, 0.97, 0.493)),
    Subject("crown", crown, 1.08, (0.0, 0.0, 1.0, 1.0), (0.0, 0.163, 0.988, 0.963)),
    Subject("key", key, 2.2, (0.0, 0.0, 1.0, 1.0), (0.065, 0.163, 0.668, 0.913)),
    Subject("ring", ring, 1.2, (0.0, 0.0, 1.0, 1.0), (0.169, 0.093, 0.831, 0.543)),
    Subject("flag", flag, 1.5, (0.0, 0.0, 1.0, 1.0), (0.0, 0.0, 0.933, 0.85)),
    Subject("mask", mask, 2.0, (0.0, 0.0, 1.0, 1.0), (0.124, 0.023, 0.876, 0.873)),
    Subject("feather", feather, 1.0, (0.0, 0.0, 1.0, 1.0), (0.17, 0.327, 0.697, 0.627)),
    Subject("shoes", shoes, 1.5, (0.0, 0.0, 1.0, 1.0), (0.073, 0.443, 0.66, 0.943)),
    Subject("sword", sword, 0.4, (0.0, 0.0, 1.0, 0.6), (0.067, 0.233, 0.933, 0.433)),
    Subject("gun", gun, 1.6, (0.0, 0.0, 1.0, 1.0), (0.0, 0.14, 0.667, 0.79)),
    Subject("cigarette", cigarette, 1.6, (0.0, 0.0, 1.0, 1.0), (0.275, 0.537, 0.658, 0.887), glows=True),
    Subject("bed", bed, 1.45, (0.0, 0.0, 1.0, 1.0), (0.0, 0.047, 0.901, 0.997)),
    Subject("bell", bell, 0.9, (0.0, 0.0, 1.0, 1.0), (0.0, 0.21, 1.0, 0.81)),
    Subject("blood", blood, 0.8, (0.0, 0.0, 1.0, 1.0), (0.0, 0.257, 1.0, 0.807)),
    Subject("clock", clock, 0.85, (0.0, 0.0, 1.0, 1.0), (0.004, 0.303, 1.0, 0.853)),
    Subject("door", door, 0.58, (0.0, 0.0, 1.0, 1.0), (0.149, 0.047, 1.0, 0.447), glows=True),
    Subject("glitter", glitter, 1.3, (0.0, 0.0, 1.0, 1.0), (0.12, 0.22, 0.88, 0.76)),
    Subject("gold", gold, 1.5, (0.0, 0.0, 1.0, 1.0), (0.029, 0.187, 0.971, 0.987)),
    Subject("hand", hand, 0.8, (0.0, 0.0, 1.0, 1.0), (0.0, 0.257, 1.0, 0.807)),
    Subject("hands", hands, 1.5, (0.0, 0.0, 1.0, 1.0), (0.029, 0.187, 0.971, 0.987)),
    Subject("heart", heart, 1.5, (0.0, 0.0, 1.0, 1.0), (0.029, 0.093, 0.971, 0.893)),
    Subject("mirror", mirror, 0.7, (0.0, 0.0, 1.0, 1.0), (0.067, 0.117, 1.0, 0.667)),
    Subject("rock", rock, 1.6, (0.0, 0.0, 1.0, 1.0), (0.0, 0.047, 0.8, 0.997)),
    Subject("song", song, 1.4, (0.0, 0.0, 1.0, 1.0), (0.245, 0.117, 0.621, 0.417)),
    Subject("book", book, 2.4, (0.0, 0.0, 1.0, 1.0), (0.2, 0.15, 0.8, 0.85)),
    Subject("letter", letter, 1.7, (0.0, 0.0, 1.0, 1.0), (0.1, 0.2, 0.9, 0.8)),
    Subject("map", map_, 2.6, (0.0, 0.0, 1.0, 1.0), (0.2, 0.1, 0.8, 0.9)),
    Subject("money", money, 1.25, (0.0, 0.0, 1.0, 1.0), (0.0, 0.093, 0.768, 0.993)),
    Subject("photo", photo, 1.9, (0.0, 0.0, 1.0, 1.0), (0.104, 0.023, 0.896, 0.873)),
    Subject("dress", dress, 0.8, (0.0, 0.0, 1.0, 1.0), (0.0, 0.327, 1.0, 0.827)),
    Subject("jacket", jacket, 0.8, (0.0, 0.0, 1.0, 1.0), (0.0, 0.163, 1.0, 0.863)),
]}


# Lyric words and phrases to subjects. Weather, time of day, light and places are left out: the
# scene draws those. Plurals are found by `subjects_in` from the singular.
SUBJECT_WORDS: dict[str, str] = {
    # people
    **{w: "figure" for w in """man woman girl boy lover lovers friend friends stranger strangers driver sailor drifter
        mother father sister brother soldier groom person figure lone figure traveller traveler wanderer
        hero boyfriend girlfriend husband wife lady gentleman guy someone face eyes lips hair tears""".split()},
    "lone figure": "figure", "young man": "figure", "young woman": "figure", "old man": "figure", "old woman": "figure",
    "singer": "singer", "the singer": "singer", "vocalist": "singer", "microphone": "singer", "mic": "singer",
    "dancer": "dancer", "dancers": "dancer", "ballerina": "dancer",
    "couple": "couple", "young couple": "couple", "lovers": "couple", "newlyweds": "couple",
    "child": "child", "children": "child", "kid": "child", "kids": "child", "baby": "child", "little girl": "child",
    "little boy": "child",
    "crowd": "crowd", "people": "crowd", "audience": "crowd", "fans": "crowd", "choir": "crowd",
    "angel": "angel", "angels": "angel", "ghost": "ghost", "ghosts": "ghost", "spirit": "ghost", "phantom": "ghost",
    "king": "figure", "queen": "figure", "prince": "figure", "princess": "figure", "bride": "figure",
    # animals
    "horse": "horse", "white horse": "horse", "pony": "horse", "stallion": "horse", "mare": "horse",
    "dog": "dog", "puppy": "dog", "hound": "dog", "cat": "cat", "kitten": "cat", "wolf": "wolf", "wolves": "wolf",
    "coyote": "wolf", "fox": "wolf",
    "bird": "birds", "birds": "birds", "flock of birds": "birds", "flock": "birds", "dove": "birds", "doves": "birds",
    "crow": "birds", "crows": "birds", "gull": "birds", "seagull": "birds", "swallow": "birds", "raven": "birds",
    "butterfly": "butterfly", "butterflies": "butterfly", "moth": "butterfly",
    # vehicles
    "car": "car", "vintage car": "car", "old car": "car", "cadillac": "car", "convertible": "car", "taxi": "car",
    "headlights": "car", "wheel": "car", "wheels": "car", "truck": "car", "pickup": "car", "van": "car",
    "bus": "car", "bicycle": "bicycle", "bike": "bicycle", "motorcycle": "motorcycle", "motorbike": "motorcycle",
    "boat": "boat", "sailboat": "boat", "ship": "boat", "sail": "boat", "yacht": "boat",
    "train": "train", "engine": "train", "locomotive": "train", "plane": "plane", "airplane": "plane", "jet": "plane",
    "aeroplane": "plane",
    # music
    "radio": "radio", "old radio": "radio", "guitar": "guitar", "electric guitar": "guitar", "piano": "piano",
    "grand piano": "piano", "drum": "drums", "drums": "drums", "drum kit": "drums", "record": "record",
    "records": "record", "vinyl": "record", "record player": "record",
    "violin": "violin", "viola": "violin", "cello": "violin", "fiddle": "violin", "strings": "violin",
    "string section": "violin", "flute": "flute", "silver flute": "flute", "harp": "harp", "golden harp": "harp",
    "synthesizer": "synth", "synthesiser": "synth", "synth": "synth", "keyboard": "synth", "harpsichord": "piano",
    "sitar": "sitar",
    # plants
    "rose": "flowers", "roses": "flowers", "flower": "flowers", "flowers": "flowers", "bouquet": "flowers",
    "tree": "tree", "trees": "tree", "oak": "tree", "leaf": "leaf", "leaves": "leaf",
    # lights
    "moon": "moon", "crescent moon": "moon", "sun": "sun", "star": "star", "stars": "star", "neon": "neon",
    "neon sign": "neon", "sign": "neon", "streetlight": "streetlamp", "streetlights": "streetlamp",
    "street lamp": "streetlamp", "lamppost": "streetlamp", "lamp": "streetlamp", "lantern": "lantern",
    "paper lantern": "lantern", "candle": "candle", "candles": "candle", "candlelight": "candle",
    "firework": "firework", "fireworks": "firework",
    # things
    "window": "window", "windows": "window",
    "phone": "phone", "telephone": "phone", 
    "balloon": "balloons",
    "balloons": "balloons", "kite": "kite", "bottle": "glass", "whiskey": "glass", "glass": "glass", "wine": "glass",
    "crown": "crown", "key": "key", "keys": "key", "ring": "ring", "flag": "flag",
    "gold ring": "ring", "golden ring": "ring", "gold crown": "crown", "golden crown": "crown", "gold key": "key",
    "golden key": "key",
    "mask": "mask", "feather": "feather", "feathers": "feather", "shoes": "shoes", "shoe": "shoes", "heels": "shoes",
    "sword": "sword", "knife": "sword", "blade": "sword",
    "gun": "gun", "pistol": "gun", "revolver": "gun", "diamond": "ring", "diamonds": "ring", "gem": "ring",
    
    "cigarette": "cigarette",
    "bed": "bed", "sheets": "bed", "bell": "bell", "bells": "bell", "blood": "blood", "clock": "clock", "door": "door",
    "glitter": "glitter", "dust": "glitter", "gold": "gold", "hand": "hand", "hands": "hands", "heart": "heart",
    "mirror": "mirror", "rock": "rock", "rocks": "rock", "stone": "rock", "stones": "rock", "song": "song",
    "book": "book", "page": "book", "pages": "book", "letter": "letter", "letters": "letter", "envelope": "letter",
    "map": "map", "money": "money", "cash": "money", "dollar": "money", "dollars": "money", "photo": "photo",
    "photograph": "photo", "picture": "photo", "polaroid": "photo", "dress": "dress", "jacket": "jacket",
    "leather jacket": "jacket",
}
# Single-word names of their own subject also resolve (e.g. "streetlamp").
for _name in SUBJECTS:
    SUBJECT_WORDS.setdefault(_name, _name)

_PHRASE_MAX = max(len(k.split()) for k in SUBJECT_WORDS)


def _lookup(words: Sequence[str]) -> str | None:
    """The subject a word or phrase names, trying it as written and without a plural ending."""
    phrase = " ".join(words)
    if phrase in SUBJECT_WORDS:
        return SUBJECT_WORDS[phrase]
    last = words[-1]
    for cut, add in (("ies", "y"), ("ves", "f"), ("es", ""), ("s", "")):
        if last.endswith(cut) and len(last) > len(cut) + 2:
            alt = " ".join([*words[:-1], last[: -len(cut)] + add])
            if alt in SUBJECT_WORDS:
                return SUBJECT_WORDS[alt]
    return None


def subjects_in(text: str) -> list[str]:
    """Subject names named in `text`, in order of first appearance, no repeats (phrase match before single words; plurals)."""
    words = [w.strip("'-") for w in re.findall(r"[a-z][a-z'-]*", text.lower())]
    out: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(_PHRASE_MAX, len(words) - i), 0, -1):
            name = _lookup(words[i : i + n])
            if name is not None:
                if name not in out:
                    out.append(name)
                i += n
                break
        else:
            i += 1
    return out


_MASKS: dict[tuple[str, int], np.ndarray] = {}


def mask_of(name: str, size: int = 256) -> np.ndarray:
    """The subject's drawn mask (bool, size x size), drawn in the largest box of its aspect centred in the square."""
    if (name, size) not in _MASKS:
        s = SUBJECTS[name]
        paint = Paint(shadow=(20, 20, 30), mid=(80, 80, 100), light=(230, 230, 230), accent=(220, 40, 120), night=True, time="night")
        frame = Frame(image=Image.new("RGB", (size, size)), paint=paint, rng=np.random.default_rng(0), horizon=size * 0.7)
        w, h = (size, size / s.aspect) if s.aspect >= 1 else (size * s.aspect, size)
        box = ((size - w) / 2, (size - h) / 2, (size + w) / 2, (size + h) / 2)
        s.draw(Pen(frame, box), paint, None)
        _MASKS[(name, size)] = np.asarray(frame.mask) > 127
    return _MASKS[(name, size)].copy()
