"""Tests of voicelab.speaker_id: the folder check on tones written into ``tmp_path``,
and the evaluation, threshold and verification functions on small made-up numbers."""

from __future__ import annotations

import inspect

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from conftest import tone, write  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import roc_curve  # noqa: E402

from voicelab import data, evaluate, features, speaker_id  # noqa: E402
from voicelab.speaker_id import (  # noqa: E402
    check_folder, confidence_threshold, equal_error_rate, grouped_proba,
    name_or_unknown, verification_trials,
)

# --- check_folder -----------------------------------------------------------------------


def make_folder(root, speakers=("alice", "bob"), sentences=3, takes=2, sr=16_000,
                ext="wav"):
    """``speakers`` x ``sentences`` x ``takes`` clips of 1.2 s tones."""
    for k, speaker in enumerate(speakers):
        (root / speaker).mkdir(parents=True, exist_ok=True)
        for i in range(1, sentences + 1):
            for take in range(1, takes + 1):
                y = tone(200.0 + 50 * k + 5 * i, sr=sr, duration=1.2)
                write(root / speaker / f"s{i:02d}_t{take}.{ext}", y, sr=sr)
    return root


def problems_of(root, **kwargs) -> dict[str, tuple[str, str]]:
    table = check_folder(root, progress=False, **kwargs)
    assert list(table.columns) == ["severity", "where", "problem"]
    return {row.where: (row.severity, row.problem) for row in table.itertuples()}


def test_a_good_folder_has_only_the_too_few_sentences_warning(tmp_path):
    root = make_folder(tmp_path / "rec")
    (root / "alice" / ".DS_Store").write_bytes(b"\0")  # hidden files are ignored
    found = problems_of(root)
    assert set(found) == {"alice", "bob"}
    assert found["alice"] == ("warning", "reads 3 different sentences: record at "
                              "least 20 for numbers you can trust.")


def test_twenty_sentences_two_takes_one_device_are_fine(tmp_path):
    assert problems_of(make_folder(tmp_path / "rec", sentences=20)) == {}


def test_a_missing_folder_is_one_error(tmp_path):
    found = problems_of(tmp_path / "nowhere")
    assert found == {str(tmp_path / "nowhere"): (
        "error", "is not a folder: pass the one that holds a subfolder per speaker.")}


def test_every_bad_file_is_listed_with_its_fix(tmp_path):
    root = make_folder(tmp_path / "rec")
    write(root / "alice" / "short.wav", tone(duration=0.3))
    (root / "bob" / "notes.wav").write_text("take 2 was better\n" * 10)
    (root / "bob" / "voice.m4a").write_bytes(b"\0\0\0 ftypM4A " + bytes(100))
    data = (root / "bob" / "s01_t1.wav").read_bytes()
    (root / "bob" / "s01_t1.wav").write_bytes(data[:-1000])  # truncated
    found = problems_of(root)
    assert {w for w, (s, _) in found.items() if s == "error"} == {
        "alice/short.wav", "bob/notes.wav", "bob/voice.m4a", "bob/s01_t1.wav"}
    assert found["alice/short.wav"][1].startswith("lasts 0.300 s, shorter than "
                                                  "min_duration=1.0 s. Record a longer")
    assert "looks like text" in found["bob/notes.wav"][1]
    assert "ffmpeg -i voice.m4a voice.wav" in found["bob/voice.m4a"][1]
    assert "truncated" in found["bob/s01_t1.wav"][1]
    assert "export it again" in found["bob/s01_t1.wav"][1]
    assert not any(str(root) in problem for _, problem in found.values())
    assert "alice/short.wav" not in problems_of(root, min_seconds=0.2)


def test_folder_errors_come_from_the_loader(tmp_path):
    root = make_folder(tmp_path / "rec", speakers=("alice",))
    severity, problem = problems_of(root)["."]
    assert severity == "error" and "1 speaker (['alice'])" in problem
    assert str(tmp_path) not in problem.replace(str(root), "")
    (tmp_path / "flat").mkdir()
    write(tmp_path / "flat" / "hello.wav", tone(duration=1.2))
    found = problems_of(tmp_path / "flat")
    assert found["."][0] == "error" and "no speaker subfolders" in found["."][1]


def test_table_warnings(tmp_path):
    root = make_folder(tmp_path / "rec", sentences=20)
    (root / "bob" / "s20_t1.wav").unlink()
    (root / "bob" / "s20_t2.wav").unlink()
    (root / "alice" / "s05_t2.wav").unlink()
    write(root / "alice" / "s06_t2.wav", tone(duration=1.2, amplitude=1.0))
    write(root / "loose.wav", tone(duration=1.2))
    table = check_folder(root, progress=False)
    assert (table["severity"] == "warning").all()
    found = list(zip(table["where"], table["problem"].str[:40]))
    assert found == [
        ("alice/s06_t2.wav", "reaches full scale (clipping): lower the"),
        (".", "1 audio files outside any speaker's fold"),
        ("alice", "has one take of 1 sentences: record a se"),
        ("bob", "reads 19 different sentences: record at "),
        ("bob", "has not read 1 sentences the others read"),
    ]
    assert "e.g. s20: record them" in table["problem"].iloc[-1]


def test_a_device_per_speaker_is_a_warning(tmp_path):
    root = make_folder(tmp_path / "rec", speakers=("alice", "carol"), sentences=20)
    make_folder(root, speakers=("bob",), sentences=20, sr=44_100, ext="flac")
    found = problems_of(root)
    assert set(found) == {"bob"}  # alice and carol share their device
    assert found["bob"] == ("warning", "was recorded only with rates or formats no one "
                            "else used (44.1 kHz .flac): a model can learn the device "
                            "instead of the voice. Record everyone with the same device "
                            "and settings.")
    make_folder(root, speakers=("alice",), sentences=1, sr=44_100, ext="flac")
    assert problems_of(root) == {}  # a device two speakers use


def test_check_never_changes_files(tmp_path):
    root = make_folder(tmp_path / "rec")
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*")
              if p.is_file()}
    check_folder(root, progress=False)
    assert before == {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*")
                      if p.is_file()}


# --- evaluation, threshold, verification -----------------------------------------------


def blobs(n_groups=8, per_group=4, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    y = np.tile(np.arange(n_classes), n_groups * per_group // n_classes + 1)
    y = y[: n_groups * per_group]
    X = rng.normal(size=(len(y), 2)) + 1.5 * np.eye(n_classes, 2)[y]
    groups = np.repeat([f"s{i}" for i in range(n_groups)], per_group)
    return X, y, groups


def test_grouped_proba_agrees_with_chapter_03_for_two_speakers():
    X, y, groups = blobs(n_classes=2)
    model = LogisticRegression()
    scores, proba = grouped_proba(model, X, y, groups, n_repeats=3)
    reference = evaluate.grouped_cv(model, X, y, groups, n_repeats=3,
                                    metrics=("accuracy",))
    np.testing.assert_allclose(scores["accuracy"], reference["accuracy"])
    np.testing.assert_allclose(proba[:, 1], evaluate.out_of_fold_proba(
        model, X, y, groups), atol=1e-12)
    assert list(scores.columns) == ["repeat", "fold", "accuracy"]


def test_grouped_proba_many_speakers_and_few_sentences():
    X, y, groups = blobs(n_groups=3, per_group=6)
    scores, proba = grouped_proba(LogisticRegression(), X, y, groups, n_repeats=2)
    assert proba.shape == (18, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert scores["fold"].nunique() == 3  # at most one fold per sentence
    summary = evaluate.summarize(scores)
    assert summary.loc["accuracy", "n"] == 6


def test_grouped_proba_when_a_training_fold_lacks_a_speaker():
    X, y, groups = blobs(n_groups=4, per_group=3)
    y = np.where(groups == "s0", y, np.minimum(y, 1))  # speaker 2 only in s0
    _, proba = grouped_proba(LogisticRegression(), X, y, groups, n_splits=4,
                             n_repeats=1)
    assert proba.shape == (12, 3)
    assert (proba[groups == "s0", 2] == 0).all()  # never seen while training


def test_confidence_threshold_keeps_the_share_of_correct_answers():
    proba = np.array([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8], [0.45, 0.55], [0.7, 0.3]])
    y = np.array([0, 0, 1, 1, 1])  # the last answer is wrong
    assert confidence_threshold(proba, y, keep=1.0) == 0.55
    assert confidence_threshold(proba, y, keep=0.75) == 0.6
    assert confidence_threshold(proba, y, keep=0.5) == 0.8
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(3), size=200)
    y = proba.argmax(axis=1)
    for keep in (0.5, 0.9, 0.95):
        t = confidence_threshold(proba, y, keep=keep)
        assert np.mean(proba.max(axis=1) >= t) >= keep


def test_name_or_unknown():
    proba = np.array([[0.9, 0.05, 0.05], [0.3, 0.3, 0.4], [0.1, 0.7, 0.2]])
    names = name_or_unknown(proba, ["ana", "bea", "cleo"], 0.7)
    assert names.tolist() == ["ana", "unknown", "bea"]
    assert name_or_unknown(proba, ["a", "b", "c"], 0.0).tolist() == ["a", "c", "b"]


def test_verification_trials():
    proba = np.array([[0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    scores, targets = verification_trials(proba, [0, 1, 1])
    assert scores.tolist() == [0.8, 0.2, 0.3, 0.7, 0.6, 0.4]
    assert targets.tolist() == [True, False, False, True, False, True]


def test_equal_error_rate():
    perfect = np.array([[0.9, 0.1], [0.2, 0.8]])
    assert equal_error_rate(perfect, [0, 1])[0] == 0.0
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 300)
    proba = rng.dirichlet(np.ones(3), size=300) + 0.3 * np.eye(3)[y]
    proba /= proba.sum(axis=1, keepdims=True)
    eer, threshold = equal_error_rate(proba, y)
    scores, targets = verification_trials(proba, y)
    fpr, tpr, _ = roc_curve(targets, scores)  # brute force over the ROC points
    gaps = np.abs(fpr - (1 - tpr))
    assert eer == pytest.approx(((fpr + 1 - tpr) / 2)[gaps.argmin()], abs=0.01)
    far = np.mean(scores[~targets] >= threshold)
    frr = np.mean(scores[targets] < threshold)
    assert eer == pytest.approx((far + frr) / 2)
    assert 0.05 < eer < 0.5


def test_plot_det_marks_the_eer():
    X, y, groups = blobs()
    y = np.where(np.arange(len(y)) % 7 == 0, (y + 1) % 3, y)  # some mistakes
    _, proba = grouped_proba(LogisticRegression(), X, y, groups, n_repeats=1)
    ax = speaker_id.plot_det(proba, y, name="logreg")
    assert ax.get_title() == "DET curve of the verification trials"
    assert ax.get_xlabel().startswith("False accepts")
    labels = [line.get_label() for line in ax.get_lines()]
    eer, _ = equal_error_rate(proba, y)
    assert f"EER {eer:.3f}" in labels and "logreg" in labels[0]



def test_mfcc_vectors_are_the_extracted_mfcc_statistics(tmp_path, monkeypatch):
    monkeypatch.setenv("VOICELAB_CACHE", str(tmp_path / "cache"))
    table = data.load_folder(make_folder(tmp_path / "rec", sentences=2, takes=1))
    expected = features.extract(table, "mfcc", progress=False).to_numpy()
    got = speaker_id.mfcc_vectors(data.load_clips(table))
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


def test_condition_accuracy_degrades_each_clip_the_same_way_every_time():
    clips = [tone(200.0, duration=1.5), tone(300.0, duration=1.5)]
    seen = []

    def louder_half_is_one(batch):
        seen.append([c.copy() for c in batch])
        p = np.array([[1.0, 0.0] if np.abs(c).max() < 0.45 else [0.0, 1.0]
                      for c in batch])
        return p

    first = speaker_id.condition_accuracy(louder_half_is_one, clips, [1, 1])
    assert list(first.index) == ["clean", *speaker_id.HARDER]
    assert first["clean"] == 1.0
    again = speaker_id.condition_accuracy(louder_half_is_one, clips, [1, 1])
    pd.testing.assert_series_equal(first, again)
    assert all(np.array_equal(a, b) for a, b in zip(seen[1], seen[5]))  # pink, twice
    assert not np.array_equal(seen[1][0], clips[0])  # the noise was added


@pytest.mark.parametrize("name", speaker_id.__all__[4:])
def test_docstring_names_the_chapter(name):
    doc = inspect.getdoc(getattr(speaker_id, name))
    assert "Taught in chapter 13 (Your own voices)." in " ".join(doc.split())
