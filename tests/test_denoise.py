"""voicelab.denoise: noise from seeds, SI-SDR, the mask network and its cache."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from voicelab import augment, denoise

SR = denoise.SR


def speechlike(seed: int, seconds: float = 1.0) -> np.ndarray:
    """A float32 'voice': harmonics of a random pitch, switched on and off."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * SR)) / SR
    f0 = rng.uniform(150, 250)
    y = sum(np.sin(2 * np.pi * k * f0 * t) / k for k in range(1, 15))
    y *= (np.sin(2 * np.pi * 3 * t) > -0.3)  # syllables and pauses
    return (0.05 * y).astype(np.float32)


# --- SI-SDR ---------------------------------------------------------------------------


def test_si_sdr_matches_the_hand_worked_example():
    s = np.array([1.0, 2.0, -1.0, -2.0])
    s_hat = s + np.array([1.0, -1.0, 1.0, -1.0])  # error orthogonal to s, mean zero
    assert denoise.si_sdr(s, s_hat) == pytest.approx(10 * np.log10(2.5), abs=1e-12)
    assert denoise.si_sdr(s, s_hat) == pytest.approx(augment.snr_db(s, s_hat), abs=1e-12)


def test_si_sdr_ignores_gain_and_offset_but_snr_does_not():
    s = np.array([1.0, 2.0, -1.0, -2.0])
    s_hat = s + np.array([1.0, -1.0, 1.0, -1.0])
    for changed in (0.5 * s_hat, 3 * s_hat, s_hat + 0.25):
        assert denoise.si_sdr(s, changed) == pytest.approx(denoise.si_sdr(s, s_hat))
    assert augment.snr_db(s, 0.5 * s_hat) != pytest.approx(augment.snr_db(s, s_hat))


def test_si_sdr_of_noisy_speech_is_close_to_its_snr():
    y = speechlike(0)
    noisy = augment.add_noise(y, 5, rng=np.random.default_rng(1))
    assert denoise.si_sdr(y, noisy) == pytest.approx(5, abs=0.2)


# --- noise ----------------------------------------------------------------------------


def test_hum_is_a_periodic_comb_of_harmonics_with_unit_rms():
    h = denoise.hum(SR, SR, rng=np.random.default_rng(0))
    assert h.shape == (SR,) and np.sqrt(np.mean(h**2)) == pytest.approx(1)
    np.testing.assert_allclose(h[:-320], h[320:], atol=1e-12)  # period 320 samples
    amplitude = np.abs(np.fft.rfft(h))
    power = amplitude**2
    assert power[::50].sum() / power.sum() == pytest.approx(1, abs=1e-9)
    assert amplitude[200] / amplitude[50] == pytest.approx(0.5)  # 1 / sqrt(4)
    assert power[4001:].sum() / power.sum() < 1e-12  # nothing above fmax


def test_hum_and_babble_come_from_the_seed():
    talkers = [speechlike(s) for s in range(5)]
    for make in (lambda rng: denoise.hum(1000, SR, rng=rng),
                 lambda rng: denoise.babble(talkers, 1000, rng=rng)):
        a, b = make(np.random.default_rng(3)), make(np.random.default_rng(3))
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, make(np.random.default_rng(4)))


def test_babble_sums_k_talkers_at_unit_rms_and_fills_any_length():
    tones = [np.sin(2 * np.pi * f * np.arange(SR // 2) / SR) for f in (200, 400, 800)]
    b = denoise.babble(tones, 3 * SR, rng=np.random.default_rng(0), k=2)
    assert b.shape == (3 * SR,) and np.sqrt(np.mean(b**2)) == pytest.approx(1)
    power = np.abs(np.fft.rfft(b)) ** 2 / b.size  # 1/3 Hz bins
    present = [power[3 * f] > 0.01 * power.max() for f in (200, 400, 800)]
    assert sum(present) == 2


@pytest.mark.parametrize("kind", denoise.SEEN_NOISES + denoise.UNSEEN_NOISES)
def test_make_mixture_hits_the_snr_and_scales_the_excerpt_alike(kind):
    y = speechlike(0, seconds=2.0)
    talkers = [speechlike(s) for s in range(1, 6)]
    before = y.copy()
    noisy, excerpt = denoise.make_mixture(y, kind, 3, rng=np.random.default_rng(0),
                                          talkers=talkers)
    np.testing.assert_array_equal(y, before)  # pure
    assert noisy.dtype == excerpt.dtype == np.float32
    assert noisy.shape == y.shape and excerpt.shape == (denoise.EXCERPT,)
    assert augment.snr_db(y, noisy) == pytest.approx(3, abs=1e-4)
    level_db = 20 * np.log10(np.std(excerpt) / np.std(noisy - y))
    if kind in ("white", "pink", "hum"):  # steady noise: the excerpt has its level
        assert abs(level_db) < 1
    else:  # babble comes and goes, brown noise wanders slowly
        assert np.isfinite(level_db)


def test_make_mixture_removes_the_drift_below_50_hz():
    y = speechlike(0, seconds=3.0)
    noisy, _ = denoise.make_mixture(y, "brown", 0, rng=np.random.default_rng(0))
    power = np.abs(np.fft.rfft(noisy - y)) ** 2
    low = np.fft.rfftfreq(y.size, d=1 / SR) < 50
    assert power[low].sum() < 0.01 * power.sum()
    raw = augment.make_noise(y.size, "brown", rng=np.random.default_rng(0))
    raw_power = np.abs(np.fft.rfft(raw)) ** 2
    assert raw_power[low].sum() > 0.5 * raw_power.sum()  # what the cut removes


def test_make_mixture_is_reproducible():
    y = speechlike(0)
    a = denoise.make_mixture(y, "pink", 0, rng=np.random.default_rng(9))
    b = denoise.make_mixture(y, "pink", 0, rng=np.random.default_rng(9))
    for x1, x2 in zip(a, b):
        np.testing.assert_array_equal(x1, x2)


# --- the network's input and output ----------------------------------------------------


def test_denoiser_inputs_measure_levels_against_the_noise_profile():
    rng = np.random.default_rng(0)
    noise = (0.01 * augment.make_noise(SR + denoise.EXCERPT, "white", rng=rng))
    noise = noise.astype(np.float32)
    X, Z = denoise.denoiser_inputs(noise[:SR], noise[SR:])
    n_frames = 1 + SR // denoise.HOP
    assert X.shape == (denoise.N_FFT // 2 + 1, n_frames)
    assert Z.shape == (denoise.N_FFT // 2, n_frames, 2) and Z.dtype == np.float32
    assert abs(np.median(Z[..., 0])) < 0.3  # noise alone sits at its own floor
    louder = denoise.denoiser_inputs(10 * noise[:SR], noise[SR:])[1]
    np.testing.assert_allclose(louder[..., 0] - Z[..., 0], 2.0, atol=1e-4)  # +20 dB


def test_build_denoiser_counts_parameters_and_outputs_a_mask():
    model = denoise.build_denoiser()
    convs = [(2, 8), (8, 16), (16, 4), (4, 16), (18, 1)]
    assert model.count_params() == sum(9 * i * o + o for i, o in convs) == 2655
    mask = model(np.zeros((2, 256, 40, 2), np.float32)).numpy()
    assert mask.shape == (2, 256, 40, 1) and ((0 <= mask) & (mask <= 1)).all()


def test_apply_denoiser_with_a_keep_everything_mask_returns_the_input():
    model = denoise.build_denoiser()
    last = model.layers[-1]
    kernel, bias = last.get_weights()
    last.set_weights([np.zeros_like(kernel), np.full_like(bias, 30.0)])  # sigmoid -> 1
    noisy = augment.add_noise(speechlike(1, 1.3), 0, rng=np.random.default_rng(2))
    excerpt = np.zeros(denoise.EXCERPT, np.float32) + 1e-3
    out = denoise.apply_denoiser(model, noisy, excerpt)
    assert out.shape == noisy.shape and out.dtype == noisy.dtype
    np.testing.assert_allclose(out, noisy, atol=1e-4)


# --- training and the cache ---------------------------------------------------------------


def small_split(n: int, first_seed: int) -> tuple[list, list]:
    return [speechlike(s) for s in range(first_seed, first_seed + n)], [
        f"s{s:03d}" for s in range(first_seed, first_seed + n)]


def test_training_patches_shapes_targets_and_weights():
    clips, sentences = small_split(6, 0)
    Z, M, W = denoise.training_patches(clips, sentences, rng=np.random.default_rng(0),
                                       per_clip=2, frames=32)
    assert Z.shape == (12, 256, 32, 2) and M.shape == (12, 256, 32, 1)
    assert W.shape == (12, 256, 32) and Z.dtype == M.dtype == W.dtype == np.float32
    assert ((0 <= M) & (M <= 1)).all() and (W >= 0).all()


def test_train_denoiser_runs_and_stops_on_validation(capsys):
    model = denoise.train_denoiser(small_split(6, 0), small_split(5, 10), epochs=1)
    assert "val_loss" in capsys.readouterr().out
    out = model(np.zeros((1, 256, 8, 2), np.float32)).numpy()
    assert out.shape == (1, 256, 8, 1)


def test_load_denoiser_trains_once_then_loads(tmp_cache, monkeypatch):
    calls = []

    def fake_train(train, val, *, seed):
        calls.append((len(train[0]), len(val[0]), seed))
        return denoise.build_denoiser()

    monkeypatch.setattr(denoise, "train_denoiser", fake_train)
    corpus = pd.DataFrame({"split": ["train"] * 6 + ["val"] * 5 + ["test"] * 2,
                           "sha256": [f"{i:064x}" for i in range(13)],
                           "sentence_id": [f"s{i:03d}" for i in range(13)]})
    clips = [speechlike(i) for i in range(13)]
    first = denoise.load_denoiser(corpus, clips)
    assert calls == [(6, 5, 0)]
    assert len(list((tmp_cache / "models").glob("denoiser-*.keras"))) == 1
    again = denoise.load_denoiser(corpus, clips)
    assert calls == [(6, 5, 0)] and again is not first
    denoise.load_denoiser(corpus, clips, seed=1)  # another key trains afresh
    assert calls[-1] == (6, 5, 1)


def test_docstrings_name_the_chapter():
    for name in denoise.__all__:
        obj = getattr(denoise, name)
        if callable(obj):
            assert "Taught in chapter 10 (Denoising)." in " ".join(obj.__doc__.split())


def test_denoiser_spec_follows_the_split_and_the_seed():
    corpus = pd.DataFrame({"sha256": ["a", "b", "c"], "split": ["train", "val", "test"]})
    spec = denoise.denoiser_spec(corpus)
    assert spec["train"] == ["a"] and spec["val"] == ["b"] and spec["seed"] == 0
    assert denoise.denoiser_spec(corpus, seed=1) != spec
    assert denoise.denoiser_spec(corpus.assign(split=["val", "train", "test"])) != spec
