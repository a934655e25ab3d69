"""What a renderer drew for a keyframe, next to what the shot asked for.

The procedural renderer writes one `Drawing` per keyframe (in the PNG, see
stages/render_keyframes.py); stage 4 puts it in its evidence, and a shot whose subject was asked
for, can be drawn, and is not in the picture is drawn again. A word the renderer has no drawing
for is a fallback: reported, never sent back (a redraw would draw the same).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from schemas.common import Strict

DRAWING_KEY = "songflow.drawing"  # the Drawing's JSON: in the renderer's Image.info, then in the PNG's text
# The try of its task that drew a keyframe, in the PNG's text where it is not the first: the tries
# before failed on a server that could not be reached or was restarting (flows.running.RETRIES).
TRY_KEY = "songflow.try"
ElementKind = Literal["place", "sky", "weather", "light", "subject", "character", "framing"]


class Element(Strict):
    kind: ElementKind
    asked: str | None = Field(None, description="What the shot asked for (None: it did not say).")
    drawn: str | None = Field(None, description="What the picture shows (None: nothing of this kind).")
    cover: float | None = Field(None, ge=0, le=1, description="A subject's share of the frame, as drawn.")

    @property
    def matches(self) -> bool:
        return self.asked is None or self.asked == self.drawn


class Drawing(Strict):
    renderer: str
    elements: list[Element]
    fallbacks: list[str] = Field(default_factory=list, description="Words the shot asked for that the renderer has no drawing of.")
    subject_cover: float = Field(ge=0, le=1, description="Share of the frame the subjects cover.")
    subject_x: float | None = Field(None, description="Where the main subject's drawn pixels are centred across the frame (0..1).")

    def of(self, kind: ElementKind) -> list[Element]:
        return [e for e in self.elements if e.kind == kind]

    @property
    def missing(self) -> list[str]:
        """Subjects and characters asked for, drawable, and not in the picture."""
        return [e.asked for e in self.elements if e.kind in ("subject", "character") and e.asked and not e.drawn]

    def summary(self) -> str:
        """'place city street (asked city street); sky night; ...' in one line."""
        parts = []
        for e in self.elements:
            said = e.drawn or "none"
            if e.asked and e.asked != e.drawn:
                said += f" (asked {e.asked})"
            parts.append(f"{e.kind} {said}")
        if self.fallbacks:
            parts.append("no drawing for " + ", ".join(self.fallbacks))
        return "; ".join(parts)
