"""Notebook display of result objects: a compact HTML table from ``to_frame()``.

Every result class with a ``to_frame()`` inherits :class:`FrameReprMixin`, so
Jupyter shows the tidy frame (its first and last rows when long) under the
object's one-line ``repr``.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

#: Rows shown before a long frame is cut to its head and tail.
MAX_ROWS = 12


def frame_html(frame: pd.DataFrame, caption: str | None = None, max_rows: int = MAX_ROWS) -> str:
    """A compact HTML table of a DataFrame: head and tail when it is long.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table.
    caption : str, optional
        A line shown above the table (escaped).
    max_rows : int, default 12
        Longer frames show their first and last ``max_rows // 2`` rows.

    Returns
    -------
    str

    Examples
    --------
    >>> import pandas as pd
    >>> text = frame_html(pd.DataFrame({"a": range(30)}), caption="thirty rows")
    >>> "thirty rows" in text and "30 rows" in text
    True
    """
    table = frame.to_html(
        max_rows=max_rows,
        float_format=lambda v: f"{v:.6g}",
        na_rep="",
        border=0,
        index=not _plain_index(frame),
        notebook=False,
    )
    head = (
        f"<p style='margin:0 0 .3em 0'><code>{html.escape(caption)}</code></p>" if caption else ""
    )
    size = (
        "<p style='margin:.2em 0;color:#666;font-size:.85em'>"
        f"{len(frame)} rows × {frame.shape[1]} columns</p>"
    )
    return f"<div class='geoagglom-result'>{head}{table}{size}</div>"


def _plain_index(frame):
    index = frame.index
    return (
        index.name is None
        and index.nlevels == 1
        and index.dtype.kind in "iu"
        and (len(index) == 0 or (index[0] == 0 and index.is_monotonic_increasing))
    )


class FrameReprMixin:
    """Adds ``_repr_html_``: the object's ``repr`` above its ``to_frame()`` as a table.

    Parameters
    ----------
    None
        A mixin: the class that inherits it defines ``to_frame()``.
    """

    def _repr_html_(self) -> str:
        return frame_html(self.to_frame(), caption=repr(self))  # type: ignore[attr-defined]
