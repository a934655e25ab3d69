"""Framing: where the horizon sits, how near the background is, and the box a subject fills.

Shot size decides how much of the subject the frame holds: at an extreme wide shot it is a speck
on the land, at a wide shot a small figure, at a medium shot its `medium` region (a person's head
to waist) fills the frame, at a close-up its `close` region (head and shoulders). The angle moves
the horizon (low: near the bottom, the subject looming; high: near the top, the ground filling
the frame; aerial: above the frame, no sky) and so changes the whole picture at a cut.
"""

from __future__ import annotations

from dataclasses import dataclass

# Eye-level horizon (share of the frame height from the top) by shot size.
HORIZON = {"extreme_wide": 0.78, "wide": 0.5, "medium": 0.56, "medium_close_up": 0.52, "close_up": 0.5, "extreme_close_up": 0.5}
ANGLE_HORIZON = {"low": 0.88, "high": 0.2, "aerial": -0.4}
# Background scale: the nearer the camera, the bigger (and fewer) the things behind the subject.
ZOOM = {"extreme_wide": 1.0, "wide": 1.5, "medium": 1.9, "medium_close_up": 2.3, "close_up": 2.8, "extreme_close_up": 3.6}
# How soft the background is (a long lens's shallow focus), as a downscale factor; 1 is sharp.
SOFTNESS = {"extreme_wide": 1, "wide": 1, "medium": 1, "medium_close_up": 2, "close_up": 2, "extreme_close_up": 3}
# How far a near subject's background gives way to a flat field of colour (0: the place as it is).
FIELD = {"medium": 0.5, "medium_close_up": 0.8, "close_up": 0.85, "extreme_close_up": 0.9}
# A whole subject's box as a share of the frame's area at the two widest sizes (capped in height).
WHOLE_AREA = {"extreme_wide": 0.008, "wide": 0.05}
WHOLE_HEIGHT_CAP = {"extreme_wide": 0.12, "wide": 0.32}
# Where the subject stands across the frame, by the shot's composition.
ANCHOR_X = {"center": 0.5, "left_third": 0.33, "right_third": 0.67, "low_horizon": 0.5, "high_horizon": 0.5, "close_up": 0.5, "wide": 0.5}
# Shot size when a shot list says none (older lists): read from the composition.
SIZE_OF_COMPOSITION = {
    "wide": "extreme_wide", "low_horizon": "wide", "high_horizon": "wide", "left_third": "medium",
    "right_third": "medium_close_up", "close_up": "close_up", "center": "medium",
}
Region = tuple[float, float, float, float]


@dataclass(frozen=True)
class Camera:
    size: str
    angle: str
    anchor_x: float  # 0..1 across the frame

    @property
    def horizon(self) -> float:
        """The horizon's height as a share of the frame (may be < 0 or > 1)."""
        return ANGLE_HORIZON.get(self.angle, HORIZON[self.size])

    @property
    def zoom(self) -> float:
        return ZOOM[self.size] * (0.8 if self.angle == "aerial" else 1.0)

    @property
    def softness(self) -> int:
        return SOFTNESS[self.size]

    @property
    def field(self) -> float:
        return FIELD.get(self.size, 0.0)

    @property
    def close(self) -> bool:
        """Whether the subject fills the frame (medium and nearer)."""
        return self.size not in WHOLE_AREA

    def box(self, w: int, h: int, aspect: float, medium: Region, close: Region, scale: float = 1.0) -> tuple[float, float, float, float]:
        """The box (x0, y0, x1, y1 pixels) a subject drawn for `aspect` (width / height) fills."""
        horizon = self.horizon * h
        if not self.close:
            bh = min(WHOLE_HEIGHT_CAP[self.size] * h, (WHOLE_AREA[self.size] * w * h / aspect) ** 0.5) * scale
            if self.angle == "aerial":
                bottom = 0.62 * h
            elif self.angle == "high":
                bottom = 0.7 * h
            elif self.angle == "low":
                bottom = 0.96 * h
            else:
                bottom = min(0.97 * h, horizon + (0.06 if self.size == "extreme_wide" else 0.28) * h)
            bw = bh * aspect
            cx = self.anchor_x * w
            return cx - bw / 2, bottom - bh, cx + bw / 2, bottom
        if self.size == "medium":
            region, fill, top = medium, 0.88, 0.1
        elif self.size == "medium_close_up":
            region = tuple((m + c) / 2 for m, c in zip(medium, close))
            fill, top = 0.92, 0.06
        elif self.size == "close_up":
            region, fill, top = close, 0.96, 0.03
        else:  # extreme close-up: the middle of the close region, bigger than the frame
            u0, v0, u1, v1 = close
            cu, cv = (u0 + u1) / 2, (v0 + v1) / 2
            region, fill, top = (cu - (u1 - u0) * 0.3, cv - (v1 - v0) * 0.3, cu + (u1 - u0) * 0.3, cv + (v1 - v0) * 0.3), 1.1, -0.05
        u0, v0, u1, v1 = region
        bh = fill * h / max(0.05, v1 - v0) * scale
        if self.angle == "low":
            top += 0.08  # looking up: the subject rises from the bottom of the frame
        bw = bh * aspect
        y0 = top * h - v0 * bh
        x0 = self.anchor_x * w - (u0 + u1) / 2 * bw
        return x0, y0, x0 + bw, y0 + bh
