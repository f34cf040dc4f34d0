"""Chapter conventions that can be checked by reading the notebooks and the package.

- Prose numbers: every result number in a chapter's markdown is glued from code.
- The chapter shows the code it teaches: a function a chapter defines under a name the
  package also has is the package's code, verbatim.
- Each "Taught in chapter NN" names a chapter that calls the function in a visible cell.
- Each chapter opens with a time estimate and checkable objectives, and closes with a
  summary, exercises and further reading.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import json
import textwrap
from pathlib import Path

import jupytext
import pytest

import voicelab
from _repo import chapter_notebooks

NOTEBOOKS = chapter_notebooks()
HIDDEN = {"remove-cell", "remove-input", "hide-input"}

# --- prose numbers -------------------------------------------------------------------
# A "typed result number" is, in markdown prose or math: a decimal with two or more
# digits after the point (0.87, 1.000, 3.25), any percentage (87 %, 87.5%), or a number
# after a plus-minus sign. Such numbers must come from code: {glue:text}`key:.3f`.
# Definitions and parameters are written as integers with units (16 kHz, 1024 samples,
# 64 ms), in words ("three quarters"), or as code (`rate=0.8`, `0.97`): code spans,
# roles ({glue:...}, {doc}, {cite}, ...), link targets and URLs are not prose.
_FENCE = re.compile(r"^(`{3,}|:{3,})[ \t]*(\S*)")
_NOT_PROSE = [
    re.compile(r"\{[a-z:-]+\}`[^`]*`"),  # roles: glue, doc, cite, numref, ...
    re.compile(r"`[^`]*`"),  # inline code
    re.compile(r"\]\([^)]*\)"),  # link targets
    re.compile(r"https?://\S+"),
    re.compile(r"<[^>]+>"),  # HTML tags and their attributes
    re.compile(r"^\([\w-]+\)=\s*$", re.M),  # MyST labels
    re.compile(r"^:[\w-]+:.*$", re.M),  # directive options (:label:, :class:, ...)
]
_DIRECTIVE = re.compile(r"^(```+|:::+)\s*\{[\w:-]+\}.*$", re.M)
_TYPED = re.compile(
    r"(?<![\w.])[-−]?\d+\.\d{2,}(?!\w|\.\d)"  # 0.87, 1.000
    r"|\d+(?:\.\d+)?\s?%"  # 87 %, 87.5%
    r"|±\s?[-−]?\d"  # ± 0.05
    r"|\\pm\s*[-−]?\d"  # \pm 0.05 in math
)


def without_code_blocks(markdown: str) -> str:
    """``markdown`` less its code blocks; directives ({note}, {math}, ...) are kept.

    Fences are matched as a stack, so the closing fence of one directive is never taken
    for the opening of a code block that swallows the prose after it.
    """
    kept, stack = [], []  # stack: (fence, is_code) of each open block
    for line in markdown.splitlines():
        match = _FENCE.match(line)
        if match and stack and line.strip() == stack[-1][0]:
            stack.pop()
            continue
        if match:
            info = match.group(2)
            stack.append((match.group(1), not info.startswith("{")
                          or info.startswith(("{code", "{literalinclude"))))
        if not any(is_code for _, is_code in stack):
            kept.append(line)
    return "\n".join(kept)


def typed_numbers(markdown: str) -> list[str]:
    """The typed result numbers in a chapter's markdown, by the rule above."""
    text = without_code_blocks(markdown)
    text = _DIRECTIVE.sub("", text)  # keep the prose inside {note}, {solution}, ...
    text = re.sub(r"^(```+|:::+)\s*$", "", text, flags=re.M)
    for pattern in _NOT_PROSE:
        text = pattern.sub(" ", text)
    return [m.group(0) for m in _TYPED.finditer(text)]


def test_rule_reads_the_prose_between_two_directives():
    markdown = "```{note}\nA note.\n```\n\nProse: 0.93 typed.\n\n```{warning}\nW.\n```\n"
    assert typed_numbers(markdown) == ["0.93"]
    assert typed_numbers("```python\nx = 0.93\n```\nText.\n") == []


def test_rule_catches_typed_numbers_and_spares_glue_and_parameters():
    planted = "The CNN reached 0.958 on held-out sentences, up 12 % (± 0.07)."
    assert typed_numbers(planted) == ["0.958", "12 %", "± 0"]
    assert typed_numbers(r"In math too: $\text{acc} = 0.91 \pm 0.02$.") == ["0.91", r"\pm 0"]
    glued = "The CNN reached {glue:text}`cnn_acc:.3f` with `rate=0.85` at 16 kHz."
    assert typed_numbers(glued) == []
    inside = "```{solution} ex-1\nThe forest scores 0.83.\n```"
    assert typed_numbers(inside) == ["0.83"]
    assert typed_numbers("```python\nx = 0.875\n```") == []


def _markdown(path) -> str:
    cells = jupytext.read(path).cells
    return "\n\n".join(c.source for c in cells if c.cell_type == "markdown")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_prose_numbers_are_glued(path):
    markdown = _markdown(path)
    found = typed_numbers(markdown)
    assert not found, (
        f"typed result numbers in the prose: {found}. Glue them from code "
        "(voicelab.glue.glue + {glue:text}`key:.3f`), or write parameters as code."
    )
    assert "{glue:" in markdown, "no glued number in the prose"


# --- chapter openings and endings ------------------------------------------------------
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_opens_with_time_and_objectives_and_closes_properly(path):
    cells = [c for c in jupytext.read(path).cells if c.cell_type == "markdown"]
    opening = cells[0].source
    assert re.search(r"\*\*Time:\*\*[^\n]*\d+ minutes", opening), (
        "the first cell needs '**Time:** about NN minutes ...'"
    )
    objectives = opening.split("**By the end you can:**")
    assert len(objectives) == 2, "the first cell needs '**By the end you can:**' and bullets"
    bullets = re.findall(r"^- \S", objectives[1], flags=re.M)
    assert len(bullets) >= 3, "list at least three checkable objectives"
    headings = re.findall(r"^## (.+)$", _markdown(path), flags=re.M)
    for needed in ("Summary", "Exercises", "Further reading"):
        assert needed in headings, f"missing '## {needed}'"


# --- the chapter shows the code it teaches ---------------------------------------------
def _package_functions() -> dict[str, object]:
    functions = {}
    for info in pkgutil.iter_modules(voicelab.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"voicelab.{info.name}")
        for name, obj in vars(module).items():
            if (inspect.isfunction(obj) and obj.__module__ == module.__name__
                    and not name.startswith("_")):
                functions[f"{info.name}.{name}"] = obj
    return functions


PACKAGE = _package_functions()


def _visible_code(path) -> list[str]:
    cells = jupytext.read(path).cells
    return [
        c.source for c in cells
        if c.cell_type == "code" and not HIDDEN & set(c.metadata.get("tags", []))
    ]


def _cell_functions(path):
    for cell in jupytext.read(path).cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(
            line for line in cell.source.splitlines() if not line.lstrip().startswith("%")
        )
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                yield node.name, ast.get_source_segment(source, node, padded=False)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_functions_are_the_package_code(path):
    by_name = {key.split(".")[1]: fn for key, fn in PACKAGE.items()}
    for name, cell_source in _cell_functions(path):
        if name not in by_name:
            continue
        package_source = textwrap.dedent(inspect.getsource(by_name[name])).strip()
        decorators = [d for d in package_source.splitlines() if d.startswith("@")]
        package_source = "\n".join(package_source.splitlines()[len(decorators):])
        assert cell_source.strip() == package_source, (
            f"{path.name} defines {name}(), which differs from "
            f"{by_name[name].__module__}.{name}: the chapter and the package must "
            "hold the same code"
        )


def test_taught_in_names_a_chapter_that_calls_the_function():
    chapters = {p.name[:2]: "\n".join(_visible_code(p)) for p in NOTEBOOKS}
    problems = []
    for key, fn in PACKAGE.items():
        doc = inspect.getdoc(fn) or ""
        tags = re.findall(r"Taught in chapter (\d\d)", doc)
        if not tags:
            problems.append(f"{key}: no 'Taught in chapter NN' in its docstring")
            continue
        name = key.split(".")[1]
        call = re.compile(rf"(?<![\w]){re.escape(name)}\(|\.{re.escape(name)}\(")
        if not any(call.search(chapters.get(tag, "")) for tag in tags):
            problems.append(f"{key}: chapter {tags} does not call it in a visible cell")
    assert not problems, "\n".join(problems)


# --- a thin package ----------------------------------------------------------------------
def test_package_stays_thin():
    root = voicelab.__path__[0]
    sizes = {p.name: len(p.read_text().splitlines()) for p in sorted(
        Path(root).glob("*.py"))}
    # Issue 8 capped the package of chapters 01-07 at 4,000 lines; later chapters add
    # only what a later chapter or the readers' command reuses, in small modules.
    early = {"__init__", "_util", "audio", "data", "glue", "viz", "features", "evaluate",
             "results", "melspec", "nn", "augment"}
    assert sum(n for name, n in sizes.items() if name[:-3] in early) <= 4000, sizes
    assert sizes.get("nn.py", 0) <= 400, sizes
    assert max(sizes.values()) <= 400, sizes
    long = []
    for name in sizes:
        source = (Path(root) / name).read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = ast.get_source_segment(source, node).splitlines()
                code = [
                    line for line in body
                    if line.strip() and not line.strip().startswith("#")
                ]
                doc = ast.get_docstring(node, clean=False)
                n_doc = len(doc.splitlines()) if doc else 0
                if len(code) - n_doc > 60:
                    long.append(f"{name}:{node.name} ({len(code) - n_doc} code lines)")
    assert not long, long


# --- what the book shows fits its column ---------------------------------------------------
WIDTH = 88


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_code_and_printed_lines_fit_the_column(path):
    notebook = json.loads(path.read_text())
    wide = []
    for i, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code" or "remove-cell" in cell["metadata"].get("tags", []):
            continue
        texts = ["".join(cell["source"])]
        for output in cell.get("outputs", []):
            if output.get("name") == "stderr":
                continue  # the book drops stderr (nb_output_stderr: remove)
            texts.append("".join(output.get("text", "")))
            texts.append("".join(output.get("data", {}).get("text/plain", "")))
        wide += [f"cell {i}: {line[:40]}…" for text in texts for line in text.splitlines()
                 if len(line) > WIDTH]
    assert not wide, f"lines over {WIDTH} characters scroll sideways in the book: {wide}"
