"""Tests for voicelab.augment: exact SNR, stretch, pitch, shift, SpecAugment masks, purity,
and the augmentation table that keeps copies tied to their source."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.signal
from numpy.testing import assert_allclose, assert_array_equal

from voicelab import augment
from voicelab.audio import SilentAudioError
from voicelab.augment import (
    NOISE_KINDS,
    add_noise,
    augment_table,
    make_noise,
    pitch_shift,
    random_augment,
    render_augmented,
    snr_db,
    spec_mask,
    time_shift,
    time_stretch,
)
from voicelab.data import load_corpus

SR = 16_000


def _tone(freq: float = 440.0, seconds: float = 1.0, amp: float = 0.3) -> np.ndarray:
    t = np.arange(round(seconds * SR)) / SR
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


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


@pytest.mark.parametrize("kind", list(NOISE_KINDS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_add_noise_reaches_the_requested_snr(kind, dtype):
    y = _speechlike().astype(dtype)
    rng = np.random.default_rng(0)
    for target in (-5.0, 0.0, 10.0, 17.3, 30.0):
        noisy = add_noise(y, target, rng=rng, kind=kind)
        assert noisy.dtype == dtype and noisy.shape == y.shape
        assert abs(snr_db(y, noisy) - target) < 1e-6


def test_add_noise_with_a_recorded_noise_is_tiled_and_exact():
    y = _speechlike()
    babble = _speechlike(0.3, seed=5) * 3  # shorter than y: repeated
    noisy = add_noise(y, 12.0, rng=None, noise=babble)
    assert abs(snr_db(y, noisy) - 12.0) < 1e-6
    added = noisy.astype(np.float64) - y
    tiled = np.resize(babble.astype(np.float64), y.size)  # read from the start when rng=None
    gain = added @ tiled / (tiled @ tiled)
    assert_allclose(added, gain * tiled, atol=1e-6)
    shifted = add_noise(y, 12.0, rng=np.random.default_rng(1), noise=babble)
    assert abs(snr_db(y, shifted) - 12.0) < 1e-6
    assert not np.array_equal(shifted, noisy)  # a random start into the recording


def test_add_noise_is_deterministic_per_rng_state():
    y = _speechlike()
    a = add_noise(y, 10.0, rng=np.random.default_rng(7), kind="pink")
    b = add_noise(y, 10.0, rng=np.random.default_rng(7), kind="pink")
    c = add_noise(y, 10.0, rng=np.random.default_rng(8), kind="pink")
    assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_add_noise_refuses_silence_and_missing_rng():
    with pytest.raises(SilentAudioError, match="silent"):
        add_noise(np.zeros(1000, np.float32), 10.0, rng=np.random.default_rng(0))
    with pytest.raises(SilentAudioError, match="all-zero noise"):
        add_noise(_tone(), 10.0, rng=None, noise=np.zeros(100))
    with pytest.raises(TypeError, match="default_rng"):
        add_noise(_tone(), 10.0, rng=None)
    with pytest.raises(TypeError, match="Generator"):
        add_noise(_tone(), 10.0, rng=0)
    with pytest.raises(ValueError, match="kind"):
        add_noise(_tone(), 10.0, rng=np.random.default_rng(0), kind="blue")


@pytest.mark.parametrize(("kind", "slope"), [("white", 0.0), ("pink", -1.0), ("brown", -2.0)])
def test_make_noise_has_the_right_colour(kind, slope):
    noise = make_noise(2**16, kind, rng=np.random.default_rng(0))
    assert noise.shape == (2**16,)
    assert np.sqrt(np.mean(noise**2)) == pytest.approx(1.0)
    f, psd = scipy.signal.welch(noise, fs=SR, nperseg=4096)
    band = (f > 100) & (f < 4000)
    fitted = np.polyfit(np.log10(f[band]), np.log10(psd[band]), 1)[0]
    assert fitted == pytest.approx(slope, abs=0.1)
    assert_array_equal(make_noise(1000, kind, rng=np.random.default_rng(3)),
                       make_noise(1000, kind, rng=np.random.default_rng(3)))


def test_snr_db_by_hand():
    clean = np.array([1.0, -1.0] * 50)  # power 1
    noise = np.full(100, 0.1)  # power 0.01
    assert snr_db(clean, clean + noise) == pytest.approx(20.0)
    assert snr_db(clean, clean) == float("inf")
    with pytest.raises(ValueError, match="same shape"):
        snr_db(clean, clean[:-1])
    with pytest.raises(SilentAudioError):
        snr_db(np.zeros(10), np.ones(10))


@pytest.mark.parametrize("rate", [0.8, 0.85, 1.15, 1.25, 1.5])
def test_time_stretch_changes_duration_by_the_factor(rate):
    y = _speechlike()
    out = time_stretch(y, rate)
    assert out.dtype == y.dtype
    assert abs(out.size - y.size / rate) <= 1
    assert _peak_hz(out) == pytest.approx(_peak_hz(y), abs=2.0)  # pitch unchanged


def test_time_stretch_refuses_bad_rates():
    for rate in (0, -1.0, np.inf):
        with pytest.raises(ValueError, match="rate"):
            time_stretch(_tone(), rate)


@pytest.mark.parametrize("n_steps", [-2, -1, 1, 2])
def test_pitch_shift_moves_a_tone_by_the_semitone_ratio(n_steps):
    y = _tone(440.0, seconds=1.0)  # 1 Hz bins
    out = pitch_shift(y, SR, n_steps)
    assert out.shape == y.shape and out.dtype == y.dtype
    assert _peak_hz(out) == pytest.approx(440.0 * 2 ** (n_steps / 12), abs=1.0)


def test_time_shift_zeros_and_roll():
    y = np.arange(1, 11, dtype=np.float32)
    assert_array_equal(time_shift(y, 3), [0, 0, 0, 1, 2, 3, 4, 5, 6, 7])
    assert_array_equal(time_shift(y, -3), [4, 5, 6, 7, 8, 9, 10, 0, 0, 0])
    assert_array_equal(time_shift(y, 0), y)
    assert not time_shift(y, 10).any() and not time_shift(y, -25).any()
    assert_array_equal(time_shift(y, 3, mode="roll"), np.roll(y, 3))
    assert_array_equal(time_shift(y, np.int64(-2), mode="roll"), np.roll(y, -2))
    with pytest.raises(ValueError, match="integer"):
        time_shift(y, 2.5)
    with pytest.raises(ValueError, match="mode"):
        time_shift(y, 2, mode="wrap")


def test_spec_mask_masks_exactly_what_it_reports():
    S = np.random.default_rng(0).normal(-40, 10, size=(64, 251)).astype(np.float32)
    for seed in range(20):
        out, time_spans, freq_spans = spec_mask(
            S, rng=np.random.default_rng(seed), n_time_masks=3, max_time=20, n_freq_masks=2,
            max_freq=8, return_masks=True,
        )
        assert out.dtype == S.dtype and out.shape == S.shape
        assert len(time_spans) == 3 and len(freq_spans) == 2
        assert all(0 <= a <= b <= 251 and b - a <= 20 for a, b in time_spans)
        assert all(0 <= a <= b <= 64 and b - a <= 8 for a, b in freq_spans)
        masked = np.zeros(S.shape, bool)
        for a, b in time_spans:
            masked[:, a:b] = True
        for a, b in freq_spans:
            masked[a:b, :] = True
        assert (out[masked] == S.min()).all()
        assert_array_equal(out[~masked], S[~masked])
        again = spec_mask(S, rng=np.random.default_rng(seed), n_time_masks=3, n_freq_masks=2)
        assert_array_equal(again, out)  # same seed, same masks; return_masks changes nothing
    other = spec_mask(S, rng=np.random.default_rng(1), return_masks=True)
    assert other[1:] != spec_mask(S, rng=np.random.default_rng(2), return_masks=True)[1:]


def test_spec_mask_options_and_errors():
    S = np.random.default_rng(0).normal(size=(8, 10))
    out, time_spans, freq_spans = spec_mask(
        S, rng=np.random.default_rng(0), max_time=50, max_freq=50, value=5.0, return_masks=True
    )
    assert all(b - a <= 10 for a, b in time_spans) and all(b - a <= 8 for a, b in freq_spans)
    assert (out[out != S] == 5.0).all()
    unmasked = spec_mask(S, rng=np.random.default_rng(0), n_time_masks=0, n_freq_masks=0)
    assert_array_equal(unmasked, S)
    assert unmasked is not S
    with pytest.raises(ValueError, match="n_mels, n_frames"):
        spec_mask(np.zeros((2, 8, 10)), rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="n_time_masks"):
        spec_mask(S, rng=np.random.default_rng(0), n_time_masks=-1)
    with pytest.raises(TypeError, match="Generator"):
        spec_mask(S, rng=None)


def test_functions_are_pure():
    y = _speechlike(0.5)
    y.flags.writeable = False  # any write into the input raises
    before = y.copy()
    S = np.random.default_rng(0).normal(size=(64, 40))
    S.flags.writeable = False
    S_before = S.copy()
    outputs = [
        time_stretch(y, 1.1),
        pitch_shift(y, SR, 1.0),
        add_noise(y, 10.0, rng=np.random.default_rng(0)),
        add_noise(y, 10.0, rng=None, noise=y[::-1]),
        time_shift(y, 100),
        time_shift(y, 100, mode="roll"),
        time_shift(y, 0),
        spec_mask(S, rng=np.random.default_rng(0)),
        random_augment(y, SR, rng=np.random.default_rng(0))[0],
        random_augment(y, SR, rng=np.random.default_rng(0), rate_range=None,
                       semitone_range=None, shift_range=None, snr_range=None)[0],
    ]
    assert_array_equal(y, before)
    assert_array_equal(S, S_before)
    for out in outputs:
        assert not np.shares_memory(out, y) and not np.shares_memory(out, S)
        assert out.flags.writeable


def test_random_augment_draws_within_ranges_and_reproduces():
    y = _speechlike()
    seen_kinds = set()
    for seed in range(6):
        out, params = random_augment(y, SR, rng=np.random.default_rng(seed))
        assert set(params) == {"rate", "n_steps", "shift_samples", "noise_kind", "snr_db"}
        assert 0.85 <= params["rate"] <= 1.15
        assert -2 <= params["n_steps"] <= 2
        assert abs(params["shift_samples"]) <= 0.2 * SR
        assert 10 <= params["snr_db"] <= 30
        assert params["noise_kind"] in ("pink", "white")
        seen_kinds.add(params["noise_kind"])
        assert all(isinstance(v, (float, int, str)) for v in params.values())
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
    assert snr_db(y, out) == pytest.approx(20.0, abs=1e-6)
    with pytest.raises(ValueError, match="noise_kinds"):
        random_augment(y, SR, rng=np.random.default_rng(0), noise_kinds=("blue",))
    with pytest.raises(ValueError, match="low <= high"):
        random_augment(y, SR, rng=np.random.default_rng(0), rate_range=(1.2, 0.8))


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


def test_augment_table_seeds_are_deterministic_and_order_free():
    df = _table()
    table = augment_table(df, 2, seed=0)
    assert_array_equal(augment_table(df, 2, seed=0)["seed"], table["seed"])
    assert not np.isin(augment_table(df, 2, seed=1)["seed"], table["seed"]).any()
    shuffled = augment_table(df.sample(frac=1.0, random_state=0).iloc[:5], 2, seed=0)
    key = ["source_file", "copy"]
    merged = shuffled.merge(table, on=key, suffixes=("", "_full"))
    assert len(merged) == 10
    assert_array_equal(merged["seed"], merged["seed_full"])
    more = augment_table(df, 4, seed=0)  # adding copies keeps the first ones' seeds
    assert_array_equal(more[more["copy"] < 2]["seed"], table["seed"])


def test_augment_table_refuses_validation_and_test_rows():
    df = load_corpus()
    with pytest.raises(ValueError, match="leak") as info:
        augment_table(df, 1)
    assert "24" in str(info.value) and "train" in str(info.value)
    train = df[df["split"] == "train"]
    table = augment_table(train, 2)
    assert len(table) == 2 * len(train) and set(table["split"]) == {"train"}
    assert set(table["sentence_id"]) == set(train["sentence_id"])
    assert len(augment_table(df, 1, allow_eval=True)) == len(df)
    with pytest.raises(ValueError, match="no 'split' column"):
        augment_table(train.drop(columns="split"), 1)
    no_split = augment_table(train.drop(columns="split"), 1, allow_eval=True)
    assert "split" not in no_split.columns


def test_augment_table_checks_its_input():
    df = _table()
    with pytest.raises(ValueError, match="lacks the columns"):
        augment_table(df.drop(columns="sentence_id"), 1)
    with pytest.raises(ValueError, match="more than once"):
        augment_table(pd.concat([df, df.iloc[:1]]), 1)
    with pytest.raises(ValueError, match="n_copies"):
        augment_table(df, -1)
    empty = augment_table(df, 0)
    assert len(empty) == 0 and "seed" in empty.columns


def test_render_augmented_is_reproducible_per_row():
    table = augment_table(_table(1), 2)
    y = _speechlike()
    first, params = render_augmented(table.iloc[0], y, SR)
    again, params_again = render_augmented(table.iloc[0], y, SR)
    assert_array_equal(first, again)
    assert params == params_again
    other, other_params = render_augmented(table.iloc[1], y, SR)
    assert other_params != params
    quiet, quiet_params = render_augmented(table.iloc[0], y, SR, snr_range=None)
    assert quiet_params["rate"] == params["rate"] and quiet_params["snr_db"] is None
    with pytest.raises(ValueError, match="seed"):
        render_augmented({"copy": 0}, y, SR)


# --- conventions -------------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in augment.__all__ if callable(getattr(augment, n))])
def test_docstring_names_the_chapter(name):
    first_paragraph = getattr(augment, name).__doc__.strip().split("\n\n")[0]
    assert len(first_paragraph.splitlines()) <= 2
    assert " ".join(first_paragraph.split()).endswith(
        "Taught in chapter 07 (More data from the same voices, without fooling yourself).")
