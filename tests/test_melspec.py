"""Tests for voicelab.melspec: mel scales, the log-mel front end, fixed length, cached dataset."""

from __future__ import annotations

import dataclasses
import functools
import hashlib

import librosa
import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from numpy.testing import assert_allclose, assert_array_equal

from voicelab import _util, melspec
from voicelab.audio import load
from voicelab.data import load_corpus
from voicelab.features import FRAME_LENGTH
from voicelab.features import HOP_LENGTH as FEATURES_HOP
from voicelab.melspec import (
    CLIP_SECONDS,
    FMAX,
    FMIN,
    HOP_LENGTH,
    LOGMEL,
    N_FFT,
    N_MELS,
    SR,
    fixed_length,
    hz_to_mel,
    log_mel,
    log_mel_dataset,
    mel_to_hz,
    n_frames,
)

REAL_MAP_CLIPS = _util.map_clips


def _voice(seconds: float, *, f0: float = 220.0, amp: float = 0.3, seed: int = 0) -> np.ndarray:
    """A harmonic tone with a little noise, float32 at SR."""
    t = np.arange(round(seconds * SR)) / SR
    y = sum(np.sin(2 * np.pi * k * f0 * t) / k for k in range(1, 6))
    noise = np.random.default_rng(seed).standard_normal(t.size)
    return (amp * y / 2 + 0.01 * noise).astype(np.float32)


def _reference(y: np.ndarray) -> np.ndarray:
    """The documented librosa pipeline, written out independently of the module."""
    S = librosa.feature.melspectrogram(
        y=y, sr=16_000, n_fft=1024, hop_length=256, n_mels=64, fmin=50.0, fmax=8000.0,
        power=2.0, center=True,
    )
    return librosa.power_to_db(S, ref=1.0, amin=1e-10, top_db=80.0)


@pytest.fixture(autouse=True)
def serial(monkeypatch):
    """Compute in this process (worker start-up is slow); one test uses real workers."""
    monkeypatch.setattr(_util, "map_clips", functools.partial(REAL_MAP_CLIPS, workers=1))


@pytest.fixture
def clips(tmp_path):
    """Four short files of different lengths (one longer than 2 s) as a corpus-like table."""
    folder = tmp_path / "audio"
    folder.mkdir()
    rows = []
    for i, (seconds, f0) in enumerate([(0.6, 200.0), (1.1, 240.0), (2.3, 300.0), (0.9, 180.0)]):
        path = folder / f"clip{i}.flac"
        sf.write(path, _voice(seconds, f0=f0, seed=i), SR)
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        rows.append({"path": str(path), "sha256": sha, "label": i % 2})
    return pd.DataFrame(rows, index=[10, 11, 12, 13])


def test_constants_have_one_source():
    assert (SR, N_FFT, HOP_LENGTH, N_MELS) == (16_000, FRAME_LENGTH, FEATURES_HOP, 64)
    assert (N_FFT, HOP_LENGTH, FMIN, FMAX, CLIP_SECONDS) == (1024, 256, 50.0, 8000.0, 4.0)
    assert (LOGMEL.sr, LOGMEL.n_fft, LOGMEL.hop_length, LOGMEL.n_mels) == (
        SR, N_FFT, HOP_LENGTH, N_MELS)
    assert (LOGMEL.fmin, LOGMEL.fmax, LOGMEL.clip_seconds) == (FMIN, FMAX, CLIP_SECONDS)
    assert (LOGMEL.power, LOGMEL.ref, LOGMEL.amin, LOGMEL.top_db) == (2.0, 1.0, 1e-10, 80.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        LOGMEL.n_mels = 128


@pytest.mark.parametrize("htk", [False, True])
def test_mel_scales_match_librosa(htk):
    hz = np.concatenate([np.linspace(0, 8000, 801), [999.999, 1000.0, 1000.001, 11025, 22050]])
    assert_allclose(hz_to_mel(hz, htk=htk), librosa.hz_to_mel(hz, htk=htk), rtol=1e-12)
    mels = np.linspace(0, hz_to_mel(22050.0, htk=htk), 777)
    assert_allclose(mel_to_hz(mels, htk=htk), librosa.mel_to_hz(mels, htk=htk), rtol=1e-12)
    assert_allclose(mel_to_hz(hz_to_mel(hz, htk=htk), htk=htk), hz, rtol=1e-12, atol=1e-9)
    for f in (0.0, 440.0, 1000.0, 4000.0):
        m = hz_to_mel(f, htk=htk)
        assert isinstance(m, float)
        assert m == pytest.approx(float(librosa.hz_to_mel(f, htk=htk)), rel=1e-12)
        assert isinstance(mel_to_hz(m, htk=htk), float)
        assert mel_to_hz(m, htk=htk) == pytest.approx(f, rel=1e-12, abs=1e-9)
    grid = hz.reshape(2, -1)[:, :3]  # any shape is kept
    assert hz_to_mel(grid, htk=htk).shape == grid.shape


def test_slaney_scale_by_hand():
    assert hz_to_mel(200.0) == pytest.approx(3.0)  # 3 mels per 200 Hz below 1 kHz
    assert hz_to_mel(1000.0) == pytest.approx(15.0)
    assert hz_to_mel(6400.0) == pytest.approx(15.0 + 27.0)  # 27 mels per factor 6.4
    assert hz_to_mel(700.0, htk=True) == pytest.approx(2595 * np.log10(2))
    assert mel_to_hz(42.0) == pytest.approx(6400.0)


def test_log_mel_equals_librosa_pipeline():
    y = _voice(1.3)
    S = log_mel(y)
    assert S.dtype == np.float32
    assert S.shape == (N_MELS, 1 + y.size // HOP_LENGTH)
    assert_allclose(S, _reference(y), rtol=1e-6, atol=1e-4)
    assert S.max() - S.min() <= LOGMEL.top_db + 1e-3


def test_log_mel_keeps_level_in_absolute_db():
    y = _voice(1.0)
    loud, quiet = log_mel(y), log_mel(y * np.float32(0.1))
    assert quiet.max() == pytest.approx(loud.max() - 20.0, abs=1e-3)  # ref=1.0, not np.max
    above_floor = quiet > quiet.min() + 1
    assert_allclose(quiet[above_floor], loud[above_floor] - 20.0, atol=1e-2)


def test_log_mel_refuses_bad_input():
    y = _voice(0.5)
    with pytest.raises(AssertionError, match="resample"):
        log_mel(y, sr=22_050)
    with pytest.raises(AssertionError, match="mono"):
        log_mel(np.stack([y, y]))
    with pytest.raises(AssertionError, match="non-empty"):
        log_mel(np.zeros(0, np.float32))
    with pytest.raises(librosa.ParameterError, match="floating-point"):
        log_mel((y * 32767).astype(np.int16))
    bad = y.copy()
    bad[100] = np.nan
    with pytest.raises(librosa.ParameterError, match="finite"):
        log_mel(bad)


def test_n_frames_matches_log_mel_of_fixed_length():
    assert n_frames() == n_frames(CLIP_SECONDS) == 251
    y = _voice(3.0)
    for seconds in (0.29, 1.0, 2.37, 4.0):
        fixed = fixed_length(y, seconds)
        assert fixed.size == round(seconds * SR)
        assert log_mel(fixed).shape == (N_MELS, n_frames(seconds))
    assert fixed_length(y, 0.29).size == 4640  # rounded, not truncated
    assert n_frames(1.0) == 1 + 16_000 // 256
    with pytest.raises(AssertionError, match="positive"):
        n_frames(0)


def test_fixed_length_pads_and_crops():
    y = np.arange(1, 8001, dtype=np.float32)  # 0.5 s
    padded = fixed_length(y, 1.0)
    assert padded.shape == (16_000,) and padded.dtype == np.float32
    assert_array_equal(padded[:8000], y)
    assert not padded[8000:].any()
    assert_array_equal(fixed_length(y, 0.25), y[:4000])
    assert_array_equal(fixed_length(y, 0.25, align="center"), y[2000:6000])
    assert fixed_length(y, 0.5, sr=8000).size == 4000
    assert fixed_length(np.stack([y, y]), 0.25).shape == (2, 4000)
    with pytest.raises(AssertionError, match="positive"):
        fixed_length(y, -1.0)
    with pytest.raises((ValueError, AssertionError), match="align"):
        fixed_length(y, 1.0, align="end")


def test_log_mel_dataset_shape_values_and_order(clips):
    X = log_mel_dataset(clips, seconds=2.0, progress=False)
    assert X.shape == (4, N_MELS, n_frames(2.0)) and X.dtype == np.float32
    for x, path in zip(X, clips["path"]):
        y, _ = sf.read(path, dtype="float32")
        assert_allclose(x, log_mel(fixed_length(y, 2.0)), atol=1e-5)
    reordered = log_mel_dataset(clips.iloc[[2, 0, 3, 1]], seconds=2.0, progress=False)
    assert_array_equal(reordered, X[[2, 0, 3, 1]])


def test_worker_processes_give_identical_results(clips, monkeypatch):
    here = np.stack([melspec._clip_log_mel((path, 2.0)) for path in clips["path"]])
    monkeypatch.setattr(_util, "map_clips", functools.partial(REAL_MAP_CLIPS, workers=2))
    assert_array_equal(log_mel_dataset(clips, seconds=2.0, progress=False), here)


def test_log_mel_dataset_second_call_reads_cache(clips, tmp_cache, monkeypatch):
    first = log_mel_dataset(clips, progress=False)
    files = list((tmp_cache / "logmel").glob("*.npy"))
    assert len(files) == 1

    def fail(*args, **kwargs):
        raise AssertionError("recomputed although cached")

    monkeypatch.setattr(_util, "map_clips", fail)
    assert_array_equal(log_mel_dataset(clips, progress=False), first)
    shuffled = clips.sample(frac=1.0, random_state=1)  # same clips, another order: same file
    assert_array_equal(log_mel_dataset(shuffled, progress=False),
                       first[[list(clips.index).index(i) for i in shuffled.index]])
    assert list((tmp_cache / "logmel").glob("*.npy")) == files


def test_log_mel_dataset_loads_each_distinct_clip_once(clips, monkeypatch):
    jobs = []

    def recording(fn, items, **kwargs):
        jobs.extend(items)
        return REAL_MAP_CLIPS(fn, items, **kwargs | {"workers": 1})

    monkeypatch.setattr(_util, "map_clips", recording)
    doubled = pd.concat([clips, clips.iloc[:2]])
    X = log_mel_dataset(doubled, progress=False)
    assert sorted(path for path, _ in jobs) == sorted(clips["path"])
    assert_array_equal(X[4:], X[:2])


def test_log_mel_dataset_key_changes_with_params(clips, tmp_cache, monkeypatch):
    def n_files():
        return len(list((tmp_cache / "logmel").glob("*.npy")))

    log_mel_dataset(clips, progress=False)
    log_mel_dataset(clips, seconds=4, progress=False)  # 4 == 4.0: the same entry
    assert n_files() == 1
    log_mel_dataset(clips, seconds=1.0, progress=False)
    log_mel_dataset(clips.iloc[:2], progress=False)
    assert n_files() == 3
    monkeypatch.setattr(melspec, "LOGMEL", dataclasses.replace(LOGMEL, top_db=60.0))
    log_mel_dataset(clips, progress=False)
    assert n_files() == 4
    monkeypatch.setattr(melspec, "LOGMEL", LOGMEL)
    monkeypatch.setattr(librosa, "__version__", "0.0.0")
    log_mel_dataset(clips, progress=False)
    assert n_files() == 5


def test_log_mel_dataset_without_sha_column_and_explicit_cache_dir(clips, tmp_path, tmp_cache):
    with_sha = log_mel_dataset(clips, progress=False)
    other = tmp_path / "elsewhere"
    without = log_mel_dataset(clips.drop(columns="sha256"), cache_dir=other, progress=False)
    assert_array_equal(without, with_sha)
    assert [p.name for p in (other / "logmel").glob("*.npy")] == [
        p.name for p in (tmp_cache / "logmel").glob("*.npy")
    ]


def test_log_mel_dataset_recomputes_damaged_cache(clips, tmp_cache):
    first = log_mel_dataset(clips, progress=False)
    (entry,) = (tmp_cache / "logmel").glob("*.npy")
    entry.write_bytes(b"not an array")
    assert_array_equal(log_mel_dataset(clips, progress=False), first)
    assert np.load(entry).shape == first.shape
    assert not list((tmp_cache / "logmel").glob(".*.tmp"))


def test_log_mel_dataset_refuses_bad_tables(clips):
    with pytest.raises(AssertionError, match="'path' column"):
        log_mel_dataset(clips.drop(columns="path"), progress=False)
    with pytest.raises(AssertionError, match="positive"):
        log_mel_dataset(clips, seconds=0.0, progress=False)
    empty = log_mel_dataset(clips.iloc[:0], progress=False)
    assert empty.shape == (0, N_MELS, n_frames()) and empty.dtype == np.float32


def test_log_mel_dataset_on_the_corpus():
    df = load_corpus().head(4)
    X = log_mel_dataset(df, progress=False)
    assert X.shape == (4, N_MELS, 251) and X.dtype == np.float32
    assert np.isfinite(X).all()
    peaks = X.max(axis=(1, 2))
    assert (X.min(axis=(1, 2)) >= peaks - LOGMEL.top_db - 1e-3).all()
    y, sr = load(df["path"].iloc[2])
    assert_array_equal(X[2], melspec._clip_log_mel((df["path"].iloc[2], CLIP_SECONDS)))
    assert_allclose(X[2], log_mel(fixed_length(y, CLIP_SECONDS, sr), sr), atol=1e-5)


# --- conventions -------------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in melspec.__all__ if callable(getattr(melspec, n))])
def test_docstring_names_the_chapter(name):
    summary = getattr(melspec, name).__doc__.strip().split("\n\n")[0]
    assert len(summary.splitlines()) == 2
    assert " ".join(summary.split()).endswith(
        "Taught in chapter 05 (The mel spectrogram from first principles).")
