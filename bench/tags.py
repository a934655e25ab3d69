"""What the music tagger hears on real recordings: genre and mood options, voice, and the words
stage 1 chooses with and without it; the thresholds fitted on one set and scored on another.

    .venv/bin/python bench/tags.py [--skip-words]

Recordings (installed from Debian: `apt-get install fretsonfire-songs-sectoid
fretsonfire-songs-muldjord wesnoth-1.16-music espeak-ng`), 60 s excerpts from 30 s in:
- the 8 Frets on Fire songs (rock and metal instrumentals: stems mixed as heard), and each one's
  guitar stem alone (no voice);
- the 41 tracks of Wesnoth's soundtrack (orchestral film-style score);
- generated songs (songflow.listening.synth: drum-driven synth songs);
- speech from espeak-ng over a generated backing (a voice where the speech sounds).
Genre truth is the family the source names: rock/metal (Muldjord is a metal band; Sectoid's
songs are guitar instrumentals), orchestral (Wesnoth's score), electronic (the synth songs).

Split: the tuning set is Sectoid's 4 songs and guitars, the even-numbered Wesnoth tracks, the
demo song and the first speech clip; the scoring set is Muldjord's 4 songs and guitars, the
odd-numbered Wesnoth tracks, two other generated songs and the second speech clip.
- genre options: an option is offered when its best tag reaches tag_threshold and tag_share of the
  best option's; the pair is the most precise one (share of offered options in the true family)
  that still offers a true-family genre for every tuning recording; then scored on the other set;
- voice threshold: the one that best separates voiced windows in the tuning set (speech windows
  called voice, instrumental windows not), scored on the other set.
Then, unless --skip-words, stage 1 runs with the embedded model on a subset with the tagger off
(before) and on (after), and prints the genre, mood and section notes it chose.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
warnings.filterwarnings("ignore", category=UserWarning)

SR = 22050
FOF = Path("/usr/share/games/fretsonfire/data/songs")
WESNOTH = Path("/usr/share/games/wesnoth/1.16/data/core/music")
START, LENGTH = 30.0, 60.0
FAMILIES = {
    "rock": ("heavy metal", "hard rock", "indie rock", "punk rock", "progressive rock"),
    "orchestral": ("orchestral score", "cinematic score", "classical music", "choral music"),
    "electronic": ("bright synth-pop", "electronic dance", "dark techno", "trance anthem", "house music", "dream pop"),
}
SPEECH = [
    "The harbour lights are calling me home tonight, I ride the neon tide across the water, and the city sings along "
    "with every wave that breaks upon the shore.",
    "Hold the city burning bright, hold me till the morning light, we are running through the rain and never looking back "
    "again, across the desert line where the long road bends.",
]


@dataclass
class Recording:
    name: str
    path: Path
    split: str  # "tune" or "score"
    family: str | None  # genre truth
    voiced: np.ndarray | None = None  # truth per 50 ms frame: a voice sounds here; None: instrumental
    words: bool = False  # run stage 1 on it for the before/after words


def _excerpt(src: Path | list[Path], dest: Path) -> Path:
    from songflow.listening.audio import load_audio

    import soundfile as sf

    parts = [load_audio(p, SR) for p in ([src] if isinstance(src, Path) else src)]
    n = min(len(p) for p in parts)
    y = sum(p[:n] for p in parts) / len(parts)
    y = y[int(START * SR) : int((START + LENGTH) * SR)] if len(y) > (START + 20) * SR else y[: int(LENGTH * SR)]
    sf.write(dest, y, SR)
    return dest


def _speech(text: str, backing: Path, dest: Path) -> tuple[Path, np.ndarray]:
    """espeak-ng's speech from 4 s into a generated backing at -6 dB; truth: where the speech sounds."""
    import librosa
    import soundfile as sf

    from songflow.listening.audio import load_audio

    raw = dest.with_suffix(".speech.wav")
    subprocess.run(["espeak-ng", "-v", "en+f3", "-s", "130", "-p", "55", text, "-w", str(raw)], check=True)
    speech = load_audio(raw, SR)
    y = 0.5 * load_audio(backing, SR)
    at = 4 * SR
    y[at : at + len(speech)] += speech[: len(y) - at]
    sf.write(dest, y, SR)
    rms = librosa.feature.rms(y=speech, frame_length=1024, hop_length=256)[0]
    t = librosa.frames_to_time(np.arange(len(rms)), sr=SR, hop_length=256) + 4.0
    grid = np.arange(0, len(y) / SR, 0.05)
    voiced = np.interp(grid, t, (rms > 0.1 * rms.max()).astype(float), left=0, right=0) > 0.5
    return dest, voiced


def recordings(work: Path) -> list[Recording]:
    from songflow.listening import synth

    out = []
    for folder in sorted(FOF.glob("*/*/")):
        if not (folder / "song.ogg").is_file():
            continue
        split = "tune" if folder.parent.name == "sectoid" else "score"
        name = folder.name.replace("_", " ").lower()
        out.append(Recording(f"{name} (mix)", _excerpt([folder / "song.ogg", folder / "guitar.ogg"], work / f"{folder.name}.wav"),
                             split, "rock", words=True))
        out.append(Recording(f"{name} (guitar stem)", _excerpt(folder / "guitar.ogg", work / f"{folder.name}-guitar.wav"), split, None))
    from songflow.core.errors import InputError

    for i, track in enumerate(sorted(WESNOTH.glob("*.ogg"))):
        try:
            path = _excerpt(track, work / f"wesnoth-{track.stem}.wav")
        except InputError:  # silence.ogg is silence
            continue
        out.append(Recording(f"wesnoth {track.stem}", path, "tune" if i % 2 == 0 else "score",
                             "orchestral", words=i % 10 == 0))
    songs = [("tune", synth.DEMO), ("score", synth.desert_spec()), ("score", synth.structured_spec(128.0))]
    backings = []
    for split, spec in songs:
        wav, _, _ = synth.write_song(spec, work / spec.title.replace(" ", "-"))
        backings.append(wav)
        out.append(Recording(spec.title, wav, split, "electronic", words=True))
    for i, (text, backing) in enumerate(zip(SPEECH, backings)):
        path, voiced = _speech(text, backing, work / f"speech-{i}.wav")
        out.append(Recording(f"speech over {Path(backing).stem}", path, "tune" if i == 0 else "score", None, voiced=voiced))
    return out


CACHE = Path.home() / ".cache" / "songflow" / "bench-tags"


def measure(rec: Recording, detector_cfg):
    """The recording's audio, the detector's features and the taggram (cached by the audio's hash:
    the first run measures, later runs of the bench reuse)."""
    import hashlib
    import pickle

    from songflow.listening import tagger
    from songflow.listening.audio import load_audio
    from songflow.listening.measure import measure_song

    y = load_audio(rec.path, SR)
    cached = CACHE / f"{hashlib.sha256(y.tobytes()).hexdigest()[:16]}.pkl"
    if cached.is_file():
        return y, *pickle.loads(cached.read_bytes())
    plain = measure_song(y, detector_cfg)
    started = time.perf_counter()
    taggram = tagger.tag(y, SR)
    seconds = time.perf_counter() - started
    CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(pickle.dumps((plain, taggram, seconds)))
    return y, plain, taggram, seconds


def share(regions, duration: float, mask: np.ndarray | None = None) -> float:
    grid = np.arange(0, duration, 0.05)
    inside = np.zeros(len(grid), bool)
    for a, b in regions:
        inside |= (grid >= a) & (grid < b)
    if mask is not None:
        n = min(len(mask), len(inside))
        return float(inside[:n][mask[:n]].mean()) if mask[:n].any() else 0.0
    return float(inside.mean())


def offered_genres(means: dict[str, float], threshold: float, share: float):
    from stages.analyze import supported
    from songflow.words.vocab import GENRE_TAGS

    return supported(GENRE_TAGS, means, threshold, share)


def genre_scores(recs, tags, threshold: float, share: float) -> tuple[float, float, int]:
    """(recall, precision, whole-list count) of the genre options offered at `threshold`, `share`."""
    hits, precision, whole = 0, [], 0
    for rec in recs:
        options = offered_genres(tags[rec.name].mean(), threshold, share)
        family = FAMILIES[rec.family]
        true = [o for o in options.offered if o in family]
        whole += not options.from_tags
        hits += bool(true) and options.from_tags
        precision.append(len(true) / len(options.offered))
    return hits / len(recs), float(np.mean(precision)), whole


def voice_error(recs, tags, threshold: float) -> tuple[float, float]:
    """(mean share of instrumental windows called voice, mean share of speech windows not called voice)."""
    from songflow.listening.voice import voiced_windows

    wrong_on, wrong_off = [], []
    for rec in recs:
        g = tags[rec.name]
        v = voiced_windows(g, threshold)
        if rec.voiced is None:
            wrong_on.append(v.mean())
        else:  # windows mostly inside the speech are truth-voiced
            centre = ((g.starts + g.window / 2) / 0.05).astype(int)
            truth = rec.voiced[np.minimum(centre, len(rec.voiced) - 1)]
            wrong_off.append(1 - v[truth].mean())
    return float(np.mean(wrong_on)), float(np.mean(wrong_off))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-words", action="store_true", help="only the tags, thresholds and voice (no stage 1 runs)")
    args = parser.parse_args()
    from songflow.core.config import AnalyzeConfig
    from songflow.listening.voice import confirm_voice

    with tempfile.TemporaryDirectory(prefix="bench-tags-") as tmp:
        work = Path(tmp)
        recs = recordings(work)
        detector = AnalyzeConfig(tagger=None)
        tags, plain, audio_s, tag_s = {}, {}, 0.0, 0.0
        for rec in recs:
            y, features, taggram, seconds = measure(rec, detector)
            tags[rec.name], plain[rec.name] = taggram, features
            audio_s += len(y) / SR
            tag_s += seconds
        print(f"{len(recs)} recordings, {audio_s / 60:.1f} min of audio; tagger (both models) {tag_s:.1f} s = {tag_s / audio_s:.1%} of the audio's length")

        tune = [r for r in recs if r.split == "tune" and r.family]
        score = [r for r in recs if r.split == "score" and r.family]
        grid = [(t, r) for t in np.round(np.arange(0.05, 0.60, 0.01), 2) for r in np.round(np.arange(0.0, 1.0, 0.05), 2)]
        fits = {(t, r): genre_scores(tune, tags, t, r) for t, r in grid}
        ok = [k for k, (recall, _, _) in fits.items() if recall == 1.0]
        threshold, ratio = max(ok, key=lambda k: (fits[k][1], k[0], -k[1])) if ok else (0.3, 0.0)
        print(f"\ngenre options: fitted on {len(tune)} tuning recordings: tag_threshold {threshold:.2f}, tag_share {ratio:.2f} "
              f"(the most precise pair that offers a true-family genre for every tuning recording)")
        print(f"{'threshold':>9} {'share':>6} {'set':6} {'recall':>7} {'precision':>9} {'whole list':>10}")
        for t, r in sorted({(0.1, 0.0), (0.2, 0.0), (0.3, 0.0), (threshold, 0.0), (threshold, ratio)}):
            for name, subset in (("tune", tune), ("score", score)):
                rc, p, w = genre_scores(subset, tags, t, r)
                print(f"{t:>9.2f} {r:>6.2f} {name:6} {rc:>7.0%} {p:>9.0%} {w:>10}")

        vtune = [r for r in recs if r.split == "tune" and r.family is None]
        vscore = [r for r in recs if r.split == "score" and r.family is None]
        vgrid = np.round(np.arange(0.0, 0.30, 0.01), 2)
        vthreshold = float(min(vgrid, key=lambda t: sum(voice_error(vtune, tags, t))))
        print(f"\nvoice threshold: fitted on {len(vtune)} tuning recordings = {vthreshold:.2f}")
        for name, subset in (("tune", vtune), ("score", vscore)):
            on, off = voice_error(subset, tags, vthreshold)
            print(f"  {name:6} instrumental windows called voice {on:.0%}; speech windows missed {off:.0%}")

        print(f"\n{'recording':40} {'set':6} {'top tags (song mean)':62} {'genres offered':45} voice before -> after")
        for rec in recs:
            g = tags[rec.name]
            f = plain[rec.name]
            after = confirm_voice(f.vocals, g, vthreshold, f.duration)
            top = ", ".join(f"{t.split(':')[1]} {s:.2f}" for t, s in g.top(4))
            options = offered_genres(g.mean(), threshold, ratio)
            genres = ", ".join(options.offered) if options.from_tags else "(whole list)"
            if rec.voiced is not None:
                v = f"{share(f.vocals, f.duration, rec.voiced):.0%} -> {share(after, f.duration, rec.voiced):.0%} of the speech"
            else:
                v = f"{share(f.vocals, f.duration):.0%} -> {share(after, f.duration):.0%}"
            print(f"{rec.name[:40]:40} {rec.split:6} {top[:62]:62} {genres[:45]:45} {v}")

        if not args.skip_words:
            words(recs, threshold, ratio, vthreshold)
    return 0


def words(recs, threshold: float, ratio: float, vthreshold: float) -> None:
    import backends
    from songflow.core.config import from_env
    from stages.analyze import analyze_song

    print("\nstage 1's words, tagger off (before) and on (after), embedded model:")
    model = backends.load_model(from_env("fast").model_for("analyze"))  # once: both settings use the same model
    for rec in [r for r in recs if r.words]:
        row = []
        for tagger in ("none", "musicnn"):
            cfg = from_env("fast", settings={"analyze.tagger": tagger, "analyze.tag_threshold": str(threshold), "analyze.tag_share": str(ratio),
                                             "analyze.voice_threshold": str(vthreshold)})
            a = analyze_song(rec.path, None, model, cfg.analyze, cfg.model_for("analyze"), title=rec.name.split(" (")[0])
            i = a.interpretation
            loud_calm = sum(1 for s, n in zip(a.sections, i.sections) if s.energy >= 0.7 and "calm" in n.description.lower())
            row.append(f"{i.genre} / {i.mood} / calm at >=0.7: {loud_calm} / '{i.sections[0].description}'")
        print(f"  {rec.name}:\n    before: {row[0]}\n    after:  {row[1]}")


if __name__ == "__main__":
    sys.exit(main())
