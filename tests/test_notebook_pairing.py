"""Each chapter is a Jupytext pair whose .ipynb holds a real top-to-bottom run."""

import json

import jupytext
import pytest

from _repo import NOTEBOOK_DIR, chapter_notebooks

NOTEBOOKS = chapter_notebooks()


def _cells(path):
    notebook = jupytext.read(path)
    return [
        (cell.cell_type, cell.source.strip(), sorted(cell.metadata.get("tags", [])))
        for cell in notebook.cells
    ]


def test_every_notebook_has_a_twin():
    ipynb = {p.stem for p in NOTEBOOKS}
    py = {p.stem for p in NOTEBOOK_DIR.glob("[0-9][0-9]_*.py")}
    assert ipynb, "no chapter notebooks found in notebooks/"
    assert ipynb == py, f"unpaired: {sorted(ipynb ^ py)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_pair_has_same_cells_and_tags(path):
    ipynb_cells = _cells(path)
    py_cells = _cells(path.with_suffix(".py"))
    assert len(ipynb_cells) == len(py_cells), "cell count differs: run `make sync`"
    for i, (a, b) in enumerate(zip(ipynb_cells, py_cells)):
        assert a == b, f"cell {i} differs between .ipynb and .py: run `make sync`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_come_from_one_top_to_bottom_run(path):
    notebook = json.loads(path.read_text())
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    counts = [c.get("execution_count") for c in code]
    assert counts == list(range(1, len(code) + 1)), (
        "execution counts are not 1..n: re-execute with `make notebooks`"
    )
    for i, cell in enumerate(code):
        tags = cell.get("metadata", {}).get("tags", [])
        errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
        assert not errors or "raises-exception" in tags, f"code cell {i} stored an error"
