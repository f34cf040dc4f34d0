"""Private helpers shared by the voicelab modules: one of each.

Input checks, file hashing, atomic writes and the cache folder live here so that no module
imports another module's private names.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import multiprocessing
import numbers
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Sequence, TypeVar

from tqdm import tqdm  # text bars: the book drops stderr; Jupyter redraws them

T = TypeVar("T")
R = TypeVar("R")


def file_sha256(path: str | os.PathLike) -> str:
    """The hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def spec_key(spec: dict) -> str:
    """A short, stable hash of a JSON-able dict (cache keys)."""
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def locked(path: str | os.PathLike) -> Iterator[None]:
    """Hold an exclusive lock on ``<path>.lock`` (two kernels writing one file)."""
    lock = Path(f"{path}.lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def cache_dir() -> Path:
    """The cache folder: ``$VOICELAB_CACHE`` or ``~/.cache/voicelab``."""
    env = os.environ.get("VOICELAB_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "voicelab"


def check_int(name: str, value: object, minimum: int) -> int:
    """``value`` as an int >= ``minimum``, or a ValueError that names it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def map_clips(
    fn: Callable[[T], R], items: Sequence[T], *, desc: str, progress: bool = True,
    workers: int | None = None,
) -> list[R]:
    """``[fn(item) for item in items]``, in worker processes when there are several cores.

    ``fn`` must be a module-level function; each call's result must not depend on the
    process it runs in (limit BLAS to one thread inside ``fn``). Results keep the order.
    """
    if workers is None:
        workers = min(len(os.sched_getaffinity(0)), len(items))
    bar = tqdm(total=len(items), desc=desc, disable=not progress)
    results: list[R] = []
    if workers <= 1:
        for item in items:
            results.append(fn(item))
            bar.update()
    else:
        # The first item runs here: what it compiles just in time (librosa's numba kernels,
        # cached on disk) is compiled once, before workers that would race to write it.
        results.append(fn(items[0]))
        bar.update()
        # forkserver: workers never inherit a parent's threads (TensorFlow, OpenMP). The
        # server preloads fn's module, not the caller's script: workers start fast, and a
        # script without an ``if __name__ == "__main__"`` guard is not run again.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([fn.__module__])
        rest = items[1:]
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            for result in pool.map(fn, rest, chunksize=max(1, len(rest) // (8 * workers))):
                results.append(result)
                bar.update()
    bar.close()
    return results
