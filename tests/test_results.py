"""Tests for voicelab.results: the course's results table, written into ``tmp_path``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from voicelab import results
from voicelab.results import (
    COLUMNS,
    KEY,
    RESULTS_PATH,
    load_results,
    record,
    results_table,
)

EVAL = "5x5 sentence-grouped CV"


def summary(mean: float = 0.85, n: int = 25, metrics=("accuracy", "roc_auc")) -> pd.DataFrame:
    """A table shaped like voicelab.evaluate.summarize's output."""
    rows = {
        m: {"mean": mean + i / 100, "std": 0.041234567, "low": mean - 0.02,
            "high": mean + 0.02, "n": n}
        for i, m in enumerate(metrics)
    }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "metric"
    return out


@pytest.fixture
def path(tmp_path):
    return tmp_path / "results.csv"


def test_shipped_file_is_a_header():
    assert RESULTS_PATH.parent.name == "voicelab"
    first_line = RESULTS_PATH.read_bytes().split(b"\n")[0]
    assert first_line == ",".join(COLUMNS).encode()
    assert list(load_results(RESULTS_PATH).columns) == list(COLUMNS)


def test_schema_and_rounding(path):
    table = record("03", "logistic regression", "report4", summary(), evaluation=EVAL,
                   path=path)
    assert list(table.columns) == list(COLUMNS)
    assert len(table) == 2
    assert table["chapter"].tolist() == ["03", "03"]
    assert table["metric"].tolist() == ["accuracy", "roc_auc"]
    assert table["std"].tolist() == [0.0412, 0.0412]
    assert table["n"].dtype.kind == "i" and table["n"].tolist() == [25, 25]
    for column in ("mean", "std", "low", "high"):
        assert table[column].dtype == float
    lines = path.read_bytes().split(b"\n")
    assert lines[0] == ",".join(COLUMNS).encode()
    assert lines[1] == b"03,logistic regression,report4,5x5 sentence-grouped CV,accuracy," \
                       b"0.8500,0.0412,0.8300,0.8700,25"
    assert lines[-1] == b"" and b"\r" not in path.read_bytes()
    pd.testing.assert_frame_equal(load_results(path), table)


def test_upsert_replaces_same_key_and_keeps_others(path):
    record("03", "logistic regression", "report4", summary(0.80), evaluation=EVAL, path=path)
    record("03", "logistic regression", "mfcc", summary(0.90), evaluation=EVAL, path=path)
    record(3, "knn", "mfcc", summary(0.70, metrics=("accuracy",)), evaluation=EVAL,
           path=path)
    table = record("03", "logistic regression", "report4",
                   summary(0.60, n=5, metrics=("accuracy",)), evaluation=EVAL, path=path)
    assert len(table) == 5
    assert not table.duplicated(list(KEY)).any()
    key = (table["model"] == "logistic regression") & (table["features"] == "report4")
    report4 = table[key].set_index("metric")
    assert report4.loc["accuracy", "mean"] == 0.60 and report4.loc["accuracy", "n"] == 5
    assert report4.loc["roc_auc", "mean"] == 0.81  # other metric of that model kept
    assert table[table["features"] == "mfcc"]["mean"].tolist() == [0.70, 0.90, 0.91]
    assert table[list(KEY)].equals(table[list(KEY)].sort_values(list(KEY)))
    # Another evaluation protocol is a different row, not a replacement.
    table = record("03", "knn", "mfcc", summary(0.95, metrics=("accuracy",)),
                   evaluation="5x5 random-split CV (leaky)", path=path)
    assert len(table) == 6


def test_rerun_with_same_numbers_is_byte_identical(path):
    def run(order):
        for model in order:
            record("03", model, "report4", summary(0.8 + len(model) / 1000),
                   evaluation=EVAL, path=path)
        return path.read_bytes()

    first = run(["logistic regression", "knn", "random forest"])
    mtime = path.stat().st_mtime_ns
    assert run(["logistic regression", "knn", "random forest"]) == first
    assert path.stat().st_mtime_ns == mtime  # identical bytes are not rewritten
    # Tiny float noise below the rounding and a different recording order: same bytes.
    record("03", "knn", "report4", summary(0.8 + 3 / 1000 + 1e-9), evaluation=EVAL,
           path=path)
    assert path.read_bytes() == first
    path.unlink()
    assert run(["random forest", "knn", "logistic regression"]) == first


def test_missing_and_empty_files(path, tmp_path):
    for table in (load_results(path), load_results(tmp_path / "nowhere" / "r.csv")):
        assert table.empty and list(table.columns) == list(COLUMNS)
        assert table["n"].dtype.kind == "i" and table["mean"].dtype == float
    path.write_text("")
    assert load_results(path).empty
    path.write_text(",".join(COLUMNS) + "\n")
    assert load_results(path).empty
    nested = tmp_path / "new" / "dir" / "results.csv"
    record("03", "knn", "mfcc", summary(), evaluation=EVAL, path=nested)
    assert len(load_results(nested)) == 2
    path.write_text("chapter,model\n03,knn\n")
    with pytest.raises(KeyError):
        load_results(path)


def test_nan_spread_round_trips(path):
    boot = pd.DataFrame({"mean": [0.9], "std": [np.nan], "low": [0.85], "high": [0.94],
                         "n": [2000]}, index=["accuracy"])
    table = record("03", "logistic regression", "mfcc", boot,
                   evaluation="bootstrap over sentences", path=path)
    assert np.isnan(table.loc[0, "std"])
    assert b",0.9000,,0.8500,0.9400,2000\n" in path.read_bytes()
    before = path.read_bytes()
    record("03", "logistic regression", "mfcc", boot, evaluation="bootstrap over sentences",
           path=path)
    assert path.read_bytes() == before


def test_bad_summary_and_labels(path):
    good = summary()
    with pytest.raises(AssertionError, match="mean"):
        record("03", "knn", "mfcc", good.assign(mean=[np.nan, 0.5]), evaluation=EVAL,
               path=path)
    for label in ("", "  ", None):
        with pytest.raises(AssertionError):
            record("03", label, "mfcc", good, evaluation=EVAL, path=path)
    with pytest.raises(KeyError):
        record("03", "knn", "mfcc", good.drop(columns="n"), evaluation=EVAL, path=path)
    with pytest.raises(TypeError):
        record("03", "knn", "mfcc", good, path=path)  # evaluation is required
    assert not path.exists()


def test_accepts_evaluate_summarize_output(path):
    from voicelab.evaluate import summarize

    scores = pd.DataFrame({"repeat": [0, 0, 1, 1], "fold": [0, 1, 0, 1], "n_test": 4,
                           "accuracy": [0.5, 0.75, 1.0, 0.75], "log_loss": 0.4})
    table = record("03", "knn", "mfcc", summarize(scores), evaluation=EVAL, path=path)
    row = table.set_index("metric").loc["accuracy"]
    assert row["mean"] == 0.75 and row["n"] == 4
    # Repeat means 0.625 and 0.875: percentiles 2.5 and 97.5, rounded to 4 decimals.
    assert row["low"] == pytest.approx(0.63125, abs=1e-4)
    assert row["high"] == pytest.approx(0.86875, abs=1e-4)


def test_results_table(path):
    record("03", "logistic regression", "report4", summary(0.8), evaluation=EVAL, path=path)
    table = record("04", "cnn", "log-mel", summary(0.9512, metrics=("accuracy",)),
                   evaluation=EVAL, path=path)
    view = results_table(table)
    assert list(view.index.names) == ["chapter", "model", "features", "evaluation"]
    assert list(view.columns) == ["accuracy", "interval"]
    assert view["accuracy"].tolist() == ["0.800 ± 0.041", "0.951 ± 0.041"]
    assert view["interval"].tolist() == ["0.780–0.820", "0.931–0.971"]
    assert view.index.get_level_values("chapter").tolist() == ["03", "04"]
    assert view.index.get_level_values("evaluation").tolist() == ["5x5 CV"] * 2
    auc = results_table(table, metric="roc_auc", digits=2)
    assert auc["roc_auc"].tolist() == ["0.81 ± 0.04"]
    with pytest.raises(ValueError, match="recorded metrics are"):
        results_table(table, metric="f1")
    boot = pd.DataFrame({"mean": [0.9], "std": [np.nan], "low": [0.85], "high": [0.94],
                         "n": [2000]}, index=["accuracy"])
    table = record("03", "knn", "mfcc", boot,
                   evaluation="fixed test split, sentence bootstrap", path=path)
    assert results_table(table).loc[("03", "knn", "mfcc", "test boot")].tolist() == [
        "0.900", "0.850–0.940"
    ]
    empty = results_table(load_results(path.with_name("none.csv")))
    assert empty.empty and "interval" in empty.columns


def test_results_table_fits_the_book_column(path):
    """Labels are clipped, and chapters 03-07's rows print within 88 characters."""
    table = load_results(RESULTS_PATH)
    for metric in sorted(set(table["metric"])):
        view = results_table(table, metric=metric)
        assert all(len(label) <= 28 for level in view.index.levels for label in level)
    early = table[table["chapter"] <= "07"]
    with pd.option_context("display.width", 80, "display.max_columns", 20):
        for metric in sorted(set(early["metric"])):
            text = repr(results_table(early, metric=metric))
            assert max(len(line) for line in text.splitlines()) <= 88, text


def test_results_table_defaults_to_shipped_file(monkeypatch, path):
    record("03", "knn", "mfcc", summary(), evaluation=EVAL, path=path)
    monkeypatch.delenv("VOICELAB_RESULTS", raising=False)
    monkeypatch.setattr(results, "RESULTS_PATH", path)
    assert len(results_table()) == 1
