"""Tests for voicelab.nn on tiny synthetic spectrograms: 16 mel bands x 32 frames, where
class 1 has a bright band in mel bands 4 to 7. Small models and few epochs keep the whole
file (TensorFlow's import included) well under a minute on two CPU cores."""

from __future__ import annotations

import io
import re
import time
from contextlib import redirect_stdout

import numpy as np
import pandas as pd
import pytest

from voicelab import melspec, nn

keras = nn.keras
SHAPE = (16, 32)
BAND = slice(4, 8)


def make_task(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` inputs of SHAPE, half of each class; class 1 is brighter in mel bands 4-7."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.standard_normal((n, *SHAPE)).astype(np.float32)
    X[y == 1, BAND] += 2.0
    return X, y


def small_cnn(normalize=None) -> keras.Model:
    return nn.build_cnn(SHAPE, filters=(4, 8), pool=2, dense=8, dropout=0.1,
                        learning_rate=0.01, normalize=normalize)


def train_small(seed: int = 0, epochs: int = 20):
    X, y = make_task(60, seed=123)
    nn.set_seed(seed)
    model = small_cnn(normalize=nn.normalization_stats(X[:40]))
    printed = io.StringIO()
    with redirect_stdout(printed):
        history = nn.fit(model, X[:40], y[:40], X[40:], y[40:], epochs=epochs,
                         patience=5, seed=seed, verbose_every=5)
    return model, history, printed.getvalue()


@pytest.fixture(scope="module")
def trained():
    """A small CNN trained on 40 inputs, early-stopped on 20; and what fit printed."""
    return train_small()


# --- the model -----------------------------------------------------------------------


def test_input_shape_comes_from_the_front_end():
    assert nn.INPUT_SHAPE == (melspec.LOGMEL.n_mels,
                              melspec.n_frames(melspec.LOGMEL.clip_seconds))
    assert nn.INPUT_SHAPE == (64, 251)


def test_default_cnn_shapes_and_parameter_count_by_hand():
    model = nn.build_cnn()
    k, c_in, params = 3, 1, 0
    for c_out in (16, 32, 64):
        params += (k * k * c_in + 1) * c_out  # weights + one bias per filter
        c_in = c_out
    params += (64 + 1) * 32 + (32 + 1) * 1  # dense head after global average pooling
    assert params == 25_409 == model.count_params()
    assert model.input_shape == (None, 64, 251)
    assert model.output_shape == (None, 1)
    assert model.get_layer("pool1").output.shape[1:3] == (16, 62)  # pooling windows of 4
    assert model.get_layer("conv3").output.shape[1:3] == (4, 15)
    assert model.loss == "binary_crossentropy"


def test_cnn_accepts_any_length_with_global_pooling():
    nn.set_seed(0)
    model = nn.build_cnn((16, None), filters=(4, 8), pool=2, dense=8)
    for frames in (12, 32, 77):
        x = np.zeros((2, 16, frames), np.float32)
        assert model(x, training=False).shape == (2, 1)


def test_normalization_layer_uses_training_statistics():
    X, _ = make_task(20)
    mean, variance = nn.normalization_stats(X)
    assert mean.shape == variance.shape == (16,)
    np.testing.assert_allclose(mean, X.mean(axis=(0, 2)), rtol=1e-6)
    model = small_cnn(normalize=(mean, variance))
    assert not model.get_layer("normalize").weights  # constants, not parameters
    normalized = keras.Model(model.input, model.get_layer("normalize").output)
    Z = np.asarray(normalized(X))
    np.testing.assert_allclose(Z.mean(axis=(0, 2)), 0.0, atol=1e-4)
    np.testing.assert_allclose(Z.var(axis=(0, 2)), 1.0, atol=1e-3)


# --- training ------------------------------------------------------------------------


def test_fit_learns_the_band(trained):
    model, history, _ = trained
    X, y = make_task(40, seed=7)  # fresh inputs, never seen
    assert max(history.history["val_accuracy"]) >= 0.9
    assert np.mean((nn.predict_proba(model, X) > 0.5) == y) >= 0.9
    assert {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(history.history)


def test_fit_prints_every_few_epochs(trained):
    _, history, printed = trained
    lines = printed.strip().splitlines()
    assert len(lines) == len(history.epoch) // 5
    assert re.fullmatch(r"epoch   5: accuracy \d\.\d{3}, loss \d\.\d{3}, "
                        r"val_accuracy \d\.\d{3}, val_loss \d\.\d{3}", lines[0])


def test_fit_restores_the_best_epoch(trained):
    model, history, _ = trained
    X, y = make_task(60, seed=123)
    best = int(np.argmin(history.history["val_loss"]))
    loss = model.evaluate(X[40:], y[40:], verbose=0, return_dict=True)["loss"]
    assert loss == pytest.approx(history.history["val_loss"][best], rel=1e-4)


def test_patience_none_trains_every_epoch():
    X, y = make_task(20)
    nn.set_seed(0)
    history = nn.fit(small_cnn(), X, y, X, y, epochs=3, patience=None)
    assert len(history.epoch) == 3


def test_same_seed_gives_identical_weights(trained):
    model, history, _ = trained
    again, history_again, _ = train_small()
    assert history_again.history == history.history
    for a, b in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)
    nn.set_seed(0)
    first = small_cnn().get_weights()
    nn.set_seed(1)
    other = small_cnn().get_weights()
    assert not np.array_equal(first[0], other[0])


def test_train_cnn_is_the_recipe():
    X, y = make_task(48, seed=5)
    model = nn.train_cnn(X[:32], y[:32], X[32:], y[32:], seed=3, epochs=2)
    assert model.input_shape == (None, *SHAPE)
    assert len(model.history.history["loss"]) == 2
    assert model.get_layer("normalize") is not None


def test_predict_proba_shape_and_range(trained):
    model, _, _ = trained
    X, _ = make_task(70, seed=3)  # two batches, the last short
    proba = nn.predict_proba(model, X)
    assert proba.shape == (70,) and proba.dtype == np.float64
    assert np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba, np.asarray(model(X, training=False))[:, 0],
                               atol=1e-5)


# --- the model cache -----------------------------------------------------------------


def _corpus_like() -> pd.DataFrame:
    return pd.DataFrame({"sha256": ["a", "b", "c"], "split": ["train", "val", "test"]})


def test_cnn_spec_names_what_the_weights_depend_on():
    corpus = _corpus_like()
    spec = nn.cnn_spec(corpus, 0, epochs=20)
    assert spec["seed"] == 0 and spec["epochs"] == 20 and spec["code"] == nn.CODE_VERSION
    assert spec == nn.cnn_spec(corpus.copy(), 0, epochs=20)
    assert spec != nn.cnn_spec(corpus, 1, epochs=20)
    assert spec != nn.cnn_spec(corpus.assign(split=["train", "test", "val"]), 0, epochs=20)
    assert spec != nn.cnn_spec(corpus.assign(sha256=["a", "b", "d"]), 0, epochs=20)


def test_load_or_train_trains_once_then_loads(tmp_cache, trained):
    model, _, _ = trained
    calls = []

    def train():
        calls.append(1)
        return model

    first = nn.load_or_train("small", {"seed": 0}, train)
    assert first is model and calls == [1]
    assert len(list((tmp_cache / "models").glob("small-*.keras"))) == 1
    loaded = nn.load_or_train("small", {"seed": 0}, train)
    assert calls == [1] and loaded is not model
    X, _ = make_task(10, seed=9)
    np.testing.assert_allclose(nn.predict_proba(loaded, X), nn.predict_proba(model, X),
                               atol=1e-6)
    nn.load_or_train("small", {"seed": 1}, train)  # another spec trains afresh
    assert calls == [1, 1]


def test_training_seconds_is_recorded_with_the_model(tmp_cache, trained):
    model, _, _ = trained
    assert nn.training_seconds("timed", {"seed": 0}) is None
    assert not nn.is_cached("timed", {"seed": 0})

    def train():
        time.sleep(0.05)
        return model

    nn.load_or_train("timed", {"seed": 0}, train)
    assert nn.is_cached("timed", {"seed": 0}) and not nn.is_cached("timed", {"seed": 1})
    assert 0.05 <= nn.training_seconds("timed", {"seed": 0}) < 30
    assert nn.training_seconds("timed", {"seed": 1}) is None


# --- conventions ---------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in nn.__all__ if callable(getattr(nn, n))])
def test_docstring_names_the_chapter(name):
    first_paragraph = getattr(nn, name).__doc__.strip().split("\n\n")[0]
    assert len(first_paragraph.splitlines()) <= 3
    assert re.search(r"Taught in chapter (06 \(A CNN that listens\)|12 \(The final "
                     r"comparison\))\.$", " ".join(first_paragraph.split()))
