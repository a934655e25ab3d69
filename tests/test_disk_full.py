"""A full disk mid-run: one line naming the folder, and nothing half-written.

The outputs folder is a real tmpfs of a few hundred KiB more than a finished song's outputs (mounted
here; the test is skipped where mounting is not permitted), holding that song's earlier results.
`songflow run --from assemble` runs out of room while ffmpeg writes the new video, `--from render`
while a keyframe PNG is written: either way the command exits 1 with
`songflow: error: no space left on device in <folder> (writing <file>): ...` as its only error line,
every earlier output is byte for byte as it was, and no temp file is left. The same run under a
file size limit (RLIMIT_FSIZE, which a tmpfs cannot show) says "file too large" the same way.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHORT_TITLE

REPO = Path(__file__).resolve().parents[1]
# The songflow command as a user runs it (quiet: no -v), with Prefect's console records of a failure
# the command reports itself hidden (songflow/command/quiet.py), as `songflow.command.cli.main` is to do.
CLI = (
    "import logging, sys\n"
    "logging.basicConfig(level=logging.WARNING, format='%(levelname)s %(name)s: %(message)s')\n"
    "from songflow.command.quiet import hide_reported_failures\n"
    "hide_reported_failures()\n"
    "from songflow.command.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


@pytest.fixture
def small_disk(tmp_path):
    """mount(size_kib) -> a fresh tmpfs folder of that size; unmounted after the test."""
    mounted = []

    def mount(size_kib: int) -> Path:
        folder = tmp_path / f"disk{len(mounted)}"
        folder.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k,mode=0755", "tmpfs", str(folder)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode}): needs root or CAP_SYS_ADMIN")
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], check=True)


def used_kib(folder: Path) -> int:
    st = os.statvfs(folder)
    return (st.f_blocks - st.f_bfree) * st.f_frsize // 1024


def earlier_results(e2e: dict, small_disk, margin_kib: int) -> Path:
    """A tmpfs holding the finished short song's outputs and `margin_kib` free; its outputs root."""
    disk = small_disk(64 * 1024)
    shutil.copytree(e2e["out"].root, disk / e2e["out"].root.name)
    size = used_kib(disk) + margin_kib
    subprocess.run(["mount", "-o", f"remount,size={size}k", str(disk)], check=True, capture_output=True)
    free = shutil.disk_usage(disk).free // 1024
    assert free <= margin_kib + 8, f"{free} KiB free, meant {margin_kib}"
    return disk


def contents(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".lock"}


def run_cli(e2e: dict, prefect_api: dict, outputs: Path, tmp_path: Path, from_stage: str, preexec_fn=None) -> subprocess.CompletedProcess:
    wav = e2e["wav"]
    env = {**os.environ, "PREFECT_API_URL": prefect_api["url"], "PREFECT_LOCAL_STORAGE_PATH": str(tmp_path / "storage")}
    cmd = [sys.executable, "-c", CLI, "run", str(wav), "--lyrics", str(wav.with_suffix(".lrc")), "--title", SHORT_TITLE,
           "--preset", "fast", "--outputs", str(outputs), "--from", from_stage]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, preexec_fn=preexec_fn)


def assert_one_line(proc: subprocess.CompletedProcess, start: str) -> None:
    """The command failed with one error line, the last, matching the pattern `start`."""
    lines = proc.stderr.strip().splitlines()
    errors = [ln for ln in lines if not ln.startswith("songflow: ") or ln.startswith("songflow: error:")]
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert errors == [lines[-1]], proc.stderr[-3000:]  # the progress display, then this line only
    assert re.match(start, lines[-1]), lines[-1]
    assert "nothing was half-written, earlier files are as they were" in lines[-1]


@pytest.mark.parametrize("from_stage, margin_kib, writing", [
    ("assemble", 512, "video.mp4"),  # ffmpeg runs out of room writing the new video
    # a new keyframe's PNG does not fit (keyframes are drawn several at a time: whichever is written
    # when the room runs out is the one named)
    ("render", 32, r"shot_\d{3}_a0\.png"),
])
def test_full_disk_is_one_line_and_leaves_the_earlier_results(e2e, prefect_api, small_disk, tmp_path, from_stage, margin_kib, writing):
    outputs = earlier_results(e2e, small_disk, margin_kib)
    root = outputs / e2e["out"].root.name
    before = contents(root)
    proc = run_cli(e2e, prefect_api, outputs, tmp_path, from_stage)
    folder = root / "keyframes" if from_stage == "render" else root
    assert_one_line(proc, re.escape(f"songflow: error: no space left on device in {folder} (writing ") + (writing if from_stage == "render" else re.escape(writing)) + r"\)")
    assert contents(root) == before
    assert [p for p in root.rglob(".*") if p.name != ".lock"] == []


def test_file_size_limit_is_one_line_and_leaves_the_earlier_results(e2e, prefect_api, tmp_path):
    """RLIMIT_FSIZE on the run (EFBIG; ffmpeg dies of SIGXFSZ): the same one line, "file too large"."""
    outputs = tmp_path / "outputs"
    shutil.copytree(e2e["out"].root, outputs / e2e["out"].root.name)
    root = outputs / e2e["out"].root.name
    before = contents(root)
    limit = 512 * 1024  # far below the video, above everything else the run writes (results, logs)

    def limit_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = run_cli(e2e, prefect_api, outputs, tmp_path, "assemble", preexec_fn=limit_file_size)
    assert_one_line(proc, re.escape(f"songflow: error: file too large in {root} (writing video.mp4)"))
    assert contents(root) == before
    assert [p for p in root.rglob(".*") if p.name != ".lock"] == []


def test_only_prefects_records_of_a_songflow_error_are_hidden():
    import errno
    import logging

    from songflow.core.errors import DiskFull
    from songflow.command.quiet import is_reported_failure

    def record(name, level, msg, exc=None):
        return logging.LogRecord(name, level, __file__, 1, msg, None, (type(exc), exc, None) if exc else None)

    full = DiskFull(Path("/o/song/video.mp4"), errno.ENOSPC)
    assert is_reported_failure(record("prefect.task_runs", logging.ERROR, "Task run failed with exception: %r", full))
    assert is_reported_failure(record("prefect.flow_runs", logging.ERROR, f"Finished in state Failed('Flow run encountered an exception: DiskFull: {full}')"))
    assert is_reported_failure(record("prefect.task_runs", logging.WARNING, "Failed to serialize object of type 'DiskFull' with serializer 'songflow-json'"))
    assert not is_reported_failure(record("prefect.task_runs", logging.ERROR, "Task run failed with exception: %r", ValueError("a bug")))
    assert not is_reported_failure(record("prefect.task_runs", logging.INFO, "Finished in state Completed()"))
    assert not is_reported_failure(record("songflow.stages", logging.ERROR, "DiskFull: elsewhere"))
