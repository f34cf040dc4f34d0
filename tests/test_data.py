"""Tests of voicelab.data on small corpora and folders built in ``tmp_path``, and on the
shipped corpus once it exists."""

from __future__ import annotations

import hashlib
import os

import numpy as np
import pandas as pd
import pytest
from conftest import SR, tone, write

from voicelab import audio, data

N_SENTENCES = 10
SPLITS = ("train", "val", "test")


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(root) -> dict[str, tuple[str, int]]:
    """Hash and modification time of every file under ``root``."""
    return {str(p): (sha256(p), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def corpus(tmp_path):
    """A corpus laid out like voicelab/corpus: 2 speakers x 10 sentences x 2 takes of
    0.2 s FLAC, a manifest and no splits.csv."""
    root = tmp_path / "corpus"
    rows = []
    for speaker, freq in zip(data.SPEAKERS, (200.0, 300.0)):
        (root / speaker).mkdir(parents=True)
        for i in range(1, N_SENTENCES + 1):
            for take in (1, 2):
                file = f"{speaker}/s{i:03d}_t{take}.flac"
                write(root / file, tone(freq * take, duration=0.2))
                rows.append({"file": file, "speaker": speaker, "sentence_id": f"s{i:03d}",
                             "take": take, "text": f"Sentence number {i}.",
                             "duration_s": 0.2, "sha256": sha256(root / file)})
    pd.DataFrame(rows).to_csv(root / "manifest.csv", index=False)
    return root


# --- load_corpus ---------------------------------------------------------------------


def test_load_corpus_table(corpus):
    df = data.load_corpus(corpus)
    assert list(df.columns) == list(data.CLIP_COLUMNS)
    assert len(df) == 2 * N_SENTENCES * 2
    assert all(os.path.isabs(p) and os.path.isfile(p) for p in df["path"])
    assert df["path"].iloc[0] == str(corpus / "clb" / "s001_t1.flac")
    assert (df["label"] == df["speaker"].map(data.SPEAKERS.index)).all()
    assert df["label"].dtype == np.int64 and df["take"].dtype == np.int64
    assert df["duration_s"].dtype == np.float64
    assert df["sentence_id"].iloc[0] == "s001" and df["text"].iloc[0] == "Sentence number 1."
    assert set(df["split"]) == set(SPLITS)


def test_load_corpus_computes_seed_0_splits_without_splits_csv(corpus):
    df = data.load_corpus(corpus)
    pd.testing.assert_series_equal(df["split"], data.make_splits(df, seed=0))


def test_load_corpus_reads_splits_csv(corpus):
    df = data.load_corpus(corpus)
    other = df.assign(split=data.make_splits(df, seed=7))
    other[["sentence_id", "split"]].drop_duplicates().to_csv(corpus / "splits.csv",
                                                             index=False)
    pd.testing.assert_series_equal(data.load_corpus(corpus)["split"], other["split"])


def test_load_corpus_errors(corpus, tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No corpus manifest.*tools/make_corpus\.py"):
        data.load_corpus(tmp_path / "nowhere")
    (corpus / "slt" / "s003_t2.flac").unlink()
    with pytest.raises(FileNotFoundError, match=r"1 of the 40 files listed in .*missing, e\.g\. \['slt/s003_t2\.flac'\]"):
        data.load_corpus(corpus)


def test_load_corpus_rejects_an_outdated_splits_csv(corpus):
    pd.DataFrame({"sentence_id": ["s001"], "split": ["train"]}).to_csv(
        corpus / "splits.csv", index=False)
    with pytest.raises(ValueError, match=r"no split for sentences \['s002'.*out of date"):
        data.load_corpus(corpus)


def test_load_corpus_rejects_unknown_speakers(corpus):
    manifest = pd.read_csv(corpus / "manifest.csv")
    manifest.loc[0, "speaker"] = "bob"
    manifest.to_csv(corpus / "manifest.csv", index=False)
    with pytest.raises(ValueError, match=r"speakers \['bob'\].*load_folder"):
        data.load_corpus(corpus)


def test_shipped_corpus_loads():
    if not (data.CORPUS_DIR / "manifest.csv").is_file():
        pytest.skip("voicelab/corpus is not generated yet")
    df = data.load_corpus()
    assert list(df.columns) == list(data.CLIP_COLUMNS)
    assert set(df["speaker"]) == set(data.SPEAKERS)
    assert df.groupby("sentence_id")["split"].nunique().eq(1).all()
    assert set(df["split"]) == set(SPLITS)


def test_shipped_splits_csv_reproduces_make_splits_seed_0():
    if not (data.CORPUS_DIR / "splits.csv").is_file():
        pytest.skip("voicelab/corpus/splits.csv is not generated yet")
    df = data.load_corpus()
    pd.testing.assert_series_equal(df["split"], data.make_splits(df, seed=0))


# --- make_splits ----------------------------------------------------------------------


def table(n_groups: int, rows_per_group: int = 4) -> pd.DataFrame:
    ids = [f"s{i:03d}" for i in range(n_groups) for _ in range(rows_per_group)]
    return pd.DataFrame({"sentence_id": ids, "speaker": ["clb", "slt"] * (len(ids) // 2)})


def test_splits_keep_every_sentence_in_one_split():
    df = table(25)
    split = data.make_splits(df, seed=3)
    assert split.name == "split" and split.index.equals(df.index)
    assert set(split) == {"train", "val", "test"}
    assert split.groupby(df["sentence_id"]).nunique().eq(1).all()


def test_splits_are_reproducible_and_depend_on_the_seed():
    df = table(25)
    pd.testing.assert_series_equal(data.make_splits(df, seed=1), data.make_splits(df, seed=1))
    assert not data.make_splits(df, seed=1).equals(data.make_splits(df, seed=2))


def test_splits_do_not_depend_on_row_order():
    df = table(25)
    shuffled = df.sample(frac=1, random_state=0)
    pd.testing.assert_series_equal(data.make_splits(shuffled).sort_index(), data.make_splits(df))


@pytest.mark.parametrize(
    ("n_groups", "fractions", "expected"),
    [
        (20, (0.8, 0.1, 0.1), (16, 2, 2)),
        (25, (0.8, 0.1, 0.1), (21, 2, 2)),  # train takes what rounding leaves
        (100, (0.71, 0.29, 0.0), (71, 29, 0)),
        (5, (0.8, 0.1, 0.1), (3, 1, 1)),  # every non-zero fraction gets a group
        (3, (0.98, 0.01, 0.01), (1, 1, 1)),
        (4, (1.0, 0.0, 0.0), (4, 0, 0)),
    ],
)
def test_splits_respect_the_fractions(n_groups, fractions, expected):
    df = table(n_groups)
    per_group = data.make_splits(df, fractions=fractions).groupby(df["sentence_id"]).first()
    counts = per_group.value_counts()
    assert tuple(int(counts.get(name, 0)) for name in SPLITS) == expected


def test_splits_group_by_any_column():
    df = table(10).assign(session=lambda d: d["sentence_id"].str[-1].astype(int) % 5)
    split = data.make_splits(df, group="session", fractions=(0.6, 0.2, 0.2))
    assert split.groupby(df["session"]).nunique().eq(1).all()
    assert split.groupby(df["session"]).first().value_counts()["train"] == 3


@pytest.mark.parametrize("fractions", [(0.8, 0.1), (0.8, 0.3, 0.1)])
def test_splits_reject_fractions_that_do_not_sum_to_1(fractions):
    with pytest.raises(AssertionError):
        data.make_splits(table(10), fractions=fractions)


# --- load_folder -----------------------------------------------------------------------


@pytest.fixture
def recordings(tmp_path):
    """A reader's folder: two speakers, WAV/FLAC/OGG, take suffixes, a hidden file."""
    root = tmp_path / "recordings"
    (root / "bob").mkdir(parents=True)
    (root / "alice").mkdir()
    write(root / "alice" / "hello_t1.wav", tone(220.0), subtype="PCM_16")
    write(root / "alice" / "hello_t2.wav", tone(230.0), subtype="PCM_16")
    write(root / "alice" / "goodbye.flac", tone(240.0, duration=0.3))
    write(root / "bob" / "hello_take1.WAV", tone(120.0, sr=44_100), sr=44_100,
          subtype="PCM_16")
    write(root / "bob" / "goodbye_T3.ogg", tone(130.0))
    write(root / "alice" / "thanks.wav", tone(250.0))
    write(root / "bob" / "thanks.wav", tone(140.0))
    (root / "alice" / ".DS_Store").write_bytes(b"\0\1\2")
    return root


def test_load_folder_table(recordings):
    df = data.load_folder(recordings)
    assert list(df.columns) == list(data.CLIP_COLUMNS)
    assert df["file"].tolist() == ["alice/goodbye.flac", "alice/hello_t1.wav",
                                   "alice/hello_t2.wav", "alice/thanks.wav",
                                   "bob/goodbye_T3.ogg", "bob/hello_take1.WAV",
                                   "bob/thanks.wav"]
    assert df["path"].tolist() == [str(recordings / f) for f in df["file"]]
    assert df["speaker"].tolist() == ["alice"] * 4 + ["bob"] * 3
    assert df["label"].tolist() == [0, 0, 0, 0, 1, 1, 1]
    assert df["sentence_id"].tolist() == ["goodbye", "hello", "hello", "thanks",
                                          "goodbye", "hello", "thanks"]
    assert df["take"].tolist() == [1, 1, 2, 1, 3, 1, 1]
    assert (df["text"] == "").all()
    np.testing.assert_allclose(df["duration_s"], [0.3, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    assert df["sha256"].tolist() == [sha256(recordings / f) for f in df["file"]]
    pd.testing.assert_series_equal(df["split"], data.make_splits(df, seed=0))


def test_load_folder_speakers_choose_folders_and_label_order(recordings):
    (recordings / "carol").mkdir()
    write(recordings / "carol" / "hello.wav", tone())
    df = data.load_folder(recordings, speakers=["bob", "alice"])
    assert dict(zip(df["speaker"], df["label"])) == {"bob": 0, "alice": 1}
    assert set(data.load_folder(recordings)["speaker"]) == {"alice", "bob", "carol"}


def test_load_folder_never_changes_files(recordings):
    before = snapshot(recordings)
    data.load_clips(data.load_folder(recordings))
    assert snapshot(recordings) == before


def test_load_folder_errors_on_layout(tmp_path, recordings):
    with pytest.raises(FileNotFoundError, match=r"is not a folder.*one subfolder per"):
        data.load_folder(tmp_path / "nowhere")
    flat = tmp_path / "flat"
    flat.mkdir()
    write(flat / "hello.wav", tone())
    with pytest.raises(ValueError, match=r"no speaker subfolders \(found \['hello\.wav'\]\)"):
        data.load_folder(flat)
    with pytest.raises(ValueError, match=r"1 speaker \(\['alice'\]\).*at least 2"):
        data.load_folder(recordings, speakers=["alice"])
    with pytest.raises(ValueError, match=r"no subfolders \['carol'\]; it has \['alice', 'bob'\]"):
        data.load_folder(recordings, speakers=["alice", "carol"])


def test_load_folder_errors_on_a_speaker_without_audio(recordings):
    for p in (recordings / "bob").iterdir():
        p.rename(p.with_suffix(".m4a"))
    with pytest.raises(ValueError, match=r"bob' holds no audio \(found \['goodbye_T3\.m4a', "
                                         r"'hello_take1\.m4a', 'thanks\.m4a'\]\)\. Accepted "
                                         r"extensions: \.wav, \.flac, \.ogg, \.mp3.*ffmpeg"):
        data.load_folder(recordings)


def test_load_folder_splits_two_sentences_into_train_and_test(recordings):
    for p in recordings.glob("*/thanks.wav"):
        p.unlink()
    df = data.load_folder(recordings)
    assert sorted(set(df["split"])) == ["test", "train"]
    assert df.groupby("sentence_id")["split"].nunique().eq(1).all()


def test_load_folder_needs_two_sentences(recordings):
    for p in [*recordings.glob("*/thanks.wav"), *recordings.glob("*/goodbye*")]:
        p.unlink()
    with pytest.raises(ValueError, match=r"1 different sentence;.*at least 2 different"):
        data.load_folder(recordings)


def test_load_folder_names_files_that_are_not_audio(recordings):
    (recordings / "bob" / "notes.txt").write_text("take 2 was better")
    (recordings / "bob" / "fake.wav").write_text("not a recording")
    with pytest.raises(audio.NotAudioError, match=r"not readable audio: \['fake\.wav', "
                                                  r"'notes\.txt'\]\. Remove them"):
        data.load_folder(recordings)


# --- load_clips ------------------------------------------------------------------------


def test_load_clips(recordings):
    df = data.load_folder(recordings)
    clips = data.load_clips(df)
    assert [c.dtype for c in clips] == [np.float32] * len(df)
    assert [len(c) for c in clips] == [round(d * SR) for d in df["duration_s"]]
    assert [len(c) for c in data.load_clips(df.iloc[:2], sr=8_000)] == [2400, 4000]


def test_load_clips_reports_the_bad_file(recordings):
    write(recordings / "bob" / "silence.wav", np.zeros(SR, np.float32))
    with pytest.raises(audio.SilentAudioError, match=r"silence\.wav"):
        data.load_clips(data.load_folder(recordings))


# --- conventions ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["load_corpus", "load_folder", "make_splits",
                                  "load_clips"])
def test_docstring_names_the_chapter(name):
    first_paragraph = getattr(data, name).__doc__.strip().split("\n\n")[0]
    assert len(first_paragraph.splitlines()) <= 2
    assert " ".join(first_paragraph.split()).endswith(
        "Taught in chapter 01 (Sound as data).")
