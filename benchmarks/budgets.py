"""Measure the project's time budgets and print them next to their limits.

Budgets (from the developers' brief): every notebook < 2.5 min cold,
the whole ``make test`` < 15 min on 2 cores, ``make book`` from a fresh clone < 8 min.

Usage (from the repository root, after ``make test`` has created .venv)::

    .venv/bin/python benchmarks/budgets.py notebooks     # execute each chapter, cold cache
    .venv/bin/python benchmarks/budgets.py make-test     # time `make test` here
    .venv/bin/python benchmarks/budgets.py fresh-book    # clone HEAD, time `make book` there

These are benchmarks, not tests: they print, they never fail the build.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
LIMITS_S = {"notebook": 150, "make-test": 15 * 60, "fresh-book": 8 * 60}


def _report(name: str, seconds: float, limit: float) -> None:
    verdict = "ok" if seconds < limit else "OVER BUDGET"
    print(f"{name:<40s} {seconds:8.1f} s   (limit {limit:.0f} s)  {verdict}", flush=True)


def time_notebooks() -> None:
    """Execute every chapter notebook in memory, with an empty feature cache, and time it.

    The cache starts empty (as on a fresh machine) and is shared by the chapters in order,
    as in ``make test``.
    """
    os.environ["VOICELAB_CACHE"] = tempfile.mkdtemp(prefix="voicelab-cache-")
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        client = NotebookClient(
            notebook, timeout=600, resources={"metadata": {"path": str(path.parent)}}
        )
        start = time.perf_counter()
        client.execute()
        _report(path.name, time.perf_counter() - start, LIMITS_S["notebook"])
    shutil.rmtree(os.environ["VOICELAB_CACHE"], ignore_errors=True)


def _time_command(name: str, command: list[str], cwd: Path) -> None:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd)
    seconds = time.perf_counter() - start
    _report(f"{name} (exit {result.returncode})", seconds, LIMITS_S[name])


def time_make_test() -> None:
    """Time ``make test`` in this checkout (the venv is reused when it is up to date)."""
    _time_command("make-test", ["make", "test"], ROOT)


def time_fresh_book() -> None:
    """Clone HEAD into a scratch folder and time ``make book`` there, venv included."""
    with tempfile.TemporaryDirectory() as scratch:
        clone = Path(scratch) / "voicelab"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        _time_command("fresh-book", ["make", "book"], clone)
        shutil.rmtree(clone / ".venv", ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["notebooks", "make-test", "fresh-book"])
    what = parser.parse_args().what
    {"notebooks": time_notebooks, "make-test": time_make_test,
     "fresh-book": time_fresh_book}[what]()


if __name__ == "__main__":
    sys.exit(main())
