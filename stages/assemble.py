"""Assemble the video in one ffmpeg filter graph: each keyframe animated by its shot's eased camera
move (zoompan, with a beat pulse in loud sections) or, where the shot has one, its image-to-video
clip (already exactly the shot's frames), hard cuts inside a section, a crossfade or dip
at section changes centred on the downbeat, lyric captions burned in by libass, the song's audio,
and the lyrics as a soft subtitle track; .srt and .vtt sidecars beside the MP4.

Everything per frame happens inside ffmpeg; Python only writes the graph. Frame times are decided
here (`plan_frames`) so the timing report can check them against the beats and the lyrics.
"""

from __future__ import annotations

import errno
import logging
import math
import os
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from schemas.analysis import LyricLine, SongAnalysis
from schemas.scenes import CameraMotion
from schemas.shots import ShotList
from songflow.core.config import AssembleConfig
from songflow.core.errors import DiskFull, InputError, SongflowError
from songflow.core.fsutil import NO_ROOM, atomic_path, no_room_is_disk_full
from songflow.core.procs import die_with_parent

log = logging.getLogger(__name__)

CAPTION_FONT = "DejaVuSans-Bold.ttf"  # ships with matplotlib (mpl-data/fonts/ttf)
CAPTION_FAMILY = "DejaVu Sans"
WORD_JOINER = "\u2060"  # invisible and zero-width: splits a character sequence so that no parser sees it


@dataclass(frozen=True)
class ShotFrames:
    """Frames [first, last) of the output that show a shot, plus overlap for transitions."""

    first: int  # first frame of the shot proper (its cut)
    last: int  # first frame after it
    lead: int  # extra frames before `first` (the incoming half of a transition)
    tail: int  # extra frames after `last` (the outgoing half)

    @property
    def count(self) -> int:
        """Frames the shot's input must supply: its own, plus both transition overlaps."""
        return self.lead + (self.last - self.first) + self.tail


@dataclass(frozen=True)
class Transition:
    frame: int  # the cut frame the transition is centred on
    kind: str  # xfade transition name: "fade" (crossfade) or "fadeblack" (dip)
    frames: int  # total length, 2 * half


@dataclass(frozen=True)
class FramePlan:
    fps: int
    total: int
    shots: list[ShotFrames]
    transitions: dict[int, Transition]  # keyed by the index of the shot the transition leads into


def ffmpeg_exe() -> str:
    """ffmpeg from imageio-ffmpeg (a static build with libass, zoompan and xfade)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def caption_font() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / CAPTION_FONT


def plan_frames(analysis: SongAnalysis, shots: ShotList, cfg: AssembleConfig = AssembleConfig()) -> FramePlan:
    """Which output frames each shot covers: a cut at time t happens on frame round(t * fps), moved
    by the fewest frames that leave every shot at least one frame (a shot shorter than a frame)."""
    fps = cfg.fps
    total = round(analysis.duration * fps)
    n = len(shots.shots)
    if total < n:
        raise InputError(f"{n} shots cannot each take a frame of a {total}-frame video ({analysis.duration:.3f}s at {fps} fps)")
    bounds = [round(s.start * fps) for s in shots.shots] + [total]
    for i in range(1, n):
        bounds[i] = max(bounds[i], bounds[i - 1] + 1)
    for i in range(n - 1, 0, -1):
        bounds[i] = min(bounds[i], bounds[i + 1] - 1)
    energy = {s.index: s.energy for s in analysis.sections}
    transitions: dict[int, Transition] = {}
    for i in range(1, len(shots.shots)):
        before, after = shots.shots[i - 1], shots.shots[i]
        if before.scene_index == after.scene_index or cfg.transition == "cut":
            continue
        beat = _beat_at(analysis.beats, after.start)
        half = int(min(cfg.transition_beats * beat, cfg.max_transition_seconds) * fps / 2)
        # Never longer than half of either neighbouring shot.
        half = min(half, (bounds[i] - bounds[i - 1]) // 2, (bounds[i + 1] - bounds[i]) // 2)
        if half < 1:
            continue
        kind = cfg.transition
        if kind == "auto":  # dip into a much louder section, crossfade otherwise
            kind = "dip" if energy[after.scene_index] - energy[before.scene_index] >= 0.3 else "crossfade"
        transitions[i] = Transition(frame=bounds[i], kind="fadeblack" if kind == "dip" else "fade", frames=2 * half)
    frames = []
    for i in range(len(shots.shots)):
        lead = transitions[i].frames // 2 if i in transitions else 0
        tail = transitions[i + 1].frames // 2 if i + 1 in transitions else 0
        frames.append(ShotFrames(first=bounds[i], last=bounds[i + 1], lead=lead, tail=tail))
    return FramePlan(fps=fps, total=total, shots=frames, transitions=transitions)


def caption_frames(line: LyricLine, fps: int) -> tuple[int, int]:
    """Frames [on, off) on which a line's caption shows: the frames nearest its start and end, so
    each edge is at most half a frame off the lyric time."""
    on = round(line.start * fps)
    return on, max(on + 1, round(line.end * fps))


def _ass_time_ms(frame: int, fps: int) -> int:
    """An ASS time (centiseconds) that makes libass switch exactly at `frame`: it shows an event on
    frame k when k / fps lies in [start, end), and one frame is more than a centisecond."""
    return math.floor(frame * 100 / fps) * 10


def _beat_at(beats: list[float], t: float) -> float:
    later = [b for b in beats if b > t]
    earlier = [b for b in beats if b <= t]
    if later and earlier:
        return later[0] - earlier[-1]
    return 0.5


def _zoompan(motion: CameraMotion, n: int, t0: float, pulses: list[float], cfg: AssembleConfig) -> str:
    """zoompan expressions for `n` frames of an eased camera move starting at song time `t0`."""
    u = f"(on/{max(1, n - 1)})"
    e = f"({u}*{u}*(3-2*{u}))"  # smoothstep ease in/out
    z = cfg.zoom
    zoom, fx, fy = {
        "zoom_in": (f"(1+{z - 1:.4f}*{e})", "0.5", "0.5"),
        "zoom_out": (f"({z:.4f}-{z - 1:.4f}*{e})", "0.5", "0.5"),
        "push": (f"(1+{2 * (z - 1):.4f}*{e})", "0.5", "0.45"),
        "pan_left": (f"{z:.4f}", f"(1-{e})", "0.5"),
        "pan_right": (f"{z:.4f}", e, "0.5"),
        "tilt_up": (f"{z:.4f}", "0.5", f"(1-{e})"),
        "tilt_down": (f"{z:.4f}", "0.5", e),
        "hold": (f"(1+0.03*{e})", "0.5", "0.5"),
    }[motion]
    if pulses:  # a quick zoom kick on each beat, decaying over ~0.12 s
        t = f"({t0:.4f}+on/{cfg.fps})"
        kicks = "+".join(f"gte({t},{b:.4f})*exp(({b:.4f}-{t})/0.12)" for b in pulses)
        zoom = f"{zoom}*(1+{cfg.pulse_amount:.4f}*({kicks}))"
    return f"zoompan=z='{zoom}':x='(iw-iw/zoom)*{fx}':y='(ih-ih/zoom)*{fy}':d={n}:s={cfg.width}x{cfg.height}:fps={cfg.fps}"


def _one_line(text: str) -> str:
    """A lyric on one line: every line break (\\r, \\n, U+2028, ...) becomes a space, so a blank line
    in a lyric never ends its cue."""
    return " ".join(text.splitlines())


def _ass_text(text: str) -> str:
    """Plain text as literal ASS dialogue text. libass reads `{...}` as override tags and
    `\\N`, `\\n`, `\\h` as breaks and spaces; `\\{` is its literal brace, and a WORD JOINER
    after every backslash breaks each escape (the escaping mpv applies to text it shows through
    libass: sub/osd_libass.c, mangle_ass)."""
    return text.replace("\\", "\\" + WORD_JOINER).replace("{", "\\{")


def _break_timestamps(text: str) -> str:
    """A WORD JOINER after each colon between digits: lenient SubRip/WebVTT readers (pysubs2) take
    any line with two timestamps for a cue's timing line."""
    return re.sub(r"(?<=\d):(?=\d)", ":" + WORD_JOINER, text)


def _srt_text(text: str) -> str:
    """Plain text as literal SubRip cue text. SubRip has no escapes, and players read `<i>`-style
    tags, `{\\an8}`-style tags, `\\N`, and a line with `-->` as markup: a WORD JOINER after each
    `<`, `{` and `\\` and inside `-->` leaves them text."""
    text = re.sub(r"[<{\\]", lambda m: m.group() + WORD_JOINER, text)
    return _break_timestamps(text.replace("-->", "--" + WORD_JOINER + ">"))


def _vtt_text(text: str) -> str:
    """Plain text as literal WebVTT cue text: `&`, `<` and `>` as character references (which also
    breaks `-->`, not allowed in cue text), and `{`, `\\` and timestamps as for SubRip."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _break_timestamps(re.sub(r"[{\\]", lambda m: m.group() + WORD_JOINER, text))


def write_subtitles(lyrics: list[LyricLine], folder: Path, cfg: AssembleConfig) -> tuple[Path, Path, Path]:
    """lyrics.srt and lyrics.vtt (times to the millisecond) and the styled captions.ass used for
    burning in, written to `folder` (the assembly's work folder). Lyrics are plain text: escaped
    for each format so that none of them reads markup, a tag or a new cue from a lyric."""
    import pysubs2

    subs = pysubs2.SSAFile()
    subs.info.update({"PlayResX": str(cfg.width), "PlayResY": str(cfg.height), "WrapStyle": "0"})
    size = max(18, cfg.height // 16)
    subs.styles["Default"] = pysubs2.SSAStyle(
        fontname=CAPTION_FAMILY, fontsize=size, bold=True, primarycolor=pysubs2.Color(255, 255, 255),
        outlinecolor=pysubs2.Color(0, 0, 0), backcolor=pysubs2.Color(0, 0, 0, 128), outline=max(2, size // 14), shadow=1,
        alignment=pysubs2.Alignment.BOTTOM_CENTER, marginv=int(cfg.height * 0.07), marginl=int(cfg.width * 0.07), marginr=int(cfg.width * 0.07),
    )
    texts = [_one_line(line.text) for line in lyrics]
    for line in lyrics:
        subs.append(pysubs2.SSAEvent(start=round(line.start * 1000), end=round(line.end * 1000)))
    srt, vtt, ass = (Path(folder) / name for name in ("lyrics.srt", "lyrics.vtt", "captions.ass"))
    for path, fmt, escape in ((srt, "srt", _srt_text), (vtt, "vtt", _vtt_text)):
        for event, text in zip(subs, texts):
            event.text = escape(text)
        # keep_ssa_tags: the text goes out as escaped here, not parsed for (and stripped of) ASS tags.
        subs.save(str(path), format_=fmt, encoding="utf-8", keep_ssa_tags=True)
    for event, line, text in zip(subs, lyrics, texts):  # burned-in captions switch on the frames nearest the times
        on, off = caption_frames(line, cfg.fps)
        event.start, event.end, event.text = _ass_time_ms(on, cfg.fps), _ass_time_ms(off, cfg.fps), _ass_text(text)
    subs.save(str(ass), format_="ass", encoding="utf-8")
    return srt, vtt, ass


def _filter_arg(value: str) -> str:
    """`value` as one filter option value inside a filtergraph description: escaped for the option
    parser (`\\`, `'`, `:`), then again for the graph parser (`\\`, `'`, `[`, `]`, `,`, `;`), the two
    levels of ffmpeg-filters "Notes on filtergraph escaping". (The graph goes to ffmpeg in a file,
    so there is no third, shell level.)"""
    once = re.sub(r"([\\':])", r"\\\1", value)
    return re.sub(r"([\\'\[\],;])", r"\\\1", once)


def build_graph(
    analysis: SongAnalysis, shots: ShotList, plan: FramePlan, cfg: AssembleConfig, *, captions: str | None, clips: list[bool] | None = None
) -> str:
    """The filter graph: inputs 0..n-1 are the shots' keyframes, or their clips where `clips[i]`; output [v]."""
    clips = clips or [False] * len(shots.shots)
    parts = []
    energy = {s.index: s.energy for s in analysis.sections}
    scale = f"scale={cfg.width * cfg.supersample}:{cfg.height * cfg.supersample}:flags=lanczos"
    for i, (shot, f) in enumerate(zip(shots.shots, plan.shots)):
        n = f.count
        if clips[i]:  # a clip of exactly n frames at the video's rate: its frames, renumbered
            fit = f"scale={cfg.width}:{cfg.height}:flags=lanczos"
            parts.append(f"[{i}:v]{fit},setsar=1,format=yuv420p,trim=end_frame={n},settb=1/{plan.fps},setpts=N[s{i}]")
            continue
        t0 = (f.first - f.lead) / plan.fps
        pulses = []
        if cfg.pulse and energy[shot.scene_index] >= cfg.pulse_energy:
            pulses = [b for b in analysis.beats if shot.start - 1e-6 <= b < shot.end]
        parts.append(f"[{i}:v]{scale},{_zoompan(shot.camera, n, t0, pulses, cfg)},setsar=1,format=yuv420p,settb=1/{plan.fps}[s{i}]")
    # Hard cuts within a section (concat), transitions between sections (xfade).
    groups: list[list[int]] = [[0]]
    for i in range(1, len(shots.shots)):
        if i in plan.transitions:
            groups.append([i])
        else:
            groups[-1].append(i)
    names = []
    for g, members in enumerate(groups):
        if len(members) == 1:
            names.append(f"s{members[0]}")
        else:
            parts.append("".join(f"[s{i}]" for i in members) + f"concat=n={len(members)}:v=1:a=0,settb=1/{plan.fps}[g{g}]")
            names.append(f"g{g}")
    current = names[0]
    for g in range(1, len(groups)):
        tr = plan.transitions[groups[g][0]]
        offset = (tr.frame - tr.frames // 2) / plan.fps
        nxt = f"x{g}"
        parts.append(f"[{current}][{names[g]}]xfade=transition={tr.kind}:duration={tr.frames / plan.fps:.6f}:offset={offset:.6f},settb=1/{plan.fps}[{nxt}]")
        current = nxt
    tail = f"[{current}]trim=end_frame={plan.total}"  # (an fps filter here would drop the last frame)
    if captions:
        tail += f",ass=filename={_filter_arg(captions)}:fontsdir=."
    parts.append(tail + ",format=yuv420p[v]")
    return ";\n".join(parts)


def _ffmpeg_no_room(proc: subprocess.CompletedProcess) -> int | None:
    """The errno when ffmpeg failed for want of room: its error ends with strerror ("No space left
    on device"), or it died of SIGXFSZ past RLIMIT_FSIZE (subprocess restores the default action)."""
    if proc.returncode == -signal.SIGXFSZ:
        return errno.EFBIG
    return next((code for code in NO_ROOM if os.strerror(code) in proc.stderr), None)


def assemble_video(
    analysis: SongAnalysis,
    shots: ShotList,
    keyframes: list[Path],
    out_path: Path,
    cfg: AssembleConfig = AssembleConfig(),
    clips: list[Path | None] | None = None,
) -> Path:
    """Write the MP4 (and .srt/.vtt sidecars) atomically; the video lasts round(duration * fps) frames.
    A shot with a clip (`clips[i]`, exactly its planned frames) shows it instead of its moved still."""
    clips = clips or [None] * len(keyframes)
    out_path = Path(out_path)
    plan = plan_frames(analysis, shots, cfg)
    lyrics = [line for line in analysis.lyrics if line.text.strip()]
    out_path.parent.mkdir(parents=True, exist_ok=True)
    # The work folder is beside the video (a killed run's leftovers are cleaned up with the song); a
    # full disk there, for its files (subtitles, font, graph) as much as for the video, is DiskFull.
    with no_room_is_disk_full(out_path), tempfile.TemporaryDirectory(prefix=".assemble-", dir=out_path.parent) as work_dir:
        work = Path(work_dir)
        srt, vtt, _ = write_subtitles(lyrics, work, cfg)
        shutil.copy(caption_font(), work / CAPTION_FONT)
        burn = "captions.ass" if cfg.captions and lyrics else None
        graph = build_graph(analysis, shots, plan, cfg, captions=burn, clips=[c is not None for c in clips])
        (work / "graph.txt").write_text(graph, encoding="utf-8")
        cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y"]
        for key, clip in zip(keyframes, clips):
            # A still is read by the image2 demuxer, which takes `%d`/`%03d`/`%%` in a file name as a
            # numbered-sequence pattern (it then reads other files, or none): pattern_type none reads
            # exactly this file, whatever folder the outputs are in.
            still = [] if clip else ["-f", "image2", "-pattern_type", "none"]
            cmd += [*still, "-i", str(Path(clip or key).resolve())]
        n = len(keyframes)
        cmd += ["-i", str(Path(analysis.audio_path).resolve())]
        soft = cfg.soft_subtitles and bool(lyrics)
        if soft:
            cmd += ["-i", str(srt.resolve())]
        cmd += ["-/filter_complex", "graph.txt", "-map", "[v]", "-map", f"{n}:a:0"]
        if soft:
            cmd += ["-map", f"{n + 1}:s:0", "-c:s", "mov_text", "-metadata:s:s:0", "handler_name=Lyrics"]
        cmd += [
            "-c:v", "libx264", "-preset", cfg.preset, "-crf", str(cfg.crf), "-pix_fmt", "yuv420p", "-r", str(cfg.fps),
            "-c:a", "aac", "-b:a", "192k", "-t", f"{plan.total / cfg.fps:.6f}", "-movflags", "+faststart", "-f", "mp4",
        ]
        with atomic_path(out_path) as tmp:
            proc = subprocess.run([*cmd, str(tmp)], cwd=work, capture_output=True, text=True, preexec_fn=die_with_parent)
            if proc.returncode != 0:
                if (code := _ffmpeg_no_room(proc)) is not None:
                    raise DiskFull(out_path, code)
                lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
                raise SongflowError(f"ffmpeg failed assembling {out_path}: {lines[-1] if lines else f'exit {proc.returncode}'}")
        for sidecar in (srt, vtt):  # published only with the video, never without it
            with atomic_path(out_path.with_suffix(sidecar.suffix)) as tmp:
                shutil.copyfile(sidecar, tmp)
    log.info("wrote %s (%d frames, %d transitions)", out_path, plan.total, len(plan.transitions))
    return out_path
