"""The course's results table: every chapter records its numbers here, and the final
comparison reads them instead of retyping them.

One row per (chapter, model, features, evaluation, metric) with the mean, the spread and
the interval of :func:`voicelab.evaluate.summarize`. The table is written sorted and
rounded, so a re-run that finds the same numbers leaves the file byte-identical. Taught
in chapter 03 (Telling two voices apart with classical ML).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from voicelab._util import atomic_write_bytes, locked

__all__ = [
    "RESULTS_PATH", "results_path", "KEY", "COLUMNS", "record", "load_results",
    "results_table",
]

RESULTS_PATH = Path(__file__).parent / "results.csv"
"""The table shipped with the package; ``make notebooks`` refreshes it."""
KEY: tuple[str, ...] = ("chapter", "model", "features", "evaluation", "metric")
"""Columns that identify a row; :func:`record` replaces rows with the same key."""
COLUMNS: tuple[str, ...] = (*KEY, "mean", "std", "low", "high", "n")
_FLOATS = ["mean", "std", "low", "high"]
_DECIMALS = 4
# The printed view shortens the evaluation so that a table fits the book's column.
_SHORT = {"sentence-grouped CV": "CV", "fixed test split": "test", "test split": "test",
          "sentence bootstrap": "boot", ", ": " "}


def results_path() -> Path:
    """Where chapters read and write the table: ``$VOICELAB_RESULTS`` or the package's.
    Taught in chapter 03 (Telling two voices apart with classical ML).

    Tests set ``VOICELAB_RESULTS`` to a scratch file, which starts as a copy of the
    shipped table, so running the notebooks never rewrites it.
    """
    env = os.environ.get("VOICELAB_RESULTS")
    if not env:
        return RESULTS_PATH
    path = Path(env).expanduser()
    with locked(path):
        if not path.exists() and RESULTS_PATH.is_file():
            atomic_write_bytes(path, RESULTS_PATH.read_bytes())
    return path


def load_results(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Read the results table; an empty table if the file does not exist yet.
    Taught in chapter 03 (Telling two voices apart with classical ML).

    Parameters
    ----------
    path : str or os.PathLike, optional
        CSV file written by :func:`record` (default :func:`results_path`).

    Returns
    -------
    pd.DataFrame
        Columns :data:`COLUMNS`: the key as strings (``chapter`` like ``"03"``), the
        spread as floats (NaN where undefined) and ``n`` as int.
    """
    path = results_path() if path is None else Path(path)
    exists = path.is_file() and path.stat().st_size > 0
    table = pd.read_csv(path, dtype=str, keep_default_na=False) if exists else None
    if table is None or table.empty:
        table = pd.DataFrame({column: pd.Series(dtype=str) for column in COLUMNS})
    table = table[list(COLUMNS)]
    table[_FLOATS] = table[_FLOATS].replace("", np.nan).astype(float)
    table["n"] = table["n"].astype(int)
    return table.reset_index(drop=True)


def record(
    chapter: str | int,
    model: str,
    features: str,
    summary: pd.DataFrame,
    *,
    evaluation: str,
    path: str | os.PathLike | None = None,
) -> pd.DataFrame:
    """Add or replace one model's numbers in the results table and write it.
    Taught in chapter 03 (Telling two voices apart with classical ML).

    Parameters
    ----------
    chapter : str or int
        Chapter number, e.g. ``"03"`` (an int is written with two digits).
    model, features : str
        E.g. ``"logistic regression"``, ``"mfcc"``.
    summary : pd.DataFrame
        One row per metric (the index) with ``mean``, ``std``, ``low``, ``high``, ``n``,
        as :func:`voicelab.evaluate.summarize` returns; a bootstrap interval is a row
        with ``std`` NaN.
    evaluation : str
        How the numbers were obtained, e.g. ``"5x5 sentence-grouped CV"``.
    path : str or os.PathLike, optional
        CSV file of the table (default :func:`results_path`).

    Returns
    -------
    pd.DataFrame
        The whole table after the update, as :func:`load_results` reads it.
    """
    if isinstance(chapter, int):
        chapter = f"{chapter:02d}"
    labels = {"chapter": chapter, "model": model, "features": features,
              "evaluation": evaluation}
    assert all(isinstance(v, str) and v.strip() for v in labels.values()), labels
    assert summary["mean"].notna().all(), "every metric needs a mean"
    new = pd.DataFrame({**labels, "metric": [str(m) for m in summary.index]})
    new[_FLOATS] = summary[_FLOATS].astype(float).to_numpy()
    new["n"] = summary["n"].astype(int).to_numpy()
    path = results_path() if path is None else Path(path)
    with locked(path):
        old = load_results(path)
        replaced = pd.MultiIndex.from_frame(old[list(KEY)]).isin(
            pd.MultiIndex.from_frame(new[list(KEY)]))
        table = pd.concat([df for df in (old[~replaced], new) if len(df)])
        table = table.sort_values(list(KEY), kind="stable").round(_DECIMALS)
        text = table.to_csv(index=False, lineterminator="\n",
                            float_format=f"%.{_DECIMALS}f")
        if not path.is_file() or path.read_text() != text:
            atomic_write_bytes(path, text.encode())
    return load_results(path)


LABEL_WIDTH = 28
"""Longest label :func:`results_table` prints; longer ones end in an ellipsis."""


def results_table(
    results: pd.DataFrame | None = None, *, metric: str = "accuracy", digits: int = 3
) -> pd.DataFrame:
    """A printable view of one metric of the results table, labels clipped to 28 characters.
    Taught in chapter 03 (Telling two voices apart with classical ML).

    Parameters
    ----------
    results : pd.DataFrame, optional
        A table as :func:`load_results` returns it (default: read it).
    metric : str, default "accuracy"
        Metric to show.
    digits : int, default 3
        Decimals shown.

    Returns
    -------
    pd.DataFrame
        Indexed by (chapter, model, features, evaluation), the evaluation shortened
        ("5x5 CV", "test boot": fixed test split, sentence bootstrap); columns
        ``metric`` (``"mean ± std"``, or the mean alone where ``std`` is NaN) and
        ``interval`` (``"low–high"``).
    """
    table = load_results() if results is None else results
    rows = table[table["metric"] == metric].sort_values(list(KEY), kind="stable")
    if rows.empty and len(table):
        raise ValueError(f"No results for metric {metric!r}; recorded metrics are "
                         f"{sorted(set(table['metric']))}.")
    index = rows[["chapter", "model", "features", "evaluation"]].astype(str)
    for long, short in _SHORT.items():
        index["evaluation"] = index["evaluation"].str.replace(long, short)
    index = index.map(lambda label: label if len(label) <= LABEL_WIDTH
                      else label[:LABEL_WIDTH - 1] + "…")

    def fmt(x: float) -> str:
        return f"{x:.{digits}f}"

    return pd.DataFrame({
        metric: [fmt(m) if pd.isna(s) else f"{fmt(m)} ± {fmt(s)}"
                 for m, s in zip(rows["mean"], rows["std"])],
        "interval": ["" if pd.isna(lo) else f"{fmt(lo)}–{fmt(hi)}"
                     for lo, hi in zip(rows["low"], rows["high"])],
    }, index=pd.MultiIndex.from_frame(index))
