"""The run's HTML report: one self-contained page (images inlined, opens from disk) with the
summary, the timeline, the sections, the storyboard and the timing figures."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from urllib.parse import quote

from PIL import Image

from schemas.analysis import SongAnalysis
from schemas.clips import ClipReport, ShotClip
from schemas.drawing import Drawing
from schemas.qa import QAReport, ShotQA
from schemas.shots import Shot, ShotList
from schemas.timing import TimingReport
from songflow.core.fsutil import write_text_atomic
from songflow.pictures.taggram import taggram_image
from songflow.pictures.timeline import DIM, clock, section_colour, timeline_image

# HTML thumbnails: JPEG this wide keeps a 60-shot report around 2-3 MB.
HTML_THUMB_WIDTH = 480
HTML_JPEG_QUALITY = 80


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
    if report.redrawn:
        qa_badge += f' <span class="badge warn">{report.redrawn} drawn again after the renderer\'s server came back</span>'
    if report.withheld:
        qa_badge += f' <span class="badge warn">{report.withheld} withheld by the safety gate ({html.escape(report.safety)})</span>'

    sections_rows = "".join(
        f'<tr><td><span class="sec" style="background:{section_colour(s.label)}">{e(s.label)}</span></td>'
        f"<td>{s.start:.2f}</td><td>{s.end:.2f}</td><td>{s.energy:.2f}</td><td>{len(s.lyrics)}</td>"
        f"<td>{e(note.description)}</td></tr>"
        for s, note in zip(analysis.sections, interp.sections)
    )

    tag_png = taggram_image(analysis)
    heard = "" if tag_png is None else (
        '<section id="heard">\n  <h2>Heard</h2>\n'
        f'  <p class="meta">{e(", ".join(f"{t.tag.split(chr(58), 1)[1]} {t.score:.2f}" for t in analysis.tags.song[:8]))}; '
        f'genres offered {"from the tags" if analysis.tags.genre.from_tags else "(none heard: all)"}: {e(", ".join(analysis.tags.genre.offered))}</p>\n'
        f'  <img class="timeline" src="data:image/png;base64,{base64.b64encode(tag_png).decode()}" '
        f'alt="Taggram of {e(analysis.title)}: the tagger\'s strongest tags over time">\n</section>\n'
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
  <p class="meta">{clock(analysis.duration)} ({analysis.duration:.2f} s) · {analysis.tempo:.1f} BPM · {len(analysis.sections)} sections ·
  {len(shots.shots)} shots · lyrics: {e(analysis.lyrics_source)} ({len(analysis.lyrics)} lines) · model: <code>{e(analysis.model)}</code></p>
  <p>{timing_badge} {qa_badge}</p>
  <dl class="interp">
    <dt>Mood</dt><dd>{e(interp.mood)}</dd>
    <dt>Genre</dt><dd>{e(interp.genre or "")}</dd>
    <dt>Themes</dt><dd>{"".join(f'<span class="chip">{e(t)}</span>' for t in interp.themes)}</dd>
    <dt>Imagery</dt><dd>{"".join(f'<span class="chip">{e(t)}</span>' for t in interp.imagery)}</dd>
  </dl>
  <nav class="files">{" ".join(links)}</nav>
  <nav class="toc"><a href="#timeline">Timeline</a> <a href="#heard">Heard</a> <a href="#sections">Sections</a> <a href="#storyboard">Storyboard</a> <a href="#timing">Timing</a></nav>
</header>
<main>
<section id="timeline">
  <h2>Timeline</h2>
  <img class="timeline" src="data:image/png;base64,{base64.b64encode(png).decode()}"
       alt="Timeline of {e(analysis.title)}: waveform, energy, sections, beats, cuts, lyric lines and voice">
</section>
{heard}<section id="sections">
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
    heard = ""
    if clip.voice:
        spans = ", ".join(f"{a:.2f}–{b:.2f} s" for a, b in clip.voice)
        player = f' <audio controls preload="none" style="display:block;width:100%;margin-top:4px" src="{html.escape(quote(clip.voice_audio))}"></audio>' if clip.voice_audio else ""
        heard = f'<p class="small lipsync">lip-sync, {clip.voice_seconds:.1f} s of voice ({spans}){player}</p>'
    elif clip.audio_start is not None and clip.audio_seconds:
        heard = f'<p class="small">moved by the song from {clip.audio_start:.2f} s to {clip.audio_start + clip.audio_seconds:.2f} s</p>'
    if clip.last_keyframe:
        heard += f'<p class="small">ends on the next shot\'s keyframe (<a href="{html.escape(quote(clip.last_keyframe))}">{html.escape(Path(clip.last_keyframe).name)}</a>): the move carries across the cut</p>'
    if clip.clip is None:
        return f'<p class="small missing">motion: its still, Ken Burns (no clip: {html.escape(clip.fallback or "")})</p>' + heard
    return (f'<p class="small">motion: <a href="{html.escape(quote(clip.clip))}">clip</a>, {clip.native_frames} frames at '
            f"{clip.native_fps:g} fps retimed to {clip.frames} at {fps}</p>") + heard


def _drawn_html(drawing: Drawing | None) -> str:
    """Asked vs drawn, one line per kind of element; a mismatch or a word with no drawing in red."""
    if drawing is None:
        return ""
    e = html.escape
    rows = []
    for el in drawing.elements:
        text = e(el.drawn or "none")
        if el.asked and el.asked != el.drawn:
            text += f' <span class="miss">(asked {e(el.asked)})</span>'
        if el.cover is not None:
            text += f" · {100 * el.cover:.0f}% of frame"
        rows.append(f"<li><b>{e(el.kind)}</b> {text}</li>")
    if drawing.fallbacks:
        rows.append(f'<li class="miss"><b>no drawing for</b> {e(", ".join(drawing.fallbacks))}</li>')
    return f'<details class="small drawn"><summary>drawn: {e(drawing.of("place")[0].drawn or "")}, subject {100 * drawing.subject_cover:.0f}% of frame</summary><ul>{"".join(rows)}</ul></details>'


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
    colour = section_colour(label) if section else DIM
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
    {"".join(f'<p class="small retried">attempt {a.attempt} {e(a.retried)}</p>' for a in entry.attempts if a.retried)}
    {f'<p class="small">references: {e(", ".join(chosen.references))}</p>' if chosen.references else ""}
    {_drawn_html(chosen.evidence.drawing)}
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
.card .drawn ul { margin: 4px 0 0; padding-left: 16px; }
.card .miss { color: var(--fail); }
.card .retried { color: var(--warn); }
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
