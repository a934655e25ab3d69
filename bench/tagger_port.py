"""The torch port of musicnn against musicnn's own TensorFlow graph, on real and generated clips.

    .venv/bin/python bench/tagger_port.py --reference-python /tmp/tfref/bin/python

The reference runs in a throwaway venv outside the project, made once with
`python3 -m venv /tmp/tfref && /tmp/tfref/bin/pip install 'tensorflow-cpu==2.15.*' librosa`
(TensorFlow 2.15 still has Keras 2 and `tf.compat.v1.layers`, which musicnn's models.py uses).
A copy of the musicnn package (its code and checkpoints, from the wheel the project installs with
--no-deps) is put on that venv's path and its own code builds the graph and restores each
checkpoint with tf.train.Saver, as its extractor does.

Two comparisons per clip and model:
- same input: the port's mel windows (songflow.listening.tagger.mel_windows) fed to both networks:
  the network port alone; the tolerance is max |delta| <= 1e-4 on the taggram;
- end to end: musicnn's own `extractor()` on the file (its librosa.load at 16 kHz, its float16
  mel, numpy 1) against the port's front end and network on the same file.
Then the port's cost on a 3-minute generated song: seconds per second of audio after a warm-up
call, the first use's conversion time (empty cache), and the process's peak memory growth.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REFERENCE = r'''
import json, sys
import numpy as np
sys.path.insert(0, sys.argv[1])  # the copied musicnn package's parent
import tensorflow as tf
tf.compat.v1.disable_eager_execution()
from musicnn import models, configuration as config
from musicnn.extractor import extractor
jobs = json.loads(open(sys.argv[2]).read())
out = {}
for job in jobs:
    model = job["model"]
    labels = config.MTT_LABELS if "MTT" in model else config.MSD_LABELS
    tf.compat.v1.reset_default_graph()
    with tf.name_scope("model"):
        x = tf.compat.v1.placeholder(tf.float32, [None, 187, config.N_MELS])
        is_training = tf.compat.v1.placeholder(tf.bool)
        y = models.define_model(x, is_training, model, len(labels))[0]
        normalized_y = tf.nn.sigmoid(y)
    sess = tf.compat.v1.Session()
    sess.run(tf.compat.v1.global_variables_initializer())
    tf.compat.v1.train.Saver().restore(sess, sys.argv[1] + "/musicnn/" + model + "/")
    windows = np.load(job["windows"])
    same = np.concatenate([sess.run(normalized_y, feed_dict={x: windows[i:i + 1], is_training: False}) for i in range(len(windows))])
    np.save(job["same_out"], same)
    sess.close()
    taggram, _ = extractor(job["audio"], model=model, extract_features=False)
    np.save(job["e2e_out"], np.asarray(taggram, dtype=np.float32))
    out[job["name"] + "/" + model] = "ok"
print(json.dumps(out))
'''


def clips(work: Path) -> list[tuple[str, Path]]:
    """Two real excerpts and two generated songs, as 16 kHz wav files both sides read."""
    import soundfile as sf

    from songflow.listening import synth
    from songflow.listening.audio import load_audio

    out = []
    for name in ("chaos_god", "feelings"):
        out.append((f"{name}.ogg (real)", ROOT / "tests/data/real" / f"{name}.ogg"))
    wav, _, _ = synth.write_song(synth.DEMO, work / "demo")
    out.append(("neon-tide (generated)", wav))
    wav, _, _ = synth.write_song(synth.desert_spec(), work / "desert")
    out.append(("desert-line (generated)", wav))
    converted = []
    for name, path in out:
        y = load_audio(Path(path), 16000)
        target = work / (Path(path).stem + "-16k.wav")
        sf.write(target, y, 16000, subtype="FLOAT")
        converted.append((name, target))
    return converted


def compare(reference_python: str, work: Path) -> list[dict]:
    import librosa

    from songflow.listening import tagger

    package = work / "pkg"
    shutil.copytree(tagger.weights_folder(), package / "musicnn")
    jobs, rows = [], []
    for name, audio in clips(work):
        y, _ = librosa.load(audio, sr=tagger.SR)
        windows = tagger.mel_windows(y, tagger.SR)
        wfile = work / f"{audio.stem}.windows.npy"
        np.save(wfile, windows)
        for model in tagger.MODELS:
            jobs.append({
                "name": name, "model": model, "audio": str(audio), "windows": str(wfile),
                "same_out": str(work / f"{audio.stem}.{model}.same.npy"), "e2e_out": str(work / f"{audio.stem}.{model}.e2e.npy"),
            })
            rows.append({"clip": name, "model": model, "windows": windows, "y": y})
    (work / "jobs.json").write_text(json.dumps(jobs))
    run = subprocess.run([reference_python, "-c", REFERENCE, str(package), str(work / "jobs.json")], capture_output=True, text=True)
    if run.returncode:
        sys.exit(f"reference failed:\n{run.stderr[-3000:]}")
    results = []
    for job, row in zip(jobs, rows):
        model = job["model"]
        ref_same = np.load(job["same_out"])
        ref_e2e = np.load(job["e2e_out"])
        port_same = tagger.run(row["windows"], model)
        port_e2e = tagger.run(tagger.mel_windows(row["y"], tagger.SR), model)
        n = min(len(ref_e2e), len(port_e2e))
        tags = tagger.MODELS[model]
        results.append({
            "clip": row["clip"], "model": model, "windows": len(port_same),
            "same": float(np.abs(ref_same - port_same).max()),
            "e2e": float(np.nanmax(np.abs(ref_e2e[:n] - port_e2e[:n]))) if n else float("nan"),
            "e2e_nan": int(np.isnan(ref_e2e).any(axis=1).sum()), "e2e_windows": (len(ref_e2e), len(port_e2e)),
            "top_port": [tags[i] for i in np.argsort(-port_same.mean(axis=0))[:5]],
            "top_ref": [tags[i] for i in np.argsort(-ref_same.mean(axis=0))[:5]],
        })
    return results


def cost(work: Path) -> dict:
    """Seconds per second of audio, conversion time and peak memory growth of the port."""
    from songflow.listening import synth, tagger
    from songflow.listening.audio import load_audio

    wav, _, _ = synth.write_song(synth.long_spec(), work / "long")
    y = load_audio(wav, 22050)
    seconds = len(y) / 22050
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    for model in tagger.MODELS:
        tagger.converted_weights(model, cache=work / "cache")
    conversion = time.perf_counter() - started
    tagger.tag(y[: 22050 * 10], 22050)  # loads both networks (from the user cache)
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        tagger.tag(y, 22050)
        runs.append(time.perf_counter() - started)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"song_s": seconds, "runs_s": runs, "share": min(runs) / seconds, "conversion_s": conversion, "peak_growth_mib": (peak - before) / 1024}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reference-python", required=True, help="python of a venv with tensorflow-cpu 2.15 and librosa")
    args = parser.parse_args()
    import torch

    print(f"torch threads: {torch.get_num_threads()}")
    with tempfile.TemporaryDirectory(prefix="tagger-port-") as tmp:
        work = Path(tmp)
        print(f"{'clip':26} {'model':12} {'windows':>7} {'same input max|d|':>18} {'end to end max|d|':>18}  top 5 (port; reference)")
        for r in compare(args.reference_python, work):
            same_top = "same" if r["top_port"] == r["top_ref"] else f"ref: {', '.join(r['top_ref'])}"
            print(f"{r['clip']:26} {r['model']:12} {r['windows']:>7} {r['same']:>18.2e} {r['e2e']:>18.2e}  {', '.join(r['top_port'])} ({same_top})"
                  + (f"  [reference NaN in {r['e2e_nan']} windows]" if r["e2e_nan"] else ""))
        c = cost(work)
        print(f"cost on a {c['song_s']:.0f} s generated song, both models: {min(c['runs_s']):.2f} s "
              f"({c['share']:.1%} of its length; runs {', '.join(f'{s:.2f}' for s in c['runs_s'])} s); "
              f"first use converts both checkpoints in {c['conversion_s']:.1f} s; peak memory +{c['peak_growth_mib']:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
