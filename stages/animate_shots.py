"""Moving shots: each shot's chosen keyframe animated by an image-to-video model.

The model makes clips of its own frame-count rule at its own frame rate (Wan: 4k+1 frames at 16
fps); the clip asked for is the first such count that covers the shot, and it is retimed to exactly
the shot's frames at the video's rate (`renderers.retime`), so every cut stays on its planned frame.
A shot whose clip fails keeps its still, moved by the assembly's Ken Burns, and says why.

A lip-sync shot shows the singer on a sung line: its subject or one of its characters is named or
described as singing (a singer, a vocalist, at a microphone ...), it is framed close enough for a
mouth to read (medium or closer: not a wide or extreme wide shot), and at least `MIN_VOICE` seconds
of a sung line fall in it. A motion model that does lip-sync gets that shot's voice: the voice stem
(songflow/listening/stem.py, a soft mask on the mix's STFT) for the clip, silent outside the sung
lines, so the mouth closes between them. The other shots keep the normal motion.
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
from renderers.song_audio import ShotAudio, shot_audio, wav_bytes
from songflow.listening.stem import voice_under
from songflow.words.vocab import names_a_singer

Span = tuple[float, float]
MIN_VOICE = 0.5  # seconds of a sung line in a shot for it to be a lip-sync shot
FAR_SIZES = ("extreme_wide", "wide")  # a mouth does not read in these

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


def sung_spans(analysis) -> list[Span]:
    """Where the song is sung: its lyric lines (given, placed or heard), or where none are, the
    voice the audio analysis detected."""
    lines = sorted((line.start, line.end) for section in analysis.sections for line in section.lyrics)
    return lines or [(v.start, v.end) for v in analysis.vocals]


def sings(shot: Shot) -> bool:
    """The shot shows someone singing, close enough for a mouth to read."""
    if shot.shot_size in FAR_SIZES:
        return False
    return names_a_singer(shot.subject) or any(names_a_singer(f"{c.name} {c.look}") for c in shot.characters)


def lip_sync_spans(shot: Shot, sung: list[Span], start: float, seconds: float) -> list[Span]:
    """The sung spans a lip-sync shot shows, within [start, start + seconds) (the shot on screen),
    joined where they touch; empty when the shot is not a lip-sync shot."""
    if not sings(shot):
        return []
    end = start + seconds
    spans: list[Span] = []
    for a, b in sorted(sung):
        a, b = max(a, start), min(b, end)
        if b - a <= 0:
            continue
        if spans and a <= spans[-1][1] + 1e-6:
            spans[-1] = (spans[-1][0], max(b, spans[-1][1]))
        else:
            spans.append((a, b))
    spans = [(round(a, 3), round(b, 3)) for a, b in spans]
    return spans if sum(b - a for a, b in spans) >= MIN_VOICE else []


def continuity_targets(shots: list[Shot], keyframes: list[Path]) -> list[Path | None]:
    """For each shot, the keyframe its clip ends on with continuity: the next shot's, when the next
    shot is in the same scene (a new scene is a new place: its cut stays a cut); None for the last
    shot of each scene."""
    return [keyframes[i + 1] if i + 1 < len(shots) and shots[i + 1].scene_index == shot.scene_index else None for i, shot in enumerate(shots)]


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
    sung: list[Span] | None = None,
    last_keyframe: Path | None = None,
) -> ShotClip:
    """The shot's clip (exactly `frames` frames at cfg.fps), or its fallback to the still. The
    clip's first, middle and last frames pass the safety gate; a flagged clip is never written. With
    `review` (a vision model), those frames are judged too: a clip one of them fails is not used.
    A model moved by audio gets `song`'s samples under the clip, from `start` (the shot's first
    frame, in seconds), and its clip is trimmed to the shot, never slowed. With `sung` (the song's
    sung spans) and a model that does lip-sync, a lip-sync shot gets its voice (kept beside the clip
    as clips/shot_NNN_voice.wav). With `last_keyframe` and a model that takes a last frame, the clip
    ends on that picture (the next shot's keyframe) and is spread over the shot to its last frame."""
    caps = motion.capabilities
    native = native_frames(frames, cfg.fps, caps)
    record = dict(shot_index=shot.index, keyframe=str(Path(keyframe).relative_to(out_dir)), frames=frames, seed=shot.seed)
    try:
        with Image.open(keyframe) as im:
            still = im.convert("RGB")
        first = shot.start if start is None else start
        audio = voice = None
        spans = lip_sync_spans(shot, sung, first, frames / cfg.fps) if caps.lip_sync and song is not None and sung else []
        if spans:
            samples, rate, at = voice_under(song, first, native / caps.fps, spans)
            voice = ShotAudio(samples=samples, rate=rate, start=at)
            heard = Path(out_dir) / f"clips/shot_{shot.index:03d}_voice.wav"
            with atomic_path(heard) as tmp:
                tmp.write_bytes(wav_bytes(voice))
            record.update(voice=spans, voice_audio=str(heard.relative_to(out_dir)), audio_start=voice.start, audio_seconds=voice.seconds)
        elif caps.audio and song is not None:
            audio = shot_audio(song, first, native / caps.fps)
            record.update(audio_start=audio.start, audio_seconds=audio.seconds)
        last = None
        if last_keyframe is not None and caps.last_frame:
            with Image.open(last_keyframe) as im:
                last = im.convert("RGB")
            record.update(last_keyframe=str(Path(last_keyframe).relative_to(out_dir)))
        made = motion.animate(shot, still, frames=native, seed=shot.seed, style=style, audio=audio, voice=voice, last=last)
        if safety is not None:
            worst = max(safety.score(made[i]) for i in sorted({0, len(made) // 2, len(made) - 1}))
            if worst >= safety_threshold:
                raise UnsafeClip(f"{safety.name} scored a frame {worst:.2f} (threshold {safety_threshold:.2f})")
        pictures = [made[i] for i in retime(len(made), caps.fps, frames, cfg.fps, slow=not (caps.audio or voice is not None), ends=last is not None)]
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
