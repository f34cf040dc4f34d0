"""A WaveNet-style speaker classifier that reads the raw waveform.

The input is the clip at 8 kHz scaled to an RMS of 1 (:func:`prepare`). A strided causal
convolution (a learned filterbank) feeds residual blocks of gated, dilated causal
convolutions (:class:`ResidualBlock`); their skip outputs are summed, rectified and
averaged over time, so a clip of any length gives one probability
(:func:`build_wavenet`). :func:`train_wavenet` trains on random one-second crops,
:func:`load_wavenet` caches the trained network under a versioned key, and
:func:`predict_clips` scores whole clips. Chapter 11 writes each of these in a cell;
this module holds the same code. Importing it imports TensorFlow. Taught in chapter 11
(WaveNet: dilated causal convolutions).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow: no INFO lines

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import tensorflow as tf  # noqa: E402

from voicelab import audio, nn  # noqa: E402
from voicelab._util import spec_key  # noqa: E402

__all__ = [
    "SR",
    "VERSION",
    "prepare",
    "ResidualBlock",
    "build_wavenet",
    "random_crops",
    "train_wavenet",
    "wavenet_spec",
    "load_wavenet",
    "predict_clips",
]

SR = 8_000
"""The network's sample rate in Hz: half the corpus's 16 kHz."""
VERSION = 1
"""Bump when a change here changes trained weights: cached networks then retrain."""


def prepare(y: np.ndarray, sr: int = audio.SR) -> np.ndarray:
    """The network's input: ``y`` resampled to 8 kHz and scaled to an RMS of 1.
    Taught in chapter 11 (WaveNet: dilated causal convolutions).
    """
    y = audio.resample(np.asarray(y, dtype=np.float32), sr, SR)
    return (y / np.sqrt(np.mean(np.square(y, dtype=np.float64)))).astype(np.float32)


@keras.saving.register_keras_serializable(package="voicelab")
class ResidualBlock(keras.layers.Layer):
    """A WaveNet block: a gated, dilated causal convolution, then a residual output
    (the input plus a 1 × 1 convolution of the gated signal) and a skip output.
    Taught in chapter 11 (WaveNet: dilated causal convolutions).
    """

    def __init__(self, channels: int, dilation: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.channels, self.dilation = channels, dilation
        # W_f and W_g side by side: one convolution computes the filter and the gate
        self.dilated = keras.layers.Conv1D(2 * channels, 2, dilation_rate=dilation,
                                           padding="causal", use_bias=False)
        # W_r and W_s side by side: the residual and the skip 1 x 1 convolutions
        self.mix = keras.layers.Conv1D(2 * channels, 1, use_bias=False)

    def build(self, input_shape):
        self.dilated.build(input_shape)
        self.mix.build((*input_shape[:-1], self.channels))

    def call(self, x):
        f, g = keras.ops.split(self.dilated(x), 2, axis=-1)
        z = keras.ops.tanh(f) * keras.ops.sigmoid(g)  # the gated activation
        residual, skip = keras.ops.split(self.mix(z), 2, axis=-1)
        return x + residual, skip

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "channels": self.channels,
                "dilation": self.dilation}


def build_wavenet(
    *,
    channels: int = 16,
    dilations: Sequence[int] = (1, 2, 4, 8, 16, 32, 64),
    first_kernel: int = 16,
    stride: int = 8,
    learning_rate: float = 3e-3,
) -> keras.Model:
    """The classifier: a waveform of any length in, P(class 1) out, compiled with Adam.
    Taught in chapter 11 (WaveNet: dilated causal convolutions).

    A strided causal convolution (a learned filterbank), one :class:`ResidualBlock` per
    dilation (two or more), the sum of their skip outputs, ReLU, the average over time,
    and a logistic output trained with binary cross-entropy.
    """
    layers = keras.layers
    waveform = keras.Input((None, 1), name="waveform")
    x = layers.Conv1D(channels, first_kernel, strides=stride, padding="causal",
                      name="filterbank")(waveform)
    skips = []
    for i, dilation in enumerate(dilations, start=1):
        x, skip = ResidualBlock(channels, dilation, name=f"block{i}")(x)
        skips.append(skip)
    h = layers.Activation("relu", name="relu")(layers.Add(name="skip_sum")(skips))
    h = layers.GlobalAveragePooling1D(name="global_average")(h)
    p = layers.Dense(1, activation="sigmoid", name="probability")(h)
    model = keras.Model(waveform, p, name="wavenet_classifier")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="binary_crossentropy", metrics=["accuracy"])
    return model


def random_crops(
    waves: Sequence[np.ndarray],
    labels: Sequence[int],
    per_clip: int,
    *,
    rng: np.random.Generator,
    size: int = SR,
) -> tuple[np.ndarray, np.ndarray]:
    """``per_clip`` crops of ``size`` samples at random places in every clip, shape
    ``(n, size, 1)``, and their labels. Taught in chapter 11 (WaveNet: dilated causal
    convolutions).
    """
    X, y = [], []
    for wave, label in zip(waves, labels):
        for start in rng.integers(0, wave.size - size + 1, size=per_clip):
            X.append(wave[start:start + size])
            y.append(label)
    return np.stack(X)[..., np.newaxis], np.float32(y)


def train_wavenet(
    waves: Sequence[np.ndarray],
    labels: Sequence[int],
    *,
    seed: int = 0,
    epochs: int = 3,
    per_clip: int = 2,
    batch_size: int = 16,
) -> keras.Model:
    """Train :func:`build_wavenet` on fresh random one-second crops in every epoch.
    Taught in chapter 11 (WaveNet: dilated causal convolutions).
    """
    nn.set_seed(seed)  # the initial weights and the order of the batches
    rng = np.random.default_rng(seed)  # the crops
    model = build_wavenet()
    for _ in range(epochs):
        X, y = random_crops(waves, labels, per_clip, rng=rng)
        model.fit(X, y, batch_size=batch_size, epochs=1, shuffle=True, verbose=0)
    return model


def wavenet_spec(corpus: pd.DataFrame, *, seed: int = 0) -> dict[str, Any]:
    """The key of the classifier in the model cache: what its weights depend on.
    Taught in chapter 11 (WaveNet: dilated causal convolutions).
    """
    clips = {"sha256": list(corpus["sha256"]), "split": list(corpus["split"])}
    return {"clips": spec_key(clips), "sr": SR, "version": VERSION, "seed": seed}


def load_wavenet(
    corpus: pd.DataFrame, waves: Sequence[np.ndarray], *, seed: int = 0
) -> keras.Model:
    """The classifier trained on the training split: from the cache, or trained now.
    Taught in chapter 11 (WaveNet: dilated causal convolutions).

    ``waves`` are the clips of ``corpus`` after :func:`prepare`, in row order. The key
    is :func:`wavenet_spec`: the clips' hashes and split, rate, version and seed.
    """
    train = np.flatnonzero(corpus["split"].to_numpy() == "train")
    spec = wavenet_spec(corpus, seed=seed)
    return nn.load_or_train("wavenet", spec, lambda: train_wavenet(
        [waves[i] for i in train], corpus["label"].to_numpy()[train], seed=seed))


def predict_clips(model: keras.Model, waves: Sequence[np.ndarray]) -> np.ndarray:
    """P(class 1) of every whole clip, float64 of shape (n,); clips of any length.
    Taught in chapter 11 (WaveNet: dilated causal convolutions).
    """
    run = tf.function(lambda x: model(x, training=False),  # traced once, any length
                      input_signature=[tf.TensorSpec((1, None, 1), tf.float32)])
    return np.array([float(run(w[np.newaxis, :, np.newaxis])[0, 0]) for w in waves])
