"""Assembly speed: the ffmpeg filter graph vs. the per-frame moviepy assembler it replaced.

    .venv/bin/python bench/assembly.py

Both assemble the same demo-song shots (48 s, 1280x720, 24 fps, captions, x264 veryfast) from the
same keyframes. Baseline: moviepy's VideoClip with a Python frame function (PIL crop/resize per
frame, caption compositing in numpy), as songflow assembled before. The stage outputs come from
the scripted fake: assembly speed does not depend on the words. Prints seconds and the ratio.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from schemas.analysis import LyricLine  # noqa: E402
from schemas.scenes import CameraMotion  # noqa: E402
from schemas.shots import ShotList  # noqa: E402
from songflow.core.config import AssembleConfig  # noqa: E402
from songflow.core.fsutil import atomic_path  # noqa: E402


@dataclass(frozen=True)
class Caption:
    start: float
    end: float
    image: np.ndarray  # RGBA, full frame width
    top: int


def _ease(u: float) -> float:
    u = min(1.0, max(0.0, u))
    return u * u * (3 - 2 * u)


def camera_box(motion: CameraMotion, u: float, w: int, h: int, zoom: float) -> tuple[float, float, float, float]:
    """Crop box (left, top, right, bottom) of the keyframe at progress `u` in [0, 1] of the shot."""
    e = _ease(u)
    if motion == "zoom_in":
        z, cx, cy = 1 + (zoom - 1) * e, 0.5, 0.5
    elif motion == "zoom_out":
        z, cx, cy = zoom - (zoom - 1) * e, 0.5, 0.5
    elif motion in ("pan_left", "pan_right", "tilt_up", "tilt_down"):
        z = zoom
        travel = (1 - 1 / z) / 2  # how far the centre can move and stay inside the frame
        d = travel * (2 * e - 1)
        cx = 0.5 + (-d if motion == "pan_left" else d if motion == "pan_right" else 0.0)
        cy = 0.5 + (-d if motion == "tilt_up" else d if motion == "tilt_down" else 0.0)
    else:  # hold: a barely-there push so the frame never looks frozen
        z, cx, cy = 1 + 0.03 * e, 0.5, 0.5
    bw, bh = w / z, h / z
    return (cx * w - bw / 2, cy * h - bh / 2, cx * w + bw / 2, cy * h + bh / 2)


def render_caption(text: str, width: int, height: int) -> Caption | None:
    """White text with a dark outline near the bottom: readable on any keyframe."""
    size = max(18, height // 18)
    font = ImageFont.load_default(size=size)
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    words, lines, current = text.split(), [], ""
    for word in words:  # wrap to 85 % of the frame width
        trial = f"{current} {word}".strip()
        if probe.textlength(trial, font=font) > 0.85 * width and current:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    if not lines:
        return None
    line_h = int(size * 1.3)
    img = Image.new("RGBA", (width, line_h * len(lines) + size // 2), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((width / 2, i * line_h + size // 4), line, font=font, anchor="ma", fill=(255, 255, 255, 255), stroke_width=max(2, size // 14), stroke_fill=(0, 0, 0, 230))
    top = int(height * 0.92) - img.height
    return Caption(0.0, 0.0, np.asarray(img, dtype=np.float32), top)


def assemble_moviepy(
    audio_path: Path,
    duration: float,
    shots: ShotList,
    keyframes: list[Path],
    lyrics: list[LyricLine],
    out_path: Path,
    cfg: AssembleConfig = AssembleConfig(),
) -> Path:
    """Write the MP4 to `out_path` atomically; its length is the song's `duration`."""
    from moviepy import AudioFileClip, VideoClip

    w, h = cfg.width, cfg.height
    frames = [Image.open(p).convert("RGB").resize((w, h)) for p in keyframes]
    starts = np.array([s.start for s in shots.shots])
    captions = []
    if cfg.captions:
        for line in lyrics:
            cap = render_caption(line.text, w, h)
            if cap is not None:
                captions.append(Caption(line.start, line.end, cap.image, cap.top))

    def frame_at(t: float) -> np.ndarray:
        i = int(np.searchsorted(starts, t, side="right") - 1)
        shot = shots.shots[max(0, i)]
        u = (t - shot.start) / max(1e-6, shot.end - shot.start)
        box = camera_box(shot.camera, u, w, h, cfg.zoom)
        frame = np.asarray(frames[max(0, i)].transform((w, h), Image.Transform.EXTENT, box, Image.Resampling.BILINEAR), dtype=np.float32)
        for cap in captions:
            if cap.start <= t < cap.end:
                region = frame[cap.top : cap.top + cap.image.shape[0]]
                alpha = cap.image[..., 3:4] / 255.0
                region[:] = region * (1 - alpha) + cap.image[..., :3] * alpha
        return frame.astype(np.uint8)

    audio = AudioFileClip(str(audio_path))
    try:
        clip = VideoClip(frame_function=frame_at, duration=duration).with_audio(audio.with_duration(min(duration, audio.duration)))
        with atomic_path(out_path) as tmp:
            clip.write_videofile(
                str(tmp),
                fps=cfg.fps,
                codec="libx264",
                audio_codec="aac",
                preset=cfg.preset,
                ffmpeg_params=["-crf", str(cfg.crf), "-movflags", "+faststart"],
                pixel_format="yuv420p",
                temp_audiofile_path=str(Path(out_path).parent),
                logger=None,
            )
    finally:
        audio.close()

    return Path(out_path)


def main() -> None:
    from renderers.procedural import ProceduralRenderer
    from songflow.listening import synth
    from songflow.listening.lyrics import read_lyrics
    from stages.analyze import analyze_song
    from stages.assemble import assemble_video
    from stages.plan_scenes import plan_scenes
    from stages.render_keyframes import render_keyframe
    from stages.write_shots import write_shots
    from tests.fakes import StageFake

    root = Path(tempfile.mkdtemp(prefix="songflow-assembly-"))
    wav, lrc, _ = synth.write_song(synth.DEMO, root)
    fake = StageFake(None)
    analysis = analyze_song(wav, read_lyrics(lrc), fake, title=synth.DEMO.title)
    shots = write_shots(analysis, plan_scenes(analysis, fake), fake)
    keyframes = [render_keyframe(s, ProceduralRenderer(), root) for s in shots.shots]
    cfg = AssembleConfig()
    started = time.perf_counter()
    assemble_moviepy(Path(analysis.audio_path), analysis.duration, shots, keyframes, analysis.lyrics, root / "moviepy.mp4", cfg)
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    assemble_video(analysis, shots, keyframes, root / "ffmpeg.mp4", cfg)
    graph = time.perf_counter() - started
    print(f"{len(shots.shots)} shots, {analysis.duration:.1f} s of video at {cfg.width}x{cfg.height}, {cfg.fps} fps")
    print(f"moviepy frame function (baseline): {baseline:.1f} s")
    print(f"ffmpeg filter graph:               {graph:.1f} s")
    print(f"speed-up: {baseline / graph:.1f}x")


if __name__ == "__main__":
    main()
