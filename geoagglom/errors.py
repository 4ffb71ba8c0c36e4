"""Every exception and warning class of geoagglom.

Every error names the offending rows, ids, columns or keys and says how to fix
the problem, so the message can be acted on without reading the source.
"""


class GeoagglomError(Exception):
    """Base class of all geoagglom errors.

    Parameters
    ----------
    message : str
        What went wrong, naming the offending rows, ids, columns or keys.
    """


class InputError(GeoagglomError, ValueError):
    """Bad input: missing CRS, invalid ids, unmatched rows, values a measure cannot take.

    Parameters
    ----------
    message : str
        What went wrong, naming the offending rows, ids, columns or keys.
    """


class DecompositionError(GeoagglomError, ArithmeticError):
    """Internal error: directly computed parts do not add up to the total.

    Parameters
    ----------
    message : str
        What went wrong, naming the offending rows, ids, columns or keys.
    """


class SpatialWeightsWarning(UserWarning):
    """A weights graph was built but has a property the user should know about.

    Raised for disconnected components and for islands that were dropped or
    attached to their nearest units.

    Parameters
    ----------
    message : str
        What went wrong, naming the offending rows, ids, columns or keys.
    """


class AreaMismatchWarning(UserWarning):
    """A region's summed unit areas differ from the area of its dissolved geometry.

    Parameters
    ----------
    message : str
        What went wrong, naming the offending rows, ids, columns or keys.
    """


class PointsOutsideWarning(UserWarning):
    """Points covered by no unit were dropped (``points_to_units(..., outside='drop')``).

    Parameters
    ----------
    message : str
        How many points were dropped, naming their rows.
    """


class GeometryRepairWarning(UserWarning):
    """Invalid geometries were repaired with ``shapely.make_valid``.

    Parameters
    ----------
    message : str
        What went wrong, naming the offending rows, ids, columns or keys.
    """


class MatchError(InputError):
    """Rows of a table matched no unit or several; ``.report`` holds the details.

    Parameters
    ----------
    message : str
        What went wrong, naming the offending rows, ids, columns or keys.
    """

    def __init__(self, message, report):
        super().__init__(message)
        self.report = report


class UnmatchedRowsDropped(UserWarning):
    """Rows that matched no unit were dropped at the caller's request.

    Parameters
    ----------
    message : str
        What went wrong, naming the offending rows, ids, columns or keys.
    """


class MissingCJKFontWarning(UserWarning):
    """Chinese labels were asked for but no CJK font is installed.

    Parameters
    ----------
    message : str
        What went wrong, naming the offending rows, ids, columns or keys.
    """


class EmptyTransitionsWarning(UserWarning):
    """A transition matrix has rows (or a class) without any observed transition.

    The rows are reported on the result (``empty_rows``) and are NaN or made
    absorbing as the ``empty`` policy says; they are never filled with zeros.

    Parameters
    ----------
    message : str
        What went wrong, naming the offending rows, ids, columns or keys.
    """


class PanelDropWarning(UserWarning):
    """Units or years of an unbalanced panel were dropped at the caller's request.

    Parameters
    ----------
    message : str
        What went wrong, naming the offending rows, ids, columns or keys.
    """


class PermutationCostWarning(UserWarning):
    """The permutations asked for will take long or need much memory (estimate given).

    Parameters
    ----------
    message : str
        The estimate and the setting to lower (``[measures] permutations``).
    """


class StudyConfigError(InputError):
    """A study description is wrong: the message names the key and the problem.

    Parameters
    ----------
    message : str
        What went wrong, naming the offending rows, ids, columns or keys.
    """


class ModelInputError(InputError):
    """Bad input to a spatial regression model (geoagglom.models); subclasses say which.

    Parameters
    ----------
    message : str
        What went wrong, naming the offending rows, ids, columns or keys.
    """


class CollinearityError(ModelInputError):
    """The regressors (with their spatial lags) are linearly dependent; the columns are named.

    Parameters
    ----------
    message : str
        What went wrong, naming the offending rows, ids, columns or keys.
    """


class IslandError(ModelInputError):
    """Units without neighbours: a spatial model needs every unit's spatial lag.

    Parameters
    ----------
    message : str
        What went wrong, naming the offending rows, ids, columns or keys.
    """


class MissingValuesError(ModelInputError):
    """Missing or non-finite values; the units (and years, in a panel) are named.

    Parameters
    ----------
    message : str
        What went wrong, naming the offending rows, ids, columns or keys.
    """


class TooFewUnitsError(ModelInputError):
    """Fewer observations than the model has parameters.

    Parameters
    ----------
    message : str
        What went wrong, naming the offending rows, ids, columns or keys.
    """


class SingularFilterError(ModelInputError):
    """``I - rho W`` is not invertible at a value of rho the model would use.

    Parameters
    ----------
    message : str
        What went wrong, naming the offending rows, ids, columns or keys.
    """


class BoundaryEstimateError(ModelInputError):
    """The maximum-likelihood rho/lambda lies on the bound of its admissible interval.

    Parameters
    ----------
    message : str
        What went wrong, naming the offending rows, ids, columns or keys.
    """


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
