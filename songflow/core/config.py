"""One frozen, typed pipeline config: a sub-config per stage, safe CPU defaults, named presets.

The environment is read here and nowhere else (`from_env`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# The embedded default: the real Gemma 3 270M (base) shipped as GGUF inside a PyPI package.
DEFAULT_MODEL = "gguf:embedded"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ModelConfig(_Frozen):
    id: str = Field(DEFAULT_MODEL, description="Model id, 'scheme:rest' (see backends.load_model).")
    temperature: float = Field(0.7, ge=0.0, le=2.0, description="0 means greedy decoding.")
    seed: int = 0
    # Re-asks after a reply fails validation: the errors are sent back each time.
    attempts: int = Field(3, ge=1, le=10)
    # Gemma 4: think before answering (the thinking is saved beside the stage's JSON, never in it).
    thinking: bool = False
    thinking_tokens: int = Field(512, ge=16, description="Most tokens of thinking per reply.")
    # How the model contributes words: "write" phrases itself (Gemma 4, bigger Gemma 3), "choose"
    # from vocabularies and the lyrics' nouns while code composes the sentences (a small base model),
    # "auto" by the model's size (in process) or name (servers: a name with 270m chooses).
    wording: Literal["auto", "choose", "write"] = "auto"
    # Server backends (openai:, ollama:): how long one reply may take.
    timeout_seconds: float = Field(300.0, gt=0)


class AnalyzeConfig(_Frozen):
    sample_rate: int = 22050
    hop_length: int = 512
    # Beats to the bar; None: the tracker finds 2, 3 or 4 from the music (librosa assumes 4).
    beats_per_bar: int | None = Field(None, ge=2, le=12)
    # Longer songs stop before any work with a one-line error (memory grows with the length).
    max_minutes: float = Field(20.0, gt=0)
    # Beat tracker: hybrid (default: the level and bars BeatNet's learned networks hear, CC BY 4.0
    # weights, the beats on the onsets), beatnet (the networks alone), librosa (dynamic programming on
    # onsets, no weights) or madmom (opt-in extra `songflow[madmom]`; its models are licensed for
    # non-commercial use only). Scored in BENCHMARKS.md ("Beat tracking").
    beats: Literal["hybrid", "beatnet", "librosa", "madmom"] = "hybrid"
    # Section boundaries closer than this many bars are merged.
    min_section_bars: int = Field(2, ge=1)
    max_sections: int = Field(8, ge=1, le=12)
    # Largest cosine distance between two sections' mean features for them to share a label.
    label_distance: float = Field(0.5, gt=0, le=2)
    # Listen to the song with an audio-capable model: auto (when the model hears), always (a model
    # that cannot is an error before the run starts), never.
    listen: Literal["auto", "always", "never"] = "auto"
    # Longest audio window sent at once (Gemma 4's feature extractor takes 30 s).
    listen_window_seconds: float = Field(30.0, gt=1, le=30)
    max_listen_windows: int = Field(8, ge=1, le=16)
    # The music tagger (songflow/listening/tagger.py): musicnn's MagnaTagATune and Million Song
    # Dataset taggers. What they hear narrows the genres and moods offered, names the instruments
    # and confirms the voice; none (`--set analyze.tagger=none`) turns it off.
    tagger: Literal["musicnn"] | None = "musicnn"
    # A genre or mood is offered when its best tag scores at least tag_threshold and at least
    # tag_share of the best-supported option's (both fitted on the tuning recordings: BENCHMARKS.md).
    tag_threshold: float = Field(0.13, ge=0, le=1)
    tag_share: float = Field(0.35, ge=0, le=1)
    # A 3 s window holds a voice when its strongest voice tag outscores its strongest no-voice tag
    # by at least this (songflow/listening/voice.py; fitted as above).
    voice_threshold: float = Field(0.06, ge=0, le=1)


class PlanConfig(_Frozen):
    """Nothing to set yet: scene timing comes from the sections."""


class ShotConfig(_Frozen):
    # Shot length in beats follows section energy: calm sections hold longer ...
    beats_per_shot_calm: int = Field(8, ge=1)
    beats_per_shot_intense: int = Field(4, ge=1)
    # ... within these bounds (seconds). A sung line longer than max_shot_seconds may be cut, on a beat.
    min_shot_seconds: float = Field(1.0, gt=0)
    max_shot_seconds: float = Field(8.0, gt=0)
    # Cost of a cut off the downbeat, against the squared relative error of a shot's length.
    off_downbeat_cost: float = Field(0.15, ge=0)
    # A cut this close to a lyric line's start or end is at its edge, not inside it.
    phrase_edge_seconds: float = Field(0.07, ge=0)


class RenderConfig(_Frozen):
    # procedural (offline, the default) or diffusers:<hub id or folder> (see renderers/).
    renderer: str = "procedural"
    width: int = 1280
    height: int = 720
    # diffusers: the size the model draws at (default: its family's), steps and guidance (default:
    # its family's), CPU offload on a small GPU, the negative prompt where the family takes one, and
    # how far img2img may move from a reference (families with no reference input of their own).
    draw_width: int | None = Field(None, ge=16, le=4096)
    draw_height: int | None = Field(None, ge=16, le=4096)
    steps: int | None = Field(None, ge=1, le=200)
    guidance: float | None = Field(None, ge=0, le=30)
    offload: bool = False
    negative_prompt: str = "text, watermark, logo, blurry, deformed hands, extra fingers"
    reference_strength: float = Field(0.65, gt=0, le=1)
    # Shot motion: kenburns (the assembly's eased zoom/pan on the still, the default) or
    # diffusers:<hub id or folder> (image-to-video from the shot's chosen keyframe), with the size the
    # video model draws at, its steps and guidance (default: its family's).
    # Every picture a model draws (keyframes, clip frames) passes this gate before it can reach the
    # video: open-nsfw (offline, CPU), shieldgemma:<hub id or folder> (ShieldGemma 2), or off; auto is
    # open-nsfw when a model draws (diffusers, comfyui) and off for procedural art with Ken Burns.
    # A picture scoring at least safety_threshold (0..1, the probability it is unsafe) is withheld.
    safety: str = "auto"
    safety_threshold: float = Field(0.8, gt=0, le=1)
    motion: str = "kenburns"
    motion_width: int | None = Field(None, ge=16, le=4096)
    motion_height: int | None = Field(None, ge=16, le=4096)
    motion_steps: int | None = Field(None, ge=1, le=200)
    motion_guidance: float | None = Field(None, ge=0, le=30)
    # Continuity: within a scene a shot's clip ends on the next shot's keyframe, so a camera move
    # carries across the cut (a motion model that takes a last frame; off by default).
    motion_continuity: bool = False


class QAConfig(_Frozen):
    pass_score: int = Field(5, ge=0, le=10, description="Minimum model score (0-10) to accept.")
    max_rerenders: int = Field(2, ge=0, le=5, description="Re-renders (new seed) per failed shot.")
    # Show the keyframe to a vision-capable model: auto, always (error before the run if the model
    # cannot see), never (measurements only).
    look: Literal["auto", "always", "never"] = "auto"
    # Where the model's subject box (box_2d, 0-1000) may sit from the planned composition anchor.
    max_box_offset: float = Field(0.3, ge=0, le=1)


class AssembleConfig(_Frozen):
    fps: int = 24
    width: int = 1280
    height: int = 720
    zoom: float = Field(1.12, ge=1.0, le=1.5, description="Scale reached by zoom/pan moves.")
    # Keyframes are upscaled this much before zoompan so slow moves glide instead of stepping.
    supersample: int = Field(2, ge=1, le=4)
    # Section changes: "auto" dips to black into a much louder section and crossfades otherwise.
    transition: Literal["auto", "crossfade", "dip", "cut"] = "auto"
    transition_beats: float = Field(1.0, ge=0)
    max_transition_seconds: float = Field(0.6, ge=0)
    # A zoom kick on each beat in sections at least this loud (0..1).
    pulse: bool = True
    pulse_energy: float = Field(0.8, ge=0, le=1)
    pulse_amount: float = Field(0.025, ge=0, le=0.2)
    captions: bool = True
    soft_subtitles: bool = True
    preset: str = "veryfast"  # x264 speed/size trade-off
    crf: int = 20


class TimingConfig(_Frozen):
    """Hard timing rules: a run whose video breaks one fails with the figures (timing_report.json)."""

    max_cut_offset_seconds: float = Field(0.07, ge=0, description="Every cut within this of a detected beat.")
    max_cuts_in_phrases: int = Field(0, ge=0, description="Cuts inside sung lines (lines longer than a shot excepted).")
    max_caption_error_frames: float = Field(1.0, ge=0)
    max_duration_error_frames: float = Field(1.0, ge=0)


ModelStage = Literal["analyze", "plan", "shots", "qa"]
MODEL_STAGES: tuple[ModelStage, ...] = ("analyze", "plan", "shots", "qa")


class PipelineConfig(_Frozen):
    model: ModelConfig = ModelConfig()
    # A model id per stage, overriding model.id there (e.g. a vision model for qa only).
    stage_models: dict[ModelStage, str] = Field(default_factory=dict)
    analyze: AnalyzeConfig = AnalyzeConfig()
    plan: PlanConfig = PlanConfig()
    shots: ShotConfig = ShotConfig()
    render: RenderConfig = RenderConfig()
    qa: QAConfig = QAConfig()
    assemble: AssembleConfig = AssembleConfig()
    timing: TimingConfig = TimingConfig()
    outputs: Path = Path("outputs")

    def model_for(self, stage: ModelStage) -> ModelConfig:
        """The model settings stage `stage` runs with."""
        chosen = self.stage_models.get(stage)
        return self.model if not chosen else self.model.model_copy(update={"id": chosen})


PRESETS: dict[str, PipelineConfig] = {
    "default": PipelineConfig(),
    # Fewer re-asks and re-renders: for tests and quick previews.
    "fast": PipelineConfig(
        model=ModelConfig(attempts=2),
        qa=QAConfig(max_rerenders=1),
        assemble=AssembleConfig(preset="ultrafast"),
    ),
}


def cache_dir() -> Path:
    """Where converted models are kept between runs."""
    root = os.environ.get("SONGFLOW_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "songflow"
    )
    return Path(root)


def from_env(preset: str = "default", **overrides: object) -> PipelineConfig:
    """The preset, with SONGFLOW_MODEL[_<STAGE>] / SONGFLOW_OUTPUTS and explicit overrides applied."""
    if preset not in PRESETS:
        from songflow.core.errors import InputError

        raise InputError(f"unknown preset {preset!r}; valid: {', '.join(PRESETS)}")
    cfg = PRESETS[preset]
    update: dict[str, object] = {}
    model_id = overrides.pop("model", None) or os.environ.get("SONGFLOW_MODEL")
    thinking = overrides.pop("thinking", None)
    if model_id or thinking is not None:
        update["model"] = cfg.model.model_copy(update={k: v for k, v in (("id", model_id), ("thinking", thinking)) if v is not None})
    stage_models = {stage: os.environ[f"SONGFLOW_MODEL_{stage.upper()}"] for stage in MODEL_STAGES if os.environ.get(f"SONGFLOW_MODEL_{stage.upper()}")}
    stage_models.update(overrides.pop("stage_models", None) or {})
    if stage_models:
        update["stage_models"] = {**cfg.stage_models, **stage_models}
    for section, key in (("analyze", "listen"), ("analyze", "beats"), ("qa", "look"), ("render", "renderer"), ("render", "motion")):
        value = overrides.pop(key, None)
        if value:
            base = update.get(section) or getattr(cfg, section)
            update[section] = base.model_copy(update={key: value})
    outputs = overrides.pop("outputs", None) or os.environ.get("SONGFLOW_OUTPUTS")
    if outputs:
        update["outputs"] = Path(str(outputs))
    settings = overrides.pop("settings", None) or {}
    update.update(overrides)
    from pydantic import ValidationError

    merged = {**cfg.model_dump(), **{k: v.model_dump() if isinstance(v, BaseModel) else v for k, v in update.items()}}
    for dotted, value in settings.items():  # "render.steps" -> "8": validated (and coerced) below
        section, _, key = dotted.partition(".")
        if not isinstance(merged.get(section), dict) or key not in merged[section]:
            from songflow.core.errors import InputError

            raise InputError(f"unknown setting {dotted!r}; settings look like render.steps or assemble.crf")
        merged[section] = {**merged[section], key: None if value in ("", "none", "None") else value}
    try:  # validated again: overrides come from users
        return PipelineConfig.model_validate(merged)
    except ValidationError as exc:
        from songflow.core.errors import InputError

        first = exc.errors(include_url=False)[0]
        raise InputError(f"bad setting {'.'.join(map(str, first['loc']))}: {first['msg']}") from exc


def prefect_defaults() -> None:
    """Quiet defaults for the Prefect client and its temporary server, unless the user set them."""
    # The temporary server's telemetry write races the first run on SQLite ("database is locked").
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # A Prefect server whose database is restarting answers 500: retried like a refused connection.
    os.environ.setdefault("PREFECT_CLIENT_RETRY_EXTRA_CODES", "500")


def cpu_share() -> int:
    """The cores this process may use: OMP_NUM_THREADS when it is set (several workers on one host
    each get their share: two processes that each spin on every core run several times slower than
    one), otherwise every CPU this process may run on (taskset, cgroup cpusets)."""
    wanted = os.environ.get("OMP_NUM_THREADS", "").strip()
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)
