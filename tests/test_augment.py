"""Tests for voicelab.augment: noise colour, exact SNR, time shift, the random chain, and
the augmentation table that keeps copies tied to their source."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.signal
from numpy.testing import assert_allclose, assert_array_equal

from voicelab import augment
from voicelab.augment import (
    NOISE_KINDS,
    add_noise,
    augment_table,
    make_noise,
    random_augment,
    render_augmented,
    snr_db,
    time_shift,
)
from voicelab.data import load_corpus

SR = 16_000


def _speechlike(seconds: float = 1.0, seed: int = 0) -> np.ndarray:
    """Harmonics of 200 Hz under a syllable-rate envelope, plus a little noise."""
    t = np.arange(round(seconds * SR)) / SR
    y = sum(np.sin(2 * np.pi * 200 * k * t) / k for k in range(1, 8))
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t) ** 2
    noise = np.random.default_rng(seed).standard_normal(t.size)
    return (0.1 * envelope * y + 0.005 * noise).astype(np.float32)


def _peak_hz(y: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(y * np.hanning(y.size)))
    return float(np.fft.rfftfreq(y.size, 1 / SR)[np.argmax(spectrum)])


def _table(n_sentences: int = 4) -> pd.DataFrame:
    rows = []
    for s in range(1, n_sentences + 1):
        for speaker, label in (("clb", 0), ("slt", 1)):
            for take in (1, 2):
                rows.append({
                    "path": f"/corpus/{speaker}/s{s:03d}_t{take}.flac",
                    "file": f"{speaker}/s{s:03d}_t{take}.flac",
                    "speaker": speaker,
                    "label": label,
                    "sentence_id": f"s{s:03d}",
                    "take": take,
                    "split": "train",
                })
    return pd.DataFrame(rows, index=np.arange(100, 100 + len(rows)))


# --- noise ---------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "slope"), [("white", 0.0), ("pink", -1.0), ("brown", -2.0)])
def test_make_noise_has_the_right_colour(kind, slope):
    noise = make_noise(2**16, kind, rng=np.random.default_rng(0))
    assert noise.shape == (2**16,) and noise.dtype == np.float64
    assert np.sqrt(np.mean(noise**2)) == pytest.approx(1.0)
    f, psd = scipy.signal.welch(noise, fs=SR, nperseg=4096)
    band = (f > 100) & (f < 4000)
    fitted = np.polyfit(np.log10(f[band]), np.log10(psd[band]), 1)[0]
    assert fitted == pytest.approx(slope, abs=0.1)
    assert_array_equal(make_noise(1001, kind, rng=np.random.default_rng(3)),
                       make_noise(1001, kind, rng=np.random.default_rng(3)))


@pytest.mark.parametrize("kind", list(NOISE_KINDS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_add_noise_reaches_the_requested_snr(kind, dtype):
    y = _speechlike().astype(dtype)
    rng = np.random.default_rng(0)
    for target in (-5.0, 0.0, 10.0, 17.3, 30.0):
        noisy = add_noise(y, target, rng=rng, kind=kind)
        assert noisy.dtype == dtype and noisy.shape == y.shape
        assert abs(snr_db(y, noisy) - target) < 1e-5


def test_add_noise_gain_by_hand():
    y = _speechlike()
    noisy = add_noise(y, 10.0, rng=np.random.default_rng(3), kind="pink")
    noise = make_noise(y.size, "pink", rng=np.random.default_rng(3))
    p_signal = np.mean(y.astype(np.float64) ** 2)
    gain = np.sqrt(p_signal / (np.mean(noise**2) * 10 ** (10.0 / 10)))
    assert_allclose(noisy, (y + gain * noise).astype(np.float32))


def test_add_noise_with_a_recorded_noise_is_tiled_and_exact():
    y = _speechlike()
    babble = _speechlike(0.3, seed=5) * 3  # shorter than y: repeated
    noisy = add_noise(y, 12.0, rng=None, noise=babble)
    assert abs(snr_db(y, noisy) - 12.0) < 1e-5
    added = noisy.astype(np.float64) - y
    tiled = np.resize(babble.astype(np.float64), y.size)  # read from the start when rng=None
    gain = added @ tiled / (tiled @ tiled)
    assert_allclose(added, gain * tiled, atol=1e-6)
    shifted = add_noise(y, 12.0, rng=np.random.default_rng(1), noise=babble)
    assert abs(snr_db(y, shifted) - 12.0) < 1e-5
    assert not np.array_equal(shifted, noisy)  # a random start into the recording


def test_add_noise_is_deterministic_per_rng_state_and_pure():
    y = _speechlike()
    y.flags.writeable = False  # any write into the input raises
    a = add_noise(y, 10.0, rng=np.random.default_rng(7), kind="pink")
    b = add_noise(y, 10.0, rng=np.random.default_rng(7), kind="pink")
    c = add_noise(y, 10.0, rng=np.random.default_rng(8), kind="pink")
    assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert not np.shares_memory(a, y)


def test_add_noise_refuses_silence():
    with pytest.raises(AssertionError, match="no SNR"):
        add_noise(np.zeros(1000, np.float32), 10.0, rng=np.random.default_rng(0))
    with pytest.raises(AssertionError, match="no SNR"):
        add_noise(_speechlike(), 10.0, rng=None, noise=np.zeros(100))


def test_snr_db_by_hand():
    clean = np.array([1.0, -1.0] * 50)  # power 1
    noise = np.full(100, 0.1)  # power 0.01
    assert snr_db(clean, clean + noise) == pytest.approx(20.0)
    assert snr_db(clean.astype(np.float32), (clean + noise).astype(np.float32)) == (
        pytest.approx(20.0, abs=1e-5))


# --- time shift and the random chain --------------------------------------------------


def test_time_shift_fills_with_zeros():
    y = np.arange(1, 11, dtype=np.float32)
    assert_array_equal(time_shift(y, 3), [0, 0, 0, 1, 2, 3, 4, 5, 6, 7])
    assert_array_equal(time_shift(y, -3), [4, 5, 6, 7, 8, 9, 10, 0, 0, 0])
    assert_array_equal(time_shift(y, 0), y)
    assert time_shift(y, 0) is not y
    assert not time_shift(y, 10).any() and not time_shift(y, -25).any()
    assert time_shift(y, np.int64(2)).dtype == y.dtype


def test_random_augment_draws_within_ranges_and_reproduces():
    y = _speechlike()
    seen_kinds = set()
    for seed in range(6):
        out, params = random_augment(y, SR, rng=np.random.default_rng(seed))
        assert set(params) == {"rate", "n_steps", "shift_samples", "noise_kind", "snr_db"}
        assert 0.85 <= params["rate"] <= 1.15
        assert -1 <= params["n_steps"] <= 1
        assert abs(params["shift_samples"]) <= 0.2 * SR
        assert 10 <= params["snr_db"] <= 30
        assert params["noise_kind"] in ("pink", "white")
        seen_kinds.add(params["noise_kind"])
        assert abs(out.size - y.size / params["rate"]) <= 1
        assert out.dtype == y.dtype
        again, params_again = random_augment(y, SR, rng=np.random.default_rng(seed))
        assert_array_equal(again, out)
        assert params_again == params
    assert seen_kinds == {"pink", "white"}


def test_random_augment_steps_can_be_left_out():
    y = _speechlike()
    _, full = random_augment(y, SR, rng=np.random.default_rng(4))
    out, params = random_augment(y, SR, rng=np.random.default_rng(4), rate_range=None)
    assert params["rate"] is None and out.size == y.size
    assert {k: v for k, v in params.items() if k != "rate"} == {
        k: v for k, v in full.items() if k != "rate"
    }  # the other draws are unchanged
    out, params = random_augment(y, SR, rng=np.random.default_rng(4), rate_range=None,
                                 semitone_range=None, shift_range=(0.1, 0.1), snr_range=None)
    assert params == {"rate": None, "n_steps": None, "shift_samples": 1600,
                      "noise_kind": None, "snr_db": None}
    assert_array_equal(out, time_shift(y, 1600))
    out, params = random_augment(y, SR, rng=np.random.default_rng(4), rate_range=None,
                                 semitone_range=None, shift_range=None, snr_range=(20, 20))
    assert snr_db(y, out) == pytest.approx(20.0, abs=1e-5)
    untouched, _ = random_augment(y, SR, rng=np.random.default_rng(0), rate_range=None,
                                  semitone_range=None, shift_range=None, snr_range=None)
    assert_array_equal(untouched, y) and not np.shares_memory(untouched, y)


def test_random_augment_pitch_step_moves_a_tone():
    t = np.arange(SR) / SR
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)  # 1 Hz bins
    out, params = random_augment(tone, SR, rng=np.random.default_rng(0), rate_range=None,
                                 shift_range=None, snr_range=None)
    assert out.shape == tone.shape
    assert _peak_hz(out) == pytest.approx(440 * 2 ** (params["n_steps"] / 12), abs=1.0)


# --- the plan of copies ----------------------------------------------------------------


def test_augment_table_ties_copies_to_their_source():
    df = _table()
    table = augment_table(df, 3, seed=0)
    assert list(table.columns) == ["source_file", "source_path", "source_index", "copy",
                                   "sentence_id", "speaker", "label", "split", "seed"]
    assert len(table) == 3 * len(df)
    assert_array_equal(table["copy"], np.tile([0, 1, 2], len(df)))
    source = df.loc[table["source_index"]]
    for column in ("sentence_id", "speaker", "label", "split"):
        assert_array_equal(table[column], source[column])
    assert_array_equal(table["source_file"], source["file"])
    assert_array_equal(table["source_path"], source["path"])
    assert table["seed"].dtype == np.int64 and (table["seed"] >= 0).all()
    assert table["seed"].is_unique
    empty = augment_table(df, 0)
    assert len(empty) == 0 and "seed" in empty.columns


def test_augment_table_seeds_are_deterministic_and_order_free():
    df = _table()
    table = augment_table(df, 2, seed=0)
    assert_array_equal(augment_table(df, 2, seed=0)["seed"], table["seed"])
    assert not np.isin(augment_table(df, 2, seed=1)["seed"], table["seed"]).any()
    shuffled = augment_table(df.sample(frac=1.0, random_state=0).iloc[:5], 2, seed=0)
    merged = shuffled.merge(table, on=["source_file", "copy"], suffixes=("", "_full"))
    assert len(merged) == 10
    assert_array_equal(merged["seed"], merged["seed_full"])
    more = augment_table(df, 4, seed=0)  # adding copies keeps the first ones' seeds
    assert_array_equal(more[more["copy"] < 2]["seed"], table["seed"])


def test_augment_table_refuses_validation_and_test_rows():
    df = load_corpus()
    with pytest.raises(ValueError, match="leak") as info:
        augment_table(df, 1)
    assert "48" in str(info.value) and "train" in str(info.value)
    train = df[df["split"] == "train"]
    table = augment_table(train, 2)
    assert len(table) == 2 * len(train) and set(table["split"]) == {"train"}
    assert set(table["sentence_id"]) == set(train["sentence_id"])
    assert len(augment_table(df, 1, allow_eval=True)) == len(df)


def test_render_augmented_is_reproducible_per_row():
    table = augment_table(_table(1), 2)
    y = _speechlike()
    first, params = render_augmented(table.iloc[0], y, SR)
    again, params_again = render_augmented(table.iloc[0], y, SR)
    assert_array_equal(first, again)
    assert params == params_again
    _, other_params = render_augmented(table.iloc[1], y, SR)
    assert other_params != params
    _, quiet_params = render_augmented(table.iloc[0], y, SR, snr_range=None)
    assert quiet_params["rate"] == params["rate"] and quiet_params["snr_db"] is None


# --- conventions -------------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in augment.__all__ if callable(getattr(augment, n))])
def test_docstring_names_the_chapter(name):
    first_paragraph = getattr(augment, name).__doc__.strip().split("\n\n")[0]
    assert len(first_paragraph.splitlines()) <= 3
    assert " ".join(first_paragraph.split()).endswith(
        "Taught in chapter 07 (More data from the same voices, without fooling yourself).")
