"""Pictures of a run: the song's timeline (waveform, sections, beats, cuts, lyrics), the storyboard
contact sheet of the chosen keyframes, and a self-contained HTML report with the timing figures."""

from __future__ import annotations

import base64
import html
import io
import logging
from pathlib import Path
from urllib.parse import quote

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

from schemas.analysis import SongAnalysis
from schemas.clips import ClipReport, ShotClip
from schemas.qa import QAReport, ShotQA
from schemas.shots import Shot, ShotList
from schemas.timing import CutTiming, TimingReport
from songflow.errors import InputError
from songflow.fsutil import atomic_path, write_text_atomic

log = logging.getLogger(__name__)

SAMPLE_RATE = 22050
# Contact sheet grid: 6 columns of 320 px = 1920 px, the width the timeline is drawn at too.
THUMB = (320, 180)
COLUMNS = 6
SHEET_WIDTH = COLUMNS * THUMB[0]
CAPTION_H = 92
# HTML thumbnails: JPEG this wide keeps a 60-shot report around 2-3 MB.
HTML_THUMB_WIDTH = 480
HTML_JPEG_QUALITY = 80

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


# ---------------------------------------------------------------- timeline


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
            ax.axvspan(section.start, section.end, color=_section_colour(section.label), alpha=0.13, lw=0)

    # Sections: one labelled box each; the same letter is the same colour.
    ax_sec.set_ylim(0, 1)
    for section in analysis.sections:
        colour = _section_colour(section.label)
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
        fig.text(right, 0.965, f"{analysis.tempo:.1f} BPM · {_clock(duration)} · {len(shots.shots)} shots · {len(analysis.sections)} sections",
                 color=DIM, fontsize=10, ha="right", va="center")

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor=BG)
    return buf.getvalue()


def _load_envelope_audio(analysis: SongAnalysis) -> np.ndarray:
    from songflow.audio import load_audio

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


def _section_colour(label: str) -> str:
    return SECTION_COLOURS[(ord(label) - ord("A")) % len(SECTION_COLOURS)]


def _tick_step(duration: float) -> float:
    for step in (1, 2, 5, 10, 15, 20, 30, 60):
        if duration / step <= 30:
            return step
    return 120


# ---------------------------------------------------------------- contact sheet


def contact_sheet(
    analysis: SongAnalysis, shots: ShotList, report: QAReport, timing: TimingReport | None, root: Path, target: Path,
    *, timeline_png: bytes | None = None,
) -> Path:
    """One PNG: a title line with the QA and timing verdicts, the timeline, then the storyboard grid."""
    width = SHEET_WIDTH
    font, bold = _font(), _font(bold=True)
    title, stats = bold(30), font(17)
    failures = timing.failures if timing else []

    png = timeline_png or timeline_image(analysis, shots, timing, width_px=width)
    timeline = Image.open(io.BytesIO(png)).convert("RGB")
    if timeline.width != width:
        timeline = timeline.resize((width, round(timeline.height * width / timeline.width)), Image.Resampling.LANCZOS)
    header_h = 20 + 40 + 28 + 24 * len(failures) + 14
    rows = (len(shots.shots) + COLUMNS - 1) // COLUMNS
    cell_h = THUMB[1] + CAPTION_H
    sheet = Image.new("RGB", (width, header_h + timeline.height + 12 + rows * cell_h), BG)
    draw = ImageDraw.Draw(sheet)

    name = _fit(draw, analysis.title, title, width - 560)
    draw.text((24, 20), name, font=title, fill=FG)
    x = 24 + draw.textlength(name, font=title) + 16
    draw.text((x, 30), f"{analysis.tempo:.1f} BPM · {_clock(analysis.duration)} ({analysis.duration:.1f} s) · {len(shots.shots)} shots",
              font=stats, fill=DIM)
    n_pass = sum(e.passed for e in report.shots)
    qa = f"QA passed {n_pass}/{len(report.shots)}"
    draw.text((24, 66), qa, font=stats, fill="#78dc8c" if n_pass == len(report.shots) else "#f0a070")
    x = 24 + draw.textlength(qa, font=stats) + 24
    if timing is None:
        draw.text((x, 66), "timing: not measured", font=stats, fill=DIM)
    else:
        verdict = f"timing {timing.verdict}"
        verdict_font = stats if timing.passed else bold(17)
        confirmed = timing.beat_grid is None or timing.beat_grid.confirmed
        draw.text((x, 66), verdict, font=verdict_font, fill=("#78dc8c" if confirmed else "#f0a070") if timing.passed else BAD)
        x += draw.textlength(verdict, font=verdict_font) + 16
        draw.text((x, 66), _timing_figures(timing), font=stats, fill=FG)
        for i, failure in enumerate(failures):
            draw.text((24, 94 + 24 * i), _fit(draw, f"✗ {failure}", font(15), width - 48), font=font(15), fill=BAD)

    sheet.paste(timeline, (0, header_h))
    top = header_h + timeline.height + 12
    for i, (shot, entry) in enumerate(zip(shots.shots, report.shots, strict=True)):
        _draw_card(sheet, draw, shot, entry, analysis, root, (i % COLUMNS) * THUMB[0], top + (i // COLUMNS) * cell_h)
    with atomic_path(target) as tmp:
        sheet.save(tmp, format="PNG")
    return Path(target)


def _draw_card(sheet: Image.Image, draw: ImageDraw.ImageDraw, shot: Shot, entry: ShotQA, analysis: SongAnalysis, root: Path, x: int, y: int) -> None:
    font, bold = _font(), _font(bold=True)
    w, h = THUMB
    pad = 4
    chosen = entry.attempts[entry.chosen_attempt]
    thumb = ImageOps.pad(Image.open(root / chosen.image).convert("RGB"), (w - 2 * pad, h - 2 * pad), color=(0, 0, 0))
    sheet.paste(thumb, (x + pad, y + pad))
    if not entry.passed:  # a failed keyframe stands out in the grid
        draw.rectangle((x + pad - 2, y + pad - 2, x + w - pad + 1, y + h - pad + 1), outline=BAD, width=3)
    section = analysis.sections[shot.scene_index].label if shot.scene_index < len(analysis.sections) else "?"
    ty = y + h + 2
    draw.text((x + pad + 2, ty), f"#{shot.index}  {shot.start:.1f}–{shot.end:.1f}s  {section}", font=bold(14), fill=FG)
    verdict = f"{'pass' if entry.passed else 'FAIL'} {chosen.verdict.score}/10 ×{len(entry.attempts)}"
    draw.text((x + w - pad - 2, ty), verdict, font=bold(13), fill="#78dc8c" if entry.passed else BAD, anchor="ra")
    small = font(12)
    for k, line in enumerate(_wrap(draw, shot.prompt, small, w - 2 * pad - 4, 3)):
        draw.text((x + pad + 2, ty + 21 + 15 * k), line, font=small, fill="#b4b4be")
    draw.text((x + pad + 2, ty + 21 + 15 * 3 + 2), f"{shot.composition.replace('_', ' ')} · {shot.camera.replace('_', ' ')}", font=small, fill="#7c7c88")


def _fit(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    """`text` on one line (Pillow cannot measure a line break), cut with an ellipsis to fit `width` pixels."""
    text = " ".join(text.splitlines())
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: float, max_lines: int) -> list[str]:
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and draw.textlength(f"{line} {words[0]}", font=font) <= width:
            line = f"{line} {words.pop(0)}"
        lines.append(_fit(draw, line, font, width))  # a single word wider than the line
    if words and lines:  # more text than room: end the last line with an ellipsis
        lines[-1] = _fit(draw, lines[-1] + " " + words[0], font, width)
    return lines


def _font(bold: bool = False):
    """A sizer for matplotlib's DejaVu Sans (it has the … × ✗ – glyphs Pillow's default font lacks)."""
    import matplotlib

    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    return lambda size: ImageFont.truetype(str(path), size)


# ---------------------------------------------------------------- HTML


def html_report(
    analysis: SongAnalysis,
    shots: ShotList,
    report: QAReport,
    timing: TimingReport | None,
    root: Path,
    target: Path,
    *,
    video_name: str = "video.mp4",
    timeline_png: bytes | None = None,
    clips: ClipReport | None = None,
) -> Path:
    """A self-contained HTML page (images inlined) with the storyboard, the timeline and the timing figures."""
    png = timeline_png or timeline_image(analysis, shots, timing)
    here = Path(target).parent
    e = html.escape
    n_pass = sum(x.passed for x in report.shots)
    interp = analysis.interpretation

    links = []
    video = Path(video_name)
    for name, what in ((video, "video"), (video.with_suffix(".srt"), "subtitles .srt"), (video.with_suffix(".vtt"), "subtitles .vtt")):
        missing = "" if (here / name).is_file() else ' <span class="missing">(not found)</span>'
        links.append(f'<a href="{e(quote(name.as_posix()))}">{e(what)}: {e(name.name)}</a>{missing}')

    if timing is None:
        timing_badge = '<span class="badge dim">timing not measured</span>'
    else:
        timing_badge = f'<span class="badge {_badge_class(timing)}">timing {html.escape(timing.verdict)}</span>'
    qa_badge = f'<span class="badge {"pass" if n_pass == len(report.shots) else "warn"}">QA passed {n_pass}/{len(report.shots)}</span>'
    if clips is not None:
        moving = sum(c.clip is not None for c in clips.shots)
        qa_badge += f' <span class="badge {"pass" if moving == len(clips.shots) else "warn"}">clips {moving}/{len(clips.shots)}</span>'
    by_shot = {c.shot_index: c for c in clips.shots} if clips else {}
    if report.withheld:
        qa_badge += f' <span class="badge warn">{report.withheld} withheld by the safety gate ({html.escape(report.safety)})</span>'

    sections_rows = "".join(
        f'<tr><td><span class="sec" style="background:{_section_colour(s.label)}">{e(s.label)}</span></td>'
        f"<td>{s.start:.2f}</td><td>{s.end:.2f}</td><td>{s.energy:.2f}</td><td>{len(s.lyrics)}</td>"
        f"<td>{e(note.description)}</td></tr>"
        for s, note in zip(analysis.sections, interp.sections)
    )

    cards = "".join(_card_html(shot, entry, analysis, root, by_shot.get(shot.index)) for shot, entry in zip(shots.shots, report.shots, strict=True))

    page = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(analysis.title)} · songflow report</title>
<style>{CSS}</style>
</head>
<body>
<header>
  <h1>{e(analysis.title)}</h1>
  <p class="meta">{_clock(analysis.duration)} ({analysis.duration:.2f} s) · {analysis.tempo:.1f} BPM · {len(analysis.sections)} sections ·
  {len(shots.shots)} shots · lyrics: {e(analysis.lyrics_source)} ({len(analysis.lyrics)} lines) · model: <code>{e(analysis.model)}</code></p>
  <p>{timing_badge} {qa_badge}</p>
  <dl class="interp">
    <dt>Mood</dt><dd>{e(interp.mood)}</dd>
    <dt>Themes</dt><dd>{"".join(f'<span class="chip">{e(t)}</span>' for t in interp.themes)}</dd>
    <dt>Imagery</dt><dd>{"".join(f'<span class="chip">{e(t)}</span>' for t in interp.imagery)}</dd>
  </dl>
  <nav class="files">{" ".join(links)}</nav>
  <nav class="toc"><a href="#timeline">Timeline</a> <a href="#sections">Sections</a> <a href="#storyboard">Storyboard</a> <a href="#timing">Timing</a></nav>
</header>
<main>
<section id="timeline">
  <h2>Timeline</h2>
  <img class="timeline" src="data:image/png;base64,{base64.b64encode(png).decode()}"
       alt="Timeline of {e(analysis.title)}: waveform, energy, sections, beats, cuts, lyric lines and voice">
</section>
<section id="sections">
  <h2>Sections</h2>
  <table><thead><tr><th>Label</th><th>Start (s)</th><th>End (s)</th><th>Energy</th><th>Lines</th><th>Description</th></tr></thead>
  <tbody>{sections_rows}</tbody></table>
</section>
<section id="storyboard">
  <h2>Storyboard</h2>
  <div class="grid">{cards}</div>
</section>
<section id="timing">
  <h2>Timing</h2>
  {_timing_html(timing)}
</section>
</main>
<footer>songflow report · {e(analysis.title)}</footer>
</body>
</html>
"""
    return write_text_atomic(Path(target), page)


def _motion_html(clip: ShotClip | None, fps: int = 24) -> str:
    if clip is None:
        return ""
    if clip.clip is None:
        return f'<p class="small missing">motion: its still, Ken Burns (no clip: {html.escape(clip.fallback or "")})</p>'
    return (f'<p class="small">motion: <a href="{html.escape(quote(clip.clip))}">clip</a>, {clip.native_frames} frames at '
            f"{clip.native_fps:g} fps retimed to {clip.frames} at {fps}</p>")


def _card_html(shot: Shot, entry: ShotQA, analysis: SongAnalysis, root: Path, clip: ShotClip | None = None) -> str:
    e = html.escape
    chosen = entry.attempts[entry.chosen_attempt]
    with Image.open(root / chosen.image) as img:
        rgb = img.convert("RGB")
    thumb = rgb.resize((HTML_THUMB_WIDTH, max(1, round(rgb.height * HTML_THUMB_WIDTH / rgb.width))), Image.LANCZOS)
    buf = io.BytesIO()
    thumb.save(buf, format="JPEG", quality=HTML_JPEG_QUALITY, optimize=True)
    uri = "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()
    section = analysis.sections[shot.scene_index] if shot.scene_index < len(analysis.sections) else None
    label = section.label if section else "?"
    colour = _section_colour(label) if section else DIM
    verdict = chosen.verdict
    issues = "".join(f"<li>{e(i)}</li>" for i in verdict.issues)
    scores = ", ".join(f"{a.verdict.score}" for a in entry.attempts)
    status = "pass" if entry.passed else "fail"
    return f"""
<article class="card {status}">
  <img src="{uri}" alt="Keyframe of shot {shot.index}" width="{thumb.width}" height="{thumb.height}">
  <div class="body">
    <div class="row"><b>#{shot.index}</b> <span class="time">{shot.start:.2f}–{shot.end:.2f} s</span>
      <span class="sec" style="background:{colour}" title="scene {shot.scene_index}">{e(label)}</span>
      <span class="qa {status}">QA {"pass" if entry.passed else "FAIL"} {verdict.score}/10</span></div>
    <p class="prompt">{e(shot.prompt)}</p>
    <p class="small">{e(shot.composition.replace("_", " "))} · camera {e(shot.camera.replace("_", " "))} · scene {shot.scene_index}</p>
    <p class="small">attempts {len(entry.attempts)} (scores {scores}), using attempt {entry.chosen_attempt}</p>
    {f'<p class="small">references: {e(", ".join(chosen.references))}</p>' if chosen.references else ""}
    {_motion_html(clip)}
    {f'<ul class="issues">{issues}</ul>' if issues else ""}
  </div>
</article>"""


def _badge_class(timing: TimingReport) -> str:
    if not timing.passed:
        return "fail"
    return "pass" if timing.beat_grid is None or timing.beat_grid.confirmed else "warn"


def _timing_html(timing: TimingReport | None) -> str:
    if timing is None:
        return '<p class="dim">No timing report: the finished video was not measured.</p>'
    e = html.escape
    s = timing.summary
    lim = timing.limits
    fps = timing.fps

    def limit(key: str, scale: float = 1.0, unit: str = "") -> str:
        return f' <span class="dim">(limit {lim[key] * scale:g}{unit})</span>' if key in lim else ""

    def flag(bad: bool) -> str:
        return ' class="bad"' if bad else ""

    max_off = lim.get("max_cut_offset_seconds")
    max_cap = lim.get("max_caption_error_frames")
    max_dur = lim.get("max_duration_error_frames")
    grid = timing.beat_grid
    rows = [
        ("Verdict", f'<span class="badge {_badge_class(timing)}">{e(timing.verdict)}</span>'
         + (f' <span class="warn">{e(grid.note)}</span>' if grid is not None and grid.note else "")),
        ("Cuts", f"{s.cuts}"),
        ("Median |cut − beat|", f"{s.median_abs_offset * 1000:.1f} ms"),
        ("Max |cut − beat|", f"<span{flag(max_off is not None and s.max_abs_offset > max_off + 1e-9)}>{s.max_abs_offset * 1000:.1f} ms</span>{limit('max_cut_offset_seconds', 1000, ' ms')}"),
        ("Cuts within limit", f"{s.share_within_limit * 100:.1f} %"),
        ("Cuts inside sung lines", f"<span{flag(s.cuts_inside_lines > lim.get('max_cuts_in_phrases', float('inf')))}>{s.cuts_inside_lines}</span>"
         f"{limit('max_cuts_in_phrases')} <span class='dim'>+ {s.cuts_inside_long_lines} allowed in long lines</span>"),
        ("Max caption error", f"<span{flag(max_cap is not None and s.max_caption_error_frames > max_cap + 1e-9)}>{s.max_caption_error_frames:.2f} frames</span>{limit('max_caption_error_frames')}"),
        ("Durations", f"video {s.video_duration:.3f} s · audio {s.audio_duration:.3f} s · song {s.song_duration:.3f} s"),
        ("Duration error", f"<span{flag(max_dur is not None and s.duration_error_frames > max_dur + 1e-9)}>{s.duration_error_frames:.2f} frames</span>{limit('max_duration_error_frames')}"),
        ("Frame rate", f"{fps} fps"),
    ]
    if grid is not None:
        confidence = f" · {grid.confidence * 100:.0f} % of beats on an onset" if grid.confidence is not None else ""
        rows.append(("Beat grid", f"{e(grid.tracker)} · {grid.tempo:.1f} BPM{confidence}"))
        if grid.check is not None:
            agree = "agrees" if grid.check.agrees else f"<span class='warn'>{e(grid.check.relation)}: different metrical level</span>"
            rows.append((e(grid.check.method).capitalize(), f"{grid.check.tempo:.1f} BPM · {agree}"))
    summary = "".join(f"<tr><th>{e(k)}</th><td>{v}</td></tr>" for k, v in rows)
    failures = (
        '<div class="failures"><h3>Failures</h3><ul>' + "".join(f"<li>{e(f)}</li>" for f in timing.failures) + "</ul></div>"
        if timing.failures else ""
    )

    cut_rows = []
    for c in timing.cuts:
        off_bad = max_off is not None and abs(c.offset) > max_off + 1e-9
        line_bad = c.inside_line is not None and not c.line_allows_cut
        inside = "—" if c.inside_line is None else e(c.inside_line) + (' <span class="dim">(long line: allowed)</span>' if c.line_allows_cut else "")
        kind = e(c.kind) + (" · section change" if c.section_change else "")
        cut_rows.append(
            f"<tr><td>{c.shot_index}</td><td>{c.time:.3f}</td><td>{kind}</td><td>{c.nearest_beat:.3f}</td>"
            f"<td{flag(off_bad)}>{c.offset * 1000:+.1f}</td><td>{'yes' if c.on_downbeat else 'no'}</td>"
            f"<td{flag(line_bad)}>{inside}</td></tr>"
        )
    cap_rows = []
    for c in timing.captions:
        on_bad = max_cap is not None and abs(c.on_error_frames) > max_cap + 1e-9
        off_bad = max_cap is not None and abs(c.off_error_frames) > max_cap + 1e-9
        cap_rows.append(
            f"<tr><td class='text'>{e(c.text)}</td><td>{c.start:.3f}</td><td>{c.end:.3f}</td><td>{c.shown_from:.3f}</td>"
            f"<td>{c.shown_until:.3f}</td><td{flag(on_bad)}>{c.on_error_frames:+.2f}</td><td{flag(off_bad)}>{c.off_error_frames:+.2f}</td></tr>"
        )
    no_rows = '<tr><td colspan="{n}" class="dim">none</td></tr>'
    return f"""
  <table class="summary">{summary}</table>
  {failures}
  <h3>Cuts ({len(timing.cuts)})</h3>
  <table class="num"><thead><tr><th>Into shot</th><th>Time (s)</th><th>Kind</th><th>Nearest beat (s)</th><th>Offset (ms)</th><th>Downbeat</th><th>Inside line</th></tr></thead>
  <tbody>{"".join(cut_rows) or no_rows.format(n=7)}</tbody></table>
  <h3>Captions ({len(timing.captions)})</h3>
  <table class="num"><thead><tr><th>Text</th><th>Start (s)</th><th>End (s)</th><th>Shown from (s)</th><th>Shown until (s)</th><th>On error (frames)</th><th>Off error (frames)</th></tr></thead>
  <tbody>{"".join(cap_rows) or no_rows.format(n=7)}</tbody></table>"""


CSS = """
:root { color-scheme: dark; --bg: #121318; --panel: #1b1d24; --line: #2c2f3a; --fg: #e6e6ea; --dim: #9a9aa6;
  --pass: #78dc8c; --fail: #ff5c5c; --warn: #f0a070; --accent: #8fb4ff; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; }
header, main, footer { max-width: 1500px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; }
h1 { margin: 0 0 4px; font-size: 30px; }
h2 { margin: 36px 0 12px; font-size: 21px; border-bottom: 1px solid var(--line); padding-bottom: 6px; }
h3 { margin: 24px 0 8px; font-size: 17px; }
a { color: var(--accent); }
code { font-size: 13px; background: var(--panel); padding: 1px 5px; border-radius: 4px; }
.meta, .dim, .small { color: var(--dim); }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-weight: 600; font-size: 14px; margin-right: 6px; background: var(--line); }
.badge.pass { background: #1f4d2b; color: var(--pass); }
.badge.fail { background: #5a1f22; color: #ffb0b0; }
.badge.warn { background: #4d361f; color: var(--warn); }
span.warn { color: var(--warn); }
.interp { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 12px 0; }
.interp dt { color: var(--dim); }
.interp dd { margin: 0; }
.chip { display: inline-block; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 0 8px; margin: 0 6px 4px 0; }
nav { margin: 8px 0; }
nav a { margin-right: 16px; }
.missing { color: var(--warn); font-size: 13px; margin-right: 16px; }
img.timeline { width: 100%; height: auto; border-radius: 6px; display: block; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 14px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
.card.fail { border-color: var(--fail); }
.card img { width: 100%; height: auto; display: block; }
.card .body { padding: 8px 12px 12px; }
.card .row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.card .time { color: var(--dim); font-variant-numeric: tabular-nums; }
.card .qa { margin-left: auto; font-weight: 600; }
.qa.pass { color: var(--pass); }
.qa.fail { color: var(--fail); }
.card p { margin: 6px 0 0; }
.card .prompt { font-size: 14px; }
.card .small { font-size: 13px; }
.issues { margin: 6px 0 0; padding-left: 18px; color: var(--warn); font-size: 13px; }
.sec { display: inline-block; min-width: 22px; text-align: center; border-radius: 4px; color: #101014; font-weight: 700; font-size: 13px; padding: 0 5px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { position: sticky; top: 0; background: var(--bg); color: var(--dim); font-weight: 600; }
table.summary { width: auto; min-width: 520px; }
table.summary th { color: var(--dim); font-weight: 500; }
table.num td { font-variant-numeric: tabular-nums; }
td.bad, span.bad, .bad { color: var(--fail); font-weight: 600; }
.failures { border: 1px solid var(--fail); border-radius: 8px; padding: 4px 16px; margin-top: 16px; background: #2a1618; }
.failures li { color: #ffb0b0; }
footer { color: var(--dim); font-size: 13px; padding: 32px 24px; }
"""


# ---------------------------------------------------------------- shared text


def _timing_figures(timing: TimingReport) -> str:
    s = timing.summary
    return (
        f"median |cut−beat| {s.median_abs_offset * 1000:.0f} ms · cuts inside lines {s.cuts_inside_lines} · "
        f"max caption error {s.max_caption_error_frames:.1f} fr · duration error {s.duration_error_frames:.1f} fr"
    )


def _clock(seconds: float) -> str:
    m, s = divmod(seconds, 60)
    return f"{int(m)}:{s:04.1f}"
