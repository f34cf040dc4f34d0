"""The book's table of contents, its single repository URL, and the build itself."""

import subprocess
import sys
import tomllib
from pathlib import Path

import jupytext

from _repo import ROOT, book_config, chapter_notebooks, toc_files


def test_toc_lists_exactly_the_chapters_and_pages():
    listed = set(toc_files())
    for name in listed:
        matches = [p for p in ROOT.glob(name + ".*") if p.suffix in {".md", ".ipynb"}]
        assert matches, f"_toc.yml lists {name}, which does not exist"
    notebooks = {str(p.relative_to(ROOT).with_suffix("")) for p in chapter_notebooks()}
    assert notebooks <= listed, f"not in _toc.yml: {sorted(notebooks - listed)}"
    pages = {str(p.relative_to(ROOT).with_suffix("")) for p in (ROOT / "book").glob("*.md")}
    assert pages <= listed, f"not in _toc.yml: {sorted(pages - listed)}"


def test_repository_url_is_written_once_and_agreed_on():
    url = book_config()["repository"]["url"]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["urls"]["Repository"] == url
    for path in chapter_notebooks():
        cells = jupytext.read(path).cells
        first = next(cell for cell in cells if cell.cell_type == "code")
        assert "remove-cell" in first.metadata.get("tags", []), path.name
        assert f'"voicelab @ git+{url}"' in first.source, (
            f"{path.name}: the Colab install cell must install voicelab from {url}"
        )


def test_book_builds_without_warnings():
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "--all", "-W", "-n", "--keep-going"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-6000:]
    assert (ROOT / "_build" / "html" / "index.html").exists()


def test_api_page_documents_every_public_module():
    import pkgutil

    import voicelab

    page = (ROOT / "book" / "api.md").read_text()
    modules = [
        m.name for m in pkgutil.iter_modules(voicelab.__path__) if not m.name.startswith("_")
    ]
    missing = [m for m in modules if f".. automodule:: voicelab.{m}\n" not in page]
    assert not missing, f"book/api.md does not document: {missing}"
