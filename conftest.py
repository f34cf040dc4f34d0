"""Repository-wide pytest set-up: loaded for every run, `notebooks/` alone included."""

from __future__ import annotations

import os
import sys


def pytest_configure(config):
    """Give each xdist worker, and the notebook kernels it starts, its own numba cache.

    librosa compiles its numba kernels with ``cache=True``. Two processes that compile the
    same kernel at once can interleave their writes to one cache index; every later process
    that loads the entry then segfaults (seen: kernels dying in ``librosa.yin`` under
    ``pytest -n 2``). Inside one worker, kernels run one after another, so one folder each
    is safe. Kept under the environment (or ``$NUMBA_CACHE_DIR``) so later runs reuse it.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        base = os.environ.get("NUMBA_CACHE_DIR") or os.path.join(sys.prefix, "numba-cache")
        os.environ["NUMBA_CACHE_DIR"] = os.path.join(base, worker)
