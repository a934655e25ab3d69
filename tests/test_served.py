"""`songflow serve` against a real Prefect server: a run triggered through the API completes with
the real Gemma 3 270M, and the flow-run page in the Prefect UI shows it (headless Chromium)."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from tests.conftest import SHORT_TITLE

DEPLOYMENT = "songflow/songflow-test"


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "Chromium is needed for the UI screenshot: apt-get install chromium (make test does this)"
    return path


def browse(url: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--window-size=1440,1000", "--virtual-time-budget=20000",
    ]
    return subprocess.run([chromium(), *flags, *args, url], capture_output=True, text=True, timeout=180)


def stop_group(proc: subprocess.Popen, grace: float = 30.0) -> None:
    """SIGTERM to the process's group, SIGKILL to what is left after `grace` seconds."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    except ProcessLookupError:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the runner's flow-run processes, if the serve process left any
    except ProcessLookupError:
        pass
    proc.wait()


def test_served_deployment_run_completes_and_shows_in_the_ui(prefect_api, short_song, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    wav, lrc, _ = short_song
    env = {
        **os.environ,
        "PREFECT_API_URL": prefect_api["url"],
        "PREFECT_LOCAL_STORAGE_PATH": str(prefect_api["storage"]),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    log = (tmp_path / "serve.log").open("w")
    # Its own process group: the flow-run processes the runner starts are stopped with it.
    serve = subprocess.Popen(
        [str(Path(sys.executable).parent / "songflow"), "serve", "--name", "songflow-test"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        async def wait_for_deployment():
            async with get_client() as client:
                for _ in range(120):
                    try:
                        return await client.read_deployment_by_name(DEPLOYMENT)
                    except Exception:
                        await asyncio.sleep(1)
            raise AssertionError(f"deployment {DEPLOYMENT} never appeared; see {tmp_path / 'serve.log'}")

        asyncio.run(wait_for_deployment())
        outputs = tmp_path / "outputs"
        run = run_deployment(
            DEPLOYMENT,
            parameters={"audio": str(wav), "lyrics": str(lrc), "title": SHORT_TITLE, "preset": "fast", "outputs": str(outputs)},
            timeout=900,
        )
        assert run.state.is_completed(), (run.state, (tmp_path / "serve.log").read_text()[-2000:])
        assert run.name == SHORT_TITLE
        assert (outputs / "neon-tide-short" / "video.mp4").is_file()
    finally:
        stop_group(serve)
        log.close()

    ui = prefect_api["url"].removesuffix("/api")
    page = f"{ui}/runs/flow-run/{run.id}"
    dom = browse(page, tmp_path / "profile-dom", "--dump-dom")
    assert SHORT_TITLE in dom.stdout, dom.stdout[-2000:]
    shot = tmp_path / "flow-run.png"
    browse(page, tmp_path / "profile-shot", f"--screenshot={shot}")
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=np.float32)
    assert pixels.shape == (1000, 1440) and pixels.std() > 10  # a rendered page, not a blank one
    keep = os.environ.get("SONGFLOW_UI_SCREENSHOT")
    if keep:  # where to keep the screenshot, e.g. docs/prefect-flow-run.png
        shutil.copy(shot, keep)
