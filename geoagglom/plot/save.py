"""Saving figures atomically as PNG and SVG."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from geoagglom.errors import InputError

# --------------------------------------------------------------------------- #
# Saving
# --------------------------------------------------------------------------- #


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def save_figure(fig, path_stem, *, dpi=200, formats=("png", "svg")):
    """Write a figure as PNG and SVG, atomically.

    Each file is first written to a temporary file in the target folder and
    moved into place with :func:`os.replace` only once every format has been
    written, so an error leaves neither a partial file nor a temporary one.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path_stem : str or pathlib.Path
        The path without extension, e.g. ``out/lisa_2016``; its folder must
        exist.
    dpi : int, default 200
        Resolution of the PNG.
    formats : sequence of str, default ("png", "svg")

    Returns
    -------
    tuple of pathlib.Path
        The written files, in the order of ``formats``.
    """
    stem = Path(path_stem)
    folder = stem.parent
    if not folder.is_dir():
        raise InputError(
            f"cannot save figure {stem.name!r}: folder {str(folder)!r} does not exist."
        )
    targets = [stem.with_name(f"{stem.name}.{fmt}") for fmt in formats]
    temps = []
    layout = fig.get_layout_engine()
    bbox = "tight"
    try:
        for fmt in formats:
            fd, tmp = tempfile.mkstemp(prefix=f".{stem.name}.", suffix=f".{fmt}.tmp", dir=folder)
            os.close(fd)
            temps.append(tmp)
            os.chmod(tmp, 0o666 & ~_umask())
            metadata = {"Date": None} if fmt in ("svg", "pdf") else None
            with plt.rc_context({"svg.hashsalt": "geoagglom"}):
                fig.savefig(tmp, format=fmt, dpi=dpi, bbox_inches=bbox, metadata=metadata)
            if bbox == "tight":
                # the layout and the tight box of the first format serve the others:
                # each would cost a layout pass and a measuring draw
                bbox = fig.get_tightbbox().padded(plt.rcParams["savefig.pad_inches"])
                fig.set_layout_engine("none")
        for tmp, target in zip(temps, targets, strict=True):
            os.replace(tmp, target)
    except BaseException:
        for tmp in temps:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
        raise
    finally:
        fig.set_layout_engine(layout)
    return tuple(targets)
