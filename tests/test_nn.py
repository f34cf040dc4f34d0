"""Tests for voicelab.nn on tiny synthetic spectrograms: 16 mel bands x 32 frames, where
class 1 has a bright band in mel bands 4 to 7. Small models and few epochs keep the whole
file (TensorFlow's import included) well under a minute on two CPU cores."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402

from voicelab import nn  # noqa: E402
from voicelab.evaluate import summarize  # noqa: E402

keras = pytest.importorskip("keras")

SHAPE = (16, 32, 1)
BAND = slice(4, 8)


def make_task(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` inputs of SHAPE, half of each class; class 1 is brighter in mel bands 4-7."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.standard_normal((n, *SHAPE)).astype(np.float32)
    X[y == 1, BAND] += 2.0
    return X, y


def small_cnn(normalize=None) -> keras.Model:
    return nn.build_cnn(
        SHAPE, filters=(4, 8), dense=8, dropout=0.1, learning_rate=0.01, normalize=normalize
    )


def train_small(seed: int = 0, epochs: int = 20):
    X, y = make_task(60, seed=123)
    nn.set_seed(seed)
    model = small_cnn()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        history = nn.fit(
            model, X[:40], y[:40], X[40:], y[40:], epochs=epochs, patience=5, seed=seed
        )
    return model, history, out.getvalue()


@pytest.fixture(scope="module")
def trained():
    """A small CNN trained on 40 inputs, early-stopped on 20; and what fit printed."""
    return train_small()


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --- import --------------------------------------------------------------------------


def test_import_does_not_load_tensorflow():
    code = (
        "import sys, voicelab.nn as nn; "
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules; "
        "assert 'CompactLog' in nn.__all__ and 'CompactLog' in dir(nn)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- conv arithmetic -----------------------------------------------------------------


def test_conv_output_size_formula():
    assert nn.conv_output_size(251, 3) == 249
    assert nn.conv_output_size(251, 3, padding=1) == 251
    assert nn.conv_output_size(251, 3, padding="same") == 251
    assert nn.conv_output_size(251, 2, stride=2) == 125
    assert nn.conv_output_size(64, 5, padding=2, stride=2) == 32
    assert nn.conv_output_size(3, 3) == 1
    assert nn.same_padding(3) == 1 and nn.same_padding(7) == 3
    for n in (5, 62, 251):
        assert nn.conv_output_size(n, 5, padding=nn.same_padding(5)) == n


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(size=0, kernel=3),
        dict(size=10, kernel=0),
        dict(size=10, kernel=3, stride=0),
        dict(size=10, kernel=3, padding=-1),
        dict(size=10, kernel=3, padding="full"),
        dict(size=2, kernel=3),
        dict(size=10.0, kernel=3),
    ],
)
def test_conv_output_size_rejects_bad_arguments(kwargs):
    size, kernel = kwargs.pop("size"), kwargs.pop("kernel")
    with pytest.raises(ValueError):
        nn.conv_output_size(size, kernel, **kwargs)


def test_same_padding_rejects_even_kernels():
    with pytest.raises(ValueError, match="even"):
        nn.same_padding(4)


@pytest.mark.parametrize(
    ("size", "kernel", "stride"),
    [(64, 3, 1), (251, 3, 1), (251, 5, 2), (31, 4, 3), (16, 1, 2), (9, 9, 1), (125, 2, 2)],
)
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv_output_size_matches_keras(size, kernel, stride, padding):
    inputs = keras.Input((size, size + 7, 1))
    conv = keras.layers.Conv2D(2, kernel, strides=stride, padding=padding)(inputs)
    pooled = keras.layers.MaxPooling2D(kernel, strides=stride, padding=padding)(inputs)
    for axis, n in ((1, size), (2, size + 7)):
        expected = nn.conv_output_size(n, kernel, padding=padding, stride=stride)
        assert conv.shape[axis] == expected
        assert pooled.shape[axis] == expected
    if padding == "valid" or kernel % 2:
        p = 0 if padding == "valid" else nn.same_padding(kernel)
        assert nn.conv_output_size(size, kernel, padding=p, stride=stride) == conv.shape[1]


# --- the model -----------------------------------------------------------------------


def test_default_cnn_parameter_count_by_hand():
    model = nn.build_cnn()
    k, c_in, params = 3, 1, 0
    for c_out in (16, 32, 64):
        params += (k * k * c_in + 1) * c_out  # weights + one bias per filter
        c_in = c_out
    params += (64 + 1) * 32 + (32 + 1) * 1  # dense head after global average pooling
    assert params == 25_409
    assert model.count_params() == params
    assert model.input_shape == (None, 64, 251, 1)
    assert model.output_shape == (None, 1)
    assert model.get_layer("conv3").output.shape[1:3] == (16, 62)
    assert model.loss == "binary_crossentropy"


def test_cnn_accepts_any_length_with_global_pooling():
    nn.set_seed(0)
    model = nn.build_cnn((16, None, 1), filters=(4, 8), dense=8)
    for frames in (12, 32, 77):
        x = np.zeros((2, 16, frames, 1), np.float32)
        assert model(x, training=False).shape == (2, 1)


def test_normalization_layer_uses_training_statistics():
    X, _ = make_task(20)
    mean, variance = nn.normalization_stats(X)
    assert mean.shape == variance.shape == (16,)
    model = small_cnn(normalize=(mean, variance))
    normalized = keras.Model(model.input, model.get_layer("normalize").output)
    Z = np.asarray(normalized(X))
    np.testing.assert_allclose(Z.mean(axis=(0, 2, 3)), 0.0, atol=1e-4)
    np.testing.assert_allclose(Z.var(axis=(0, 2, 3)), 1.0, atol=1e-3)
    scalar = nn.normalization_stats(X, per_mel=False)
    assert scalar[0].shape == ()
    assert small_cnn(normalize=scalar).get_layer("normalize") is not None


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((SHAPE,), dict(dropout=1.0), "dropout"),
        ((SHAPE,), dict(filters=()), "filters"),
        ((SHAPE,), dict(filters=(4, 0)), "filters"),
        (((2, 32, 1),), dict(filters=(4, 8, 8)), "too small"),
        (((16, 32),), {}, "input_shape"),
        ((SHAPE,), dict(normalize=(np.zeros(3), np.ones(3))), "normalize"),
        ((SHAPE,), dict(normalize=(0.0, 0.0)), "variance"),
        ((SHAPE,), dict(normalize=5.0), "pair"),
    ],
)
def test_build_cnn_rejects_bad_arguments(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        nn.build_cnn(*args, **kwargs)


# --- training ------------------------------------------------------------------------


def test_fit_learns_the_band(trained):
    model, history, _ = trained
    X, y = make_task(40, seed=7)  # fresh inputs, never seen
    assert max(history.history["val_accuracy"]) >= 0.9
    assert np.mean((nn.predict_proba(model, X) > 0.5) == y) >= 0.9
    assert {"loss", "val_loss", "accuracy", "val_auc"} <= set(history.history)


def test_fit_prints_compact_lines(trained):
    _, history, printed = trained
    lines = printed.strip().splitlines()
    n = len(history.epoch)
    number = r"\d\.\d{4}"
    assert re.fullmatch(
        rf"epoch  5  loss {number}  val_loss {number}  val_accuracy \d\.\d{{3}}", lines[0]
    )
    assert lines[-2].startswith(f"epoch {n:>2}  loss")  # the last epoch is always shown
    best = int(np.argmin(history.history["val_loss"])) + 1
    assert lines[-1].startswith(f"kept the weights of epoch {best} of {n}")


def test_compact_log_every_and_last_epoch(capsys):
    log = nn.CompactLog(every=5)
    assert isinstance(log, keras.callbacks.Callback)
    log.set_params({"epochs": 30})
    log.on_train_begin()
    for epoch in range(12):
        log.on_epoch_end(
            epoch, {"loss": 0.41234, "val_loss": 0.39871, "val_accuracy": 0.91667, "auc": 1}
        )
    log.on_train_end()
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "epoch  5  loss 0.4123  val_loss 0.3987  val_accuracy 0.917",
        "epoch 10  loss 0.4123  val_loss 0.3987  val_accuracy 0.917",
        "epoch 12  loss 0.4123  val_loss 0.3987  val_accuracy 0.917",
    ]
    with pytest.raises(ValueError):
        nn.CompactLog(every=0)


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


def test_fit_restores_the_best_epoch(trained):
    model, history, _ = trained
    X, y = make_task(60, seed=123)
    best = int(np.argmin(history.history["val_loss"]))
    loss = model.evaluate(X[40:], y[40:], verbose=0, return_dict=True)["loss"]
    assert loss == pytest.approx(history.history["val_loss"][best], rel=1e-4)


def test_fit_rejects_inconsistent_data():
    X, y = make_task(20)
    model = small_cnn()
    with pytest.raises(ValueError, match="one label per input"):
        nn.fit(model, X, y[:-1], X, y)
    with pytest.raises(ValueError, match="model expects"):
        nn.fit(model, X[:, :, :20], y, X, y)
    with pytest.raises(ValueError, match="one class"):
        nn.fit(model, X, np.zeros(20), X, y)
    with pytest.raises(ValueError, match="labels 0 and 1"):
        nn.fit(model, X, y + 1, X, y)
    bad = X.copy()
    bad[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        nn.fit(model, bad, y, X, y)
    with pytest.raises(TypeError, match="keras.Model"):
        nn.fit(object(), X, y, X, y)


def test_predict_proba_shape_and_range(trained):
    model, _, _ = trained
    X, _ = make_task(70, seed=3)
    proba = nn.predict_proba(model, X, batch_size=32)  # three batches, the last short
    assert proba.shape == (70,) and proba.dtype == np.float64
    assert np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba, nn.predict_proba(model, X[..., 0]), atol=1e-6)
    np.testing.assert_allclose(
        proba, np.asarray(model(X, training=False))[:, 0], atol=1e-5
    )
    with pytest.raises(ValueError):
        nn.predict_proba(model, X[0])


# --- repeated training ---------------------------------------------------------------


def _data_fn(seed: int):
    X, y = make_task(60, seed=seed)
    return X[:30], y[:30], X[30:45], y[30:45], X[45:], y[45:]


def test_repeat_training_feeds_summarize(capsys):
    scores = nn.repeat_training(
        lambda X: small_cnn(normalize=nn.normalization_stats(X)),
        _data_fn,
        [3, 5],
        epochs=4,
        patience=2,
    )
    assert list(scores.index) == [3, 5] and scores.index.name == "seed"
    assert list(scores.columns) == [
        "repeat", "fold", "n_test", "accuracy", "roc_auc", "log_loss", "brier",
        "epochs_trained",
    ]
    assert scores["repeat"].tolist() == [0, 1] and scores["fold"].tolist() == [0, 0]
    assert scores["n_test"].tolist() == [15, 15]
    assert scores["epochs_trained"].between(1, 4).all()
    assert scores[["accuracy", "roc_auc", "brier"]].stack().between(0, 1).all()
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 2 and printed[0].startswith("seed 3: ")
    summary = summarize(scores.drop(columns="epochs_trained"))
    assert list(summary.index) == ["accuracy", "roc_auc", "log_loss", "brier"]
    assert list(summary.columns) == ["mean", "std", "low", "high", "n"]
    assert (summary["n"] == 2).all()
    assert summary.loc["accuracy", "mean"] == pytest.approx(scores["accuracy"].mean())
    assert "epochs_trained" in summarize(scores).index


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(seeds=[]), "seeds"),
        (dict(seeds=[1, 1]), "distinct"),
        (dict(seeds=[0], metrics=("accuracy", "auc")), "METRICS"),
        (dict(seeds=[0], data_fn=lambda s: (1, 2, 3)), "six arrays"),
    ],
)
def test_repeat_training_rejects_bad_arguments(kwargs, match):
    args = dict(build_fn=lambda X: small_cnn(), data_fn=_data_fn, epochs=1, patience=1)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        nn.repeat_training(**args)


# --- saliency and Grad-CAM -----------------------------------------------------------


def test_saliency_shape_and_values(trained):
    model, _, _ = trained
    X, y = make_task(4, seed=11)
    sal = nn.saliency(model, X[1])
    assert sal.shape == SHAPE[:2] and sal.dtype == np.float64
    assert np.isfinite(sal).all() and (sal >= 0).all() and sal.max() > 0
    np.testing.assert_allclose(sal, nn.saliency(model, X[1, ..., 0]))
    with pytest.raises(ValueError, match="one input"):
        nn.saliency(model, X)


def test_grad_cam_shape_range_and_focus(trained):
    model, _, _ = trained
    X, y = make_task(20, seed=11)
    maps = np.stack([nn.grad_cam(model, x) for x in X[y == 1]])
    assert maps.shape == (10, *SHAPE[:2])
    assert np.isfinite(maps).all() and maps.min() >= 0 and maps.max() <= 1
    assert np.isclose(maps.max(axis=(1, 2)), 1).all()
    # The evidence for class 1 sits on (or next to) the bright band.
    rows = maps.mean(axis=(0, 2))
    assert rows[3:9].mean() > rows[np.r_[0:2, 11:16]].mean()
    other = nn.grad_cam(model, X[0], "conv1", target=0)
    assert other.shape == SHAPE[:2] and 0 <= other.min() and other.max() <= 1


def test_grad_cam_rejects_bad_layers(trained):
    model, _, _ = trained
    x = make_task(2)[0][0]
    with pytest.raises(ValueError, match="no layer"):
        nn.grad_cam(model, x, "conv9")
    with pytest.raises(ValueError, match="convolution output"):
        nn.grad_cam(model, x, "dense")
    with pytest.raises(ValueError, match="target"):
        nn.grad_cam(model, x, target=2)
    inputs = keras.Input(SHAPE)
    flat = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.Flatten()(inputs)))
    with pytest.raises(ValueError, match="no Conv2D"):
        nn.grad_cam(flat, x)


# --- figure --------------------------------------------------------------------------


def test_plot_history_labels_and_best_epoch(trained):
    _, history, _ = trained
    ax = nn.plot_history(history, title="Small CNN")
    assert ax.get_title() == "Small CNN"
    assert ax.get_xlabel() == "Epoch"
    assert ax.get_ylabel() == "Loss (binary cross-entropy)"
    assert [a.get_ylabel() for a in ax.figure.axes] == [ax.get_ylabel(), "Accuracy"]
    best = int(np.argmin(history.history["val_loss"])) + 1
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"best epoch ({best}): weights kept" in labels
    assert {"training loss", "validation loss", "validation accuracy"} <= set(labels)
    line = [ln for ln in ax.lines if ln.get_label().startswith("best epoch")][0]
    assert line.get_xdata()[0] == best


def test_plot_history_from_dict_and_errors():
    fig, ax = plt.subplots()
    out = nn.plot_history({"loss": [0.7, 0.5, 0.4]}, ax=ax)
    assert out is ax and len(fig.axes) == 1 and ax.get_legend() is not None
    with pytest.raises(ValueError, match="loss"):
        nn.plot_history({"val_loss": [1.0]})
    with pytest.raises(ValueError, match="one value per epoch"):
        nn.plot_history({"loss": [1.0, 0.9], "val_loss": [1.0]})


# --- conventions ---------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in nn.__all__ if callable(getattr(nn, n))])
def test_docstring_names_the_chapter(name):
    first_paragraph = getattr(nn, name).__doc__.strip().split("\n\n")[0]
    assert len(first_paragraph.splitlines()) <= 2
    chapter = (
        "Taught in chapter 07 (More data from the same voices, without fooling yourself)."
        if name == "repeat_training"
        else "Taught in chapter 06 (A CNN that listens)."
    )
    assert " ".join(first_paragraph.split()).endswith(chapter)
