"""An album through a PostgreSQL-backed fleet of two workers while its servers fail, against the
same album with no faults, in the same run.

    .venv/bin/python bench/soak.py [--songs 12] [--faults 6] [--seed 0] [--gap 20,110] [--keep DIR] [--only faults|baseline]

Both runs get fresh servers: PostgreSQL 15, a Prefect server on it, one llama.cpp server (PyPI
xllamacpp) serving every stage (`--model openai:...`), two workers as separate hosts
(tests/soak.py). The faulted run injects `--faults` faults from a seeded schedule, as many of each
kind (a worker SIGKILLed and started again, the Prefect server restarted, the model server
SIGKILLed and started again). Each song's folder is then checked from its files alone (the JSON
validates and is this song's, the video decodes to the song's length, the cuts a viewer sees are
the shot list's, no stray or foreign file), no song may have completed twice, and nothing (process,
port, temp entry) may outlive the run. Prints a table and the wall-time ratio to the baseline;
exits 1 if a check failed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--songs", type=int, default=12)
    parser.add_argument("--faults", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--gap", default="20,110", help="seconds between one fault being over and the next, drawn uniformly from MIN,MAX")
    parser.add_argument("--only", choices=["faults", "baseline"], help="one of the two runs")
    parser.add_argument("--keep", type=Path, help="keep both runs' servers' logs and outputs in this folder")
    args = parser.parse_args()

    from backends.gguf import converted_folder, resolve_gguf
    from songflow.core.config import cache_dir
    from tests.soak import soak

    converted_folder(*resolve_gguf("embedded", cache_dir()), cache_dir())  # the GGUF is found once, outside the clock
    root = args.keep or Path(tempfile.mkdtemp(prefix="songflow-bench-soak-"))
    results = {}
    start = time.strftime("%H:%M:%S")
    for name, faults in (("baseline", 0), ("faults", args.faults)):
        if args.only and name != args.only:
            continue
        print(f"== {name}: {args.songs} songs, {faults} faults (seed {args.seed})", flush=True)
        low, high = (float(x) for x in args.gap.split(","))
        results[name] = soak(root / name, songs=args.songs, faults=faults, seed=args.seed, gap=(low, high),
                             say=lambda line: print("  " + line, flush=True))
    print(f"\nstarted {start}; {args.songs} songs, PostgreSQL, 2 workers, --model openai: (llama.cpp), seed {args.seed}\n")
    print("| run | completed | faults injected | runs rescheduled | task retries | worker exits | wall s | ratio to baseline |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    base = results.get("baseline")
    for name, r in results.items():
        kinds = ", ".join(f"{sum(f.kind == k for f in r.faults)} {k}" for k in ("worker", "prefect", "model")) if r.faults else "0"
        ratio = f"{r.wall / base.wall:.2f}" if base else "-"
        print(f"| {name} | {len(r.completed)}/{len(r.songs)} | {len(r.faults)} ({kinds}) | {r.rescheduled} | {r.task_retries} | "
              f"{sum(r.worker_restarts.values())} | {r.wall:.0f} | {ratio} |")
    failed = False
    for name, r in results.items():
        for f in r.faults:
            print(f"  {name}: {f.at:6.1f}s {f.kind:<8} {f.target}  back after {f.down:.1f}s")
        for line in r.problems + r.leftovers:
            print(f"  {name}: PROBLEM {line}")
        failed |= not r.passed
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    print("\nevery check passed" if not failed else "\nSOME CHECKS FAILED")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
