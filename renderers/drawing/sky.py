"""Sky, weather and light: what the time of day, the weather and the scene's light look like.

The sky is drawn first (a gradient for the time of day, the sun or the moon, stars at night); the
scene's light next, over the place (neon signs, strobe beams, lamp posts, candles, the sun's
rays); the weather last, over everything (rain, fog, snow, a storm, wind). Each is a few dozen
to a few hundred flat shapes, in the scene's palette mixed with the colours of the hour.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from renderers.drawing.canvas import Frame, Paint, mix, shade

# Times of day as the four skies a viewer tells apart.
SKY_OF = {
    "dawn": "dawn", "morning": "day", "noon": "day", "afternoon": "day",
    "sunset": "dusk", "dusk": "dusk", "night": "night", "midnight": "night",
}
# (top, horizon) colours of each sky before the palette is mixed in, and how much palette.
SKY_COLOURS = {
    "dawn": ((46, 52, 112), (255, 176, 128)),
    "day": ((64, 142, 222), (206, 230, 248)),
    "dusk": ((58, 32, 96), (255, 124, 60)),
    "night": ((6, 8, 22), (34, 40, 78)),
}
# Where the sun or moon stands: (x across the view, height above the horizon as a share of it).
SUN_AT = {"dawn": (0.72, 0.12), "day": (0.3, 0.78), "dusk": (0.36, 0.1), "night": (0.74, 0.62)}


def sky_of(time: str | None) -> str:
    """'dawn' | 'day' | 'dusk' | 'night' for a time of day (dusk when none is said)."""
    return SKY_OF.get(time or "", "dusk")


def paint_for(palette: list[str], time: str | None) -> Paint:
    sky = sky_of(time)
    return Paint.of(palette, night=sky == "night", time=sky)


def sky_colours(p: Paint) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    top, low = SKY_COLOURS[p.time]
    # The palette tints the hour: a night sky leans to the shadow colour, a day sky keeps its blue.
    k = {"night": 0.5, "dawn": 0.45, "dusk": 0.5, "day": 0.3}[p.time]
    return mix(top, p.shadow, k), mix(low, p.light if p.time != "night" else p.mid, k)


def draw_sky(f: Frame) -> tuple[float, float] | None:
    """The gradient, stars and the sun or moon; returns where the sun or moon is (pixels), or None
    when the horizon is above the frame (an aerial view shows no sky)."""
    p = f.paint
    top, low = sky_colours(p)
    h, w = f.h, f.w
    horizon = max(1.0, f.horizon)
    t = np.clip(np.arange(h, dtype=np.float32) / horizon, 0, 1) ** 1.3
    col = (np.array(top, np.float32)[None] * (1 - t[:, None]) + np.array(low, np.float32)[None] * t[:, None]).astype(np.uint8)
    f.image.paste(Image.fromarray(col[:, None, :].repeat(1, axis=1)).resize((w, h), Image.NEAREST))
    if f.horizon <= 0:
        return None
    if p.time == "night":
        for _ in range(int(f.rng.integers(90, 160))):
            x, y = f.rng.random() * w, f.rng.random() * min(h, f.horizon) * 0.92
            r = 0.6 + 1.4 * f.rng.random()
            f.draw.ellipse([x - r, y - r, x + r, y + r], fill=(*p.light, int(110 + 140 * f.rng.random())))
    ux, up = SUN_AT[p.time]
    x, y = min(max(f.x(ux), 0.1 * w), 0.9 * w), f.horizon * (1 - up)  # however the camera pans, it is in the sky
    r = 0.05 * h * min(f.zoom, 2.2) * (1.5 if p.time in ("dawn", "dusk") else 1.0)
    if p.time == "night":
        f.draw.ellipse([x - r, y - r, x + r, y + r], fill=(*mix(p.light, (245, 245, 235), 0.5), 255))
        f.draw.ellipse([x - r * 0.55, y - r * 1.1, x + r * 1.35, y + r * 0.8], fill=(*top, 255))  # the crescent's dark bite
        f.glow(x, y, r * 2.2, mix(p.light, (0, 0, 0), 0.6))
    else:
        sun = mix(p.light, (255, 250, 220), 0.4) if p.time == "day" else mix(p.accent, (255, 210, 120), 0.4)
        f.draw.ellipse([x - r, y - r, x + r, y + r], fill=(*sun, 255))
        f.glow(x, y, r * 2.0, sun, 0.45)
    f.sky = f.image.copy()
    return x, y


def draw_light(f: Frame, light: str | None, sun: tuple[float, float] | None, indoor: bool, focus: tuple[float, float]) -> str | None:
    """The scene's light over the place; returns what was drawn (None when nothing was)."""
    if not light:
        return None
    p, w, h, rng = f.paint, f.w, f.h, f.rng
    floor = min(h * 0.98, max(f.horizon, h * 0.55))
    if light == "neon":
        tubes = [p.accent, mix(p.accent, p.light, 0.5), mix(p.mid, (255, 255, 255), 0.3)]
        for k in range(int(rng.integers(3, 6))):
            cx, cy = f.x(rng.uniform(0.05, 0.95)), rng.uniform(0.12, 0.5) * h
            sw, sh = rng.uniform(0.05, 0.12) * w * min(f.zoom, 2), rng.uniform(0.03, 0.07) * h * min(f.zoom, 2)
            col = tubes[k % len(tubes)]
            width = max(2, int(0.006 * h * min(f.zoom, 2)))
            if k % 2:
                f.draw.rounded_rectangle([cx - sw / 2, cy - sh / 2, cx + sw / 2, cy + sh / 2], radius=sh / 2, outline=(*col, 255), width=width)
            else:
                f.draw.line([(cx - sw / 2, cy + sh / 2), (cx - sw / 6, cy - sh / 2), (cx + sw / 6, cy + sh / 2), (cx + sw / 2, cy - sh / 2)], fill=(*col, 255), width=width)
            f.glow(cx, cy, sw * 0.7, col, 0.8)
        return "neon"
    if light == "strobe":
        for k in range(4):
            x0 = f.x(0.15 + 0.23 * k + rng.uniform(-0.04, 0.04))
            spread = rng.uniform(0.1, 0.2) * w
            x1 = x0 + rng.uniform(-0.25, 0.25) * w
            f.draw.polygon([(x0, 0), (x1 - spread, floor), (x1 + spread, floor)], fill=(*mix(p.light, (255, 255, 255), 0.6), 70))
            f.glow(x0, 0, 0.07 * h, (255, 255, 255), 0.8)
        return "strobe"
    if light == "streetlight" and not indoor:
        for k in range(3):
            x = f.x(0.12 + 0.38 * k + rng.uniform(-0.05, 0.05))
            top = floor - 0.3 * h * min(f.zoom, 1.5)
            lamp = mix(p.light, (255, 214, 140), 0.25)
            f.draw.polygon([(x, top), (x - 0.12 * w, floor), (x + 0.12 * w, floor)], fill=(*lamp, 45))
            f.draw.line([(x, floor), (x, top)], fill=(*shade(p.shadow, 0.7), 255), width=max(3, int(0.008 * h * min(f.zoom, 2))))
            f.draw.ellipse([x - 0.012 * h, top - 0.012 * h, x + 0.012 * h, top + 0.012 * h], fill=(*lamp, 255))
            f.glow(x, top, 0.09 * h, lamp)
        return "streetlight"
    if light in ("candle", "fire", "streetlight"):  # a streetlight indoors is a warm lamp
        flame = (255, 170, 60) if light != "candle" else (255, 205, 120)
        # Candles in a row along the floor; a fire is one or two blazes near the frame's edges.
        spots = [0.08 + 0.84 * k / 4 for k in range(5)] if light == "candle" else [0.12, 0.88][: 1 + int(rng.random() < 0.5)]
        base = floor if light == "candle" else max(floor, 0.9 * h)
        for u in spots:
            x = u * w + rng.uniform(-0.03, 0.03) * w
            y = base - rng.uniform(0.0, 0.04) * h
            s = (0.03 if light == "candle" else 0.06) * h * min(f.zoom, 2)
            if light == "candle":
                f.draw.rectangle([x - s * 0.25, y - s * 1.4, x + s * 0.25, y], fill=(*mix(p.light, (240, 230, 210), 0.5), 255))
                f.draw.polygon([(x, y - s * 2.4), (x - s * 0.35, y - s * 1.3), (x + s * 0.35, y - s * 1.3)], fill=(*flame, 255))
            else:
                for k in range(5):  # tongues of a blaze, the tallest in the middle
                    dx = (k - 2) * 0.3 * s
                    top = y - s * (2.2 - 0.35 * abs(k - 2)) * rng.uniform(0.85, 1.1)
                    f.draw.polygon([(x + dx, top), (x + dx - 0.35 * s, y), (x + dx + 0.35 * s, y)], fill=(*mix(flame, (255, 230, 120), 0.2 * (k % 2)), 255))
                f.draw.rectangle([x - 1.1 * s, y - 0.15 * s, x + 1.1 * s, y + 0.1 * s], fill=(*shade(p.shadow, 0.8), 255))
            f.glow(x, y - s * 1.5, s * 2.5, flame, 0.55)
        return light if light != "streetlight" else "lamp"
    if light == "sun" and sun is not None:
        x, y = sun
        for k in range(7):
            a = np.pi / 2 + (k - 3) * 0.3 + rng.uniform(-0.05, 0.05)  # fanning down from the sun
            r, b = 1.6 * h, 0.05
            f.draw.polygon([(x, y), (x + r * np.cos(a - b), y + r * np.sin(a - b)), (x + r * np.cos(a + b), y + r * np.sin(a + b))],
                           fill=(*mix(p.light, (255, 240, 200), 0.5), 34))
        return "sun"
    if light == "moon" and sun is not None:
        # The moon's halo, and its cold light on the land.
        f.glow(sun[0], sun[1], 0.28 * h, mix(p.light, (0, 0, 0), 0.4), 0.8)
        f.draw.rectangle([0, max(0, int(f.horizon)), w, h], fill=(*mix(p.light, (190, 210, 255), 0.6), 40))
        return "moon"
    if light == "backlight":
        f.glow(focus[0], focus[1], 0.35 * h, mix(p.light, (255, 255, 255), 0.3), 0.9)
        return "backlight"
    if light in ("daylight", "twilight"):
        tint = (200, 210, 225) if light == "daylight" else (60, 70, 150)
        f.draw.rectangle([0, 0, w, h], fill=(*tint, 28))
        return light
    return None


def draw_weather(f: Frame, weather: str | None, indoor: bool) -> str | None:
    """Rain, fog, snow, storm or wind over the whole frame; None for a clear sky, indoors or unsaid."""
    if not weather or weather == "clear" or indoor:
        return "clear" if weather == "clear" and not indoor else None
    p, w, h, rng = f.paint, f.w, f.h, f.rng
    if weather in ("drizzle", "downpour", "storm"):
        heavy = weather != "drizzle"
        if heavy:
            f.draw.rectangle([0, 0, w, h], fill=(*shade(p.shadow, 0.6), 60))
        if weather == "storm" and f.horizon > 0:
            for _ in range(9):
                cx, cy = rng.random() * w, rng.uniform(-0.05, 0.12) * h
                rx, ry = rng.uniform(0.12, 0.25) * w, rng.uniform(0.06, 0.12) * h
                f.draw.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=(*mix(p.shadow, (70, 70, 80), 0.4), 235))
            x, y = rng.uniform(0.2, 0.8) * w, 0.1 * h
            bolt = [(x, y)]
            while y < min(h, max(f.horizon, 0.3 * h)):
                x, y = x + rng.uniform(-0.05, 0.05) * w, y + rng.uniform(0.06, 0.1) * h
                bolt.append((x, y))
            f.draw.line(bolt, fill=(255, 255, 240, 255), width=max(3, h // 150), joint="curve")
            f.glow(bolt[0][0], bolt[len(bolt) // 2][1], 0.1 * h, (220, 220, 255), 0.5)
        n, length, alpha = (900, 0.07, 110) if heavy else (600, 0.045, 120)
        col = mix(p.light, (220, 230, 255), 0.5)
        xs, ys = rng.random(n) * (w + 0.1 * w), rng.random(n) * h
        for x, y in zip(xs, ys):
            f.draw.line([(x, y), (x - 0.25 * length * h, y + length * h)], fill=(*col, alpha), width=1 if not heavy else 2)
        return weather
    if weather in ("fog", "haze"):
        tone = mix(p.light, (200, 205, 215), 0.5) if weather == "fog" else mix(p.light, (240, 200, 150), 0.4)
        peak = 0.6 if weather == "fog" else 0.4
        y = np.arange(h, dtype=np.float32)
        centre = f.horizon if 0 < f.horizon < h else h * 0.5
        alpha = (peak * np.exp(-(((y - centre) / (0.35 * h)) ** 2)) + (0.12 if weather == "fog" else 0.06)) * 255
        a = Image.fromarray(np.clip(alpha, 0, 255).astype(np.uint8)[:, None]).resize((w, h), Image.NEAREST)
        f.image.paste(Image.new("RGB", (w, h), tone), (0, 0), a)
        return weather
    if weather == "snow":
        for _ in range(420):
            x, y = rng.random() * w, rng.random() * h
            r = 1 + 3.5 * rng.random() ** 2 * min(f.zoom, 2)
            f.draw.ellipse([x - r, y - r, x + r, y + r], fill=(250, 250, 255, int(150 + 100 * rng.random())))
        return "snow"
    if weather == "wind":
        col = mix(p.light, (255, 255, 255), 0.3)
        for _ in range(40):
            x, y = rng.random() * w, rng.random() * h
            L = rng.uniform(0.08, 0.25) * w
            f.draw.arc([x, y, x + L, y + 0.08 * h], 200, 340, fill=(*col, 110), width=2)
        for _ in range(30):
            x, y = rng.random() * w, rng.random() * h
            s = 0.01 * h
            f.draw.ellipse([x - s, y - s / 2, x + s, y + s / 2], fill=(*p.accent, 200))
        return "wind"
    return None
