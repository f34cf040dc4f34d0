"""Tests of the ``voicelab`` command on small folders written from corpus clips into
``tmp_path``: good ones with two and three speakers (the third voice is slt shifted down
3 semitones), and bad ones. Every failure must be one line on standard error."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import librosa
import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from conftest import tone, write

from voicelab import audio, cli, data

ROOT = Path(__file__).resolve().parents[1]
SENTENCES = ("s001", "s002", "s003", "s004", "s005")


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def tmp_cache(shared_cache, monkeypatch):
    """One feature cache for the module: the same clips are featurised once."""
    monkeypatch.setenv("VOICELAB_CACHE", str(shared_cache))
    return shared_cache


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """``two``: clb and slt, 5 sentences x 2 takes; ``three``: plus slt_low."""
    corpus = data.load_corpus()
    base = tmp_path_factory.mktemp("folders")
    for row in corpus[corpus["sentence_id"].isin(SENTENCES)].itertuples():
        y, sr = audio.load(row.path)
        voices = {row.speaker: y}
        if row.speaker == "slt":
            voices["slt_low"] = librosa.effects.pitch_shift(y, sr=sr, n_steps=-3)
        for name, v in voices.items():
            for folder in ("two", "three") if name != "slt_low" else ("three",):
                path = base / folder / name / f"{row.sentence_id}_t{row.take}.wav"
                path.parent.mkdir(parents=True, exist_ok=True)
                sf.write(path, v, sr, subtype="PCM_16")
    return base


@pytest.fixture
def two(folders, tmp_path):
    return Path(shutil.copytree(folders / "two", tmp_path / "two"))


@pytest.fixture
def three(folders, tmp_path):
    return Path(shutil.copytree(folders / "three", tmp_path / "three"))


def run(capsys, *args):
    status = cli.main([*map(str, args), "--quiet"])
    out, err = capsys.readouterr()
    return status, out, err


def snapshot(root):
    return {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


def assert_one_line_error(status, err, *fragments):
    assert status == 1
    assert err.startswith("voicelab: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


def test_console_script_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"] == {"voicelab": "voicelab.cli:main"}


# --- check -------------------------------------------------------------------------------


def test_check_a_good_folder(capsys, two):
    status, out, _ = run(capsys, "check", two)
    assert status == 0
    lines, text = out.splitlines(), " ".join(out.split())
    assert text.startswith(f"{two}: 2 speaker folders (clb 10, slt 10 files). ")
    assert text.endswith(" 0 errors, 2 warnings: ready for `voicelab train`.")
    assert "warning  clb: reads 5 different sentences: record at least 20" in out
    assert max(map(len, lines)) <= cli.WIDTH


def test_check_lists_every_problem_with_its_fix(capsys, two):
    write(two / "clb" / "s006_t1.wav", tone(duration=0.4))
    (two / "slt" / "notes.txt").write_text("s003: cough\n")
    data = (two / "slt" / "s002_t2.wav").read_bytes()
    (two / "slt" / "s002_t2.wav").write_bytes(data[: len(data) // 2])
    status, out, _ = run(capsys, "check", two)
    assert status == 1
    text = " ".join(out.split())
    assert "error clb/s006_t1.wav: lasts 0.400 s, shorter than min_duration=1.0 s. " \
           "Record a longer clip" in text
    assert "error slt/notes.txt: is not a .wav/.flac/.ogg/.mp3 file: convert it" in text
    assert "error slt/s002_t2.wav: looks like audio but cannot be decoded" in text
    assert "copy or export it again" in text
    assert " 3 errors, 0 warnings: fix the errors, then run `voicelab check " in text


@pytest.mark.parametrize("command", ["check", "train"])
def test_a_missing_folder_is_one_line(capsys, tmp_path, command):
    status, out, err = run(capsys, command, tmp_path / "nowhere")
    assert_one_line_error(status, err, "nowhere' is not a folder", "one subfolder per")
    assert out == ""


# --- train -------------------------------------------------------------------------------


def test_train_two_speakers_writes_a_report_and_never_changes_files(capsys, two,
                                                                    tmp_path):
    before = snapshot(two)
    status, out, err = run(capsys, "train", two)
    assert status == 0, err
    model = tmp_path / "two-model"
    assert sorted(p.name for p in model.iterdir()) == [
        "confusion.png", "det.png", "model.joblib", "model.json", "report.md",
        "test_predictions.csv"]
    meta = json.loads((model / "model.json").read_text())
    assert meta["speakers"] == ["clb", "slt"] and meta["model"] == "mfcc-logreg"
    assert 0.5 <= meta["threshold"] <= 1
    text = " ".join(out.split())
    assert "20 clips of 2 speakers (clb, slt), split by sentence: train 3, val 1, " \
           "test 1 sentences." in text
    assert "Accuracy, 4-fold sentence-grouped CV repeated 5 times: " in text
    assert "95 % sentence-bootstrap interval" in text
    assert "Equal error rate as a verification system" in text
    assert re.search(r"made harder as in chapter 12: clean \S+, pink 10 dB \S+, "
                     r"telephone \S+, babble 5 dB \S+\.", text)
    report = (model / "report.md").read_text()
    assert report.startswith("# voicelab report: two\n")
    assert "![DET curve](det.png)" in report and "sentence-grouped CV" in report
    predictions = pd.read_csv(model / "test_predictions.csv")
    assert len(predictions) == 4 and set(predictions["speaker"]) == {"clb", "slt"}
    assert max(map(len, out.splitlines())) <= cli.WIDTH
    # predict reads files inside the folder too, and changes nothing
    status, out, _ = run(capsys, "predict", model, two / "clb" / "s001_t1.wav",
                         two / "slt" / "s005_t2.wav")
    assert status == 0
    rows = [line.split() for line in out.splitlines()[1:3]]
    assert [row[1] for row in rows] == ["clb", "slt"]
    assert snapshot(two) == before


def test_train_three_speakers_and_predict(capsys, three, tmp_path):
    status, out, err = run(capsys, "train", three, "--out", tmp_path / "m")
    assert status == 0, err
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    assert meta["speakers"] == ["clb", "slt", "slt_low"]
    new = [three / s / "s003_t1.wav" for s in meta["speakers"]]
    status, out, err = run(capsys, "predict", tmp_path / "m" / "model.json", *new)
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["file", "speaker", "confidence"]
    named = [line.split()[1] for line in lines[1:4]]
    assert sum(n == s for n, s in zip(named, meta["speakers"])) >= 2
    assert set(named) <= {*meta["speakers"], "unknown"}
    assert lines[4].startswith("('unknown': confidence below ")


def test_two_sentences_train_on_one_and_test_on_the_other(capsys, two, tmp_path):
    for path in two.glob("*/*"):
        if path.name[:4] not in ("s001", "s002"):
            path.unlink()
    status, out, err = run(capsys, "train", two, "--out", tmp_path / "m")
    assert status == 0, err
    text = " ".join(out.split())
    assert "split by sentence: train 1, val 0, test 1 sentences." in text
    assert "Too few sentences to choose an 'unknown' threshold" in text
    assert "sentence-grouped CV" not in text
    assert not (tmp_path / "m" / "det.png").exists()


@pytest.mark.parametrize("problem", ["one speaker", "unreadable", "too short"])
def test_train_refuses_a_bad_folder_on_one_line(capsys, two, problem):
    if problem == "one speaker":
        shutil.rmtree(two / "slt")
        expected = ["1 speaker (['clb']); a classifier needs at least 2"]
    elif problem == "unreadable":
        (two / "slt" / "s001_t1.wav").write_text("not audio")
        (two / "slt" / "s001_t2.wav").write_bytes(b"")
        expected = ["slt/s001_t1.wav: is not an audio file", "(1 more problems: "
                    f"`voicelab check {two}` lists them all)"]
    else:
        write(two / "clb" / "s001_t1.wav", tone(duration=0.5))
        expected = ["clb/s001_t1.wav: lasts 0.500 s, shorter than min_duration=1.0 s"]
    status, out, err = run(capsys, "train", two)
    assert_one_line_error(status, err, *expected)
    assert not (two.parent / "two-model").exists()


def test_train_refuses_an_output_inside_the_folder(capsys, two):
    status, _, err = run(capsys, "train", two, "--out", two / "model")
    assert_one_line_error(status, err, "is inside", "read as a speaker")


def test_the_cnn_is_two_class(capsys, three):
    status, _, err = run(capsys, "train", three, "--model", "cnn")
    assert_one_line_error(status, err, "--model cnn tells 2 speakers apart",
                          "this folder has 3: use --model mfcc-logreg")


def test_train_and_predict_with_the_cnn(capsys, two, tmp_path):
    status, out, err = run(capsys, "train", two, "--model", "cnn", "--epochs", "1",
                           "--out", tmp_path / "cnn")
    assert status == 0, err
    assert (tmp_path / "cnn" / "model.keras").is_file()
    assert "95 % sentence-bootstrap interval" in " ".join(out.split())
    status, out, err = run(capsys, "predict", tmp_path / "cnn", two / "clb" /
                           "s004_t1.wav")
    assert status == 0, err
    assert out.splitlines()[1].split()[1] in ("clb", "slt", "unknown")


# --- predict -------------------------------------------------------------------------------


def test_predict_errors_are_one_line(capsys, tmp_path, two):
    status, _, err = run(capsys, "predict", tmp_path / "nowhere", two / "clb" /
                         "s001_t1.wav")
    assert_one_line_error(status, err, "is not a model folder (no readable model.json)")
    model = tmp_path / "m"
    assert run(capsys, "train", two, "--out", model)[0] == 0
    write(tmp_path / "short.wav", tone(duration=0.2))
    status, out, err = run(capsys, "predict", model, tmp_path / "short.wav",
                           two / "slt" / "s001_t1.wav")
    assert_one_line_error(status, err, "short.wav' lasts 0.200 s")
    assert out.splitlines()[1].split()[1] == "slt"  # the good file is still named


def test_the_installed_command_prints_no_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "voicelab.cli", "check",
                             str(tmp_path / "nowhere")], capture_output=True, text=True)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("voicelab: error: ") and "Traceback" not in \
        result.stderr


@pytest.mark.parametrize("argv, message", [
    (["train"], "the following arguments are required: DIR"),
    (["train", "x", "--model", "svm"], "invalid choice: 'svm'"),
    (["train", "x", "--keep", "1.5"], "must be in (0, 1], got 1.5"),
    (["train", "x", "--epochs", "0"], "must be positive, got 0"),
    (["check", "x", "--min-duration", "abc"], "invalid float value: 'abc'"),
])
def test_wrong_arguments_exit_2(capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    np.testing.assert_equal(cli.MODELS, ("mfcc-logreg", "cnn"))
