"""A small convolutional network on log-mel spectrograms: build, seed, train, evaluate over
seeds, and look at what it listens to.

The network reads one clip as an image of shape ``(n_mels, n_frames, 1)`` (64 mel bands by
251 frames for 4 s at 16 kHz with a hop of 256 samples) and outputs the probability of
class 1 (``"slt"``). Everything here runs on a laptop CPU in seconds, and every number can
be reproduced: :func:`set_seed` fixes the random state, :func:`fit` stops on the validation
loss and keeps the best epoch's weights, and :func:`repeat_training` repeats the whole
procedure over seeds so that a result comes with its spread. TensorFlow and Keras are
imported on first use, so ``import voicelab.nn`` stays fast. Taught in chapter 06 (A CNN
that listens) and chapter 07 (More data from the same voices, without fooling yourself).
"""

from __future__ import annotations

import functools
import numbers
import os
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from voicelab._util import cache_dir, spec_key

if TYPE_CHECKING:  # imported where used: keeps ``import voicelab.nn`` fast
    import keras
    from matplotlib.axes import Axes

# Before the first TensorFlow import: hide TensorFlow's C++ INFO and WARNING lines.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__all__ = [
    "DEFAULT_INPUT_SHAPE",
    "set_seed",
    "conv_output_size",
    "same_padding",
    "normalization_stats",
    "build_cnn",
    "CompactLog",
    "fit",
    "predict_proba",
    "repeat_training",
    "saliency",
    "grad_cam",
    "plot_history",
]

DEFAULT_INPUT_SHAPE: tuple[int, int, int] = (64, 251, 1)
"""(mel bands, frames, channels) of a 4 s clip at 16 kHz with hop 256: the default input."""


# --- lazy imports and checks ---------------------------------------------------------


# Lines that TensorFlow's C++ core writes straight to file descriptor 2 while it is
# imported, before its log level applies; in a notebook they would land in the cell's
# output with a timestamp, so the first import hides them (and only them).
_IMPORT_NOISE = (
    "All log messages before absl::InitializeLog() is called",
    "oneDNN custom operations are on",
)


def _import_keras_quietly() -> None:
    """Import tensorflow and keras, dropping the known start-up lines from stderr."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no usable file descriptor 2
        saved = None
    captured = tempfile.TemporaryFile() if saved is not None else None
    try:
        if captured is not None:
            os.dup2(captured.fileno(), 2)
        import tensorflow  # noqa: F401
        import keras  # noqa: F401
    except ImportError as err:
        raise ImportError(
            f"voicelab.nn needs TensorFlow and Keras 3 ({err}): install them with "
            "`pip install tensorflow` (or tensorflow-cpu), then restart the kernel."
        ) from err
    finally:
        if captured is not None:
            try:
                sys.stderr.flush()
            except (OSError, ValueError):
                pass
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode("utf-8", errors="replace")
            captured.close()
            kept = [line for line in text.splitlines(keepends=True)
                    if not any(noise in line for noise in _IMPORT_NOISE)]
            if kept:
                sys.stderr.write("".join(kept))


def _keras() -> Any:
    """Import Keras (TensorFlow backend) on first use and return the module."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    if "keras" not in sys.modules:
        _import_keras_quietly()
    import keras

    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(
            f"voicelab.nn needs Keras with the TensorFlow backend, but KERAS_BACKEND is "
            f"{keras.backend.backend()!r}: set os.environ['KERAS_BACKEND'] = 'tensorflow' "
            "before anything imports keras (restart the kernel)."
        )
    return keras


def _tf() -> Any:
    _keras()
    import tensorflow as tf

    return tf


def _check_int(name: str, value: Any, minimum: int) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def _check_model(model: Any) -> None:
    keras = _keras()
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"model must be a keras.Model (e.g. from voicelab.nn.build_cnn), got "
            f"{type(model).__name__}."
        )


def _as_inputs(X: Any, model: Any, name: str) -> np.ndarray:
    """``X`` as float32 of shape (n, mels, frames, channels), checked against the model.

    A batch of 2-D spectrograms, shape (n, mels, frames), gets its channel axis added."""
    arr = np.asarray(X, dtype=np.float32)
    expected = tuple(model.input_shape[1:])
    if arr.ndim == len(expected) and expected[-1] == 1:
        arr = arr[..., np.newaxis]
    if arr.ndim != len(expected) + 1:
        raise ValueError(
            f"{name} must be a batch of inputs of shape {expected} (or {expected[:-1]} "
            f"without the channel axis), i.e. an array of shape (n, ...), got shape "
            f"{arr.shape}. Stack the clips' log-mel arrays with np.stack."
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} holds no inputs (shape {arr.shape}).")
    mismatch = [
        (got, want)
        for got, want in zip(arr.shape[1:], expected)
        if want is not None and got != want
    ]
    if mismatch:
        raise ValueError(
            f"{name} has inputs of shape {arr.shape[1:]} but the model expects {expected}: "
            "cut or pad every clip to the same duration (voicelab.audio.pad_or_crop) before "
            "the log-mel, or build the model for this shape."
        )
    if not np.isfinite(arr).all():
        raise ValueError(
            f"{name} contains NaN or infinite values: check the log-mel computation (the "
            "log of a zero power needs a floor, e.g. librosa.power_to_db)."
        )
    return arr


def _as_labels(y: Any, n: int, name: str) -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim != 1 or len(arr) != n:
        raise ValueError(
            f"{name} must hold one label per input, shape ({n},), got shape {arr.shape}."
        )
    if not np.isin(arr, (0, 1)).all():
        raise ValueError(
            f"{name} must hold labels 0 and 1 (1 = the positive class, e.g. 'slt'), got "
            f"values {np.unique(arr)[:5].tolist()}."
        )
    return arr.astype(np.float32)


# --- reproducibility -----------------------------------------------------------------


def set_seed(seed: int) -> None:
    """Make the next model build and training reproducible.
    Taught in chapter 06 (A CNN that listens).

    Seeds Python's ``random``, NumPy and TensorFlow with ``keras.utils.set_random_seed``
    (weight initialisation, dropout masks, the order of the batches) and switches on
    ``tf.config.experimental.enable_op_determinism``, so that TensorFlow picks the same
    order of floating-point operations on every run. Call it right before building a model.

    The same seed on the same machine, with the same number of CPU cores, gives identical
    numbers, down to the last bit. Another number of cores, another CPU, or oneDNN switched
    on or off (``TF_ENABLE_ONEDNN_OPTS``) sums in another order, which can change the 4th
    decimal of a loss or an accuracy; the notebooks therefore print 2 to 3 decimals. Op
    determinism stays on for the rest of the Python session and makes some operations
    slightly slower.

    Parameters
    ----------
    seed : int
        Non-negative seed.

    Raises
    ------
    ValueError
        If ``seed`` is not a non-negative integer.
    """
    seed = _check_int("seed", seed, 0)
    keras = _keras()
    tf = _tf()
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


# --- shape arithmetic ----------------------------------------------------------------


def conv_output_size(
    size: int, kernel: int, *, padding: int | str = 0, stride: int = 1
) -> int:
    """Output length of a convolution or pooling along one axis.
    Taught in chapter 06 (A CNN that listens).

    With ``p`` zeros added on each side, the output length is
    ``floor((size - kernel + 2 * p) / stride) + 1``: the number of positions where the
    window fits. A pooling layer is the same computation with ``kernel = stride = pool``.
    The Keras names are accepted too: ``"valid"`` is ``p = 0``, and ``"same"`` pads just
    enough (the extra zero, if any, at the end) that the output length is
    ``ceil(size / stride)``; for an odd kernel that is ``p = same_padding(kernel)``.

    Parameters
    ----------
    size : int
        Input length along the axis (e.g. 251 frames or 64 mel bands).
    kernel : int
        Window length along the axis.
    padding : int or {"valid", "same"}, default 0
        Zeros added on each side, or the Keras padding mode.
    stride : int, default 1
        Step between windows.

    Returns
    -------
    int
        Output length, at least 1.

    Raises
    ------
    ValueError
        If a size is not a positive integer, ``padding`` is negative or unknown, or the
        window is longer than the padded input.

    Examples
    --------
    >>> conv_output_size(251, 3)                       # "valid" 3x3 convolution
    249
    >>> conv_output_size(251, 3, padding="same")      # same as padding=same_padding(3)
    251
    >>> conv_output_size(251, 2, stride=2)             # 2x2 max pooling
    125
    """
    size = _check_int("size", size, 1)
    kernel = _check_int("kernel", kernel, 1)
    stride = _check_int("stride", stride, 1)
    if isinstance(padding, str):
        if padding == "same":
            return -(-size // stride)
        if padding != "valid":
            raise ValueError(
                f"padding must be a number of zeros per side, 'valid' or 'same', got "
                f"{padding!r}."
            )
        padding = 0
    padding = _check_int("padding", padding, 0)
    if size + 2 * padding < kernel:
        raise ValueError(
            f"A window of {kernel} does not fit in an input of {size} with {padding} zeros "
            "per side: use a smaller kernel or pool, fewer pooling layers, or more padding."
        )
    return (size - kernel + 2 * padding) // stride + 1


def same_padding(kernel: int) -> int:
    """Zeros per side that keep the length of a stride-1 convolution: ``(kernel - 1) / 2``.
    Taught in chapter 06 (A CNN that listens).

    Parameters
    ----------
    kernel : int
        Odd window length (3, 5, 7, ...).

    Returns
    -------
    int
        ``(kernel - 1) // 2``, so that ``conv_output_size(n, kernel,
        padding=same_padding(kernel)) == n``.

    Raises
    ------
    ValueError
        If ``kernel`` is not a positive odd integer: an even window cannot be padded
        equally on both sides (Keras' ``padding="same"`` puts the extra zero at the end;
        use ``conv_output_size(..., padding="same")`` for that).
    """
    kernel = _check_int("kernel", kernel, 1)
    if kernel % 2 == 0:
        raise ValueError(
            f"kernel={kernel} is even: it cannot be padded equally on both sides. Use an "
            "odd kernel, or conv_output_size(..., padding='same') for Keras' rule."
        )
    return (kernel - 1) // 2


# --- the model -----------------------------------------------------------------------


def normalization_stats(
    X: Any, *, per_mel: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of training inputs, for the ``normalize`` option of :func:`build_cnn`.
    Taught in chapter 06 (A CNN that listens).

    Compute them on the training inputs only: statistics that include validation or test
    clips let those clips shape the model.

    Parameters
    ----------
    X : array-like of shape (n, mels, frames) or (n, mels, frames, 1)
        Training log-mel spectrograms.
    per_mel : bool, default True
        One mean and variance per mel band (over clips and frames), so that every band is
        scaled to mean 0 and variance 1; otherwise a single mean and variance.

    Returns
    -------
    tuple of np.ndarray
        ``(mean, variance)``, each of shape ``(mels,)`` or ``()``, float64.

    Raises
    ------
    ValueError
        If ``X`` is not a non-empty batch of 2-D spectrograms or holds NaN/inf.
    """
    arr = np.asarray(X, dtype=np.float64)
    if arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim != 3 or arr.size == 0:
        raise ValueError(
            "X must be a non-empty batch of spectrograms, shape (n, mels, frames) or "
            f"(n, mels, frames, 1), got shape {arr.shape}."
        )
    if not np.isfinite(arr).all():
        raise ValueError("X contains NaN or infinite values: check the log-mel computation.")
    axes = (0, 2) if per_mel else None
    return arr.mean(axis=axes), arr.var(axis=axes)


def _check_shape(input_shape: Any) -> tuple[int, int | None, int]:
    shape = tuple(input_shape) if isinstance(input_shape, Sequence) else None
    def positive(s: Any) -> bool:
        return isinstance(s, numbers.Integral) and not isinstance(s, bool) and s >= 1

    ok = (
        shape is not None
        and len(shape) == 3
        and positive(shape[0])
        and (shape[1] is None or positive(shape[1]))
        and positive(shape[2])
    )
    if not ok:
        raise ValueError(
            "input_shape must be (mels, frames, channels), e.g. (64, 251, 1), with frames "
            f"None for inputs of any length; got {input_shape!r}."
        )
    return int(shape[0]), None if shape[1] is None else int(shape[1]), int(shape[2])


def _normalization_layer(keras: Any, normalize: Any, n_mels: int) -> Any:
    try:
        mean, variance = normalize
    except (TypeError, ValueError):
        raise ValueError(
            "normalize must be a pair (mean, variance), e.g. from "
            "voicelab.nn.normalization_stats(X_train), or None."
        ) from None
    mean = np.asarray(mean, dtype=np.float64)
    variance = np.asarray(variance, dtype=np.float64)
    if mean.shape != variance.shape or mean.size not in (1, n_mels) or mean.ndim > 1:
        raise ValueError(
            f"normalize needs a mean and a variance of the same shape, () or ({n_mels},) "
            f"(one per mel band); got shapes {mean.shape} and {variance.shape}."
        )
    if not (np.isfinite(mean).all() and np.isfinite(variance).all() and (variance > 0).all()):
        raise ValueError("normalize: the mean must be finite and the variance positive.")
    if mean.size == 1 and mean.ndim == 0:
        return keras.layers.Normalization(
            axis=None, mean=float(mean), variance=float(variance), name="normalize"
        )
    return keras.layers.Normalization(axis=1, mean=mean, variance=variance, name="normalize")


def build_cnn(
    input_shape: tuple[int, int | None, int] = DEFAULT_INPUT_SHAPE,
    *,
    filters: Sequence[int] = (16, 32, 64),
    kernel: int = 3,
    pool: int = 2,
    dropout: float = 0.3,
    dense: int = 32,
    normalize: tuple[Any, Any] | None = None,
    learning_rate: float = 1e-3,
) -> keras.Model:
    """A compact CNN that maps a log-mel spectrogram to the probability of class 1.
    Taught in chapter 06 (A CNN that listens).

    Layers, named as listed::

        [normalize]                       optional Normalization (mean 0, variance 1)
        conv1  Conv2D(filters[0], kernel, "same", ReLU)  -> pool1  MaxPooling2D(pool)
        conv2  Conv2D(filters[1], ...)                    -> pool2  MaxPooling2D(pool)
        ...
        convN  Conv2D(filters[-1], ...)                   (no pooling: global pooling follows)
        global_pool  GlobalAveragePooling2D               one number per filter
        dropout      Dropout(dropout)
        dense        Dense(dense, ReLU)
        logit        Dense(1)                             score; > 0 means class 1
        probability  Activation("sigmoid")                P(class 1)

    ``"same"`` padding keeps each convolution's output as large as its input, and each
    pooling halves it (``pool=2``): 64 x 251 becomes 32 x 125 and then 16 x 62 for the
    default three blocks. Global average pooling then averages each filter's map over all
    mel bands and frames, so the head sees one number per filter whatever the input's
    size: the same weights accept a clip of any length (``input_shape=(64, None, 1)``),
    and the head has few parameters. The default model has 25,409 parameters:
    ``(3*3*1 + 1)*16 + (3*3*16 + 1)*32 + (3*3*32 + 1)*64`` for the convolutions and
    ``(64 + 1)*32 + (32 + 1)*1`` for the head.

    It is compiled with Adam, binary cross-entropy, and the metrics ``accuracy`` (at 0.5)
    and ``auc`` (ROC AUC). Call :func:`set_seed` before building it to make its initial
    weights reproducible.

    Parameters
    ----------
    input_shape : tuple, default (64, 251, 1)
        (mel bands, frames, channels); frames may be None for inputs of any length.
    filters : sequence of int, default (16, 32, 64)
        Filters of each convolution block; one block per entry.
    kernel : int, default 3
        Side of the square convolution kernels.
    pool : int, default 2
        Side and stride of the max pooling after every block but the last; 1 for none.
    dropout : float, default 0.3
        Fraction of the pooled features zeroed at random during training, in [0, 1).
    dense : int, default 32
        Units of the hidden dense layer.
    normalize : tuple (mean, variance), optional
        Statistics of the training inputs, e.g. from :func:`normalization_stats`; the
        model then starts with a ``keras.layers.Normalization`` layer that subtracts the
        mean and divides by the standard deviation (per mel band when they have shape
        ``(mels,)``). Its 2 x mels constants count as (non-trainable) parameters.
    learning_rate : float, default 1e-3
        Adam's learning rate.

    Returns
    -------
    keras.Model
        Compiled, untrained model named ``"voice_cnn"``.

    Raises
    ------
    ValueError
        If a size is not positive, ``dropout`` is outside [0, 1), ``normalize`` has the
        wrong shape, or the input is too small for the pooling layers.
    """
    n_mels, n_frames, channels = _check_shape(input_shape)
    if isinstance(filters, (str, bytes)) or not isinstance(filters, Sequence) or not filters:
        raise ValueError(f"filters must be a non-empty sequence of integers, got {filters!r}.")
    filters = tuple(_check_int("each entry of filters", f, 1) for f in filters)
    kernel = _check_int("kernel", kernel, 1)
    pool = _check_int("pool", pool, 1)
    dense = _check_int("dense", dense, 1)
    if not isinstance(dropout, numbers.Real) or not 0 <= dropout < 1:
        raise ValueError(f"dropout must be a fraction in [0, 1), got {dropout!r}.")
    if not isinstance(learning_rate, numbers.Real) or not learning_rate > 0:
        raise ValueError(f"learning_rate must be positive, got {learning_rate!r}.")
    for axis, original in (("mel bands", n_mels), ("frames", n_frames)):
        size = original
        for _ in filters[:-1] if size is not None else ():
            if size < pool:
                raise ValueError(
                    f"An input of {original} {axis} is too small for {len(filters) - 1} "
                    f"pooling layers of {pool}: use fewer blocks (filters), a smaller pool, "
                    "or a larger input."
                )
            size = conv_output_size(size, pool, stride=pool)

    keras = _keras()
    layers = keras.layers
    inputs = keras.Input(shape=(n_mels, n_frames, channels), name="log_mel")
    x = inputs
    if normalize is not None:
        x = _normalization_layer(keras, normalize, n_mels)(x)
    for i, n_filters in enumerate(filters, start=1):
        x = layers.Conv2D(
            n_filters, kernel, padding="same", activation="relu", name=f"conv{i}"
        )(x)
        if i < len(filters) and pool > 1:
            x = layers.MaxPooling2D(pool, name=f"pool{i}")(x)
    x = layers.GlobalAveragePooling2D(name="global_pool")(x)
    x = layers.Dropout(float(dropout), name="dropout")(x)
    x = layers.Dense(dense, activation="relu", name="dense")(x)
    x = layers.Dense(1, name="logit")(x)
    outputs = layers.Activation("sigmoid", name="probability")(x)
    model = keras.Model(inputs, outputs, name="voice_cnn")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=float(learning_rate)),
        loss="binary_crossentropy",
        metrics=["accuracy", keras.metrics.AUC(name="auc")],
    )
    return model


# --- training ------------------------------------------------------------------------


def _format_logs(logs: Mapping[str, float], keys: Sequence[str]) -> str:
    parts = []
    for key in keys:
        if key in logs:
            digits = 4 if key.endswith("loss") else 3
            parts.append(f"{key} {float(logs[key]):.{digits}f}")
    return "  ".join(parts)


@functools.cache
def _compact_log_class() -> type:
    keras = _keras()

    class CompactLog(keras.callbacks.Callback):
        """A Keras callback that prints one short line every few epochs.
        Taught in chapter 06 (A CNN that listens).

        A line reads ``epoch  5  loss 0.4123  val_loss 0.3987  val_accuracy 0.917``:
        losses with 4 decimals, other metrics with 3. The last epoch is always printed,
        so an early stop shows where it stopped. Train with ``verbose=0`` and this
        callback to keep a notebook short. The lines hold no timings, but their numbers
        can differ in the 4th decimal between machines (see :func:`set_seed`), so tag the
        cell ``nbval-ignore-output`` and print the rounded results in the next cell.

        The class subclasses ``keras.callbacks.Callback`` and is created on first use, so
        ``from voicelab.nn import CompactLog`` imports TensorFlow (``import voicelab.nn``
        does not).

        Parameters
        ----------
        every : int, default 5
            Print epochs 5, 10, 15, ... (1-based) and the last one.
        keys : sequence of str, default ("loss", "val_loss", "val_accuracy")
            Entries of the epoch's logs to print, in this order; absent ones are skipped.
        """

        def __init__(
            self, every: int = 5, keys: Sequence[str] = ("loss", "val_loss", "val_accuracy")
        ) -> None:
            super().__init__()
            self.every = _check_int("every", every, 1)
            if isinstance(keys, str) or not all(isinstance(k, str) for k in keys):
                raise ValueError(f"keys must be a sequence of log names, got {keys!r}.")
            self.keys = tuple(keys)
            self._last: tuple[int, dict[str, float]] | None = None
            self._printed = -1

        def _line(self, epoch: int, logs: Mapping[str, float]) -> str:
            total = (self.params or {}).get("epochs") or epoch + 1
            width = len(str(total))
            return f"epoch {epoch + 1:>{width}}  {_format_logs(logs, self.keys)}"

        def on_train_begin(self, logs: Mapping[str, float] | None = None) -> None:
            self._last = None
            self._printed = -1

        def on_epoch_end(self, epoch: int, logs: Mapping[str, float] | None = None) -> None:
            logs = dict(logs or {})
            self._last = (epoch, logs)
            if (epoch + 1) % self.every == 0:
                print(self._line(epoch, logs), flush=True)
                self._printed = epoch

        def on_train_end(self, logs: Mapping[str, float] | None = None) -> None:
            if self._last is not None and self._last[0] != self._printed:
                print(self._line(*self._last), flush=True)
                self._printed = self._last[0]

    CompactLog.__module__ = __name__
    CompactLog.__qualname__ = "CompactLog"
    return CompactLog


def __getattr__(name: str) -> Any:
    # ``CompactLog`` subclasses keras.callbacks.Callback, so it is created (and TensorFlow
    # imported) the first time it is asked for.
    if name == "CompactLog":
        return _compact_log_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "CompactLog"})


def fit(
    model: keras.Model,
    X_train: Any,
    y_train: Any,
    X_val: Any,
    y_val: Any,
    *,
    epochs: int = 30,
    batch_size: int = 16,
    patience: int | None = 5,
    seed: int = 0,
    verbose_every: int = 5,
) -> keras.callbacks.History:
    """Train a compiled model, stop when the validation loss stops improving, keep the best.
    Taught in chapter 06 (A CNN that listens).

    Calls :func:`set_seed` with ``seed`` (dropout masks follow from it), shuffles the
    training inputs anew in every epoch with a ``tf.data`` shuffle seeded by ``seed``, and
    calls ``model.fit`` with ``verbose=0`` and
    ``EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)``:
    training stops after ``patience`` epochs without a lower validation loss and the model
    is left with the weights of the epoch with the lowest one (the first, in a tie). The
    validation clips thus choose the epoch: they are part of the training procedure, and a
    fair score needs a third set of clips, the test set, that nothing was chosen on.

    Parameters
    ----------
    model : keras.Model
        Compiled model, e.g. from :func:`build_cnn`; trained in place.
    X_train, X_val : array-like of shape (n, mels, frames) or (n, mels, frames, 1)
        Inputs (a channel axis is added when missing).
    y_train, y_val : array-like of shape (n,)
        Labels 0 and 1.
    epochs : int, default 30
        Most epochs to train.
    batch_size : int, default 16
        Inputs per gradient step.
    patience : int or None, default 5
        Epochs without improvement before stopping; None trains all ``epochs`` (and still
        keeps the best epoch's weights).
    seed : int, default 0
        Seed for :func:`set_seed`.
    verbose_every : int, default 5
        Print a :class:`CompactLog` line every this many epochs, and the best epoch at the
        end; 0 prints nothing.

    Returns
    -------
    keras.callbacks.History
        ``history.history`` maps ``loss``, ``accuracy``, ``auc``, ``val_loss``,
        ``val_accuracy``, ``val_auc`` to one value per epoch trained; ``len(history.epoch)``
        is the number of epochs trained. Plot it with :func:`plot_history`.

    Raises
    ------
    ValueError
        If shapes or labels disagree with each other or with the model, or a count is not
        positive.
    TypeError
        If ``model`` is not a Keras model.
    """
    _check_model(model)
    epochs = _check_int("epochs", epochs, 1)
    batch_size = _check_int("batch_size", batch_size, 1)
    patience = epochs if patience is None else _check_int("patience", patience, 0)
    verbose_every = _check_int("verbose_every", verbose_every, 0)
    if not getattr(model, "compiled", False):
        raise ValueError(
            "model is not compiled: build it with build_cnn, or call model.compile."
        )
    X_train = _as_inputs(X_train, model, "X_train")
    X_val = _as_inputs(X_val, model, "X_val")
    y_train = _as_labels(y_train, len(X_train), "y_train")
    y_val = _as_labels(y_val, len(X_val), "y_val")
    if np.unique(y_train).size != 2:
        raise ValueError("y_train holds one class only: the training set needs both speakers.")

    keras = _keras()
    tf = _tf()
    set_seed(seed)
    # A tf.data pipeline with an explicit seeded shuffle, reshuffled every epoch (Keras'
    # own pipeline for arrays does the same, but logs a spurious C++ error line here).
    train = (
        tf.data.Dataset.from_tensor_slices((X_train, y_train))
        .shuffle(len(X_train), seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size)
    )
    val = tf.data.Dataset.from_tensor_slices((X_val, y_val)).batch(max(batch_size, 64))
    stopper = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=patience, restore_best_weights=True
    )
    callbacks: list[Any] = [stopper]
    if verbose_every:
        callbacks.append(_compact_log_class()(every=verbose_every))
    history = model.fit(
        train,
        validation_data=val,
        epochs=epochs,
        shuffle=False,  # already shuffled by the pipeline
        callbacks=callbacks,
        verbose=0,
    )
    if verbose_every:
        best = int(np.argmin(history.history["val_loss"]))
        print(
            f"kept the weights of epoch {best + 1} of {len(history.epoch)} "
            f"(lowest val_loss {history.history['val_loss'][best]:.4f})",
            flush=True,
        )
    return history


def predict_proba(model: keras.Model, X: Any, *, batch_size: int = 64) -> np.ndarray:
    """Probability of class 1 for each input, in batches.
    Taught in chapter 06 (A CNN that listens).

    Runs ``model.predict_on_batch`` on ``batch_size`` inputs at a time (inference mode:
    no dropout) and prints nothing.

    Parameters
    ----------
    model : keras.Model
        Trained model with one sigmoid output, e.g. from :func:`build_cnn`.
    X : array-like of shape (n, mels, frames) or (n, mels, frames, 1)
        Inputs.
    batch_size : int, default 64
        Inputs per forward pass.

    Returns
    -------
    np.ndarray
        Shape ``(n,)``, float64, each in [0, 1]: P(class 1), e.g. ``"slt"``.

    Raises
    ------
    ValueError
        If ``X`` does not fit the model's input, or the model has more than one output
        unit.
    """
    _check_model(model)
    batch_size = _check_int("batch_size", batch_size, 1)
    X = _as_inputs(X, model, "X")
    parts = [
        np.asarray(model.predict_on_batch(X[start:start + batch_size]), dtype=np.float64)
        for start in range(0, len(X), batch_size)
    ]
    proba = np.concatenate(parts)
    if proba.shape not in ((len(X),), (len(X), 1)):
        raise ValueError(
            f"The model outputs shape {proba.shape[1:]} per input; predict_proba needs one "
            "sigmoid unit (the probability of class 1)."
        )
    return proba.reshape(len(X))


def repeat_training(
    build_fn: Callable[[np.ndarray], keras.Model],
    data_fn: Callable[[int], tuple[Any, Any, Any, Any, Any, Any]],
    seeds: Sequence[int],
    *,
    epochs: int,
    patience: int | None,
    metrics: Sequence[str] = ("accuracy", "roc_auc", "log_loss", "brier"),
    batch_size: int = 16,
    verbose: bool = True,
) -> pd.DataFrame:
    """Train and test the same recipe once per seed, to see how much a score depends on luck.
    Taught in chapter 07 (More data from the same voices, without fooling yourself).

    For each ``seed`` in ``seeds``: :func:`set_seed` (seed), the data split
    ``data_fn(seed)``, a fresh model ``build_fn(X_train)``, :func:`fit` on the training
    part with early stopping on the validation part (seeded with ``seed``), and the
    metrics of :data:`voicelab.evaluate.METRICS` on the test part, which neither training
    nor early stopping saw. The seed changes the initial weights, dropout, the order of
    the batches and, if ``data_fn`` uses it, which sentences land in which part; so the
    spread over seeds is the spread of the whole procedure.

    Parameters
    ----------
    build_fn : callable
        ``build_fn(X_train) -> keras.Model``: a new compiled model. It receives this
        seed's training inputs so that it can compute normalisation statistics from them
        alone, e.g. ``lambda X: build_cnn(normalize=normalization_stats(X))``; ignore the
        argument otherwise: ``lambda X: build_cnn()``.
    data_fn : callable
        ``data_fn(seed) -> (X_train, y_train, X_val, y_val, X_test, y_test)``; keep every
        sentence's clips in one part (e.g. ``voicelab.data.make_splits(df, seed=seed)``)
        and any augmented copies of a clip in the part of their original.
    seeds : sequence of int
        Distinct non-negative seeds, one training each.
    epochs : int
        Most epochs per training.
    patience : int or None
        Early-stopping patience (see :func:`fit`).
    metrics : sequence of str, default ("accuracy", "roc_auc", "log_loss", "brier")
        Names from :data:`voicelab.evaluate.METRICS`.
    batch_size : int, default 16
        Inputs per gradient step.
    verbose : bool, default True
        Print one line per seed with its epochs and scores.

    Returns
    -------
    pd.DataFrame
        Index ``seed``; one row per seed with columns ``repeat`` (0, 1, ... in the order of
        ``seeds``), ``fold`` (always 0), ``n_test``, one column per metric and
        ``epochs_trained``. :func:`voicelab.evaluate.summarize` accepts it; it summarises
        ``epochs_trained`` as well, so drop that column first for
        :func:`voicelab.results.record`:
        ``summarize(scores.drop(columns="epochs_trained"))``.

    Raises
    ------
    ValueError
        If ``seeds`` is empty or repeats a seed, a metric name is unknown, ``data_fn``
        does not return six arrays, or the arrays are inconsistent (see :func:`fit`).
    TypeError
        If ``build_fn`` does not return a Keras model.
    """
    from voicelab.evaluate import METRICS

    metrics = (metrics,) if isinstance(metrics, str) else tuple(metrics)
    unknown = [m for m in metrics if m not in METRICS]
    if unknown or not metrics or len(set(metrics)) != len(metrics):
        raise ValueError(
            f"metrics must name distinct metrics of voicelab.evaluate.METRICS "
            f"({', '.join(METRICS)}); got {list(metrics)}."
        )
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence) or not seeds:
        raise ValueError(f"seeds must be a non-empty sequence of integers, got {seeds!r}.")
    seeds = [_check_int("each seed", s, 0) for s in seeds]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds {seeds} repeat a seed: give distinct seeds.")
    epochs = _check_int("epochs", epochs, 1)

    rows = []
    for repeat, seed in enumerate(seeds):
        set_seed(seed)
        data = data_fn(seed)
        if not isinstance(data, Sequence) or len(data) != 6:
            raise ValueError(
                "data_fn(seed) must return six arrays: (X_train, y_train, X_val, y_val, "
                f"X_test, y_test); got {type(data).__name__}"
                + (f" of length {len(data)}." if isinstance(data, Sequence) else ".")
            )
        X_train, y_train, X_val, y_val, X_test, y_test = data
        model = build_fn(np.asarray(X_train))
        _check_model(model)
        history = fit(
            model,
            X_train,
            y_train,
            X_val,
            y_val,
            epochs=epochs,
            batch_size=batch_size,
            patience=patience,
            seed=seed,
            verbose_every=0,
        )
        proba = predict_proba(model, X_test)
        y_test = _as_labels(y_test, len(proba), "y_test").astype(int)
        row: dict[str, Any] = {
            "seed": seed,
            "repeat": repeat,
            "fold": 0,
            "n_test": len(y_test),
        }
        for name in metrics:
            row[name] = METRICS[name](y_test, proba)
        row["epochs_trained"] = len(history.epoch)
        rows.append(row)
        if verbose:
            scores = "  ".join(f"{name} {row[name]:.3f}" for name in metrics)
            print(f"seed {seed}: {row['epochs_trained']} epochs  {scores}", flush=True)
    columns = ["seed", "repeat", "fold", "n_test", *metrics, "epochs_trained"]
    return pd.DataFrame(rows, columns=columns).set_index("seed")


# --- what the model listens to -------------------------------------------------------


def _single_input(x: Any, model: Any) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float32)
    if arr.ndim in (len(model.input_shape) - 1, len(model.input_shape) - 2):
        arr = arr[np.newaxis]  # a batch of one; _as_inputs adds a missing channel axis
    else:
        raise ValueError(
            f"x must be one input of shape {tuple(model.input_shape[1:-1])} (or with its "
            f"channel axis), got shape {arr.shape}; pass X[i], not a batch."
        )
    return _as_inputs(arr, model, "x")


def saliency(model: keras.Model, x: Any) -> np.ndarray:
    """How strongly each mel band and frame of one input moves the output probability.
    Taught in chapter 06 (A CNN that listens).

    The absolute gradient ``|d P(class 1) / d x|`` computed with ``tf.GradientTape``: a
    large value means that a small change of that time-frequency cell changes the
    prediction. It describes the model near this one input, not what it "understood", and
    it is noisy from cell to cell; look at it smoothed or next to :func:`grad_cam`. When
    the model is very sure (P near 0 or 1) the sigmoid flattens and all gradients are
    small, so compare maps by their shape, not their scale.

    Parameters
    ----------
    model : keras.Model
        Trained model with one sigmoid output.
    x : array-like of shape (mels, frames) or (mels, frames, 1)
        One input, e.g. ``X_test[0]``.

    Returns
    -------
    np.ndarray
        Shape ``(mels, frames)``, float64, non-negative.

    Raises
    ------
    ValueError
        If ``x`` does not fit the model's input.
    """
    _check_model(model)
    tf = _tf()
    batch = tf.convert_to_tensor(_single_input(x, model))
    with tf.GradientTape() as tape:
        tape.watch(batch)
        proba = model(batch, training=False)
    grad = tape.gradient(proba, batch).numpy()[0]
    grad = np.abs(grad).astype(np.float64)
    return grad[..., 0] if grad.shape[-1] == 1 else grad.sum(axis=-1)


def grad_cam(
    model: keras.Model, x: Any, layer_name: str | None = None, *, target: int = 1
) -> np.ndarray:
    """Grad-CAM: the regions of one input that the last convolution's evidence comes from.
    Taught in chapter 06 (A CNN that listens).

    Each filter map ``A_k`` of the convolution layer is weighted by the average gradient
    of the score with respect to it, ``w_k = mean(d score / d A_k)``; the map is
    ``ReLU(sum_k w_k A_k)``, resized (bilinearly) from the layer's coarse grid to the
    input's (mels, frames), and divided by its maximum. The score is the ``logit`` layer's
    output when the model has one (as :func:`build_cnn` models do; it does not saturate
    like the probability), else the model's output; for ``target=0`` its negative (for a
    probability output, 1 - P). The map is coarse: after two poolings one cell of the
    default model covers 4 x 4 input cells, and more through its receptive field.

    Parameters
    ----------
    model : keras.Model
        Trained functional or sequential model with one output unit.
    x : array-like of shape (mels, frames) or (mels, frames, 1)
        One input.
    layer_name : str, optional
        Layer whose output is explained; default: the last ``Conv2D`` layer.
    target : {0, 1}, default 1
        Explain the evidence for class 1 (e.g. ``"slt"``) or for class 0.

    Returns
    -------
    np.ndarray
        Shape ``(mels, frames)``, float64 in [0, 1]; all zeros when no region speaks for
        ``target``.

    Raises
    ------
    ValueError
        If the model has no Conv2D layer (or none named ``layer_name``), ``x`` does not fit
        the model, or ``target`` is not 0 or 1.
    """
    _check_model(model)
    keras = _keras()
    tf = _tf()
    if target not in (0, 1) or isinstance(target, bool):
        raise ValueError(f"target must be the class 0 or 1, got {target!r}.")
    if layer_name is None:
        convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
        if not convs:
            raise ValueError(
                f"Model {model.name!r} has no Conv2D layer at its top level: pass "
                "layer_name, the name of a layer with a (batch, height, width, filters) "
                "output."
            )
        layer = convs[-1]
    else:
        try:
            layer = model.get_layer(layer_name)
        except ValueError:
            names = [layer.name for layer in model.layers]
            raise ValueError(
                f"Model {model.name!r} has no layer {layer_name!r}; its layers are {names}."
            ) from None
    if len(layer.output.shape) != 4:
        raise ValueError(
            f"Layer {layer.name!r} outputs shape {tuple(layer.output.shape)}; Grad-CAM needs "
            "a convolution output of shape (batch, height, width, filters)."
        )
    names = [lay.name for lay in model.layers]
    score_tensor = model.get_layer("logit").output if "logit" in names else model.outputs[0]
    explainer = keras.Model(model.input, [layer.output, score_tensor])
    batch = _single_input(x, model)
    with tf.GradientTape() as tape:
        maps, score = explainer(batch, training=False)
        score = tf.reshape(score, (-1,))
        if score.shape[0] != 1:
            raise ValueError("grad_cam needs a model with one output unit.")
        if target == 0:
            score = -score if "logit" in names else 1.0 - score
    grads = tape.gradient(score, maps)
    weights = tf.reduce_mean(grads, axis=(1, 2))  # (1, filters)
    cam = tf.nn.relu(tf.reduce_sum(maps * weights[:, tf.newaxis, tf.newaxis, :], axis=-1))
    cam = tf.image.resize(cam[..., tf.newaxis], batch.shape[1:3], method="bilinear")
    cam = cam.numpy()[0, ..., 0].astype(np.float64)
    peak = cam.max()
    if not peak > 0:
        return np.zeros_like(cam)
    return np.clip(cam / peak, 0.0, 1.0)


# --- figure --------------------------------------------------------------------------


def plot_history(
    history: Any, *, ax: Axes | None = None, title: str = "Training history"
) -> Axes:
    """Plot the loss and accuracy of every epoch, training and validation, and the best epoch.
    Taught in chapter 06 (A CNN that listens).

    Losses are drawn against the left axis, accuracies (dotted) against a twin right axis
    from 0 to 1. A vertical line marks the epoch with the lowest validation loss, whose
    weights :func:`fit` keeps (the first one, in a tie). Epochs are numbered from 1.

    Parameters
    ----------
    history : keras.callbacks.History or mapping
        What :func:`fit` returns, or its ``.history`` dict: lists per epoch under
        ``loss`` and optionally ``val_loss``, ``accuracy``, ``val_accuracy``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on. A new figure is created when None.
    title : str, default "Training history"
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        The loss axes, with x label "Epoch" and y label "Loss (binary cross-entropy)"; the
        accuracy axes is its twin (``ax.figure.axes``), labelled "Accuracy".

    Raises
    ------
    ValueError
        If there is no ``loss`` with at least one epoch, or the lists differ in length.
    """
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    logs = getattr(history, "history", history)
    if not isinstance(logs, Mapping) or not len(logs.get("loss", ())):
        raise ValueError(
            "history must be what voicelab.nn.fit returns (or its .history dict) with a "
            "'loss' list of at least one epoch."
        )
    n = len(logs["loss"])
    series = {k: np.asarray(logs[k], dtype=float) for k in
              ("loss", "val_loss", "accuracy", "val_accuracy") if k in logs}
    bad = [k for k, v in series.items() if v.shape != (n,)]
    if bad:
        raise ValueError(f"history lists {bad} do not have one value per epoch ({n}).")
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 3.5))
    epochs = np.arange(1, n + 1)
    handles = []
    handles += ax.plot(epochs, series["loss"], color="C0", marker=".", label="training loss")
    if "val_loss" in series:
        handles += ax.plot(
            epochs, series["val_loss"], color="C1", marker=".", label="validation loss"
        )
        best = int(np.nanargmin(series["val_loss"])) + 1
        handles.append(
            ax.axvline(best, color="0.4", linestyle="--", linewidth=1.0,
                       label=f"best epoch ({best}): weights kept")
        )
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Loss (binary cross-entropy)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0.5, n + 0.5)
    if "accuracy" in series or "val_accuracy" in series:
        twin = ax.twinx()
        for key, color, label in (("accuracy", "C0", "training accuracy"),
                                  ("val_accuracy", "C1", "validation accuracy")):
            if key in series:
                handles += twin.plot(epochs, series[key], color=color, linestyle=":",
                                     label=label)
        twin.set_ylim(0.0, 1.02)
        twin.set_ylabel("Accuracy")
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3,
              fontsize="small", frameon=False)
    ax.set_title(title)
    return ax


def load_or_train(name: str, spec: Mapping[str, Any], train: Callable[[], Any]) -> Any:
    """The Keras model cached under ``name`` and ``spec``, else ``train()``'s, cached.
    Taught in chapter 06 (A CNN that listens).

    ``spec`` (JSON-able) holds all that changes the weights: data hashes, code version,
    seed, hyperparameters. Another spec trains afresh. Later chapters reuse a model by
    passing the same name and spec. Files: ``<cache>/models/<name>-<hash>.keras``.
    """
    keras = _keras()
    path = cache_dir() / "models" / f"{name}-{spec_key(dict(spec))}.keras"
    if path.is_file():
        return keras.models.load_model(path)
    model = train()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}-{os.getpid()}.keras")
    model.save(tmp)
    os.replace(tmp, path)
    return model
