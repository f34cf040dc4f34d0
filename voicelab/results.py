"""The course's results table: every chapter records its numbers here, and the final
comparison reads them instead of retyping them.

One row per (chapter, model, features, evaluation, metric) with the mean, the spread and
the interval that :func:`voicelab.evaluate.summarize` computes. The table lives in
``voicelab/results.csv``, shipped with the package, and is written deterministically, so
re-running a notebook that finds the same numbers leaves the file byte-identical. Taught in
chapter 03 (Classical machine learning).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from voicelab._util import atomic_write_bytes, locked

__all__ = [
    "RESULTS_PATH",
    "results_path",
    "KEY",
    "COLUMNS",
    "record",
    "load_results",
    "results_table",
]

RESULTS_PATH = Path(__file__).parent / "results.csv"
"""The table shipped with the package; ``make notebooks`` refreshes it."""
KEY: tuple[str, ...] = ("chapter", "model", "features", "evaluation", "metric")
"""Columns that identify a row; :func:`record` replaces rows with the same key."""
COLUMNS: tuple[str, ...] = (*KEY, "mean", "std", "low", "high", "n")
_FLOATS = ("mean", "std", "low", "high")
_DECIMALS = 4


def _empty() -> pd.DataFrame:
    table = pd.DataFrame({c: pd.Series(dtype=str) for c in KEY})
    for column in _FLOATS:
        table[column] = pd.Series(dtype=float)
    table["n"] = pd.Series(dtype=int)
    return table


def results_path() -> Path:
    """Where chapters read and write the table: ``$VOICELAB_RESULTS`` or the shipped file.
    Taught in chapter 03 (Classical machine learning).

    Tests set ``VOICELAB_RESULTS`` to a scratch file, so running the notebooks never
    rewrites the shipped table; the scratch file starts as a copy of it.
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
    Taught in chapter 03 (Classical machine learning).

    Parameters
    ----------
    path : str or os.PathLike, optional
        CSV file written by :func:`record` (default :func:`results_path`).

    Returns
    -------
    pd.DataFrame
        Columns :data:`COLUMNS`: the key columns as strings (``chapter`` keeps its
        leading zero, e.g. ``"03"``), ``mean``, ``std``, ``low``, ``high`` as floats (NaN
        where undefined) and ``n`` as int.

    Raises
    ------
    ValueError
        If the file lacks some of the columns.
    """
    path = results_path() if path is None else Path(path)
    if not path.is_file() or path.stat().st_size == 0:
        return _empty()
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(
            f"'{path}' lacks the columns {missing}; a results table has the columns "
            f"{', '.join(COLUMNS)}. Delete the file to start a new table."
        )
    table = table[list(COLUMNS)]
    if table.empty:
        return _empty()
    for column in _FLOATS:
        table[column] = pd.to_numeric(table[column].replace("", np.nan)).astype(float)
    table["n"] = pd.to_numeric(table["n"]).astype(int)
    return table.reset_index(drop=True)


def _check_label(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, got {value!r}.")
    return value.strip()


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
    Taught in chapter 03 (Classical machine learning).

    Each row of ``summary`` (one per metric, as :func:`voicelab.evaluate.summarize`
    returns) becomes a row keyed by (chapter, model, features, evaluation, metric). Rows
    with the same key are replaced, all others kept. The file is written sorted by the key,
    with floats rounded to 4 decimals and ``\\n`` line endings, and only when its bytes
    change, so re-running a notebook with the same numbers leaves it untouched.

    A bootstrap interval can be recorded too, as a one-row summary such as
    ``pd.DataFrame({"mean": [point], "std": [np.nan], "low": [low], "high": [high],
    "n": [n_boot]}, index=["accuracy"])``, with an ``evaluation`` that says so.

    Parameters
    ----------
    chapter : str or int
        Chapter number, e.g. ``"03"`` (an int is written with two digits).
    model : str
        E.g. ``"logistic regression"``.
    features : str
        E.g. ``"report4"``, ``"mfcc"``, ``"log-mel"``.
    summary : pd.DataFrame
        Index = metric names; columns ``mean``, ``std``, ``low``, ``high`` and ``n`` (the
        number of scores behind them); ``std``, ``low`` and ``high`` may be NaN.
    evaluation : str
        How the numbers were obtained, e.g. ``"5x5 sentence-grouped CV"``.
    path : str or os.PathLike, optional
        CSV file of the table (default :func:`results_path`); created if missing.

    Returns
    -------
    pd.DataFrame
        The whole table after the update, as :func:`load_results` would read it.

    Raises
    ------
    ValueError
        If a label is empty, or ``summary`` lacks columns, has no rows, repeats a metric,
        has non-numeric values, a missing mean or a missing or negative ``n``.
    """
    if isinstance(chapter, int) and not isinstance(chapter, bool):
        chapter = f"{chapter:02d}"
    labels = {
        "chapter": _check_label("chapter", chapter),
        "model": _check_label("model", model),
        "features": _check_label("features", features),
        "evaluation": _check_label("evaluation", evaluation),
    }
    new = _rows_from_summary(summary, labels)
    path = results_path() if path is None else Path(path)
    with locked(path):
        _merge(new, path)
    return load_results(path)


def _merge(new: pd.DataFrame, path: Path) -> None:
    """Replace ``new``'s keys in the table at ``path`` and write it back."""
    old = load_results(path)
    keys = pd.MultiIndex.from_frame(new[list(KEY)])
    kept = old[~pd.MultiIndex.from_frame(old[list(KEY)]).isin(keys)] if len(old) else old
    table = pd.concat([df for df in (kept, new) if len(df)], ignore_index=True)
    table = table.sort_values(list(KEY), kind="stable").reset_index(drop=True)
    table[list(_FLOATS)] = table[list(_FLOATS)].astype(float).round(_DECIMALS)
    table["n"] = table["n"].astype(int)
    _write(table, path)


def _rows_from_summary(summary: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    if not isinstance(summary, pd.DataFrame):
        raise ValueError(
            "summary must be the DataFrame returned by voicelab.evaluate.summarize "
            f"(index = metric names), got {type(summary).__name__}."
        )
    needed = [*_FLOATS, "n"]
    missing = [c for c in needed if c not in summary.columns]
    if missing or summary.empty:
        raise ValueError(
            f"summary must have one row per metric and the columns {needed}; it lacks "
            f"{missing} or has no rows. Pass the output of voicelab.evaluate.summarize."
        )
    metrics = [str(m).strip() for m in summary.index]
    if any(not m for m in metrics) or len(set(metrics)) != len(metrics):
        raise ValueError(f"summary's index must name each metric once, got {metrics}.")
    try:
        values = summary[list(_FLOATS)].astype(float)
        n = summary["n"].astype(float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"summary's columns {needed} must be numeric: {err}") from err
    if values["mean"].isna().any():
        raise ValueError("summary has a missing mean; every metric needs one.")
    if n.isna().any() or (n < 0).any() or (n != np.round(n)).any():
        raise ValueError("summary's n must be a whole number of scores >= 0 in every row.")
    rows = pd.DataFrame({**labels, "metric": metrics}, index=range(len(metrics)))
    for column in _FLOATS:
        rows[column] = values[column].to_numpy()
    rows["n"] = n.to_numpy().astype(int)
    return rows[list(COLUMNS)]


def _write(table: pd.DataFrame, path: Path) -> None:
    """Write ``table`` if its bytes differ from the file's; atomically, via a temp file."""
    text = table.to_csv(index=False, lineterminator="\n", float_format=f"%.{_DECIMALS}f")
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return
    atomic_write_bytes(path, data)


def results_table(
    results: pd.DataFrame | None = None, *, metric: str = "accuracy", digits: int = 3
) -> pd.DataFrame:
    """A readable view of one metric of the results table, for display in a notebook.
    Taught in chapter 03 (Classical machine learning).

    Parameters
    ----------
    results : pd.DataFrame, optional
        A table as :func:`load_results` returns it; the default reads ``RESULTS_PATH``.
    metric : str, default "accuracy"
        Metric to show.
    digits : int, default 3
        Decimals shown.

    Returns
    -------
    pd.DataFrame
        Indexed by (chapter, model, features, evaluation), in chapter order; columns
        ``"<metric> mean ± std"`` (just the mean where ``std`` is NaN, e.g. a bootstrap
        row), ``"interval"`` (``"[low, high]"``) and ``n``, ready to print. Empty (with
        these columns) if nothing is recorded yet.

    Raises
    ------
    ValueError
        If ``results`` lacks columns, or has rows but none for ``metric`` (the message
        lists the metrics it has).
    """
    table = load_results() if results is None else results
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"results lacks the columns {missing}: use load_results().")
    index = ["chapter", "model", "features", "evaluation"]
    value_column = f"{metric} mean ± std"
    rows = table[table["metric"] == metric]
    if rows.empty and len(table):
        raise ValueError(
            f"No results for metric {metric!r}; recorded metrics are "
            f"{sorted(set(table['metric']))}."
        )

    def fmt(x: float) -> str:
        return f"{x:.{digits}f}"

    def spread(mean: float, std: float) -> str:
        return fmt(mean) if pd.isna(std) else f"{fmt(mean)} ± {fmt(std)}"

    def interval(low: float, high: float) -> str:
        return "" if pd.isna(low) or pd.isna(high) else f"[{fmt(low)}, {fmt(high)}]"

    rows = rows.sort_values(index, kind="stable")
    view = pd.DataFrame(
        {
            value_column: [spread(m, s) for m, s in zip(rows["mean"], rows["std"])],
            "interval": [interval(lo, hi) for lo, hi in zip(rows["low"], rows["high"])],
            "n": rows["n"].astype(int).to_numpy(),
        },
        index=pd.MultiIndex.from_frame(rows[index].astype(str)),
    )
    return view
