"""The song's timeline as a picture: waveform and energy, sections, beats and downbeats, every cut
and transition, lyric lines and detected voice; and the text both other pictures share."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import numpy as np

from schemas.analysis import SongAnalysis
from schemas.shots import Shot, ShotList
from schemas.timing import CutTiming, TimingReport
from songflow.core.errors import InputError
from songflow.core.fsutil import atomic_path

log = logging.getLogger(__name__)

SAMPLE_RATE = 22050
# Contact sheet grid: 6 columns of 320 px = 1920 px, the width the timeline is drawn at too.
THUMB = (320, 180)
COLUMNS = 6
SHEET_WIDTH = COLUMNS * THUMB[0]

# One colour per section label (A, B, C, ...); chosen to read on the dark background.
SECTION_COLOURS = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#edc948", "#76b7b2", "#ff9da7", "#9c755f"]
BG, PANEL, FG, DIM = "#15161b", "#1d1f27", "#e6e6ea", "#9a9aa6"
BEAT = "#aab0c0"  # beats and downbeats: grey, so the white cuts stand out
WAVE, ENERGY, VOCALS, BAD = "#8fa9d6", "#ffb347", "#b48ee8", "#ff4d4d"
CUT_STYLE = {  # legend label, colour, width, dashes
    "cut": ("cut", "#ffffff", 1.6, "solid"),
    "section": ("cut at section change", "#b8f25c", 2.2, "solid"),
    "crossfade": ("crossfade", "#4cc9f0", 2.2, (0, (4, 2))),
    "dip": ("dip to black", "#f15bb5", 2.2, (0, (4, 2))),
}
LYRIC_STYLE = {  # face, edge, hatch, alpha, line style
    "given": ("#2a9d8f", "#6fd6c8", None, 0.95, "solid"),
    "given-start": ("#2a9d8f", "#6fd6c8", "////", 0.45, "solid"),
    "estimated": ("none", "#e9c46a", None, 1.0, (0, (3, 2))),
}
LYRIC_LABEL = {"given": "lyric: given times", "given-start": "lyric: given start, end from voice", "estimated": "lyric: estimated"}


def timeline_plot(
    analysis: SongAnalysis, shots: ShotList, timing: TimingReport | None, target: Path, *, width_px: int = 1800
) -> Path:
    """A PNG timeline of the song: waveform and energy, sections, beats, cuts, lyric lines and voice."""
    png = timeline_image(analysis, shots, timing, width_px=width_px, title=True)
    with atomic_path(target) as tmp:
        tmp.write_bytes(png)
    return Path(target)


def timeline_image(analysis: SongAnalysis, shots: ShotList, timing: TimingReport | None, *, width_px: int = SHEET_WIDTH, title: bool = False) -> bytes:
    """The timeline as PNG bytes: draw it once and give it to both the contact sheet and the report."""
    # Figure + FigureCanvasAgg directly: no pyplot, so nothing global (backend, rcParams) changes.
    # Text from the song or a model is drawn with parse_math=False: matplotlib otherwise reads
    # `$...$` as mathtext, and "$5 and $10" loses its spaces while "$\\N$" stops the drawing.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle
    from matplotlib.ticker import MultipleLocator

    width_in = 15.0
    dpi = width_px / width_in  # fonts keep their size relative to the picture at any width
    left, right = 0.075, 0.955
    top = 0.92 if title else 0.97
    fig = Figure(figsize=(width_in, 6.0), dpi=dpi, facecolor=BG)
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(5, 1, height_ratios=[0.32, 2.6, 0.42, 1.0, 0.32], hspace=0.07, left=left, right=right, top=top, bottom=0.17)
    ax_sec = fig.add_subplot(grid[0])
    ax_wave = fig.add_subplot(grid[1], sharex=ax_sec)
    ax_shot = fig.add_subplot(grid[2], sharex=ax_sec)
    ax_lyr = fig.add_subplot(grid[3], sharex=ax_sec)
    ax_voc = fig.add_subplot(grid[4], sharex=ax_sec)
    lanes = [ax_sec, ax_wave, ax_shot, ax_lyr, ax_voc]

    duration = analysis.duration
    axes_px = width_px * (right - left)
    px_per_s = axes_px / duration
    char_px = 0.6 * 8 * dpi / 72  # an average DejaVu Sans character at 8 pt

    def fits(text: str, span_s: float) -> str:
        room = int(span_s * px_per_s / char_px) - 1
        if room < 3:
            return ""
        return text if len(text) <= room else text[: room - 1].rstrip() + "…"

    for ax, name in zip(lanes, ["sections", "audio", "shots", "lyrics", "voice"]):
        ax.set_facecolor(PANEL)
        ax.set_xlim(0, duration)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.tick_params(colors=DIM, labelsize=9, length=3)
        ax.set_yticks([])
        ax.set_ylabel(name, color=FG, fontsize=10, rotation=0, ha="right", va="center", labelpad=8)
        if ax is not ax_voc:
            ax.tick_params(labelbottom=False, bottom=False)
        for section in analysis.sections:  # the section colour behind every lane
            ax.axvspan(section.start, section.end, color=section_colour(section.label), alpha=0.13, lw=0)

    # Sections: one labelled box each; the same letter is the same colour.
    ax_sec.set_ylim(0, 1)
    for section in analysis.sections:
        colour = section_colour(section.label)
        ax_sec.add_patch(Rectangle((section.start, 0.08), section.end - section.start, 0.84, fc=colour, ec=PANEL, lw=1.5, alpha=0.85))
        span_px = (section.end - section.start) * px_per_s
        label = "" if span_px < 2 * char_px else section.label if span_px < 12 * char_px else f"{section.label}  ({section.energy:.2f})"
        ax_sec.text((section.start + section.end) / 2, 0.5, label, ha="center", va="center", color="#101014", fontsize=10, fontweight="bold")

    # Audio: min/max envelope per pixel column, the energy curve on its own 0..1 axis.
    ax_wave.set_ylim(-1.08, 1.08)
    handles = []
    try:
        y = _load_envelope_audio(analysis)
    except InputError as exc:
        log.warning("timeline without waveform: %s", exc)
        ax_wave.text(duration / 2, 0, f"audio not readable: {exc}", ha="center", va="center", color=BAD, fontsize=10, parse_math=False)
    else:
        t, lo, hi = _envelope(y, SAMPLE_RATE, int(axes_px))
        ax_wave.fill_between(t, lo, hi, color=WAVE, lw=0, alpha=0.75)
        handles.append(Patch(fc=WAVE, label="waveform"))
    ax_energy = ax_wave.twinx()
    ax_energy.set_ylim(0, 1.04)
    ax_energy.set_yticks([0, 0.5, 1])
    ax_energy.tick_params(colors=ENERGY, labelsize=8, length=2)
    for spine in ax_energy.spines.values():
        spine.set_visible(False)
    if analysis.energy:
        et = (np.arange(len(analysis.energy)) + 0.5) / analysis.energy_rate
        ax_energy.plot(et, analysis.energy, color=ENERGY, lw=1.6)

    # Beats: thin lines; downbeats thicker. Fainter when they crowd together.
    beat_px = px_per_s * float(np.median(np.diff(analysis.beats)))
    alpha = 0.30 if beat_px >= 6 else 0.18
    down = set(analysis.downbeats)
    plain = [b for b in analysis.beats if b not in down]
    ax_wave.vlines(plain, -1.08, 1.08, color=BEAT, lw=0.5, alpha=alpha)
    ax_wave.vlines(analysis.downbeats, -1.08, 1.08, color=BEAT, lw=1.2, alpha=min(1.0, alpha * 2))

    # Shots lane: alternating boxes with the shot number where it fits.
    ax_shot.set_ylim(0, 1)
    for shot in shots.shots:
        ax_shot.add_patch(Rectangle((shot.start, 0.1), shot.end - shot.start, 0.8, fc="#3a3d4a" if shot.index % 2 else "#2b2d37", lw=0))
        if (shot.end - shot.start) * px_per_s >= char_px * len(str(shot.index)) + 8:
            ax_shot.text((shot.start + shot.end) / 2, 0.5, str(shot.index), ha="center", va="center", color=FG, fontsize=8)

    # Cuts across every lane but the sections, styled by kind; a red triangle where one is off the beat.
    cut_info = {c.shot_index: c for c in timing.cuts} if timing else {}
    limit = timing.limits.get("max_cut_offset_seconds") if timing else None
    off_beat, in_line = [], []
    dense = px_per_s * float(np.median([s.end - s.start for s in shots.shots])) < 40  # thinner lines when shots are narrow
    for shot in shots.shots[1:]:
        info = cut_info.get(shot.index)
        label, colour, lw, ls = CUT_STYLE[_cut_style(shot, shots, info)]
        lw = lw * 0.6 if dense else lw
        for ax in (ax_wave, ax_shot):
            ax.axvline(shot.start, color=colour, lw=lw, ls=ls, alpha=0.9, zorder=1.5)
        # Fainter through the lyrics: enough to see which lines a cut splits.
        ax_lyr.axvline(shot.start, color=colour, lw=min(lw, 1.0), ls=ls, alpha=0.45, zorder=1.5)
        if info is not None and limit is not None and abs(info.offset) > limit + 1e-9:
            off_beat.append(shot.start)
        if info is not None and info.inside_line is not None and not info.line_allows_cut:
            in_line.append(shot.start)
    if off_beat:
        ax_wave.plot(off_beat, [1.0] * len(off_beat), "v", color=BAD, ms=9, clip_on=False)

    # Lyrics: two alternating rows so neighbouring lines never share a row.
    ax_lyr.set_ylim(0, 2)
    for i, line in enumerate(analysis.lyrics):
        row = 1 - i % 2
        face, edge, hatch, a, ls = LYRIC_STYLE[line.timing]
        ax_lyr.add_patch(Rectangle((line.start, row + 0.1), line.end - line.start, 0.8, fc=face, ec=edge, hatch=hatch, lw=1.1, ls=ls, alpha=a))
        ax_lyr.text(line.start + 6 / px_per_s, row + 0.5, fits(line.text, line.end - line.start), ha="left", va="center", color=FG, fontsize=8, clip_on=True,
                    parse_math=False)
    if not analysis.lyrics:
        ax_lyr.text(duration / 2, 1, "no lyrics", ha="center", va="center", color=DIM, fontsize=9)
    if in_line:
        ax_lyr.plot(in_line, [1.0] * len(in_line), "X", color=BAD, ms=10, mec="#000000", mew=0.8)

    # Voice: detected vocal regions.
    ax_voc.set_ylim(0, 1)
    for region in analysis.vocals:
        ax_voc.add_patch(Rectangle((region.start, 0.15), region.end - region.start, 0.7, fc=VOCALS, lw=0, alpha=0.85))
    if not analysis.vocals:
        ax_voc.text(duration / 2, 0.5, "no voice detected", ha="center", va="center", color=DIM, fontsize=8)

    step = _tick_step(duration)
    ax_voc.xaxis.set_major_locator(MultipleLocator(step))
    ax_voc.set_xlabel("time (s)", color=FG, fontsize=10)
    ax_voc.tick_params(axis="x", colors=FG, labelsize=9)

    handles.append(Line2D([], [], color=ENERGY, lw=1.6, label="energy"))
    handles += [Line2D([], [], color=BEAT, lw=0.6, alpha=0.6, label="beat"), Line2D([], [], color=BEAT, lw=1.3, alpha=0.8, label="downbeat")]
    kinds = {_cut_style(s, shots, cut_info.get(s.index)) for s in shots.shots[1:]}
    for kind, (label, colour, lw, ls) in CUT_STYLE.items():
        if kind in kinds or kind == "cut":
            handles.append(Line2D([], [], color=colour, lw=lw, ls=ls, label=label))
    for kind in sorted({ln.timing for ln in analysis.lyrics}, key=list(LYRIC_STYLE).index):
        face, edge, hatch, a, ls = LYRIC_STYLE[kind]
        handles.append(Patch(fc=face, ec=edge, hatch=hatch, alpha=a, ls=ls, label=LYRIC_LABEL[kind]))
    handles.append(Patch(fc=VOCALS, label="voice"))
    if off_beat:
        handles.append(Line2D([], [], marker="v", color=BAD, ls="none", ms=8, label=f"cut > {limit * 1000:.0f} ms off the beat"))
    if in_line:
        handles.append(Line2D([], [], marker="X", color=BAD, ls="none", ms=8, label="cut inside a sung line"))
    legend = fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 7), frameon=False, fontsize=9, bbox_to_anchor=(0.5, 0.0), handlelength=2.2, columnspacing=1.6)
    for text in legend.get_texts():
        text.set_color(FG)

    if title:
        fig.text(left, 0.965, analysis.title, color=FG, fontsize=13, fontweight="bold", ha="left", va="center", parse_math=False)
        fig.text(right, 0.965, f"{analysis.tempo:.1f} BPM · {clock(duration)} · {len(shots.shots)} shots · {len(analysis.sections)} sections",
                 color=DIM, fontsize=10, ha="right", va="center")

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor=BG)
    return buf.getvalue()


def _load_envelope_audio(analysis: SongAnalysis) -> np.ndarray:
    from songflow.listening.audio import load_audio

    return load_audio(Path(analysis.audio_path), SAMPLE_RATE)


def _envelope(y: np.ndarray, sr: int, bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Min and max of `y` over `bins` equal columns, normalised to the peak; with column centre times."""
    bins = max(1, min(bins, y.size))
    hop = int(np.ceil(y.size / bins))
    padded = np.pad(y, (0, hop * bins - y.size), mode="edge").reshape(bins, hop)
    peak = float(np.max(np.abs(y))) or 1.0
    t = (np.arange(bins) + 0.5) * hop / sr
    return t, padded.min(axis=1) / peak, padded.max(axis=1) / peak


def _cut_style(shot: Shot, shots: ShotList, info: CutTiming | None) -> str:
    if info is not None and info.kind != "cut":
        return info.kind
    section_change = info.section_change if info is not None else shots.shots[shot.index - 1].scene_index != shot.scene_index
    return "section" if section_change else "cut"


def section_colour(label: str) -> str:
    return SECTION_COLOURS[(ord(label) - ord("A")) % len(SECTION_COLOURS)]


def _tick_step(duration: float) -> float:
    for step in (1, 2, 5, 10, 15, 20, 30, 60):
        if duration / step <= 30:
            return step
    return 120


def timing_figures(timing: TimingReport) -> str:
    s = timing.summary
    return (
        f"median |cut−beat| {s.median_abs_offset * 1000:.0f} ms · cuts inside lines {s.cuts_inside_lines} · "
        f"max caption error {s.max_caption_error_frames:.1f} fr · duration error {s.duration_error_frames:.1f} fr"
    )


def clock(seconds: float) -> str:
    m, s = divmod(seconds, 60)
    return f"{int(m)}:{s:04.1f}"
