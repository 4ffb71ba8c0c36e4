"""Turning user input (frames + column names, Series, arrays) into checked vectors.

Shared by the measures so that every one of them reports bad input the same
way: an :class:`~geoagglom.errors.InputError` that names the offending units
and says how to fix them.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd

from geoagglom.errors import InputError, format_ids


def _is_column_name(x):
    return isinstance(x, Hashable) and not isinstance(x, tuple | np.ndarray | pd.Series)


def column(data, key, what):
    """Return ``data[key]``, or an error listing the columns that do exist."""
    if key not in data.columns:
        shown = format_ids([str(c) for c in data.columns])
        raise InputError(
            f"The {what} column {key!r} is not in the table (its columns are: {shown}). "
            f"Pass the name of an existing column."
        )
    return data[key]


def resolve_ids(data, ids, n):
    """The labels used to name units in messages and results.

    ``ids`` may be a column of ``data`` or an array-like of length ``n``; by
    default the index of ``data`` (or positions 0..n-1 for plain arrays).
    """
    if ids is None:
        return None if data is None else pd.Index(data.index)
    if data is not None and _is_column_name(ids):
        return pd.Index(column(data, ids, "unit id"))
    labels = pd.Index(np.asarray(ids))
    if len(labels) != n:
        raise InputError(
            f"ids has {len(labels)} labels but there are {n} units; give one per unit."
        )
    return labels


def _lookup(x, data, what, things):
    """``data[x]`` when ``x`` names a column, else ``x`` itself; with the Series index.

    A string without a table is an error (``things``: what to pass instead).
    """
    if data is not None and _is_column_name(x) and not isinstance(x, list):
        x = column(data, x, what)
    elif isinstance(x, str):
        raise InputError(
            f"{what} was given as the column name {x!r} but no table was given; "
            f"pass data=your_frame, or pass the {things} themselves."
        )
    return x, (pd.Index(x.index) if isinstance(x, pd.Series) else None)


def vector(x, data, what, n=None):
    """A float vector from a column name (looked up in ``data``) or an array-like.

    Returns ``(values, index)`` where ``index`` is the Series index when ``x``
    was a Series or a column, else ``None``.
    """
    x, index = _lookup(x, data, what, "values")
    try:
        values = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"The {what} values are not numbers ({exc}); convert the column to a numeric type "
            "(e.g. pandas.to_numeric) first."
        ) from None
    if values.ndim != 1:
        raise InputError(
            f"The {what} values must be one-dimensional (one value per unit); got shape "
            f"{values.shape}."
        )
    if n is not None and len(values) != n:
        raise InputError(
            f"There are {n} units but {len(values)} {what} values; give exactly one per unit."
        )
    return values, index


def labels(x, data, what, n):
    """Group labels (any hashable) from a column name or an array-like; NaN is an error."""
    x, index = _lookup(x, data, what, "labels")
    values = np.asarray(x, dtype=object)
    if values.ndim != 1 or len(values) != n:
        raise InputError(
            f"There are {n} units but {what} has shape {values.shape}; give one label per unit."
        )
    return values, index


def align(values, index, ids, what):
    """Reorder a Series-derived vector to the order of ``ids`` (or check positions)."""
    if index is None or ids is None or index.equals(ids):
        return values
    if set(index) != set(ids) or index.has_duplicates:
        missing = [i for i in ids if i not in set(index)]
        extra = [i for i in index if i not in set(ids)]
        raise InputError(
            f"The {what} values are indexed by other units than the quantity: missing "
            f"{format_ids(missing) or 'none'}; unknown {format_ids(extra) or 'none'}. "
            "Give them the same index (one value per unit)."
        )
    return pd.Series(values, index=index).reindex(ids).to_numpy()


def unit_labels(ids, n):
    """Labels for messages: the ids, or 0-based positions."""
    return pd.Index(ids) if ids is not None else pd.RangeIndex(n)


def reject(bad, ids, before, after):
    """Raise an InputError naming the units (or positions) where ``bad`` is true.

    The message is ``before``, then ``units <ids>`` (``positions <i>`` when the
    values came without labels), then ``after``.
    """
    bad = np.asarray(bad, dtype=bool)
    if bad.any():
        noun = "positions" if ids is None else "units"
        named = format_ids(unit_labels(ids, len(bad))[bad])
        raise InputError(f"{before} {noun} {named}{after}")


def check_values(values, ids, what, *, allow_zero=True, zero_reason=""):
    """Reject NaN/inf, negative values and (optionally) zeros, naming the units."""
    reject(
        ~np.isfinite(values),
        ids,
        f"{what} is missing (NaN) or infinite for",
        ". Fill in or remove those units explicitly before computing the measure.",
    )
    reject(
        values < 0,
        ids,
        f"{what} is negative for",
        "; the measure is only defined for non-negative values. Correct the data or remove "
        "those units.",
    )
    if not allow_zero:
        reject(
            values == 0,
            ids,
            f"{what} is zero for",
            f"{zero_reason}. Remove those units or replace the zeros explicitly.",
        )


def check_weights(weights, ids, what="weight"):
    """Weights must be finite and strictly positive."""
    reject(
        ~np.isfinite(weights) | (weights <= 0),
        ids,
        f"The {what} is zero, negative, NaN or infinite for",
        "; weights must be positive. Correct them or remove those units.",
    )


def check_group_labels(groups, ids, what="group"):
    """Every unit needs a group label."""
    reject(
        pd.isna(pd.Series(groups)).to_numpy(),
        ids,
        f"The {what} label is missing for",
        "; assign every unit to a group.",
    )
