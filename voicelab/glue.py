"""Glue a computed value into the book's prose, with or without myst-nb.

A chapter calls ``glue("cnn_test_acc", acc)`` in a code cell and writes
``{glue:text}`cnn_test_acc:.3f``` in its markdown: the book shows the stored value, so
the text and the output agree by construction. Taught in chapter 01 (Sound as data).
"""

from __future__ import annotations

import numbers

import numpy as np
from IPython.core.formatters import format_display_data
from IPython.display import display

PREFIX = "application/papermill.record/"


def _plain(value: object) -> object:
    """Turn numpy scalars into Python numbers, so the stored text is ``0.95``."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    return value


def glue(name: str, value: object, display_value: bool = False) -> None:
    """Store ``value`` under ``name`` as myst-nb's glue does.
    Taught in chapter 01 (Sound as data).

    Like myst-nb's, it returns nothing: a cell that ends with it shows no output (a
    trailing ``;`` does not hide a value when nbval runs the notebook).

    Parameters
    ----------
    name : str
        Key used in the markdown role ``{glue:text}`name:.3f```.
    value : object
        Number, string or figure; numpy scalars are stored as Python numbers.
    display_value : bool, default False
        Also show the value in the notebook.
    """
    value = _plain(value)
    bundle, metadata = format_display_data(value)
    prefix = "" if display_value else PREFIX
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    display({prefix + mime: data for mime, data in bundle.items()}, raw=True,
            metadata=metadata)
