"""Tests for voicelab.wavenet: the input preparation, the residual block against its
equations, the classifier's parameters and receptive field, the crops, training on a toy
task of two tones, the cache and the whole-clip predictions. Small networks keep the
file within about half a minute on two CPU cores (TensorFlow's import included)."""

from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path

import jupytext
import numpy as np
import pandas as pd
import pytest

from voicelab import wavenet

keras, tf = wavenet.keras, wavenet.tf
CHAPTER = Path(__file__).resolve().parents[1] / "notebooks" / "11_wavenet.ipynb"


def causal(x: np.ndarray, w: np.ndarray, dilation: int = 1) -> np.ndarray:
    """Causal convolution of x (time, in) with w (k, in, out), written independently."""
    k, out = w.shape[0], np.zeros((len(x), w.shape[2]))
    for t in range(len(x)):
        for i in range(k):
            source = t - (k - 1 - i) * dilation
            if source >= 0:
                out[t] += x[source] @ w[i]
    return out


def tones(n: int, seed: int = 0) -> tuple[list[np.ndarray], np.ndarray]:
    """``n`` noisy 8 kHz clips of 1.2 to 1.6 s: a 300 Hz tone (class 0) or 600 Hz."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    waves = []
    for label in labels:
        t = np.arange(int(rng.integers(9600, 12800))) / wavenet.SR
        y = np.sin(2 * np.pi * (300 + 300 * label) * t + rng.uniform(0, 6))
        waves.append((y + 0.3 * rng.standard_normal(t.size)).astype(np.float32))
    return waves, labels


@pytest.fixture(scope="module")
def trained():
    """A classifier trained on 16 toy clips, and 8 new ones to test it on."""
    waves, labels = tones(24)
    model = wavenet.train_wavenet(waves[:16], labels[:16], seed=0, epochs=3, per_clip=4)
    return model, waves[16:], labels[16:]


# --- input ----------------------------------------------------------------------------


def test_prepare_halves_the_rate_and_scales_to_unit_rms():
    t = np.arange(16_000) / 16_000
    y = (0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    x = wavenet.prepare(y, 16_000)
    assert x.dtype == np.float32 and x.size == 8_000
    assert np.sqrt(np.mean(x.astype(np.float64) ** 2)) == pytest.approx(1, abs=1e-5)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    assert np.fft.rfftfreq(x.size, 1 / wavenet.SR)[np.argmax(spectrum)] == 440
    assert wavenet.prepare(x, wavenet.SR).size == x.size  # already at 8 kHz


# --- the residual block ---------------------------------------------------------------


def test_block_follows_its_equations_and_counts_6_c_squared_weights():
    keras.utils.set_random_seed(0)
    block = wavenet.ResidualBlock(4, dilation=3)
    x = np.random.default_rng(0).standard_normal((1, 40, 4)).astype(np.float32)
    x_next, skip = (out.numpy()[0] for out in block(x))
    w_dilated, w_mix = block.get_weights()
    a = causal(x[0], w_dilated, dilation=3)
    z = np.tanh(a[:, :4]) / (1 + np.exp(-a[:, 4:]))
    mixed = causal(z, w_mix)
    np.testing.assert_allclose(x_next, x[0] + mixed[:, :4], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(skip, mixed[:, 4:], rtol=1e-4, atol=1e-5)
    assert block.count_params() == 6 * 4**2


def test_block_is_causal():
    block = wavenet.ResidualBlock(4, dilation=2)
    x = np.random.default_rng(1).standard_normal((1, 30, 4)).astype(np.float32)
    changed = x.copy()
    changed[0, 20:] += 1.0
    for before, after in zip(block(x), block(changed)):
        np.testing.assert_array_equal(before.numpy()[0, :20], after.numpy()[0, :20])
        assert not np.allclose(before.numpy()[0, 20], after.numpy()[0, 20])


def test_block_round_trips_through_its_config():
    block = wavenet.ResidualBlock(8, dilation=4, name="b")
    clone = wavenet.ResidualBlock.from_config(block.get_config())
    assert (clone.channels, clone.dilation, clone.name) == (8, 4, "b")


def test_chapter_writes_the_package_block():
    cells = [c.source for c in jupytext.read(CHAPTER).cells if c.cell_type == "code"]
    sources = []
    for source in cells:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        sources += [ast.get_source_segment(source, node) for node in tree.body
                    if isinstance(node, ast.ClassDef) and node.name == "ResidualBlock"]
    package = textwrap.dedent(inspect.getsource(wavenet.ResidualBlock)).strip()
    package = "\n".join(package.splitlines()[1:])  # without the decorator
    assert sources == [package]


# --- the classifier -------------------------------------------------------------------


def test_classifier_parameters_and_receptive_field():
    keras.utils.set_random_seed(0)
    model = wavenet.build_wavenet()
    assert model.count_params() == (16 * 16 + 16) + 7 * 6 * 16**2 + 17
    skip_sum = keras.Model(model.input, model.get_layer("skip_sum").output)
    probe = tf.Variable(np.random.default_rng(2).standard_normal((1, 3000, 1)),
                        dtype=tf.float32)
    with tf.GradientTape() as tape:
        frame = tf.reduce_sum(skip_sum(probe)[0, 250])  # ends at sample 8 * 250
    support = np.flatnonzero(tape.gradient(frame, probe).numpy()[0, :, 0])
    assert support.max() == 2000 and support.size == 16 + 8 * 127  # 1032 samples


def test_classifier_takes_any_length_and_returns_probabilities():
    model = wavenet.build_wavenet(channels=4, dilations=(1, 2))
    for n in (800, 2345):
        p = model(np.zeros((2, n, 1), np.float32)).numpy()
        assert p.shape == (2, 1) and np.all((p > 0) & (p < 1))
    assert model.loss == "binary_crossentropy"


def test_random_crops_are_slices_of_their_clips():
    waves, labels = tones(4)
    rng = np.random.default_rng(0)
    X, y = wavenet.random_crops(waves, labels, 3, rng=rng, size=500)
    assert X.shape == (12, 500, 1) and X.dtype == np.float32
    np.testing.assert_array_equal(y, np.repeat(labels, 3))
    for crop, source in zip(X[:, :, 0], np.repeat(np.arange(4), 3)):
        wave = waves[source]
        windows = np.lib.stride_tricks.sliding_window_view(wave, 500)
        assert np.any(np.all(windows == crop, axis=1))
    again, _ = wavenet.random_crops(waves, labels, 3, rng=np.random.default_rng(0),
                                    size=500)
    np.testing.assert_array_equal(X, again)


def test_training_separates_two_tones(trained):
    model, waves, labels = trained
    p = wavenet.predict_clips(model, waves)
    assert p.shape == (8,) and p.dtype == np.float64
    assert np.all((p > 0.5) == labels)


def test_predict_clips_matches_the_model_clip_by_clip(trained):
    model, waves, _ = trained
    p = wavenet.predict_clips(model, waves[:3])
    for wave, value in zip(waves[:3], p):
        direct = float(model(wave[np.newaxis, :, np.newaxis])[0, 0])
        assert value == pytest.approx(direct, rel=1e-5, abs=1e-6)


# --- the cache ------------------------------------------------------------------------


def test_load_wavenet_trains_once_per_key_and_loads_the_same_network(monkeypatch):
    waves, labels = tones(6)
    corpus = pd.DataFrame({"sha256": [f"{i:064x}" for i in range(6)],
                           "split": ["train"] * 4 + ["val", "test"], "label": labels})
    calls = []

    def fake_train(train_waves, train_labels, *, seed):
        calls.append((len(train_waves), list(train_labels), seed))
        keras.utils.set_random_seed(seed)
        return wavenet.build_wavenet(channels=4, dilations=(1, 2))

    monkeypatch.setattr(wavenet, "train_wavenet", fake_train)
    first = wavenet.load_wavenet(corpus, waves, seed=1)
    again = wavenet.load_wavenet(corpus, waves, seed=1)
    assert calls == [(4, list(labels[:4]), 1)]
    for a, b in zip(first.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert isinstance(again.get_layer("block1"), wavenet.ResidualBlock)
    wavenet.load_wavenet(corpus, waves, seed=2)  # another seed: another key
    moved = corpus.assign(split=["train"] * 3 + ["val", "val", "test"])
    wavenet.load_wavenet(moved, waves, seed=1)  # another split: another key
    assert [c[2] for c in calls] == [1, 2, 1] and calls[-1][0] == 3


def test_wavenet_spec_follows_the_clips_and_the_seed():
    corpus = pd.DataFrame({"sha256": ["a", "b"], "split": ["train", "test"]})
    spec = wavenet.wavenet_spec(corpus)
    assert spec["sr"] == wavenet.SR and spec["seed"] == 0
    assert wavenet.wavenet_spec(corpus, seed=1) != spec
    assert wavenet.wavenet_spec(corpus.assign(sha256=["a", "c"])) != spec
