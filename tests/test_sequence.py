"""Tests for voicelab.sequence on synthetic clips and tiny sequence tasks: a few small
models and epochs keep the file (TensorFlow's import included) well under a minute on
two CPU cores."""

from __future__ import annotations

import librosa
import numpy as np
import pandas as pd
import pytest

from voicelab import melspec, nn, sequence

keras = sequence.keras
SR = melspec.SR


def chirp(seconds: float, f0: float = 200.0) -> np.ndarray:
    """A rising tone with some harmonics, float32."""
    t = np.arange(round(seconds * SR)) / SR
    phase = 2 * np.pi * (f0 * t + 40 * t**2)
    return (0.3 * np.sin(phase) + 0.1 * np.sin(3 * phase)).astype(np.float32)


def toy_sequences(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Padded sequences of 6 to 12 steps x 4 features; class 1 has a raised feature 2."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = np.zeros((n, 12, 4), np.float32)
    for i in range(n):
        steps = rng.integers(6, 13)
        X[i, :steps] = rng.normal(5.0, 2.0, (steps, 4))
        X[i, :steps, 2] += 3.0 * y[i]
    return X, y


# --- sequences ------------------------------------------------------------------------


def test_mfcc_sequence_is_the_dct_of_every_step_th_log_mel_frame():
    y = chirp(1.0)
    X = sequence.mfcc_sequence(y)
    S_db = melspec.log_mel(y)
    assert X.dtype == np.float32
    assert X.shape == (1 + (S_db.shape[1] - 1) // sequence.STEP, sequence.N_MFCC)
    expected = librosa.feature.mfcc(S=S_db, n_mfcc=sequence.N_MFCC)[:, ::sequence.STEP]
    np.testing.assert_allclose(X, expected.T, rtol=1e-4, atol=1e-3)


def test_mfcc_sequence_options_keep_more_coefficients_and_frames():
    y = chirp(0.5)
    full = sequence.mfcc_sequence(y, n_mfcc=39, step=1)
    assert full.shape == (melspec.log_mel(y).shape[1], 39)
    np.testing.assert_array_equal(sequence.mfcc_sequence(y), full[::sequence.STEP, :20])


def test_mfcc_sequences_pad_with_zero_steps_at_the_end():
    clips = [chirp(0.5), chirp(1.2, f0=300.0)]
    X = sequence.mfcc_sequences(clips)
    lengths = [len(sequence.mfcc_sequence(c)) for c in clips]
    assert X.shape == (2, max(lengths), sequence.N_MFCC) and X.dtype == np.float32
    np.testing.assert_array_equal(X[0, :lengths[0]], sequence.mfcc_sequence(clips[0]))
    assert np.all(X[0, lengths[0]:] == 0)
    assert np.all(np.any(X[1] != 0, axis=-1))  # the longest clip has no padding


def test_step_stats_ignore_padding():
    X = np.zeros((2, 5, 3), np.float32)
    X[0, :2] = [[1, 2, 3], [3, 2, 1]]
    X[1, :1] = [[2, 2, 2]]
    mean, variance = sequence.step_stats(X)
    np.testing.assert_allclose(mean, [2, 2, 2])
    np.testing.assert_allclose(variance, [2 / 3, 0, 2 / 3])
    assert mean.dtype == variance.dtype == np.float64


# --- the model ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "bidirectional", "per_block"),
    [("rnn", False, 1), ("gru", False, 3), ("lstm", False, 4), ("gru", True, 3)],
)
def test_build_rnn_parameter_counts_by_formula(cell, bidirectional, per_block):
    F, H = 20, 16
    model = sequence.build_rnn(F, cell=cell, units=H, bidirectional=bidirectional)
    biases = 2 if cell == "gru" else 1  # Keras's GRU: reset_after=True, two biases
    directions = 2 if bidirectional else 1
    recurrent = directions * per_block * H * (F + H + biases)
    assert model.count_params() == recurrent + directions * H + 1
    assert model.input_shape == (None, None, F) and model.output_shape == (None, 1)
    assert model.loss == "binary_crossentropy"


def test_build_rnn_skips_padding_and_standardizes_inside():
    nn.set_seed(0)
    X, _ = toy_sequences(4)
    stats = sequence.step_stats(X)
    model = sequence.build_rnn(4, normalize=stats)
    padded = np.concatenate([X, np.zeros((4, 7, 4), np.float32)], axis=1)
    np.testing.assert_allclose(model(X).numpy(), model(padded).numpy(), atol=1e-6)
    layer = model.get_layer("normalize")
    x = X[:1, :3]
    np.testing.assert_allclose(layer(x).numpy(), (x - stats[0]) / np.sqrt(stats[1]),
                               rtol=1e-4, atol=1e-4)


@pytest.fixture(scope="module")
def trained():
    """A GRU trained by train_rnn on 48 toy sequences, validated on 24."""
    X, y = toy_sequences(72, seed=1)
    model = sequence.train_rnn(X[:48], y[:48], X[48:], y[48:], seed=0, epochs=6,
                               units=8)
    return model, X[48:], y[48:]


def test_train_rnn_learns_a_separable_task(trained):
    model, X_val, y_val = trained
    p = nn.predict_proba(model, X_val)
    assert np.mean((p > 0.5) == y_val) >= 0.9
    assert model.get_layer("gru").units == 8
    assert 1 <= len(model.history.history["val_loss"]) <= 6


def test_train_rnn_is_repeatable():
    X, y = toy_sequences(40, seed=2)
    runs = [sequence.train_rnn(X[:24], y[:24], X[24:], y[24:], seed=3, epochs=2,
                               cell="lstm", units=4) for _ in range(2)]
    for a, b in zip(*(run.get_weights() for run in runs)):
        np.testing.assert_array_equal(a, b)


# --- the cache key --------------------------------------------------------------------


def test_rnn_spec_names_what_the_weights_depend_on():
    corpus = pd.DataFrame({"sha256": ["a", "b"], "split": ["train", "val"]})
    spec = sequence.rnn_spec(corpus, 0, cell="gru", epochs=8)
    assert spec["seed"] == 0 and spec["cell"] == "gru" and spec["epochs"] == 8
    assert spec["sequence"][:3] == [sequence.SEQUENCE_VERSION, 20, 8]
    assert spec != sequence.rnn_spec(corpus, 1, cell="gru", epochs=8)
    moved = corpus.assign(split=["val", "train"])
    assert spec["clips"] != sequence.rnn_spec(moved, 0, cell="gru", epochs=8)["clips"]
    assert spec == sequence.rnn_spec(corpus.copy(), 0, cell="gru", epochs=8)


def test_a_model_cached_under_rnn_spec_is_found_again(tmp_cache):
    corpus = pd.DataFrame({"sha256": ["a"], "split": ["train"]})
    spec = sequence.rnn_spec(corpus, 0, cell="rnn", units=2)
    built = []

    def train():
        built.append(1)
        return sequence.build_rnn(3, cell="rnn", units=2)

    first = nn.load_or_train("rnn-test", spec, train)
    again = nn.load_or_train("rnn-test", spec, train)
    assert built == [1]
    x = np.ones((1, 4, 3), np.float32)
    np.testing.assert_allclose(first(x).numpy(), again(x).numpy())
    assert list((tmp_cache / "models").glob("rnn-test-*.keras"))
