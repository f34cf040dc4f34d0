"""Denoising speech: reproducible noise, the SI-SDR metric and a small mask network.

White, pink and brown noise come from :func:`voicelab.augment.make_noise`, mains hum
from :func:`hum`, babble from :func:`babble`; :func:`make_mixture` adds one to a clip at
an exact SNR and returns a noise-only excerpt, the profile a denoiser may use.
:func:`si_sdr` scores an estimate against the clean clip. The denoiser is a small
convolutional encoder-decoder on the log-magnitude STFT that predicts a mask;
:func:`load_denoiser` trains it once on the training sentences and caches it under a
versioned key, :func:`apply_denoiser` cleans a clip. Chapter 10 writes each function in
a cell; this module holds the same code. Taught in chapter 10 (Denoising).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import librosa
import numpy as np
import pandas as pd

from voicelab import augment
from voicelab.audio import SR

__all__ = [
    "N_FFT",
    "HOP",
    "EXCERPT",
    "SEEN_NOISES",
    "UNSEEN_NOISES",
    "DENOISER_VERSION",
    "si_sdr",
    "hum",
    "babble",
    "make_mixture",
    "denoiser_inputs",
    "build_denoiser",
    "training_patches",
    "train_denoiser",
    "denoiser_spec",
    "load_denoiser",
    "apply_denoiser",
]

N_FFT = 512  # 32 ms window: 256 bins below the Nyquist frequency, 31.25 Hz apart
HOP = 128  # 8 ms hop: four frames overlap every sample
EXCERPT = SR // 2  # a half-second noise-only excerpt: the noise profile
SEEN_NOISES = ("white", "pink", "hum", "babble")  # the denoiser trains on these
UNSEEN_NOISES = ("brown",)  # ... and meets this one only in the test
DENOISER_VERSION = 1  # bump when a change here changes the trained weights


def si_sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Scale-invariant signal-to-distortion ratio of an estimate, in dB.
    Taught in chapter 10 (Denoising).
    """
    s = np.asarray(reference, dtype=np.float64)
    s_hat = np.asarray(estimate, dtype=np.float64)
    s, s_hat = s - s.mean(), s_hat - s_hat.mean()
    alpha = np.dot(s_hat, s) / np.dot(s, s)  # the gain that best matches the reference
    target = alpha * s
    error = s_hat - target
    return float(10 * np.log10(np.sum(target**2) / np.sum(error**2)))


def hum(
    n: int, sr: int, *, rng: np.random.Generator, f0: int = 50, fmax: int = 4000
) -> np.ndarray:
    """Mains hum: the harmonics of ``f0`` Hz up to ``fmax``, amplitude 1/sqrt(k), RMS 1.
    Taught in chapter 10 (Denoising).

    Each harmonic gets a random phase from ``rng``. The sum repeats every ``sr // f0``
    samples, so one period is computed and repeated.
    """
    k = np.arange(1, fmax // f0 + 1)[:, np.newaxis]
    t = np.arange(sr // f0) / sr
    phase = rng.uniform(0, 2 * np.pi, size=(k.size, 1))
    period = np.sum(np.sin(2 * np.pi * f0 * k * t + phase) / np.sqrt(k), axis=0)
    noise = np.resize(period, n)
    return noise / np.sqrt(np.mean(noise**2))


def babble(
    talkers: Sequence[np.ndarray], n: int, *, rng: np.random.Generator, k: int = 4
) -> np.ndarray:
    """Babble: ``k`` of the ``talkers``, each at RMS 1 from a random start, summed.
    Taught in chapter 10 (Denoising).

    Each clip is read circularly, so a short clip fills ``n`` samples.
    """
    noise = np.zeros(n)
    for i in rng.choice(len(talkers), size=k, replace=False):
        clip = np.asarray(talkers[i], dtype=np.float64)
        clip = clip / np.sqrt(np.mean(clip**2))
        start = rng.integers(clip.size)
        noise += np.take(clip, np.arange(start, start + n), mode="wrap")
    return noise / np.sqrt(np.mean(noise**2))


def make_mixture(
    y: np.ndarray, kind: str, snr: float, *, rng: np.random.Generator,
    talkers: Sequence[np.ndarray] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """``y`` plus noise at ``snr`` dB, and a noise-only excerpt at the same gain.
    Taught in chapter 10 (Denoising).

    ``kind`` is "white", "pink", "brown", "hum" or "babble" (made from ``talkers``).
    Nothing below 50 Hz is kept, so the SNR counts only noise you can hear. The excerpt
    (``EXCERPT`` samples) is the noise that follows the mixed part, as a half second of
    room tone before the speech would be.
    """
    n = y.size + EXCERPT
    if kind == "hum":
        noise = hum(n, SR, rng=rng)
    elif kind == "babble":
        noise = babble(talkers, n, rng=rng)
    else:
        noise = augment.make_noise(n, kind, rng=rng)
    spectrum = np.fft.rfft(noise)
    spectrum[np.fft.rfftfreq(n, d=1 / SR) < 50] = 0
    noise = np.fft.irfft(spectrum, n)
    noisy = augment.add_noise(y, snr, rng=None, noise=noise[: y.size])
    added = noisy.astype(np.float64) - y
    gain = np.sqrt(np.mean(added**2) / np.mean(noise[: y.size] ** 2))
    return noisy, (gain * noise[y.size :]).astype(y.dtype)


def denoiser_inputs(
    noisy: np.ndarray, excerpt: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The noisy STFT and the network's input, shape ``(N_FFT // 2, frames, 2)``.
    Taught in chapter 10 (Denoising).

    Channel 0: each cell's level above the mean level of the noise excerpt in its bin,
    in units of 10 dB. Channel 1: the level itself, ``(dB + 40) / 20``. The bin at the
    Nyquist frequency is left out, so that 256 bins halve evenly.
    """
    X = librosa.stft(noisy, n_fft=N_FFT, hop_length=HOP)
    E = librosa.stft(excerpt, n_fft=N_FFT, hop_length=HOP)
    X_db = librosa.amplitude_to_db(np.abs(X[:-1]), amin=1e-8, top_db=None)
    E_db = librosa.amplitude_to_db(np.abs(E[:-1]), amin=1e-8, top_db=None)
    floor_db = E_db.mean(axis=1, keepdims=True)
    Z = np.stack([(X_db - floor_db) / 10, (X_db + 40) / 20], axis=-1)
    return X, Z.astype(np.float32)


def build_denoiser() -> Any:
    """The mask network: encoder, 4-channel bottleneck, decoder, and a last layer that
    also sees the input. Taught in chapter 10 (Denoising).
    """
    import keras

    layers = keras.layers
    x = keras.Input(shape=(N_FFT // 2, None, 2))
    h = layers.Conv2D(8, 3, padding="same", activation="relu")(x)
    h = layers.MaxPooling2D(2)(h)
    h = layers.Conv2D(16, 3, padding="same", activation="relu")(h)
    h = layers.MaxPooling2D(2)(h)
    code = layers.Conv2D(4, 3, padding="same", activation="relu", name="bottleneck")(h)
    h = layers.UpSampling2D(2)(code)
    h = layers.Conv2D(16, 3, padding="same", activation="relu")(h)
    h = layers.UpSampling2D(2)(h)
    h = layers.Concatenate()([h, x])
    mask = layers.Conv2D(1, 3, padding="same", activation="sigmoid")(h)
    return keras.Model(x, mask, name="denoiser")


def training_patches(
    clips: Sequence[np.ndarray], sentences: Sequence[str], *,
    rng: np.random.Generator, per_clip: int = 4, frames: int = 64,
) -> tuple[np.ndarray, ...]:
    """Inputs, target masks and loss weights: random patches of seen-noise mixtures.
    Taught in chapter 10 (Denoising).

    Each clip is mixed once, with a seen noise kind at an SNR uniform in [-5, 15] dB
    (babble from clips of other sentences). The target mask is ``min(|S| / |X|, 1)``;
    a cell's weight is its noisy magnitude over the clip's mean: loud cells count more.
    """
    inputs, masks, weights = [], [], []
    for y, sentence in zip(clips, sentences):
        kind = SEEN_NOISES[rng.integers(len(SEEN_NOISES))]
        talkers = [c for c, s in zip(clips, sentences) if s != sentence]
        snr = rng.uniform(-5, 15)
        noisy, excerpt = make_mixture(y, kind, snr, rng=rng, talkers=talkers)
        X, Z = denoiser_inputs(noisy, excerpt)
        S = np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP)[:-1])
        A = np.abs(X[:-1])
        M = np.minimum(S / np.maximum(A, 1e-8), 1)
        for start in rng.integers(0, Z.shape[1] - frames, size=per_clip):
            cells = slice(start, start + frames)
            inputs.append(Z[:, cells])
            masks.append(M[:, cells, np.newaxis])
            weights.append(A[:, cells] / A.mean())
    return tuple(np.stack(a).astype(np.float32) for a in (inputs, masks, weights))


def train_denoiser(
    train: tuple, val: tuple, *, seed: int = 0, epochs: int = 8
) -> Any:
    """Train the mask network on ``train = (clips, sentences)``; stop on ``val``'s loss.
    Taught in chapter 10 (Denoising).
    """
    import keras

    from voicelab import nn

    nn.set_seed(seed)
    rng = np.random.default_rng(seed)
    X_train, M_train, W_train = training_patches(*train, rng=rng)
    X_val, M_val, W_val = training_patches(*val, rng=rng, per_clip=2)
    model = build_denoiser()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3), loss="mse")
    stop = keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    model.fit(X_train, M_train, sample_weight=W_train, epochs=epochs, batch_size=32,
              validation_data=(X_val, M_val, W_val), callbacks=[stop], verbose=2)
    return model


def denoiser_spec(corpus: pd.DataFrame, *, seed: int = 0) -> dict[str, Any]:
    """The key of the denoiser in the model cache: what its weights depend on.
    Taught in chapter 10 (Denoising).
    """
    split = corpus["split"].to_numpy()
    return {"version": DENOISER_VERSION, "seed": seed,
            "train": list(corpus["sha256"][split == "train"]),
            "val": list(corpus["sha256"][split == "val"])}


def load_denoiser(
    corpus: pd.DataFrame, clips: Sequence[np.ndarray], *, seed: int = 0
) -> Any:
    """The denoiser trained on the training sentences: from the cache, or trained now.
    Taught in chapter 10 (Denoising).

    The cache key is :func:`denoiser_spec`: the version, the seed and the hashes of the
    training and validation clips (``clips`` in the row order of ``corpus``).
    """
    from voicelab import nn

    parts = [np.flatnonzero(corpus["split"].to_numpy() == s) for s in ("train", "val")]

    def train():
        train_set, val_set = (
            ([clips[j] for j in i], list(corpus["sentence_id"].iloc[i])) for i in parts
        )
        return train_denoiser(train_set, val_set, seed=seed)

    return nn.load_or_train("denoiser", denoiser_spec(corpus, seed=seed), train)


def apply_denoiser(model: Any, noisy: np.ndarray, excerpt: np.ndarray) -> np.ndarray:
    """Clean ``noisy`` with the mask the network predicts, keeping the noisy phase.
    Taught in chapter 10 (Denoising).
    """
    X, Z = denoiser_inputs(noisy, excerpt)
    n_frames = Z.shape[1]
    Z = np.pad(Z, ((0, 0), (0, -n_frames % 4), (0, 0)), mode="edge")
    mask = model(Z[np.newaxis], training=False).numpy()[0, :, :n_frames, 0]
    mask = np.vstack([mask, mask[-1:]])  # the Nyquist bin takes its neighbour's mask
    y_hat = librosa.istft(X * mask, n_fft=N_FFT, hop_length=HOP, length=noisy.size)
    return y_hat.astype(noisy.dtype)
