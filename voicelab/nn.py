"""The compact CNN of chapter 06, its training with early stopping, and a versioned
cache of trained models that the later chapters reuse.

Chapter 06 writes each of these functions in a cell; this module holds the same code.
Importing it imports TensorFlow, which takes a few seconds. Taught in chapter 06 (A CNN
that listens).
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow: no C++ log lines

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import tensorflow as tf  # noqa: E402

from voicelab import melspec  # noqa: E402
from voicelab._util import atomic_write_bytes, cache_dir, locked, spec_key  # noqa: E402

__all__ = [
    "INPUT_SHAPE",
    "CODE_VERSION",
    "set_seed",
    "normalization_stats",
    "build_cnn",
    "fit",
    "train_cnn",
    "predict_proba",
    "cnn_spec",
    "load_or_train",
    "is_cached",
    "training_seconds",
]

INPUT_SHAPE = (melspec.LOGMEL.n_mels, melspec.n_frames(melspec.LOGMEL.clip_seconds))
"""(mel bands, frames) of one clip of the log-mel front end: (64, 251) for 4 s."""

CODE_VERSION = 2
"""Bump when a change here changes trained weights: cached models then retrain."""


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow, and make TensorFlow's kernels deterministic.
    Taught in chapter 06 (A CNN that listens).
    """
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def normalization_stats(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of each mel band over clips and frames, shape (n_mels,) each.
    Taught in chapter 06 (A CNN that listens).

    Compute them on the training clips only.
    """
    X = np.asarray(X, dtype=np.float64)
    return X.mean(axis=(0, 2)), X.var(axis=(0, 2))


def build_cnn(
    input_shape: tuple[int, int | None] = INPUT_SHAPE,
    *,
    filters: Sequence[int] = (16, 32, 64),
    kernel: int = 3,
    pool: int = 4,
    dropout: float = 0.3,
    dense: int = 32,
    normalize: tuple[np.ndarray, np.ndarray] | None = None,
    learning_rate: float = 3e-3,
) -> keras.Model:
    """The compact CNN: a log-mel spectrogram in, P(class 1) out, compiled with Adam.
    Taught in chapter 06 (A CNN that listens).

    ``input_shape`` is (mel bands, frames); frames may be None for clips of any length.
    ``normalize`` is (mean, variance) per mel band of the training clips.
    """
    layers = keras.layers
    inputs = keras.Input(input_shape, name="log_mel")
    x = inputs
    if normalize is not None:
        mean, variance = normalize
        x = layers.Normalization(axis=1, mean=mean, variance=variance,
                                 name="normalize")(x)
    x = layers.Reshape((input_shape[0], -1, 1), name="channel")(x)  # one grey channel
    for i, n_filters in enumerate(filters, start=1):
        x = layers.Conv2D(n_filters, kernel, padding="same", activation="relu",
                          name=f"conv{i}")(x)
        if i < len(filters):
            x = layers.MaxPooling2D(pool, name=f"pool{i}")(x)
    x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    x = layers.Dense(dense, activation="relu", name="dense")(x)
    x = layers.Dense(1, name="logit")(x)
    outputs = layers.Activation("sigmoid", name="probability")(x)
    model = keras.Model(inputs, outputs, name="voice_cnn")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model


def fit(
    model: keras.Model,
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    *,
    epochs: int = 20,
    batch_size: int = 16,
    patience: int | None = 4,
    seed: int = 0,
    verbose_every: int = 0,
) -> keras.callbacks.History:
    """Train until the validation loss stops falling; keep the best epoch's weights.
    Taught in chapter 06 (A CNN that listens).

    ``patience=None`` trains all ``epochs``; ``verbose_every=5`` prints every 5th epoch.
    """
    assert len(X_train) == len(y_train) and len(X_val) == len(y_val)
    set_seed(seed)  # the order of the batches and the dropout masks
    train = (tf.data.Dataset.from_tensor_slices((X_train, np.float32(y_train)))
             .shuffle(len(X_train), seed=seed).batch(batch_size))
    val = tf.data.Dataset.from_tensor_slices((X_val, np.float32(y_val))).batch(64)
    stop = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=epochs if patience is None else patience,
        restore_best_weights=True)

    def log(epoch: int, logs: Mapping[str, float]) -> None:
        if verbose_every and (epoch + 1) % verbose_every == 0:
            print(f"epoch {epoch + 1:3d}: " + ", ".join(
                f"{key} {value:.3f}" for key, value in sorted(logs.items())))

    return model.fit(train, validation_data=val, epochs=epochs, verbose=0,
                     shuffle=False,  # the pipeline shuffles, anew in every epoch
                     callbacks=[stop, keras.callbacks.LambdaCallback(on_epoch_end=log)])


def train_cnn(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    *,
    seed: int = 0,
    epochs: int = 20,
    patience: int | None = 4,
    verbose_every: int = 0,
) -> keras.Model:
    """Chapter 06's recipe: seed, normalise on the training clips, build, fit.
    Taught in chapter 06 (A CNN that listens).

    The training history is ``model.history.history``.
    """
    set_seed(seed)
    model = build_cnn(X_train.shape[1:], normalize=normalization_stats(X_train))
    fit(model, X_train, y_train, X_val, y_val, epochs=epochs, patience=patience,
        seed=seed, verbose_every=verbose_every)
    return model


def predict_proba(model: keras.Model, X: np.ndarray) -> np.ndarray:
    """P(class 1) of every clip, float64 of shape (n,). Inference mode: no dropout.
    Taught in chapter 06 (A CNN that listens).
    """
    batches = tf.data.Dataset.from_tensor_slices(np.float32(X)).batch(64)
    return model.predict(batches, verbose=0)[:, 0].astype(np.float64)


def cnn_spec(corpus: pd.DataFrame, seed: int, **recipe: Any) -> dict[str, Any]:
    """What a trained CNN depends on, as a :func:`load_or_train` spec: the clips and
    their split, the log-mel front end, this module's code, the seed and ``recipe``.
    Taught in chapter 06 (A CNN that listens).

    Pass in ``recipe`` everything else that changes the weights (epochs, augmentation).
    """
    clips = {"sha256": list(corpus["sha256"]), "split": list(corpus["split"])}
    return {
        "clips": spec_key(clips),
        "logmel": [dataclasses.asdict(melspec.LOGMEL), melspec.LOGMEL_VERSION],
        "code": CODE_VERSION,
        "seed": seed,
        **recipe,
    }


def _model_path(name: str, spec: Mapping[str, Any]) -> Path:
    """Where :func:`load_or_train` keeps the model of ``name`` and ``spec``."""
    return cache_dir() / "models" / f"{name}-{spec_key(dict(spec))}.keras"


def load_or_train(name: str, spec: Mapping[str, Any], train: Callable[[], Any]) -> Any:
    """The Keras model cached under ``name`` and ``spec``, else ``train()``'s, cached.
    Taught in chapter 06 (A CNN that listens).

    ``spec`` (JSON-able) holds all that changes the weights: data hashes, code version,
    seed, hyperparameters. Another spec trains afresh. Later chapters reuse a model by
    passing the same name and spec. Files: ``<cache>/models/<name>-<hash>.keras``, and
    beside it a ``.json`` with the training time. A second kernel asking for the same
    model while the first trains it waits for it instead of training it twice.
    """
    path = _model_path(name, spec)
    with locked(path):
        if path.is_file():
            return keras.models.load_model(path)
        start = time.perf_counter()
        model = train()
        seconds = time.perf_counter() - start
        tmp = path.with_name(f".{path.stem}-{os.getpid()}.keras")
        model.save(tmp)
        os.replace(tmp, path)
        atomic_write_bytes(path.with_suffix(".json"),
                           json.dumps({"train_seconds": seconds}).encode())
    return model


def is_cached(name: str, spec: Mapping[str, Any]) -> bool:
    """Whether :func:`load_or_train` will load this model rather than train it.
    Taught in chapter 12 (The final comparison).
    """
    return _model_path(name, spec).is_file()


def training_seconds(name: str, spec: Mapping[str, Any]) -> float | None:
    """How long :func:`load_or_train` took to train this model, or None if unknown.
    Taught in chapter 12 (The final comparison).
    """
    meta = _model_path(name, spec).with_suffix(".json")
    return json.loads(meta.read_text())["train_seconds"] if meta.is_file() else None
