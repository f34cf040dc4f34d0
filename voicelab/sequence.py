"""MFCC sequences and the small recurrent classifier of chapter 08, for the final
comparison and for you.

Chapter 08 writes each of these functions in a cell; this module holds the same code.
Importing it imports TensorFlow, which takes a few seconds. Taught in chapter 08
(Recurrent networks: RNN, GRU, LSTM).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow: no INFO lines

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import scipy.fft  # noqa: E402

from voicelab import melspec, nn  # noqa: E402
from voicelab._util import spec_key  # noqa: E402

__all__ = [
    "N_MFCC",
    "STEP",
    "SEQUENCE_VERSION",
    "mfcc_sequence",
    "mfcc_sequences",
    "step_stats",
    "build_rnn",
    "train_rnn",
    "rnn_spec",
]

N_MFCC = 20
"""MFCCs per step: the first 20 DCT coefficients of a log-mel frame."""
STEP = 8
"""Keep every 8th frame of the log-mel front end: steps 128 ms apart."""
SEQUENCE_VERSION = 1
"""Bump when a change here changes the sequences or weights: cached models retrain."""


def mfcc_sequence(
    y: np.ndarray, sr: int = melspec.SR, *, n_mfcc: int = N_MFCC, step: int = STEP
) -> np.ndarray:
    """The MFCCs of one clip as a sequence, float32 of shape (steps, n_mfcc).
    Taught in chapter 08 (Recurrent networks: RNN, GRU, LSTM).

    The DCT of each log-mel frame of :func:`voicelab.melspec.log_mel`, keeping every
    ``step``-th frame: ``1 + (frames - 1) // step`` steps.
    """
    S_db = melspec.log_mel(y, sr)  # (mel bands, frames)
    mfcc = scipy.fft.dct(S_db, type=2, norm="ortho", axis=0)[:n_mfcc]
    return mfcc[:, ::step].T.astype(np.float32)


def mfcc_sequences(clips: Sequence[np.ndarray], sr: int = melspec.SR) -> np.ndarray:
    """MFCC sequences of clips, padded with zero steps at the end to the longest.
    Taught in chapter 08 (Recurrent networks: RNN, GRU, LSTM).

    Returns float32 of shape (clips, steps, N_MFCC); a step of zeros is padding.
    """
    sequences = [mfcc_sequence(y, sr) for y in clips]
    return keras.utils.pad_sequences(sequences, padding="post", dtype="float32")


def step_stats(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of each coefficient over the real (not padding) steps.
    Taught in chapter 08 (Recurrent networks: RNN, GRU, LSTM).

    Compute them on the training sequences only; each has shape (n_features,).
    """
    steps = X[np.any(X != 0, axis=-1)]  # (real steps, n_features)
    return steps.mean(axis=0, dtype=np.float64), steps.var(axis=0, dtype=np.float64)


def build_rnn(
    n_features: int = N_MFCC,
    *,
    cell: str = "gru",
    units: int = 32,
    bidirectional: bool = False,
    normalize: tuple[np.ndarray, np.ndarray] | None = None,
    learning_rate: float = 1e-2,
) -> keras.Model:
    """One recurrent layer over masked, standardised steps; P(class 1) out; compiled.
    Taught in chapter 08 (Recurrent networks: RNN, GRU, LSTM).

    ``cell`` is "rnn", "gru" or "lstm"; ``normalize`` is (mean, variance) per feature
    of the training steps. Steps of all zeros are padding: the layer skips them.
    """
    layers = keras.layers
    inputs = keras.Input((None, n_features), name="mfcc")
    x = layers.Masking(mask_value=0.0, name="mask")(inputs)
    if normalize is not None:
        mean, variance = normalize
        x = layers.Normalization(axis=-1, mean=mean, variance=variance,
                                 name="normalize")(x)
    kind = {"rnn": layers.SimpleRNN, "gru": layers.GRU, "lstm": layers.LSTM}[cell]
    recurrent = kind(units, name=cell)
    if bidirectional:
        recurrent = layers.Bidirectional(recurrent, name=f"bi{cell}")
    x = recurrent(x)  # the state after the last real step
    outputs = layers.Dense(1, activation="sigmoid", name="probability")(x)
    model = keras.Model(inputs, outputs, name=f"voice_{cell}")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model


def train_rnn(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    *,
    seed: int = 0,
    epochs: int = 8,
    patience: int = 2,
    **architecture: Any,
) -> keras.Model:
    """Chapter 08's recipe: seed, standardise on the training steps, build, fit.
    Taught in chapter 08 (Recurrent networks: RNN, GRU, LSTM).

    ``architecture`` goes to :func:`build_rnn` (``cell``, ``units``, ``bidirectional``).
    Batches of 32; early stopping on the validation loss keeps the best epoch.
    """
    nn.set_seed(seed)
    model = build_rnn(X_train.shape[-1], normalize=step_stats(X_train), **architecture)
    nn.fit(model, X_train, y_train, X_val, y_val, epochs=epochs, batch_size=32,
           patience=patience, seed=seed)
    return model


def rnn_spec(corpus: pd.DataFrame, seed: int, **recipe: Any) -> dict[str, Any]:
    """What a trained recurrent model depends on, as a ``nn.load_or_train`` spec.
    Taught in chapter 08 (Recurrent networks: RNN, GRU, LSTM).

    The clips and their split, the log-mel front end, this module's version and
    sequence parameters, the seed and ``recipe`` (architecture, epochs, ...).
    """
    clips = {"sha256": list(corpus["sha256"]), "split": list(corpus["split"])}
    return {
        "clips": spec_key(clips),
        "logmel": [dataclasses.asdict(melspec.LOGMEL), melspec.LOGMEL_VERSION],
        "sequence": [SEQUENCE_VERSION, N_MFCC, STEP, nn.CODE_VERSION],
        "seed": seed,
        **recipe,
    }
