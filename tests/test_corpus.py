"""Integrity of the shipped two-speaker corpus (voicelab/corpus), made by tools/make_corpus.py."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest
import soundfile as sf

import voicelab

CORPUS = Path(voicelab.__file__).parent / "corpus"
COLUMNS = ["file", "speaker", "sentence_id", "take", "text", "duration_s", "sha256"]
AUDIO_SUFFIXES = {".flac", ".wav", ".ogg", ".mp3"}
MAX_BYTES = 25_000_000  # 25 MB


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with open(CORPUS / "manifest.csv", newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def test_manifest_sorted_and_unique(rows):
    keys = [(r["speaker"], r["sentence_id"], int(r["take"])) for r in rows]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    for r in rows:
        assert r["file"] == f"{r['speaker']}/{r['sentence_id']}_t{r['take']}.flac"
        assert r["text"].strip()


def test_every_file_matches_its_row(rows):
    for r in rows:
        path = CORPUS / r["file"]
        assert path.is_file(), r["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == r["sha256"], r["file"]
        info = sf.info(path)
        assert info.samplerate == 16_000, r["file"]
        assert info.channels == 1, r["file"]
        assert abs(info.frames / info.samplerate - float(r["duration_s"])) <= 0.001, r["file"]


def test_no_audio_outside_manifest(rows):
    listed = {r["file"] for r in rows}
    found = {
        p.relative_to(CORPUS).as_posix()
        for p in CORPUS.rglob("*")
        if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES
    }
    assert found == listed


def test_speakers_read_the_same_sentences(rows):
    by_speaker: dict[str, dict[str, set[int]]] = {}
    texts: dict[str, set[str]] = {}
    for r in rows:
        by_speaker.setdefault(r["speaker"], {}).setdefault(r["sentence_id"], set()).add(
            int(r["take"])
        )
        texts.setdefault(r["sentence_id"], set()).add(r["text"])
    assert set(by_speaker) == {"clb", "slt"}
    assert by_speaker["clb"] == by_speaker["slt"]
    assert len({frozenset(t) for t in by_speaker["clb"].values()}) == 1  # same takes everywhere
    assert all(len(t) == 1 for t in texts.values())  # one text per sentence id


def test_total_size_within_budget():
    total = sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file())
    assert total <= MAX_BYTES
