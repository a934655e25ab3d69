"""Stage 2 hand-off: one scene per section and a style bible shared by all of them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from schemas.common import HexColor, Strict, check_tiling, text

CameraMotion = Literal["hold", "push", "pan_left", "pan_right", "zoom_in", "zoom_out", "tilt_up", "tilt_down"]


class Character(Strict):
    """A person who recurs across scenes, drawn the same way every time."""

    name: text(40) = Field(description="How the video calls them, e.g. 'the dancer'.")  # type: ignore[valid-type]
    look: text(160) = Field(description="Their fixed appearance: hair, face, clothes, e.g. 'short black hair, a long red coat'.")  # type: ignore[valid-type]


class Cast(Strict):
    """Stage 2's recurring characters (none for a video of places and things)."""

    characters: list[Character] = Field(max_length=3, description="At most three people who recur across scenes.")


class StyleBible(Strict):
    """Look shared by every scene, so the video reads as one piece."""

    medium: text(80) = Field(description="Visual medium, e.g. 'grainy 35mm film' or 'flat vector art'.")  # type: ignore[valid-type]
    lighting: text(80) = Field(description="Light quality shared by all scenes.")  # type: ignore[valid-type]
    recurring_motif: text(60) = Field(description="An element that appears in every scene.")  # type: ignore[valid-type]


# The model names colours from these lists; code turns names into hex. A small model picks
# evocative words far more reliably than it invents hex digits, and one list per tone means the
# grammar itself guarantees a palette that runs from dark to light.
SHADOWS: dict[str, str] = {
    "ink black": "#0d0d12",
    "charcoal": "#2b2b2b",
    "deep navy": "#0b1d3a",
    "midnight blue": "#191970",
    "plum": "#4b1d3f",
    "indigo": "#3f1d8a",
    "forest green": "#1f5130",
    "oxblood": "#4a0e0e",
}
MIDTONES: dict[str, str] = {
    "rust": "#9a3b1f",
    "crimson": "#b0102e",
    "cobalt": "#0047ab",
    "teal": "#008080",
    "slate grey": "#5a6270",
    "olive": "#6b7a2a",
    "violet": "#8f00ff",
    "burnt orange": "#cc5500",
    "dusty rose": "#c08081",
    "electric blue": "#2e6bff",
}
HIGHLIGHTS: dict[str, str] = {
    "sky blue": "#87ceeb",
    "lavender": "#b4a7e5",
    "sand": "#d8c19a",
    "mint": "#98ffcc",
    "lemon": "#fff44f",
    "silver": "#c0c0c8",
    "ivory": "#f4f0e0",
    "peach": "#ffcba4",
}
ACCENTS: dict[str, str] = {
    "emerald": "#2ecc71",
    "magenta": "#ff00cc",
    "hot pink": "#ff3ea5",
    "scarlet": "#ff2400",
    "coral": "#ff7f50",
    "turquoise": "#30d5c8",
    "gold": "#e6b422",
    "amber": "#ffbf00",
}
COLOURS: dict[str, str] = {**SHADOWS, **MIDTONES, **HIGHLIGHTS, **ACCENTS}
COLOUR_NAMES: dict[str, str] = {hex_: name for name, hex_ in COLOURS.items()}  # "#0b1d3a" -> "deep navy"


class PaletteDraft(Strict):
    """A scene's colours by name, one per tone."""

    shadow: Literal[tuple(SHADOWS)] = Field(description="Darkest colour.")  # type: ignore[valid-type]
    midtone: Literal[tuple(MIDTONES)] = Field(description="Main colour.")  # type: ignore[valid-type]
    highlight: Literal[tuple(HIGHLIGHTS)] = Field(description="Lightest colour.")  # type: ignore[valid-type]
    accent: Literal[tuple(ACCENTS)] = Field(description="A vivid accent.")  # type: ignore[valid-type]

    def hex(self) -> list[str]:
        return [COLOURS[self.shadow], COLOURS[self.midtone], COLOURS[self.highlight], COLOURS[self.accent]]


class SceneBase(Strict):
    setting: text(100) = Field(description="Where the scene takes place.")  # type: ignore[valid-type]
    subject: text(80) = Field(description="The main thing in frame.")  # type: ignore[valid-type]
    camera: CameraMotion = Field(description="Camera motion for the scene.")
    light: text(60) | None = Field(None, description="The scene's light, e.g. 'neon glow' or 'golden hour sunlight'.")  # type: ignore[valid-type]


class SceneDraft(SceneBase):
    """What the model writes for one section (stage 2's per-scene decoder schema)."""

    palette: PaletteDraft



def scene_draft_after(previous: PaletteDraft | None, cast: tuple[str, ...] = ()) -> type[SceneDraft]:
    """SceneDraft whose midtone cannot be the previous scene's: a cut to a new section must look
    like one, and the grammar then guarantees it instead of hoping the model varies. Its characters
    are names from the `cast` (none when there is no cast)."""
    if previous is None and not cast:
        return SceneDraft
    from pydantic import create_model

    fields: dict = {}
    if previous is not None:
        others = tuple(name for name in MIDTONES if name != previous.midtone)
        palette = create_model(
            "PaletteDraft",
            __base__=PaletteDraft,
            midtone=(Literal[others], Field(description="Main colour, not the previous scene's.")),  # type: ignore[valid-type]
        )
        fields["palette"] = (palette, ...)
    if cast:
        fields["characters"] = (list[Literal[cast]], Field(default_factory=list, max_length=len(cast), description="Who of the cast is in this scene."))  # type: ignore[valid-type]
    return create_model("SceneDraft", __base__=SceneDraft, **fields)  # type: ignore[call-overload]


class Scene(SceneBase):
    palette: list[HexColor] = Field(min_length=3, max_length=5, description="Colours as #rrggbb.")
    characters: list[str] = Field(default_factory=list, max_length=3, description="Names of the recurring characters in this scene.")
    index: int = Field(ge=0)
    section_index: int = Field(ge=0)
    start: float = Field(ge=0)
    end: float = Field(gt=0)


class ScenePlan(Strict):
    """Stage 2 output."""

    duration: float = Field(gt=0)
    style: StyleBible
    characters: list[Character] = Field(default_factory=list, max_length=3, description="Recurring characters, each with a fixed look.")
    scenes: list[Scene] = Field(min_length=1)
    model: str

    @model_validator(mode="after")
    def _covers_song(self) -> ScenePlan:
        for scene in self.scenes:
            if scene.start < 0 or scene.end > self.duration + 1e-6:
                raise ValueError(
                    f"scene {scene.index} ({scene.start:.2f}-{scene.end:.2f}s) lies outside the song "
                    f"(0-{self.duration:.2f}s)"
                )
        check_tiling([(s.start, s.end) for s in self.scenes], 0.0, self.duration, "scene")
        for a, b in zip(self.scenes, self.scenes[1:]):
            if a.palette == b.palette:
                raise ValueError(f"scene {b.index} repeats the palette of scene {a.index}")
        if [s.index for s in self.scenes] != list(range(len(self.scenes))):
            raise ValueError("scene indexes must be 0, 1, 2, ... in order")
        names = [c.name for c in self.characters]
        if len(set(names)) != len(names):
            raise ValueError("character names must be unique")
        for scene in self.scenes:
            unknown = [n for n in scene.characters if n not in names]
            if unknown:
                raise ValueError(f"scene {scene.index} names characters not in the cast: {', '.join(unknown)}")
        return self
