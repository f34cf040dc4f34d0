"""voicelab.glue emits the display record myst-nb's glue emits, so the book can use it.

That a glued key renders in a built page is covered by the book build
(``tests/test_book.py`` builds with ``-W``, and myst-nb warns on a key it cannot find);
here: the record itself, and that every key a chapter's prose uses is stored in it.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from myst_nb import glue as myst_glue

from _repo import chapter_notebooks
from voicelab.glue import PREFIX, glue


@pytest.fixture
def records():
    """Capture what ``display`` publishes, as a kernel would send it."""
    InteractiveShell.instance()
    with capture_output() as captured:
        yield captured


def _published(captured) -> list[tuple[dict, dict]]:
    return [(output.data, output.metadata) for output in captured.outputs]


@pytest.mark.parametrize("value", [0.875, 240, "clb", [1, 2], {"a": 1}])
def test_same_record_as_myst_nb(records, value):
    glue("key", value)
    myst_glue("key", value, display=False)
    ours, theirs = _published(records)
    assert ours == theirs
    data, metadata = ours
    assert set(data) == {PREFIX + "text/plain"}
    assert metadata["scrapbook"] == {"name": "key", "mime_prefix": PREFIX}


def test_display_value_matches_myst_nb_display(records):
    glue("shown", 3.5, display_value=True)
    myst_glue("shown", 3.5, display=True)
    ours, theirs = _published(records)
    assert ours == theirs
    assert ours[0] == {"text/plain": "3.5"}


@pytest.mark.parametrize(
    ("value", "text"),
    [(np.float64(0.95), "0.95"), (np.int64(240), "240"), (np.float32(0.5), "0.5"),
     (np.bool_(True), "True")],
)
def test_numpy_scalars_are_stored_as_python_numbers(records, value, text):
    assert glue("x", value) is None  # like myst-nb: a cell ending with it shows nothing
    myst_glue("x", value, display=False)
    (ours, _), (theirs, _) = _published(records)
    assert ours[PREFIX + "text/plain"] == text
    assert theirs[PREFIX + "text/plain"] == repr(value)  # numpy 2: "np.float64(0.95)"


def _stored_and_used(path) -> tuple[set[str], set[str]]:
    notebook = json.loads(path.read_text())
    stored, used = set(), set()
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            used |= set(re.findall(r"\{glue(?::\w+)?\}`([\w-]+)", source))
        for output in cell.get("outputs", []):
            if "scrapbook" in output.get("metadata", {}):
                stored.add(output["metadata"]["scrapbook"]["name"])
    return stored, used


@pytest.mark.parametrize("path", chapter_notebooks(), ids=lambda p: p.name)
def test_every_key_the_prose_uses_is_stored(path):
    stored, used = _stored_and_used(path)
    assert used <= stored, f"glued in the prose but never stored: {sorted(used - stored)}"
