"""The `songflow` command."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from songflow.command.ephemeral import start_temporary_server
from songflow.command.fleet import DEFAULT_DEPLOYMENT
from songflow.core.errors import InputError, ModelOutputError, SongflowError

DEMO_INPUT = "demo-input"


def _stage_models(pairs: list[str] | None) -> dict[str, str]:
    out = {}
    for pair in pairs or []:
        stage, sep, model_id = pair.partition("=")
        if not sep or not model_id:
            raise InputError(f"--stage-model takes STAGE=MODEL_ID (e.g. qa=hf:google/gemma-4-E4B-it), got {pair!r}")
        out[stage] = model_id
    return out


def _model_settings(args: argparse.Namespace) -> dict:
    return {
        "model": args.model,
        "stage_models": _stage_models(getattr(args, "stage_model", None)) or None,
        "listen": getattr(args, "listen", None),
        "beats": getattr(args, "beats", None),
        "look": getattr(args, "look", None),
        "thinking": getattr(args, "thinking", False) or None,
        "renderer": getattr(args, "renderer", None),
        "motion": getattr(args, "motion", None),
        "settings": _settings(getattr(args, "set", None)) or None,
    }


def _settings(pairs: list[str] | None) -> dict[str, str]:
    out = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or "." not in key:
            raise InputError(f"--set takes SECTION.KEY=VALUE (e.g. render.steps=8), got {pair!r}")
        out[key.strip()] = value.strip()
    return out


def _check_settings(args: argparse.Namespace):
    """Preset, model ids and capabilities: usage errors before any stage runs. Returns the config."""
    import backends
    from flows.checks import check_settings
    from songflow.core.config import MODEL_STAGES, from_env

    cfg = from_env(args.preset, **_model_settings(args))
    for stage in MODEL_STAGES:
        backends.check_model_id(cfg.model_for(stage).id)
    check_settings(cfg)
    return cfg


def _check_servers(cfg) -> None:
    """The model, renderer and motion servers a run here will call answer now (within 5 s)."""
    from flows.checks import check_servers

    check_servers(cfg)


def _check_files(audio: Path, lyrics: Path | None, cfg):
    """The song and its lyrics can be read: input errors before any output is written. Returns
    the decoded audio and the parsed lyrics (None without a lyrics file)."""
    from songflow.listening.audio import load_audio
    from songflow.listening.lyrics import check_fits, read_lyrics

    parsed = read_lyrics(lyrics) if lyrics is not None else None
    y = load_audio(audio, cfg.analyze.sample_rate, max_minutes=cfg.analyze.max_minutes)
    if parsed is not None:
        check_fits(parsed, len(y) / cfg.analyze.sample_rate, lyrics)
    return y, parsed


def _check_inputs(audio: Path, lyrics: Path | None, args: argparse.Namespace) -> None:
    """Every usage/input error, before any stage runs or any output is written."""
    cfg = _check_settings(args)
    _check_files(audio, lyrics, cfg)
    _check_servers(cfg)
    if getattr(args, "from_stage", None):
        _check_earlier_stages(audio, args, cfg)
    _song_outputs(audio, args, cfg, args.title).check_free()


def _song_outputs(audio: Path, args: argparse.Namespace, cfg, title: str | None = None):
    from flows.song import song_name
    from songflow.core.store import SongOutputs, check_outputs

    root = Path(args.outputs) if args.outputs else cfg.outputs
    check_outputs(root)
    return SongOutputs.for_song(root, song_name(audio, title))


def _check_earlier_stages(audio: Path, args: argparse.Namespace, cfg) -> None:
    """`--from X` reads the stages before X from outputs/<song>/: each must be there."""
    from flows.song import STAGES
    from schemas.analysis import SongAnalysis
    from schemas.clips import ClipReport
    from schemas.qa import QAReport
    from schemas.scenes import ScenePlan
    from schemas.shots import ShotList

    handoffs = {"analyze": ("analysis", SongAnalysis), "plan": ("scenes", ScenePlan), "shots": ("shots", ShotList), "qa": ("qa", QAReport),
                "motion": ("clips", ClipReport)}
    out = _song_outputs(audio, args, cfg, args.title)
    needed = {stage: out.path(key) for stage, (key, _) in handoffs.items()} | {"render": out.root / "keyframes"}
    for stage in STAGES[: STAGES.index(args.from_stage)]:
        if stage == "motion" and cfg.render.motion == "kenburns":
            continue
        if not needed[stage].exists():
            raise InputError(f"--from {args.from_stage} reads {stage} from {needed[stage]}, which does not exist: run the song from an earlier stage first")
        if stage in handoffs:  # a hand-edited file is checked now, not halfway through the run
            out.load(*handoffs[stage])


def _quiet() -> None:
    """Without -v: the progress display only; Prefect's and transformers' own output stays quiet."""
    import os

    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()


def _run(audio: Path, lyrics: Path | None, args: argparse.Namespace) -> Path:
    if not args.verbose:
        _quiet()  # before anything imports Prefect: its log level is read then
    _check_inputs(audio, lyrics, args)
    from flows import progress as hook
    from songflow.command import progress

    start_temporary_server()  # main thread: the server dies with this process, even by SIGKILL
    from flows.song import make_video

    if not args.verbose:  # Prefect's own logging is set up by now
        from songflow.command.quiet import hide_reported_failures

        hide_reported_failures()
    started = time.perf_counter()
    show = progress.for_stream(sys.stderr)
    hook.use(show)
    try:
        video = make_video(
            audio=audio,
            lyrics=lyrics,
            title=args.title,
            preset=args.preset,
            outputs=args.outputs,
            from_stage=getattr(args, "from_stage", None),
            **_model_settings(args),
        )
    finally:
        show.close()
        hook.use(hook.Progress())
    print(f"songflow: wrote {video} in {time.perf_counter() - started:.0f}s; report: {video.parent / 'report.html'}")
    _say_beat_doubts(video.parent)
    return video


def _say_beat_doubts(root: Path) -> None:
    """One line when the timing report could not confirm the beat grid's metrical level."""
    from schemas.timing import TimingReport

    try:
        timing = TimingReport.model_validate_json((root / "timing_report.json").read_text())
    except (OSError, ValueError):
        return
    if timing.beat_grid is not None and timing.beat_grid.note:
        print(f"songflow: {timing.beat_grid.note}")


def cmd_run(args: argparse.Namespace) -> None:
    _run(Path(args.song), Path(args.lyrics) if args.lyrics else None, args)


def cmd_check(args: argparse.Namespace) -> None:
    """Every check a run makes before it starts, and stage 1's measurement of the music, in seconds:
    what a run would get, without running it."""
    from songflow.listening.beats import NO_PULSE
    from songflow.listening.measure import measure_song, place_lyrics

    audio, lyrics = Path(args.song), Path(args.lyrics) if args.lyrics else None
    cfg = _check_settings(args)
    y, parsed = _check_files(audio, lyrics, cfg)
    _check_servers(cfg)
    f = measure_song(y, cfg.analyze)
    lines = place_lyrics(parsed, f)
    pulse = "no steady pulse" if f.tempo_check is not None and f.tempo_check.relation == NO_PULSE else f"{f.beat_confidence:.0%} of beats on an onset"
    out = _song_outputs(audio, args, cfg, args.title)
    out.check_free()
    print(f"songflow: ok: {audio.name}: {f.duration:.1f} s, {f.tempo:.1f} BPM ({pulse}), {len(f.sections)} sections, "
          f"{len(lines)} lyric lines{_heard(f, cfg.analyze)}; outputs go to {out.root}")


def _heard(f, cfg) -> str:
    """'; heard: metal 0.87, rock 0.70, loud 0.50; voice in 0% of it': what the tagger heard."""
    if f.taggram is None or not len(f.taggram.starts):
        return ""
    from songflow.listening.voice import voice_share

    names: dict[str, float] = {}
    for tag, score in f.taggram.top(12):  # the two taggers share some names: the stronger one
        names.setdefault(tag.split(":", 1)[1], score)
    top = ", ".join(f"{name} {score:.2f}" for name, score in list(names.items())[:4])
    return f"; heard: {top}; voice in {voice_share(f.vocals, f.duration):.0%} of it"


def find_songs(folder: Path) -> list[tuple[Path, Path | None]]:
    """Audio files in `folder`, each with the lyrics file of the same stem (.lrc, .srt, .vtt, .txt in that order)."""
    from songflow.listening.audio import AUDIO_SUFFIXES
    from songflow.listening.lyrics import LYRICS_SUFFIXES

    if not folder.is_dir():
        raise InputError(f"not a folder: {folder}")
    songs = []
    for audio in sorted(p for p in folder.iterdir() if p.suffix.lower() in AUDIO_SUFFIXES):
        lyrics = next((audio.with_suffix(s) for s in LYRICS_SUFFIXES if audio.with_suffix(s).is_file()), None)
        songs.append((audio, lyrics))
    if not songs:
        raise InputError(f"no audio files (wav, mp3, ogg, flac) in {folder}")
    return songs


def cmd_batch(args: argparse.Namespace) -> None:
    """One flow run per song, at most --parallel at a time, and a summary at the end."""
    import contextvars
    from concurrent.futures import ThreadPoolExecutor

    songs = find_songs(Path(args.folder))
    cfg = _check_settings(args)  # every input is checked before any run starts
    folders: dict[Path, Path] = {}
    for audio, lyrics in songs:
        _check_files(audio, lyrics, cfg)
        out = _song_outputs(audio, args, cfg)
        if out.root in folders:
            raise InputError(f"{folders[out.root].name} and {audio.name} would both write to {out.root}: rename one")
        folders[out.root] = audio
        out.check_free()
    _check_servers(cfg)
    start_temporary_server()  # main thread: the server dies with this process, even by SIGKILL
    from flows.song import make_video

    def one(song: tuple[Path, Path | None]) -> tuple[str, str, float]:
        audio, lyrics = song
        started = time.perf_counter()
        try:
            video = make_video(audio=audio, lyrics=lyrics, preset=args.preset, outputs=args.outputs, **_model_settings(args))
            return audio.name, f"ok  {video}", time.perf_counter() - started
        except Exception as exc:  # one failed song does not stop the batch; the summary names it
            return audio.name, f"FAILED  {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}", time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=args.parallel) as pool:
        # Each run carries this thread's context (Prefect settings such as the API URL live there).
        futures = [pool.submit(contextvars.copy_context().run, one, song) for song in songs]
        results = [f.result() for f in futures]
    print(f"songflow: batch of {len(results)} song(s), parallel {args.parallel}")
    for name, status, seconds in results:
        print(f"  {name:<32} {seconds:7.0f}s  {status}")
    failed = sum(status.startswith("FAILED") for _, status, _ in results)
    if failed:
        raise SongflowError(f"{failed} of {len(results)} song(s) failed")


def _need_server(command: str) -> None:
    """`submit` and `recover` work on the server the workers poll: without PREFECT_API_URL, Prefect
    would start a temporary server of its own, which has no deployment and no workers."""
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        raise InputError(f"songflow {command} needs the Prefect server your workers use: set PREFECT_API_URL (e.g. http://127.0.0.1:4200/api)")


def cmd_submit(args: argparse.Namespace) -> None:
    """One deployment run per song of a folder (idempotent: a song already submitted with the same
    content and settings is not started again), then one table of their progress."""
    from songflow.command import fleet

    _need_server("submit")
    songs = find_songs(Path(args.folder))
    cfg = _check_settings(args)
    for audio, lyrics in songs:  # every input is checked before anything is submitted
        _check_files(audio, lyrics, cfg)
    settings = {"preset": args.preset, "outputs": str(Path(args.outputs).resolve()) if args.outputs else None, **_model_settings(args)}
    submitted = fleet.submit(songs, args.deployment, settings)
    new = sum(s.new for s in submitted)
    print(f"songflow: {len(submitted)} song(s) for {args.deployment}: {new} new run(s), {len(submitted) - new} already submitted")
    if args.no_wait:
        runs = fleet.read_runs([s.run_id for s in submitted])
    else:
        names = {s.run_id: s.song for s in submitted}
        runs = fleet.wait(submitted, on_change=lambda run: print(f"  {names[run.id]}: {run.state.type.value.lower()}", flush=True))
    print("\n".join(fleet.table(submitted, runs)))
    failed = [r for r in runs.values() if r.state and r.state.type.value in ("FAILED", "CRASHED", "CANCELLED")]
    if failed:
        raise SongflowError(f"{len(failed)} of {len(submitted)} run(s) did not complete: " + ", ".join(r.name for r in failed))


def cmd_recover(args: argparse.Namespace) -> None:
    """Crashed (with --failed, also Failed) songflow runs back to the work pool's queue, capped;
    with --stale, silent Running runs are marked Crashed first."""
    from songflow.command import fleet

    _need_server("recover")
    done = fleet.recover(max_tries=args.max_crashes, deployment=args.deployment, stale=args.stale, failed=args.failed)
    for r in done:
        print(f"  {r.run_name:<32} {r.state} {r.times}x  {r.action}")
    print(f"songflow: {sum(r.action == 'rescheduled' for r in done)} run(s) rescheduled, {sum(r.action == 'gave up' for r in done)} left as they were")


def cmd_serve(args: argparse.Namespace) -> None:
    """Serve the flow so runs can be started from the Prefect UI or API with parameters."""
    start_temporary_server()  # main thread: the server dies with this process, even by SIGKILL
    from flows.song import make_video

    make_video.serve(name=args.name, tags=["songflow"], limit=args.limit)


def cmd_demo(args: argparse.Namespace) -> None:
    from songflow.core.config import from_env
    from songflow.core.store import check_outputs
    from songflow.listening import synth

    cfg = from_env(args.preset, outputs=args.outputs)
    check_outputs(cfg.outputs)
    wav, lrc, _ = synth.write_song(synth.DEMO, cfg.outputs / DEMO_INPUT)
    args.title = synth.DEMO.title
    _run(wav, lrc, args)


def cmd_make_song(args: argparse.Namespace) -> None:
    from songflow.listening import synth

    spec = synth.DEMO if args.demo else synth.short_spec(bpm=args.bpm)
    wav, lrc, truth = synth.write_song(spec, Path(args.folder), stem=args.stem)
    print(f"songflow: wrote {wav} ({truth.duration:.1f}s) and {lrc}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="songflow", description="Song in, music video out.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log stage progress")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--model", help="model id for every stage: gguf:embedded (default), hf:<hub id or folder>, openai:<url>#<model>, ollama:<model>")
        p.add_argument("--stage-model", action="append", metavar="STAGE=ID", help="a model for one stage (analyze, plan, shots, qa); repeatable")
        p.add_argument("--listen", choices=["auto", "always", "never"], help="stage 1 hears the song with an audio model (default auto)")
        p.add_argument("--beats", choices=["hybrid", "beatnet", "librosa", "madmom"], help="beat tracker (default hybrid; madmom needs the songflow[madmom] extra, non-commercial licence)")
        p.add_argument("--renderer", help="keyframe renderer: procedural (default, offline) or diffusers:<hub id or folder>")
        p.add_argument("--motion", help="shot motion: kenburns (default), diffusers:<hub id or folder> (image-to-video) or comfyui:<url>#<motion.json>[#<lip_sync.json>]")
        p.add_argument("--set", action="append", metavar="SECTION.KEY=VALUE", help="any config setting, e.g. render.steps=8; repeatable")
        p.add_argument("--look", choices=["auto", "always", "never"], help="stage 4 shows keyframes to a vision model (default auto)")
        p.add_argument("--thinking", action="store_true", help="let a thinking model (Gemma 4) think first; thoughts go to outputs/<song>/thinking/")
        p.add_argument("--preset", default="default", help="config preset: default or fast")
        p.add_argument("--outputs", type=Path, help="output root (default: ./outputs)")
        p.add_argument("--title", help="song title (default: from the file name)")

    run = sub.add_parser("run", help="make a video for one song")
    run.add_argument("song", help="audio file: wav, mp3, ogg or flac")
    run.add_argument("--lyrics", help="lyrics: timed .lrc, .srt or .vtt, or plain .txt (placed on the detected vocals)")
    run.add_argument(
        "--from",
        dest="from_stage",
        choices=["analyze", "plan", "shots", "render", "qa", "motion", "assemble"],
        help="recompute this stage and all after it; earlier stages are read from outputs/<song>/ (edits included)",
    )
    common(run)
    run.set_defaults(func=cmd_run)

    check = sub.add_parser("check", help="check a song and its lyrics as a run would, and measure its music, without running")
    check.add_argument("song", help="audio file: wav, mp3, ogg or flac")
    check.add_argument("--lyrics", help="lyrics: .lrc, .srt, .vtt or .txt")
    common(check)
    check.set_defaults(func=cmd_check)

    demo = sub.add_parser("demo", help="generate the demo song and make its video")
    common(demo)
    demo.set_defaults(func=cmd_demo)

    batch = sub.add_parser("batch", help="one flow run per audio file in a folder (lyrics matched by file stem)")
    batch.add_argument("folder")
    batch.add_argument("--parallel", type=int, default=2, help="songs at a time")
    common(batch)
    batch.set_defaults(func=cmd_batch)

    submit = sub.add_parser("submit", help="one deployment run per song in a folder (workers take them); submitting again starts nothing new")
    submit.add_argument("folder")
    submit.add_argument("--deployment", default=DEFAULT_DEPLOYMENT, help=f"FLOW/DEPLOYMENT (default {DEFAULT_DEPLOYMENT}, from prefect.yaml)")
    submit.add_argument("--no-wait", action="store_true", help="submit and print the table once, without waiting")
    common(submit)
    submit.set_defaults(func=cmd_submit)

    recover = sub.add_parser("recover", help="put crashed songflow runs back in the work pool's queue (they reuse finished stages)")
    recover.add_argument("--max-crashes", type=int, default=2, help="leave a run as it is after this many crashes (or failures)")
    recover.add_argument("--failed", action="store_true", help="also put Failed runs back (e.g. a stage failed on one host's GPU)")
    recover.add_argument("--stale", type=float, help="first mark Running runs with no heartbeat for this many seconds Crashed")
    recover.add_argument("--deployment", help="only runs of this deployment")
    recover.set_defaults(func=cmd_recover)

    serve = sub.add_parser("serve", help="serve the flow: start runs from the Prefect UI with parameters")
    serve.add_argument("--name", default="songflow", help="deployment name")
    serve.add_argument("--limit", type=int, default=1, help="flow runs at a time")
    serve.set_defaults(func=cmd_serve)

    song = sub.add_parser("make-song", help="write a synthesized song (.wav + .lrc)")
    song.add_argument("folder")
    song.add_argument("--demo", action="store_true", help="the full demo song instead of a short one")
    song.add_argument("--bpm", type=float, default=120.0)
    song.add_argument("--stem", help="file name without extension")
    song.set_defaults(func=cmd_make_song)
    return parser


def main(argv: list[str] | None = None) -> int:
    from songflow.core.config import prefect_defaults

    prefect_defaults()  # before any Prefect setting is read
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if not args.verbose:  # a run failing with a songflow error: its one line, not Prefect's records too
        from songflow.command.quiet import hide_reported_failures

        hide_reported_failures()
    try:
        args.func(args)
    except InputError as exc:
        print(f"songflow: error: {exc}", file=sys.stderr)
        return 2
    except ModelOutputError as exc:
        print(f"songflow: error: {exc}", file=sys.stderr)
        return 1
    except SongflowError as exc:
        print(f"songflow: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
