"""Child processes that end with the run that started them."""

from __future__ import annotations

import ctypes
import signal
import sys

_PR_SET_PDEATHSIG = 1
# Looked up once, in the parent: between fork and exec the child must not load libraries.
_prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """`preexec_fn` for a child process: the kernel kills it when its parent dies, even by SIGKILL,
    so a killed run leaves no ffmpeg behind writing a file nobody will read (Linux; a no-op elsewhere).
    `sig` is the signal it gets then: SIGKILL unless the child has a cleaner way out (PostgreSQL's
    postmaster takes SIGQUIT, an immediate shutdown that also ends its backends)."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, sig)
