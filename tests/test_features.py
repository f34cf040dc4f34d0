"""Tests for voicelab.features: frame features, summaries, cached parallel extraction."""

from __future__ import annotations

import functools
import hashlib

import librosa
import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from numpy.testing import assert_allclose
from threadpoolctl import threadpool_limits

from voicelab import _util, features
from voicelab.audio import load
from voicelab.features import (
    ALL_FEATURES,
    FEATURE_SETS,
    FRAME_LENGTH,
    HOP_LENGTH,
    N_MFCC,
    SR,
    extract,
    frame_features,
    pool_frames,
)


def _tone(freq: float, seconds: float, *, amp: float = 0.3, seed: int = 0) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    noise = np.random.default_rng(seed).standard_normal(t.size)
    return (amp * np.sin(2 * np.pi * freq * t) + 0.02 * noise).astype(np.float32)


@pytest.fixture
def clips(tmp_path):
    """Four short files (two low tones, two high tones) as a table like load_corpus's."""
    folder = tmp_path / "audio"
    folder.mkdir()
    rows = []
    for i, (freq, amp) in enumerate([(220.0, 0.3), (250.0, 0.1), (2000.0, 0.15), (2400.0, 0.4)]):
        path = folder / f"clip{i}.flac"
        sf.write(path, _tone(freq, 0.5, amp=amp, seed=i), SR)
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        rows.append({"path": str(path), "sha256": sha, "label": int(freq > 1000)})
    return pd.DataFrame(rows, index=[10, 11, 12, 13])


@pytest.fixture
def count_calls(monkeypatch):
    """Run extract's per-clip work in this process and record each clip it computes."""
    calls = []

    def serial(fn, items, **kwargs):
        calls.extend(items)
        return [fn(item) for item in items]

    monkeypatch.setattr(_util, "map_clips", serial)
    return calls


# --- frame_features ----------------------------------------------------------------------


def _librosa_reference(name, y, frame_length, hop_length, n_mfcc):
    """What librosa computes from the signal itself with the same framing."""
    stft = {"sr": SR, "n_fft": frame_length, "hop_length": hop_length}
    mfcc = librosa.feature.mfcc(y=y, n_mfcc=n_mfcc, **stft)
    return {
        "rms": lambda: librosa.feature.rms(y=y, frame_length=frame_length, hop_length=hop_length),
        "zcr": lambda: librosa.feature.zero_crossing_rate(
            y, frame_length=frame_length, hop_length=hop_length
        ),
        "centroid": lambda: librosa.feature.spectral_centroid(y=y, **stft),
        "bandwidth": lambda: librosa.feature.spectral_bandwidth(y=y, **stft),
        "contrast": lambda: librosa.feature.spectral_contrast(y=y, **stft),
        "rolloff": lambda: librosa.feature.spectral_rolloff(y=y, **stft),
        "chroma_stft": lambda: librosa.feature.chroma_stft(y=y, **stft),
        "chroma_cqt": lambda: librosa.feature.chroma_cqt(y=y, sr=SR, hop_length=hop_length),
        "chroma_cens": lambda: librosa.feature.chroma_cens(y=y, sr=SR, hop_length=hop_length),
        "mfcc": lambda: mfcc,
        "mfcc_delta": lambda: librosa.feature.delta(mfcc),
        "mfcc_delta2": lambda: librosa.feature.delta(mfcc, order=2),
    }[name]()


SETTINGS = {
    "defaults": {"frame_length": FRAME_LENGTH, "hop_length": HOP_LENGTH, "n_mfcc": N_MFCC},
    "custom": {"frame_length": 512, "hop_length": 128, "n_mfcc": 13},
}


@pytest.fixture(scope="module")
def signal():
    return _tone(440.0, 1.0) + _tone(1234.0, 1.0, amp=0.1, seed=1)


@pytest.fixture(scope="module")
def computed(signal):
    return {key: frame_features(signal, SR, **params) for key, params in SETTINGS.items()}


@pytest.mark.filterwarnings("ignore:n_fft=512 is too large:UserWarning")  # librosa's CQT
@pytest.mark.parametrize("setting", SETTINGS)
@pytest.mark.parametrize("name", ALL_FEATURES)
def test_each_feature_equals_librosa(signal, computed, setting, name):
    expected = _librosa_reference(name, signal, **SETTINGS[setting])
    assert_allclose(computed[setting][name], expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("setting", SETTINGS)
def test_shapes_and_common_frame_count(signal, computed, setting):
    params = SETTINGS[setting]
    frames = computed[setting]
    assert list(frames) == list(ALL_FEATURES)
    n_frames = 1 + len(signal) // params["hop_length"]
    rows = {"contrast": 7, "chroma_stft": 12, "chroma_cqt": 12, "chroma_cens": 12}
    rows |= dict.fromkeys(["mfcc", "mfcc_delta", "mfcc_delta2"], params["n_mfcc"])
    for name, values in frames.items():
        assert values.shape == (rows.get(name, 1), n_frames), name


def test_names_select_and_keep_canonical_order(signal):
    assert list(frame_features(signal, SR, names=("zcr", "rms", "zcr"))) == ["rms", "zcr"]
    assert list(frame_features(signal, SR, names=("mfcc_delta",))) == ["mfcc_delta"]


@pytest.mark.parametrize("names", [("rms", "loudness"), "MFCC"])
def test_invalid_names_list_the_valid_ones(signal, names):
    with pytest.raises(AssertionError, match="choose from"):
        frame_features(signal, SR, names=names)


def test_rejects_multichannel(signal):
    with pytest.raises(AssertionError, match="mono"):
        frame_features(np.stack([signal, signal]), SR, names=("rms",))


@pytest.mark.filterwarnings("ignore:n_fft=1024 is too large:UserWarning")
def test_deltas_of_short_clips():
    short = _tone(300.0, 0.1)  # 7 frames: narrower delta window than librosa's 9
    frames = frame_features(short, SR, names=("mfcc", "mfcc_delta"))
    assert frames["mfcc_delta"].shape == (N_MFCC, 7)
    assert_allclose(frames["mfcc_delta"], librosa.feature.delta(frames["mfcc"], width=7))
    eight = frame_features(_tone(300.0, 0.112), SR, names=("mfcc", "mfcc_delta2"))
    assert eight["mfcc"].shape[1] == 8
    assert_allclose(eight["mfcc_delta2"],
                    librosa.feature.delta(eight["mfcc"], width=7, order=2))
    with pytest.raises(librosa.ParameterError):  # fewer than 3 frames: no slope
        frame_features(short[:300], SR, names=("mfcc_delta",))


# --- pool_frames ---------------------------------------------------------------------------


def test_pool_frames_names_and_values():
    rms = np.array([[1.0, 2.0, 6.0]])
    mfcc = np.array([[0.0, 2.0, 4.0], [1.0, 1.0, 1.0]])
    summary = pool_frames({"rms": rms, "mfcc": mfcc})
    assert list(summary.index) == [
        "rms_mean", "rms_std", "mfcc_01_mean", "mfcc_01_std", "mfcc_02_mean", "mfcc_02_std"
    ]
    assert_allclose(summary, [3.0, np.std([1, 2, 6]), 2.0, np.std([0, 2, 4]), 1.0, 0.0])
    assert summary.dtype == float


def test_pool_frames_pads_to_two_digits(signal, computed):
    index = pool_frames(computed["defaults"]).index
    assert "contrast_07_std" in index and "chroma_cens_12_mean" in index
    assert "mfcc_delta2_20_mean" in index and "mfcc_20_std" in index
    assert len(index) == 2 * (5 + 7 + 3 * 12 + 3 * N_MFCC)


def test_report4_is_exactly_four_columns(signal):
    summary = pool_frames(frame_features(signal, SR, names=FEATURE_SETS["report4"]))
    assert list(summary.index) == ["rms_mean", "rms_std", "zcr_mean", "zcr_std"]


def test_feature_sets():
    assert FEATURE_SETS["all"] == ALL_FEATURES
    assert set(FEATURE_SETS) == {"report4", "spectral", "chroma", "mfcc", "mfcc_deltas", "all"}
    for names in FEATURE_SETS.values():
        assert set(names) <= set(ALL_FEATURES)


# --- extract ------------------------------------------------------------------------


def test_extract_matches_frame_features_and_keeps_index(clips, count_calls):
    table = extract(clips, "all", progress=False)
    assert list(table.index) == list(clips.index)
    assert list(table.columns) == features.columns("all")
    for index, path in clips["path"].items():
        with threadpool_limits(1):  # extract computes with one BLAS thread
            expected = pool_frames(frame_features(load(path)[0], SR))
        assert list(table.columns) == list(expected.index)
        np.testing.assert_array_equal(table.loc[index], expected)


def test_worker_processes_give_the_serial_numbers(clips, tmp_path, monkeypatch):
    tables = {}
    for workers in (1, 2):
        parallel = functools.partial(_util.map_clips, workers=workers)
        monkeypatch.setattr(_util, "map_clips", parallel)
        tables[workers] = extract(clips, "all", cache_dir=tmp_path / str(workers),
                                  progress=False)
    pd.testing.assert_frame_equal(tables[1], tables[2], check_exact=True)


def test_extract_caches_per_clip_and_not_beside_audio(clips, tmp_cache, count_calls):
    audio_files = sorted(p.name for p in (tmp_cache.parent / "audio").iterdir())
    first = extract(clips, "report4", progress=False)
    assert len(count_calls) == len(clips)
    entries = list((tmp_cache / "features").glob("*/*"))
    assert sorted(p.name for p in entries) == sorted(f"{sha}.npy" for sha in clips["sha256"])
    assert sorted(p.name for p in (tmp_cache.parent / "audio").iterdir()) == audio_files

    second = extract(clips, "report4", progress=False, hop_length=HOP_LENGTH)
    third = extract(clips.drop(columns="sha256"), "report4", progress=False)
    assert len(count_calls) == len(clips)  # both read the cache
    pd.testing.assert_frame_equal(first, second)
    pd.testing.assert_frame_equal(first, third)


@pytest.mark.parametrize(
    "change",
    [{"hop_length": 128}, {"frame_length": 512}, {"n_mfcc": 13}, {"sr": 8000}],
)
def test_any_parameter_change_recomputes(clips, count_calls, change):
    extract(clips, "mfcc", progress=False)
    extract(clips, "mfcc", progress=False, **change)
    assert len(count_calls) == 2 * len(clips)


def test_feature_set_change_recomputes_but_same_names_share_the_cache(clips, count_calls):
    extract(clips, "mfcc_deltas", progress=False)
    extract(clips, ("mfcc_delta2", "mfcc_delta", "mfcc"), progress=False)
    assert len(count_calls) == len(clips)
    extract(clips, "mfcc", progress=False)
    assert len(count_calls) == 2 * len(clips)


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "wrong shape"])
def test_corrupt_cache_entry_is_recomputed(clips, tmp_cache, count_calls, damage):
    first = extract(clips, "report4", progress=False)
    entry = next((tmp_cache / "features").glob(f"*/{clips['sha256'].iloc[1]}.npy"))
    data = entry.read_bytes()
    if damage == "wrong shape":
        np.save(entry, np.zeros(3))
    else:
        entry.write_bytes({"garbage": b"not an array", "truncated": data[:-40],
                           "empty": b""}[damage])
    again = extract(clips, "report4", progress=False)
    assert len(count_calls) == len(clips) + 1
    pd.testing.assert_frame_equal(first, again)
    extract(clips, "report4", progress=False)
    assert len(count_calls) == len(clips) + 1  # the entry was repaired


def test_interrupted_write_leaves_no_entry(clips, tmp_cache, monkeypatch, count_calls):
    def broken_save(file, array, **kwargs):
        file.write(b"\x93NUMPY half an array")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "save", broken_save)
    with pytest.raises(KeyboardInterrupt):
        extract(clips, "report4", progress=False)
    assert [p for p in (tmp_cache / "features").rglob("*") if p.is_file()] == []


def test_extract_explicit_cache_dir_and_progress(clips, tmp_path, tmp_cache, capsys,
                                                 monkeypatch):
    monkeypatch.setattr(_util, "map_clips", functools.partial(_util.map_clips, workers=1))
    extract(clips, "report4", cache_dir=tmp_path / "elsewhere")
    assert "features" in capsys.readouterr().err
    assert len(list((tmp_path / "elsewhere" / "features").glob("*/*.npy"))) == len(clips)
    assert not tmp_cache.exists()
    extract(clips, "report4", progress=False)
    assert capsys.readouterr().err == ""
    extract(clips, "report4", cache_dir=tmp_path / "elsewhere")  # nothing to compute
    assert capsys.readouterr().err == ""


def test_extract_rejects_unknown_set_and_parameters(clips):
    with pytest.raises(ValueError, match="report4, spectral"):
        extract(clips, "everything")
    with pytest.raises(TypeError, match="n_fft"):
        extract(clips, "report4", n_fft=512)


# --- conventions -------------------------------------------------------------------------


@pytest.mark.parametrize("name", features.__all__)
def test_docstring_names_the_chapter(name):
    first_paragraph = getattr(features, name).__doc__.strip().split("\n\n")[0]
    assert len(first_paragraph.splitlines()) <= 2
    assert " ".join(first_paragraph.split()).endswith("Taught in chapter 02 (Hand-made features).")


@pytest.mark.parametrize("feature_set", ["report4", "spectral", "chroma", "mfcc_deltas", "all"])
def test_columns_match_the_computed_summary(feature_set):
    y = np.random.default_rng(1).uniform(-0.5, 0.5, 8000).astype(np.float32)
    names = features.FEATURE_SETS[feature_set]
    frames = features.frame_features(y, 16_000, names=names, n_mfcc=13)
    expected = features.pool_frames(frames).index.tolist()
    assert features.columns(feature_set, n_mfcc=13) == expected
