"""True beat grids for real recordings: Frets on Fire song packages from Debian.

`fretsonfire-songs-sectoid` (MIT-style licence) and `fretsonfire-songs-muldjord` (CC BY-SA 3.0)
carry each song as stems (`song.ogg`, `guitar.ogg`, ...) plus `notes.mid`, a note chart whose tempo
map was written by the song's author to play along with the recording. The tempo map gives the true
beat times; one constant offset aligns the chart to the audio (charts are shifted for the game's
latency): the offset at which the guitar stem's onsets best meet the chart's guitar notes, searched
within ±300 ms. The mix of the stems is what a user would bring.

    python -m tests.charts excerpt "Chaos God" 60 30 tests/data/real   # writes an excerpt + its truth
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SONGS_ROOT = Path("/usr/share/games/fretsonfire/data/songs")
PACKAGES = "fretsonfire-songs-sectoid fretsonfire-songs-muldjord"
SR = 22050


@dataclass(frozen=True)
class ChartSong:
    name: str
    folder: Path
    tempo: float  # the chart's tempo (BPM; the first when it changes)
    beats: np.ndarray  # true beat times in the audio (s)
    downbeats: np.ndarray
    offset: float  # audio time minus chart time (s)


def find_songs(root: Path = SONGS_ROOT) -> list[Path]:
    return sorted(p.parent for p in root.glob("*/*/notes.mid"))


def song_name(folder: Path) -> str:
    for line in (folder / "song.ini").read_text(errors="replace").splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "name":
            return value.strip()
    return folder.name


def chart_times(mid_path: Path) -> tuple[np.ndarray, np.ndarray, float, list[int]]:
    """(beat times, guitar note-on times, first tempo in BPM, beats per bar per bar) from a MIDI chart."""
    import mido

    mid = mido.MidiFile(str(mid_path))
    tpb = mid.ticks_per_beat
    tempo_map = [(0, 500000)]  # (tick, microseconds per beat)
    meters = [(0, 4)]
    notes_ticks = []
    last_tick = 0
    for track in mid.tracks:
        tick = 0
        for msg in track:
            tick += msg.time
            if msg.type == "set_tempo":
                tempo_map.append((tick, msg.tempo))
            elif msg.type == "time_signature":
                meters.append((tick, msg.numerator))
            elif msg.type == "note_on" and msg.velocity > 0:  # a chart holds only the guitar part
                notes_ticks.append(tick)
        last_tick = max(last_tick, tick)
    tempo_map = sorted(dict(tempo_map).items())

    def seconds(t: float) -> float:
        s, prev_tick, prev_tempo = 0.0, 0, tempo_map[0][1]
        for k, tempo in tempo_map:
            if k >= t:
                break
            s += (k - prev_tick) * prev_tempo / tpb / 1e6
            prev_tick, prev_tempo = k, tempo
        return s + (t - prev_tick) * prev_tempo / tpb / 1e6

    beat_ticks = np.arange(0, last_tick + 1, tpb)
    beats = np.array([seconds(t) for t in beat_ticks])
    notes = np.array(sorted({seconds(t) for t in notes_ticks}))
    first = tempo_map[1][1] if len(tempo_map) > 1 and tempo_map[1][0] == 0 else tempo_map[0][1]
    per_bar = dict(sorted(meters))
    return beats, notes, 60e6 / first, [per_bar[k] for k in sorted(per_bar)]


def _ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def mix(folder: Path, out: Path, *, start: float = 0.0, length: float | None = None) -> Path:
    """The stems mixed to one mono WAV (what a listener hears), optionally an excerpt."""
    stems = sorted(folder.glob("*.ogg"))
    cmd = [_ffmpeg(), "-loglevel", "error", "-y"]
    for stem in stems:
        cmd += ["-i", str(stem)]
    cut = ["-ss", f"{start:.3f}"] + (["-t", f"{length:.3f}"] if length else [])
    cmd += ["-filter_complex", f"amix=inputs={len(stems)}:normalize=0:duration=longest", "-ac", "1", "-ar", str(SR), *cut, str(out)]
    subprocess.run(cmd, check=True)
    return out


def align(folder: Path, notes: np.ndarray, reach: float = 0.3) -> float:
    """The offset (s) that best lines the chart's guitar notes up with the guitar stem's onsets."""
    import librosa

    guitar = folder / "guitar.ogg"
    y, _ = librosa.load(str(guitar), sr=SR)
    hop = 64
    env = librosa.onset.onset_strength(y=y, sr=SR, hop_length=hop)
    offsets = np.arange(-reach, reach + 1e-9, 0.002)
    notes = notes[notes < len(y) / SR - reach - 0.1]

    def fit(o: float) -> float:
        frames = np.clip(np.rint((notes + o) * SR / hop).astype(int), 0, len(env) - 1)
        return float(env[frames].mean())

    return float(max(offsets, key=fit))


def load_chart_song(folder: Path) -> ChartSong:
    beats, notes, tempo, meters = chart_times(folder / "notes.mid")
    offset = align(folder, notes)
    beats = beats + offset
    per_bar = meters[0] if len(set(meters)) == 1 else 4
    downbeats = beats[::per_bar]
    return ChartSong(song_name(folder), folder, round(tempo, 3), beats[beats >= 0], downbeats[downbeats >= 0], round(offset, 3))


def write_excerpt(name: str, start: float, length: float, dest: Path) -> tuple[Path, Path]:
    """`<slug>.ogg` (the mix from `start`, `length` s) and `<slug>.json` (its true beats) in `dest`."""
    folder = next(f for f in find_songs() if song_name(f).lower() == name.lower())
    song = load_chart_song(folder)
    slug = name.lower().replace(" ", "_")
    dest.mkdir(parents=True, exist_ok=True)
    wav = mix(folder, dest / f"{slug}.wav", start=start, length=length)
    ogg = dest / f"{slug}.ogg"
    subprocess.run([_ffmpeg(), "-loglevel", "error", "-y", "-i", str(wav), "-c:a", "libvorbis", "-q:a", "3", str(ogg)], check=True)
    wav.unlink()
    inside = lambda t: t[(t >= start) & (t < start + length)] - start  # noqa: E731
    truth = {
        "song": song.name,
        "source": f"{folder} (Debian {PACKAGES.split()[0] if 'sectoid' in str(folder) else PACKAGES.split()[1]})",
        "excerpt": [start, start + length],
        "tempo": song.tempo,
        "offset": song.offset,
        "beats": [round(float(t), 4) for t in inside(song.beats)],
        "downbeats": [round(float(t), 4) for t in inside(song.downbeats)],
    }
    out = dest / f"{slug}.json"
    out.write_text(json.dumps(truth, indent=1) + "\n")
    return ogg, out


if __name__ == "__main__":
    if sys.argv[1:2] == ["excerpt"]:
        _, _, name, start, length, dest = sys.argv
        print(*write_excerpt(name, float(start), float(length), Path(dest)))
    else:
        for f in find_songs():
            s = load_chart_song(f)
            print(f"{s.name:24s} {s.tempo:6.1f} BPM  offset {s.offset * 1000:+.0f} ms  {len(s.beats)} beats")
