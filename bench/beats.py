"""Beat trackers scored against true beat grids (mir_eval), on generated songs and real recordings.

    .venv/bin/python bench/beats.py [--trackers librosa,plain,madmom] [--only generated|real|beatset]
                                    [--split tune|held-out] [--songs NAME,...]

Real recordings: the Frets on Fire song packages from Debian (`apt-get install
fretsonfire-songs-sectoid fretsonfire-songs-muldjord`): stems mixed with ffmpeg, true beats from
each chart's tempo map aligned to the guitar stem (tests/charts.py). Generated songs: songflow.listening.synth,
whose beats are known by construction.

The development set (`--only beatset`, bench/beatset.py): eighteen score-rendered pieces in 4/4,
3/4, 6/8 and 2/4, with and without drums, swung, with tempo ramps; one of each kind to tune on,
the other held out (`--split`). Its table adds the bar length and time signature found (right bars,
right metre), the right level (the median beat interval
within 4 % of the true one) and the lag (median of detected minus true beat, over beats matched
within 70 ms).

Trackers: `hybrid` (songflow's default), `beatnet`, `librosa`, `madmom` (the opt-in extra, when installed), and the
baseline `plain`: `librosa.beat.beat_track` with its defaults, measured in the same run. Beats are
scored as songflow uses them (after moving each onto its onset). Prints, per song and tracker: the
tempo reported (median beat interval), its ratio to the true tempo, F-measure, CMLt, AMLt, downbeat
F, the grid's confidence and the tempo check; then per tracker the means and how many songs were
within 2 % of the true tempo.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
warnings.filterwarnings("ignore", category=UserWarning)
warnings.filterwarnings("ignore", message="Mean of empty slice")

SR = 22050


def generated_songs():
    from songflow.listening import synth

    specs = [synth.short_spec(90.0), synth.short_spec(150.0), synth.DEMO, synth.demo_at(80, "Slow Neon"),
             synth.tempo_change_spec(), synth.desert_spec(), synth.hemiola_spec()]
    for spec in specs:
        audio, truth = synth.synthesize(spec)
        tempo = spec.bpm if all(p.bpm in (None, spec.bpm) for p in spec.parts) else None
        yield spec.title, audio, np.array(truth.beats), np.array(truth.downbeats), tempo


def real_songs(names: set[str] | None):
    from songflow.listening.audio import load_audio
    from tests.charts import find_songs, load_chart_song, mix

    folders = find_songs()
    if not folders:
        print("no real recordings: apt-get install fretsonfire-songs-sectoid fretsonfire-songs-muldjord", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="songflow-beats-") as tmp:
        for folder in folders:
            song = load_chart_song(folder)
            if names and song.name.lower() not in names:
                continue
            wav = mix(folder, Path(tmp) / "mix.wav")
            yield f"{song.name} (offset {song.offset * 1000:+.0f} ms)", load_audio(wav, SR), song.beats, song.downbeats, song.tempo


def beatset_songs(split: str | None):
    from bench import beatset
    from songflow.listening.audio import load_audio

    for name, wav, truth in beatset.songs(split):
        tempo = truth["bpm"] if not truth["end_bpm"] else None
        yield f"{name} [{truth['metre']}]", load_audio(wav, SR), np.array(truth["beats"]), np.array(truth["downbeats"]), tempo, truth


def lag_and_level(ref: np.ndarray, est: np.ndarray) -> tuple[float, bool]:
    """(median signed lag of detected beats matched within 70 ms, in seconds; whether the median
    beat interval is within 4 % of the true one)."""
    est = np.asarray(est)
    if len(est) < 2:
        return float("nan"), False
    d = np.array([e - ref[np.argmin(np.abs(ref - e))] for e in est])
    near = d[np.abs(d) <= 0.07]
    return (float(np.median(near)) if len(near) else float("nan")), bool(abs(np.median(np.diff(est)) / np.median(np.diff(ref)) - 1) <= 0.04)


def run_tracker(name: str, y: np.ndarray):
    """(beats, downbeats, confidence, check, seconds, (beats per bar, time signature)) as songflow's analysis would give them."""
    import librosa

    from songflow.listening.beats import check_tempo, onset_share
    from songflow.listening.music import bar_features, bars, beat_division, time_signature, track_beats

    started = time.perf_counter()
    if name == "plain":
        _, frames = librosa.beat.beat_track(y=y, sr=SR)
        beats = librosa.frames_to_time(frames, sr=SR)
        seconds = time.perf_counter() - started
        return beats, None, None, None, seconds, None
    env = librosa.onset.onset_strength(y=y, sr=SR)
    grid, beats, frames = track_beats(y, SR, tracker=name, env=env)
    seconds = time.perf_counter() - started
    chroma, bass = bar_features(np.abs(librosa.stft(y)), SR)
    per_bar, idx = bars(grid, beats, frames, chroma, bass, None)
    metre = (per_bar, time_signature(per_bar, beat_division(beats, env, SR / 512)))
    return beats, beats[idx], onset_share(beats, env, SR, 512), check_tempo(beats, env, SR, 512), seconds, metre


def score(ref: np.ndarray, ref_down: np.ndarray, est: np.ndarray, est_down) -> dict:
    import mir_eval

    ref, est = mir_eval.beat.trim_beats(ref), mir_eval.beat.trim_beats(np.asarray(est))
    cmlc, cmlt, amlc, amlt = mir_eval.beat.continuity(ref, est)
    out = {"F": mir_eval.beat.f_measure(ref, est), "CMLt": cmlt, "AMLt": amlt}
    if est_down is not None and len(ref_down) > 1:
        out["downF"] = mir_eval.beat.f_measure(mir_eval.beat.trim_beats(ref_down), mir_eval.beat.trim_beats(np.asarray(est_down)))
    return out


def main() -> None:
    from songflow.listening.beats import madmom_available
    from songflow.listening.music import grid_tempo

    parser = argparse.ArgumentParser()
    parser.add_argument("--trackers", default="plain,librosa,beatnet,hybrid,madmom")
    parser.add_argument("--only", choices=["generated", "real", "beatset"])
    parser.add_argument("--split", choices=["tune", "held-out"], help="with --only beatset: one half of the set")
    parser.add_argument("--songs", help="real songs by name, comma-separated")
    args = parser.parse_args()
    trackers = [t for t in args.trackers.split(",") if t != "madmom" or madmom_available()]
    if "madmom" in args.trackers and "madmom" not in trackers:
        print("madmom not installed: pip install 'songflow[madmom]'", file=sys.stderr)
    names = {n.strip().lower() for n in args.songs.split(",")} if args.songs else None
    sources = []
    if args.only == "beatset":
        sources.append(("beatset", beatset_songs(args.split)))
    if args.only in (None, "generated"):
        sources.append(("generated", ((*song, None) for song in generated_songs())))
    if args.only in (None, "real"):
        sources.append(("real", ((*song, None) for song in real_songs(names))))
    totals: dict[str, list] = {t: [] for t in trackers}
    print(f"{'song':40s} {'tracker':8s} {'BPM':>6s} {'ratio':>6s} {'F':>5s} {'CMLt':>5s} {'AMLt':>5s} {'downF':>5s} {'conf':>5s}  check  {'s':>5s}")
    for kind, songs in sources:
        for title, y, ref, ref_down, true_bpm, truth in songs:
            for t in trackers:
                beats, down, conf, check, seconds, metre = run_tracker(t, y)
                per_bar, signature = metre or (None, None)
                s = score(ref, ref_down, beats, down)
                s["lag"], s["level"] = lag_and_level(ref, beats)
                s["bars"] = per_bar == truth["beats_per_bar"] if truth and per_bar else None
                s["metre"] = signature == truth["metre"] if truth and signature else None
                bpm = grid_tempo(beats)
                ratio = bpm / true_bpm if true_bpm else float("nan")
                within = abs(ratio - 1) <= 0.02 if true_bpm else None
                totals[t].append((kind, s, within, seconds, len(y) / SR))
                check_text = "-" if check is None else ("agrees" if check.agrees else f"{check.relation} vs {check.tempo:.1f}")
                print(
                    f"{title[:40]:40s} {t:8s} {bpm:6.1f} {ratio:6.3f} {s['F']:5.2f} {s['CMLt']:5.2f} {s['AMLt']:5.2f} "
                    f"{s.get('downF', float('nan')):5.2f} {conf if conf is not None else float('nan'):5.2f}  {check_text:14s} {seconds:5.1f}"
                    f"  level {'yes' if s['level'] else 'NO '} lag {1000 * s['lag']:+4.0f} ms"
                    + (f"  {per_bar} to the bar, {signature}" if per_bar else ""),
                    flush=True,
                )
    print()
    for t, rows in totals.items():
        for kind in ("generated", "real", "beatset"):
            sel = [r for r in rows if r[0] == kind]
            if not sel:
                continue
            mean = {k: np.nanmean([r[1].get(k, np.nan) for r in sel]) for k in ("F", "CMLt", "AMLt", "downF")}
            within = [r[2] for r in sel if r[2] is not None]
            speed = sum(r[3] for r in sel) / sum(r[4] for r in sel)
            print(
                f"{t:8s} {kind:9s} n={len(sel)}  F {mean['F']:.3f}  CMLt {mean['CMLt']:.3f}  AMLt {mean['AMLt']:.3f}  "
                f"downF {mean['downF']:.3f}  tempo within 2 %: {sum(within)}/{len(within)}  right level {sum(r[1]['level'] for r in sel)}/{len(sel)}  "
                f"median |lag| {1000 * np.nanmedian([abs(r[1]['lag']) for r in sel]):.0f} ms  {speed:.3f}x realtime"
                + (f"  right bars {sum(bool(r[1]['bars']) for r in sel)}/{len(sel)}  right metre {sum(bool(r[1]['metre']) for r in sel)}/{len(sel)}" if kind == "beatset" and t != "plain" else "")
            )


if __name__ == "__main__":
    main()
