"""Moving shots: each shot's chosen keyframe animated by an image-to-video model.

The model makes clips of its own frame-count rule at its own frame rate (Wan: 4k+1 frames at 16
fps); the clip asked for is the first such count that covers the shot, and it is retimed to exactly
the shot's frames at the video's rate (`renderers.retime`), so every cut stays on its planned frame.
A shot whose clip fails keeps its still, moved by the assembly's Ken Burns, and says why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from renderers import Motion, native_frames, retime
from schemas.clips import FrameReview, ShotClip
from schemas.scenes import StyleBible
from schemas.shots import Shot
from songflow.core.config import AssembleConfig
from songflow.core.fsutil import atomic_path
from renderers.safety import SafetyGate
from renderers.song_audio import shot_audio

log = logging.getLogger(__name__)


class UnsafeClip(Exception):
    """The safety gate flagged a frame of the clip."""


def clip_name(shot_index: int) -> str:
    return f"clips/shot_{shot_index:03d}.mp4"


def write_clip(pictures: list[Image.Image], path: Path, cfg: AssembleConfig) -> Path:
    """An H.264 MP4 of exactly len(pictures) frames at cfg.fps and the video's size, written atomically."""
    import av

    with atomic_path(path) as tmp:
        with av.open(str(tmp), mode="w", format="mp4") as container:
            stream = container.add_stream("libx264", rate=cfg.fps)
            stream.width, stream.height, stream.pix_fmt = cfg.width, cfg.height, "yuv420p"
            stream.options = {"crf": str(cfg.crf), "preset": cfg.preset}
            for picture in pictures:
                if picture.size != (cfg.width, cfg.height):
                    picture = picture.resize((cfg.width, cfg.height), Image.LANCZOS)
                for packet in stream.encode(av.VideoFrame.from_image(picture)):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
    return path


def animate_shot(
    shot: Shot,
    keyframe: Path,
    motion: Motion,
    out_dir: Path,
    *,
    frames: int,
    cfg: AssembleConfig = AssembleConfig(),
    style: StyleBible | None = None,
    safety: SafetyGate | None = None,
    safety_threshold: float = 0.8,
    review: Callable[[Shot, list[Path]], list[FrameReview]] | None = None,
    song: Path | None = None,
    start: float | None = None,
) -> ShotClip:
    """The shot's clip (exactly `frames` frames at cfg.fps), or its fallback to the still. The
    clip's first, middle and last frames pass the safety gate; a flagged clip is never written. With
    `review` (a vision model), those frames are judged too: a clip one of them fails is not used.
    A model moved by audio gets `song`'s samples under the clip, from `start` (the shot's first
    frame, in seconds), and its clip is trimmed to the shot, never slowed."""
    caps = motion.capabilities
    native = native_frames(frames, cfg.fps, caps)
    record = dict(shot_index=shot.index, keyframe=str(Path(keyframe).relative_to(out_dir)), frames=frames, seed=shot.seed)
    try:
        with Image.open(keyframe) as im:
            still = im.convert("RGB")
        audio = None
        if caps.audio and song is not None:
            audio = shot_audio(song, shot.start if start is None else start, native / caps.fps)
            record.update(audio_start=audio.start, audio_seconds=audio.seconds)
        made = motion.animate(shot, still, frames=native, seed=shot.seed, style=style, audio=audio)
        if safety is not None:
            worst = max(safety.score(made[i]) for i in sorted({0, len(made) // 2, len(made) - 1}))
            if worst >= safety_threshold:
                raise UnsafeClip(f"{safety.name} scored a frame {worst:.2f} (threshold {safety_threshold:.2f})")
        pictures = [made[i] for i in retime(len(made), caps.fps, frames, cfg.fps, slow=not caps.audio)]
        path = write_clip(pictures, Path(out_dir) / clip_name(shot.index), cfg)
        looked: list[FrameReview] = []
        if review is not None:
            picks = sorted({0, len(pictures) // 2, len(pictures) - 1})
            stills = []
            for name, i in zip(("first", "middle", "last"), picks):
                target = Path(out_dir) / f"clips/shot_{shot.index:03d}_{name}.png"
                with atomic_path(target) as tmp:
                    pictures[i].save(tmp, format="PNG")
                stills.append(target)
            looked = [r.model_copy(update={"frame": i}) for r, i in zip(review(shot, stills), picks)]
            failed = [r for r in looked if not r.passed]
            if failed:
                path.unlink(missing_ok=True)
                why = f"QA of frame {failed[0].frame}: " + ("; ".join(failed[0].reasons) or f"score {failed[0].score}")
                log.warning("shot %d: clip rejected (%s); its still moves by Ken Burns", shot.index, why)
                return ShotClip(clip=None, fallback=why[:300], review=looked, **record)
    except ConnectionError:
        raise  # a server that is down: the task is retried, the shot does not fall back
    except Exception as exc:  # noqa: BLE001 - any failure of the model keeps the shot on its still
        line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        log.warning("shot %d: no clip (%s: %s); its still moves by Ken Burns", shot.index, type(exc).__name__, line)
        return ShotClip(clip=None, fallback=f"{type(exc).__name__}: {line}"[:300], **record)
    return ShotClip(clip=str(path.relative_to(out_dir)), native_frames=native, native_fps=caps.fps, review=looked, **record)
