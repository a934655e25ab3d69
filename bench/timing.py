"""Timing of the finished videos on generated songs whose true beats are known.

    .venv/bin/python bench/timing.py [--songs demo,80,150,change] [--preset fast] [--keep DIR]

Each song runs through the real flow (embedded Gemma 3 270M, temporary Prefect API); the figures
come from its timing_report.json and from the generator's ground truth. Baseline, measured in the
same run on the same songs: the same shots with their cuts rounded to whole seconds, the way
published song-to-video tools time cuts. Prints one table (markdown); the ratio is the baseline's
mean |cut - detected beat| over songflow's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FPS = 24


def songs():
    from songflow.listening import synth

    return {
        "demo": synth.DEMO,
        "80": synth.demo_at(80.0, "Slow Tide"),
        "150": synth.demo_at(150.0, "Fast Tide"),
        "change": synth.tempo_change_spec(100.0, 132.0, "Tempo Change"),
    }


def inside(t: float, lines: list[tuple[float, float, str]], edge: float = 0.07) -> bool:
    return any(a + edge < t < b - edge for a, b, _ in lines)


def baseline_cuts(cuts: list[float], duration: float) -> list[float]:
    """The same cuts, rounded to whole seconds (distinct, inside the song)."""
    return sorted({float(round(t)) for t in cuts if 0 < round(t) < duration})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--songs", default="demo,80,150,change")
    parser.add_argument("--preset", default="fast")
    parser.add_argument("--keep", type=Path, help="folder for the songs and outputs (default: a temp folder)")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="songflow-timing-"))
    os.environ["PREFECT_LOCAL_STORAGE_PATH"] = str(root / "storage")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.testing.utilities import prefect_test_harness

    from flows.song import make_video
    from schemas.analysis import SongAnalysis
    from schemas.timing import TimingReport
    from songflow.listening import synth
    from songflow.core.store import SongOutputs
    from stages.timing_report import nearest

    rows = []
    with prefect_test_harness(server_startup_timeout=120):
        for key in args.songs.split(","):
            spec = songs()[key]
            wav, lrc, truth = synth.write_song(spec, root / "songs")
            started = time.perf_counter()
            make_video(audio=wav, lyrics=lrc, title=spec.title, preset=args.preset, outputs=root / "outputs")
            seconds = time.perf_counter() - started
            out = SongOutputs.for_song(root / "outputs", spec.title)
            report = TimingReport.model_validate_json(out.path("timing").read_text())
            analysis = SongAnalysis.model_validate_json(out.path("analysis").read_text())
            cuts = [c.time for c in report.cuts]
            true_off = [abs(t - nearest(truth.beats, t)) for t in cuts]
            det_off = [abs(c.offset) for c in report.cuts]
            base = baseline_cuts(cuts, analysis.duration)
            base_off = [abs(t - nearest(truth.beats, t)) for t in base]
            base_det = [abs(t - nearest(analysis.beats, t)) for t in base]
            lines = truth.lyric_lines
            tempi = list(dict.fromkeys(p.bpm or spec.bpm for p in spec.parts))
            bpm = "->".join(f"{t:.0f}" for t in tempi)
            rows.append({
                "song": f"{spec.title} ({bpm} BPM, {analysis.duration:.1f} s)",
                "cuts": len(cuts),
                "med_det": report.summary.median_abs_offset * 1000,
                "med_true": statistics.median(true_off) * 1000,
                "max_true": max(true_off) * 1000,
                "within": sum(o <= 0.07 for o in true_off) / len(true_off),
                "in_lines": sum(inside(t, lines) for t in cuts),
                "caption": report.summary.max_caption_error_frames,
                "duration": report.summary.duration_error_frames,
                "mean_det": statistics.mean(det_off) * 1000,
                "base_mean_det": statistics.mean(base_det) * 1000,
                "base_med": statistics.median(base_off) * 1000,
                "base_within": sum(o <= 0.07 for o in base_off) / len(base_off),
                "base_in_lines": sum(inside(t, lines) for t in base),
                "base_cuts": len(base),
                "passed": report.passed,
                "seconds": seconds,
            })
            print(f"{key}: done in {seconds:.0f} s", flush=True)

    print()
    print("| song | cuts | median \\|cut - detected beat\\| ms | median \\|cut - true beat\\| ms | max ms | within 70 ms | cuts in sung lines | caption error (frames) | video - song (frames) | rules | baseline (whole seconds): median \\|cut - true beat\\| ms / within 70 ms / cuts in sung lines | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|")
    for r in rows:
        ratio = r["base_mean_det"] / r["mean_det"]
        print(
            f"| {r['song']} | {r['cuts']} | {r['med_det']:.1f} | {r['med_true']:.1f} | {r['max_true']:.1f} | {r['within']:.0%} | {r['in_lines']} | "
            f"{r['caption']:.2f} | {r['duration']:.2f} | {'pass' if r['passed'] else 'FAIL'} | "
            f"{r['base_med']:.0f} / {r['base_within']:.0%} / {r['base_in_lines']} of {r['base_cuts']} | {ratio:.0f}x |"
        )
    print()
    print("run seconds per song: " + ", ".join(f"{r['song'].split(' (')[0]} {r['seconds']:.0f}" for r in rows))


if __name__ == "__main__":
    main()
