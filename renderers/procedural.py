"""The offline default keyframe renderer: procedural art from the shot's palette, composition and motifs."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from renderers.base import Capabilities, Renderer
from schemas.scenes import StyleBible
from schemas.shots import Shot


# Keywords that pick the motifs drawn for a shot; matched on whole words of subject + prompt + motif.
MOTIFS: dict[str, tuple[str, ...]] = {
    "figure": ("person", "man", "woman", "girl", "boy", "singer", "dancer", "figure", "lover", "lovers", "couple", "child", "you", "me", "we", "silhouette", "people", "crowd", "friend", "friends"),
    "city": ("city", "street", "streets", "building", "buildings", "skyline", "tower", "towers", "neon", "streetlight", "streetlights", "rooftop", "downtown", "car", "cars", "highway", "road", "bridge", "window", "windows"),
    "water": ("sea", "ocean", "wave", "waves", "tide", "beach", "river", "lake", "rain", "shore", "bay", "water", "harbor", "harbour", "spray", "salt", "surf", "pool"),
    "forest": ("tree", "trees", "forest", "garden", "flower", "flowers", "leaf", "leaves", "field", "fields", "meadow", "grass", "park", "woods"),
    "stars": ("night", "star", "stars", "moon", "space", "galaxy", "sky", "cosmos", "midnight", "dark", "light", "lights", "glow"),
}


def pick_motifs(text: str) -> list[str]:
    words = set(re.findall(r"[a-z]+", text.lower()))
    found = [name for name, keys in MOTIFS.items() if words & set(keys)]
    return found or ["crystal"]


def hex_rgb(color: str) -> np.ndarray:
    return np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float32)


def _value_noise(rng: np.random.Generator, h: int, w: int, cells: int) -> np.ndarray:
    """Smooth noise in [0, 1]: a random grid upsampled bicubically."""
    grid = rng.random((cells, max(2, cells * w // h)), dtype=np.float32)
    img = Image.fromarray((grid * 255).astype(np.uint8)).resize((w, h), Image.BICUBIC)
    return np.asarray(img, dtype=np.float32) / 255.0


def _ridge(rng: np.random.Generator, w: int, base: float, amp: float) -> np.ndarray:
    x = np.linspace(0, 1, w)
    y = np.zeros(w)
    for octave in range(1, 6):
        phase = rng.random() * 2 * np.pi
        freq = 1.5 * 2 ** octave * (0.7 + 0.6 * rng.random())
        y += np.sin(2 * np.pi * freq * x + phase) / 2**octave
    return base - amp * y


ANCHORS = {
    "center": (0.5, 0.5),
    "left_third": (0.33, 0.5),
    "right_third": (0.67, 0.5),
    "low_horizon": (0.5, 0.4),
    "high_horizon": (0.5, 0.6),
    "close_up": (0.5, 0.5),
    "wide": (0.5, 0.55),
}
HORIZON = {"low_horizon": 0.74, "high_horizon": 0.4}


class ProceduralRenderer(Renderer):
    """Layered procedural landscapes from the shot's palette, composition, motifs and seed."""

    name = "procedural"
    capabilities = Capabilities(references=False, video=False)

    def render(
        self, shot: Shot, *, seed: int, width: int, height: int, style: StyleBible | None = None, references: Sequence[Image.Image] = ()
    ) -> Image.Image:
        motif = style.recurring_motif if style else ""
        rng = np.random.default_rng(seed)
        # The plan's palette is [shadow, midtone, highlight, accent, ...] (schemas.scenes.PaletteDraft).
        pal = [hex_rgb(c) for c in shot.palette]
        dark, mid, light = pal[0], pal[1], pal[2]
        accent = pal[3] if len(pal) > 3 else light
        w, h = width, height
        horizon = HORIZON.get(shot.composition, 0.58) + rng.uniform(-0.04, 0.04)
        ax, ay = ANCHORS[shot.composition]
        ax += rng.uniform(-0.05, 0.05)

        # Sky: vertical gradient dark -> mid at the horizon, with soft cloud noise in the light tone.
        yy = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
        t = np.clip(yy / horizon, 0, 1) ** 1.4
        sky = dark * (1 - t) + mid * t
        clouds = _value_noise(rng, h, w, 4) * _value_noise(rng, h, w, 9)
        sky = sky + (light - sky) * (clouds[..., None] ** 2) * 0.55 * (yy < horizon)
        img = np.broadcast_to(sky, (h, w, 3)).copy()

        # Celestial disc with glow, placed by the composition.
        size = 0.22 if shot.composition == "close_up" else 0.11 + 0.04 * rng.random()
        cx, cy = ax * w, min(ay, horizon - 0.12) * h
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        d = np.hypot(xs - cx, ys - cy) / (size * h)
        glow = np.clip(1.2 - d, 0, 1) ** 2 * 0.6 + (d < 1) * 0.9
        img = img + (light - img) * np.clip(glow, 0, 1)[..., None]

        motifs = pick_motifs(f"{shot.setting} {shot.subject} {shot.prompt} {motif}")
        canvas = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))
        draw = ImageDraw.Draw(canvas, "RGBA")
        if "stars" in motifs:
            for _ in range(int(rng.integers(80, 200))):
                x, y = rng.random() * w, rng.random() * horizon * h * 0.9
                r = rng.random() * 1.8 + 0.4
                draw.ellipse([x - r, y - r, x + r, y + r], fill=(*light.astype(int), int(120 + 135 * rng.random())))

        # A band of the accent colour glowing along the horizon: every palette colour gets an area
        # of its own (QA measures the palette on the picture, and it should find all four).
        band = int(0.035 * h)
        top_band = int(horizon * h) - band
        draw.rectangle([0, top_band, w, top_band + 2 * band], fill=(*accent.astype(int), 255))
        # Ridges: three layers, darker in front; the nearest two in the plain mid and dark tones.
        for k, depth in enumerate((0.0, 0.45, 1.0)):
            base = (horizon + 0.06 * k) * h
            ridge = _ridge(rng, w, base, (0.12 - 0.03 * k) * h)
            color = (mid * (1 - depth) + dark * depth).astype(int)
            draw.polygon([(0, h), *zip(range(w), ridge), (w - 1, h)], fill=(*color, 255))

        if "city" in motifs:
            x = 0.0
            while x < w:
                bw = rng.uniform(0.03, 0.08) * w
                bh = rng.uniform(0.12, 0.38) * h * (1.4 if abs(x / w - ax) < 0.15 else 1.0)
                top = horizon * h + 0.05 * h - bh
                draw.rectangle([x, top, x + bw, h], fill=(*(dark * 0.8).astype(int), 255))
                for wx in np.arange(x + 4, x + bw - 6, 10):
                    for wy in np.arange(top + 6, horizon * h + 0.04 * h, 14):
                        if rng.random() < 0.35:
                            draw.rectangle([wx, wy, wx + 4, wy + 6], fill=(*accent.astype(int), 230))
                x += bw + rng.uniform(0, 0.01) * w
        if "water" in motifs:
            top = int((horizon + 0.1) * h)
            draw.rectangle([0, top, w, h], fill=(*(dark * 0.7 + mid * 0.3).astype(int), 255))
            for y in range(top, h, 6):
                span = (h - y) / (h - top + 1)
                for _ in range(int(3 + 6 * (1 - span))):
                    x0 = rng.random() * w
                    length = rng.uniform(20, 120) * (1.2 - span)
                    near = abs(x0 - cx) < 0.12 * w
                    col = light if near else accent
                    draw.line([(x0, y), (x0 + length, y)], fill=(*col.astype(int), int(60 + 120 * (1 - span))), width=2)
        if "forest" in motifs:
            for _ in range(int(rng.integers(10, 22))):
                x = rng.random() * w
                base = (horizon + rng.uniform(0.08, 0.3)) * h
                th = rng.uniform(0.1, 0.3) * h
                draw.polygon([(x, base - th), (x - th * 0.25, base), (x + th * 0.25, base)], fill=(*(dark * 0.9).astype(int), 255))
        if "figure" in motifs:
            fx, fh = ax * w, (0.5 if shot.composition == "close_up" else 0.3) * h
            base = min(h * 0.98, (horizon + 0.2) * h + fh * 0.3)
            head = fh * 0.13
            col = (*(dark * 0.4).astype(int), 255)
            rim = (*light.astype(int), 255)  # rim light keeps the figure readable on dark ground
            draw.ellipse([fx - head, base - fh, fx + head, base - fh + 2 * head], fill=col, outline=rim, width=3)
            body = [(fx - fh * 0.16, base), (fx - fh * 0.1, base - fh + 2 * head), (fx + fh * 0.1, base - fh + 2 * head), (fx + fh * 0.16, base)]
            draw.polygon(body, fill=col, outline=rim, width=3)
        if motifs == ["crystal"]:
            for _ in range(int(rng.integers(3, 7))):
                x, y = ax * w + rng.normal(0, 0.12 * w), ay * h + rng.normal(0, 0.1 * h)
                r = rng.uniform(0.05, 0.14) * h
                pts = [(x + r * np.cos(a), y + r * np.sin(a)) for a in np.sort(rng.random(5) * 2 * np.pi)]
                draw.polygon(pts, fill=(*accent.astype(int), 170), outline=(*light.astype(int), 255))

        # Grain and vignette: film texture, and the eye pulled to the centre.
        out = np.asarray(canvas.filter(ImageFilter.GaussianBlur(0.6)), dtype=np.float32)
        out += rng.normal(0, 4.0, out.shape[:2])[..., None]
        vignette = 1 - 0.2 * (np.hypot((xs / w - 0.5) * 1.2, ys / h - 0.5) ** 2) * 2
        out *= vignette[..., None]
        return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))
