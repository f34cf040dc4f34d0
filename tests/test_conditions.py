"""Tests for voicelab.conditions: each condition does what its name says, from a seed."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from voicelab import augment, audio, conditions, data

SR = audio.SR


def tone(freq: float, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(round(SR * seconds)) / SR
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def speech_like(seed: int = 0) -> np.ndarray:
    """0.5 s of silence, 2 s of a loud harmonic sound, 0.5 s of silence."""
    rng = np.random.default_rng(seed)
    voiced = sum(tone(f, 2.0) / k for k, f in enumerate((220, 440, 660), 1))
    voiced = voiced + 0.01 * rng.standard_normal(voiced.size).astype(np.float32)
    silence = np.zeros(SR // 2, dtype=np.float32)
    return np.concatenate([silence, voiced, silence])


def rms(y: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(y, dtype=np.float64))))


@pytest.mark.parametrize("condition", conditions.CONDITIONS)
def test_apply_is_deterministic_and_leaves_its_input_alone(condition):
    y = speech_like()
    before = y.copy()
    first = conditions.apply(condition, y, seed=3)
    assert np.array_equal(first, conditions.apply(condition, y, seed=3))
    assert np.array_equal(y, before)
    assert first.dtype == y.dtype
    if condition.startswith(("pink", "babble")):
        assert not np.array_equal(first, conditions.apply(condition, y, seed=4))


@pytest.mark.parametrize("condition", ["pink 10 dB", "pink 0 dB", "babble 5 dB"])
def test_noise_is_added_at_the_snr_in_the_name(condition):
    y = speech_like()
    noisy = conditions.apply(condition, y, seed=0)
    expected = float(condition.split()[1])
    assert augment.snr_db(y, noisy) == pytest.approx(expected, abs=0.01)


def test_unknown_condition_names_the_choices():
    with pytest.raises(ValueError, match="telephone"):
        conditions.apply("underwater", speech_like(), seed=0)


def test_telephone_passes_the_voice_band_only():
    assert rms(conditions.telephone(tone(1000))) == pytest.approx(rms(tone(1000)), rel=0.05)
    assert rms(conditions.telephone(tone(5000))) < 0.01 * rms(tone(5000))
    assert rms(conditions.telephone(tone(100), mu_law=False)) < 0.1 * rms(tone(100))


def test_telephone_mu_law_adds_quantization_noise_but_keeps_the_length():
    y = tone(1000, 0.73)
    coded, linear = conditions.telephone(y), conditions.telephone(y, mu_law=False)
    assert coded.shape == linear.shape == y.shape
    assert 20 < augment.snr_db(linear, coded) < 45  # 8-bit mu-law: about 38 dB


def test_crop_keeps_one_second_of_the_voiced_part():
    y = speech_like()
    cropped = conditions.crop(y, 1.0)
    assert cropped.size == SR
    assert rms(cropped[:800]) > 0.1 and rms(cropped[-800:]) > 0.1  # no silence left
    short = conditions.crop(y[: SR // 2 + SR // 4], 1.0)  # only 0.25 s of voice
    assert short.size < SR


def test_the_talkers_are_other_voices_on_training_sentences():
    manifest = pd.read_csv(conditions.BABBLE_DIR / "manifest.csv")
    corpus = data.load_corpus()
    assert not set(manifest["voice"]) & set(corpus["speaker"])
    splits = corpus.drop_duplicates("sentence_id").set_index("sentence_id")["split"]
    assert set(splits[manifest["sentence_id"]]) == {"train"}
    for row in manifest.itertuples():
        digest = hashlib.sha256((conditions.BABBLE_DIR / row.file).read_bytes()).hexdigest()
        assert digest == row.sha256
    talkers = conditions.load_talkers()
    assert len(talkers) == len(manifest) and all(t.size > 2 * SR for t in talkers)


def test_missing_talkers_say_how_to_make_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="make_babble"):
        conditions.load_talkers(tmp_path)


@pytest.mark.parametrize("name", [n for n in conditions.__all__
                                  if callable(getattr(conditions, n))])
def test_docstring_names_the_chapter(name):
    doc = " ".join(getattr(conditions, name).__doc__.split("\n\n")[0].split())
    assert doc.endswith("Taught in chapter 12 (The final comparison).")
