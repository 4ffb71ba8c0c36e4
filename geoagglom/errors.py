"""Exceptions raised by geoagglom.

Every error names the offending rows, ids, columns or keys and says how to fix
the problem, so the message can be acted on without reading the source.
"""


class GeoagglomError(Exception):
    """Base class of all geoagglom errors."""


class InputError(GeoagglomError, ValueError):
    """Bad input: missing CRS, invalid ids, unmatched rows, values a measure cannot take."""


def format_ids(ids, limit=20):
    """Return a short, readable list of ids for an error message.

    Parameters
    ----------
    ids : iterable
        The offending ids (or row labels).
    limit : int, default 20
        How many to show before summarising the rest as ``… and N more``.

    Returns
    -------
    str
    """
    ids = list(ids)
    shown = ", ".join(repr(i) if isinstance(i, str) else str(i) for i in ids[:limit])
    if len(ids) > limit:
        shown += f", … and {len(ids) - limit} more"
    return shown
