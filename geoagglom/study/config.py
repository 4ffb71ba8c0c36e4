"""A study's description: a validated configuration, and the :class:`Study` that runs it.

A study is described in a TOML file (:meth:`Study.from_toml`) or built in Python
(:class:`Study`). Either way the description is checked against the schema
(:mod:`geoagglom.study.schema`) before anything is computed, and becomes a
:class:`StudyConfig`: every key with its value, files resolved. :meth:`Study.run`
hands that configuration to :func:`geoagglom.study.run.run_study`, which returns
the :class:`~geoagglom.study.results.StudyResults`.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from geoagglom.data.boundaries import _catalog
from geoagglom.errors import StudyConfigError
from geoagglom.study.schema import BY_PARAM, SECTIONS, validate

ILLUSTRATIVE = "illustrative data"
#: The quantity of a point study without [data] quantity: points per unit and year.
POINT_COUNT = "n_points"


class StudyConfig:
    """A validated study description: one attribute per table, one per key.

    ``config.measures.seed``, ``config.maps.scheme``, ``config.data.file``...;
    top-level keys are attributes of ``config.top`` (``config.top.title``).
    Files are absolute paths (or DataFrames given in Python).

    Parameters
    ----------
    values : dict
        ``{section: {key: value}}`` as returned by
        :func:`geoagglom.study.schema.validate`.
    source : str, optional
        The study file's name, for messages.
    text : str, optional
        The TOML text the study came from (copied into the output folder).
    base : pathlib.Path, optional
        The folder relative file names are resolved against.
    """

    def __init__(self, values, *, source=None, text=None, base=None):
        self.values = values
        self.source = source
        self.text = text
        self.base = Path(base) if base is not None else Path.cwd()
        self.top = SimpleNamespace(**values[""])
        for section in SECTIONS:
            if section:
                setattr(self, section, SimpleNamespace(**values[section]))

    @classmethod
    def from_toml(cls, path):
        """Read and validate a study file; relative paths are taken from its folder.

        Raises
        ------
        StudyConfigError
            Naming the file and the key: unknown table or key, wrong type or value,
            a required key missing, a file not found, an unknown layer or grouping.
        """
        path = Path(path)
        if not path.is_file():
            raise StudyConfigError(f"Study file not found: {path}")
        text = path.read_text(encoding="utf-8")
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise StudyConfigError(f"{path.name} is not valid TOML: {err}") from err
        config = {"": {}}
        for name, value in raw.items():
            if isinstance(value, dict):
                config[name] = value
            else:
                config[""][name] = value
        try:
            values = validate(config)
            _resolve(values, path.parent)
        except StudyConfigError as err:
            raise StudyConfigError(f"{path.name}: {err}") from None
        return cls(values, source=path.name, text=text, base=path.parent)

    @classmethod
    def from_keywords(cls, **keywords):
        """Validate a study given as :class:`Study` keywords (Python names)."""
        config = {section: {} for section in SECTIONS}
        for param, value in keywords.items():
            if value is None:
                continue
            key = BY_PARAM.get(param)
            if key is None:
                raise TypeError(f"Study() got an unexpected keyword argument {param!r}")
            config[key.section][key.name] = value
        values = validate(config, python=True)
        _resolve(values, Path.cwd())
        return cls(values)

    def with_values(self, **keywords):
        """A copy with some keys changed, given by their :class:`Study` keywords."""
        config = {s: dict(v) for s, v in self.values.items()}
        for param, value in keywords.items():
            key = BY_PARAM.get(param)
            if key is None:
                raise TypeError(f"unknown study keyword {param!r}")
            config[key.section][key.name] = value
        values = validate(
            {s: {k: v for k, v in d.items() if v is not None} for s, d in config.items()},
            python=True,
        )
        return StudyConfig(values, source=self.source, text=self.text, base=self.base)

    def get(self, param):
        """The value of a key by its :class:`Study` keyword."""
        key = BY_PARAM[param]
        return self.values[key.section][key.name]

    @property
    def illustrative(self):
        return self.top.illustrative

    @property
    def quantity(self):
        """The quantity columns as a list (``["n_points"]``: points counted, no column summed)."""
        q = self.data.quantity
        if q is None:
            return [POINT_COUNT]
        return [q] if isinstance(q, str) else list(q)

    @property
    def extra_columns(self):
        """Data-table columns read besides the quantities: second variable, model variables,
        inequality weight columns."""
        columns = [self.data.second_variable] if self.data.second_variable else []
        if self.model.y is not None:
            x = [self.model.x] if isinstance(self.model.x, str) else list(self.model.x)
            columns += [c for c in (self.model.y, *x) if c != "entropy"]
        if self.data.population is not None:
            columns.append(self.data.population)
        columns += self._weight_columns
        return list(dict.fromkeys(c for c in columns if c not in self.quantity))

    @property
    def _weight_columns(self):
        """The data-table columns that ``[measures] inequality_weights`` names (e.g. population)."""
        weights = self.measures.inequality_weights
        picked = weights.values() if isinstance(weights, dict) else [weights]
        return [w for w in dict.fromkeys(picked) if w not in ("equal", "area")]

    @property
    def column_roles(self):
        """Data-table column → the study-file key that names it (for error messages)."""
        roles = {}
        if self.model.y is not None:
            x = [self.model.x] if isinstance(self.model.x, str) else list(self.model.x)
            roles.update({c: "[model] x" for c in x})
            roles[self.model.y] = "[model] y"
        roles.update({c: "[measures] inequality_weights" for c in self._weight_columns})
        if self.data.population is not None:
            roles[self.data.population] = "[data] population"
        if self.data.second_variable:
            roles[self.data.second_variable] = "second_variable"
        return roles

    def __repr__(self):
        return f"<StudyConfig {self.source or '(Python)'}: {self.top.title!r}>"


def _resolve(values, base):
    """Files to absolute paths (checked), and bundled names checked against the catalog."""
    catalog = _catalog()
    layer = values["boundaries"]["layer"]
    if layer is not None and layer not in catalog["layers"]:
        raise StudyConfigError(
            f"[boundaries] layer: no bundled layer {layer!r}; bundled layers: "
            f"{', '.join(catalog['layers'])}."
        )
    group = values["grouping"]
    if group["name"] is not None and group["name"] not in catalog["groupings"]:
        raise StudyConfigError(
            f"[grouping] name: no bundled grouping {group['name']!r}; bundled groupings: "
            f"{', '.join(catalog['groupings'])}."
        )
    files = (("data", "file"), ("data", "points"), ("boundaries", "file"), ("grouping", "file"))
    for section, name in files:
        value = values[section][name]
        if value is None or isinstance(value, pd.DataFrame):
            continue
        file = (Path(base) / value).resolve()
        if not file.is_file():
            raise StudyConfigError(f"[{section}] {name}: file not found: {file}")
        values[section][name] = file
    _check_dask(values["compute"])


def _check_dask(compute):
    """[compute] keys need dask.distributed (the optional extra): say so before running."""
    given = [name for name in ("workers", "address") if compute[name] is not None]
    if not given:
        return
    try:
        import dask_geopandas  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as err:
        raise StudyConfigError(
            f"[compute] {given[0]}: needs dask.distributed and dask-geopandas ({err}); "
            "install the optional extra with pip install 'geoagglom[dask]', or remove "
            "[compute] to run everything in this process."
        ) from None


class Study:
    """A financial-agglomeration study: what to read, what to compute, what to draw.

    The keywords are those of the study file's keys (the reference is in the
    README and :func:`geoagglom.study.schema.reference_markdown`); they are
    validated at once, and an error names the study-file key.

    Parameters
    ----------
    data : str, pathlib.Path or pandas.DataFrame, optional
        The long table: one row per unit and year (CSV or Excel file, or a frame).
        Lines starting with ``#`` in a CSV are comments. Required unless
        ``points`` is given.
    unit, year : str
        The table's unit column (adcode, Chinese or English name; not used with
        ``points``) and year column (with ``points``: the points' year column).
    quantity : str or list of str, optional
        The financial quantity; a list is summed (deposits + loans). With
        ``points``: columns of the points summed per unit and year (default: the
        number of points).
    points : str, pathlib.Path or pandas.DataFrame, optional
        A point table instead of ``data`` (bank branches: one row per point and
        year), counted per unit with :func:`geoagglom.points_to_units`.
    points_x, points_y, points_crs : optional
        Its coordinate columns (default ``lon``, ``lat``) and their CRS (default
        EPSG:4326); a vector file of points uses its own geometry and CRS.
    points_outside : {"raise", "drop"}, default "raise"
        Points outside every unit: an error, or dropped and reported.
    compute_workers, compute_address : optional
        Start a local dask cluster with this many workers, or connect to a
        running scheduler, for the run (the optional extra ``geoagglom[dask]``);
        the points are then counted partition by partition on it and the
        queen/rook weights built on it. Never started unless asked.
    layer : str, optional
        A bundled layer (default ``"china-prefectures"`` without ``boundary_file``).
    boundary_file, boundary_id, boundary_crs : optional
        A boundary file instead, its id column and (if it has none) its CRS.
    grouping : str, path or pandas.DataFrame, optional
        A bundled grouping name, or a table of unit → region. Without one, the
        regional tables are skipped.
    grouping_unit, grouping_region : str, optional
        Column names of a grouping table (defaults: the layer's id name, ``region``).
    second_variable : str, optional
        A second column (e.g. GDP growth) for bivariate Moran.
    variable : {"entropy", "density", "value", "per_capita"}, default "entropy"
        What Moran's I, LISA, the dynamics and the maps analyse: the financial
        entropy, the quantity per km², the quantity, or the quantity per person
        (``population``: the data table's population column). Gini and Theil stay
        on the entropy.
    population : str, optional
        The population column, required with ``variable="per_capita"``.
    label : str, optional
        The variable's name in figure titles, legends and report headings.
    years : [first, last], optional
    title : str, optional
    illustrative : bool, default False
        Mark every output "illustrative data".
    theil : list of {"T", "L"}, default ["T"]
    permutations, seed : int, default 999, 12345
        Permutations of every permutation test; the seed of every random draw
        (one stream per statistic and year, see :mod:`geoagglom.seeding`).
    weights : {"queen", "rook", "knn", "distance"}, default "queen"
    k : int, default 4
        Neighbours per unit with ``weights="knn"``.
    threshold_km : float, optional
        Distance band with ``weights="distance"`` (required then).
    transform : {"r", "b"}, default "r"
        Row-standardised or binary weights.
    islands : {"raise", "drop", "nearest"}, default "raise"
        Units without a neighbour: an error naming them, left out of the spatial
        statistics (kept in the others, and reported), or attached to their
        nearest unit.
    alpha : float, default 0.05
    adjust : {"none", "fdr", "bonferroni"}, default "none"
        Multiple-testing adjustment of the LISA p-values.
    map_scheme, map_k, map_years, map_bins, lang :
        Choropleth classification (shared across years), years to map,
        user-defined bins, label language ("en" or "zh").
    drop_unmatched : bool, default False
    province : str, optional
    output : str or pathlib.Path, optional
        Default output folder of :meth:`run` (``geoagglom_output``).
    """

    def __init__(self, data=None, unit=None, year=None, quantity=None, **keywords):
        grouping = keywords.pop("grouping", None)
        if grouping is not None:
            if isinstance(grouping, str) and grouping in _catalog()["groupings"]:
                keywords["grouping"] = grouping
            else:
                keywords["grouping_file"] = grouping
        config = StudyConfig.from_keywords(
            data=data, unit=unit, year=year, quantity=quantity, **keywords
        )
        object.__setattr__(self, "config", config)

    @classmethod
    def from_toml(cls, path):
        """Read a study from a TOML file; relative paths are taken from its folder.

        Raises
        ------
        StudyConfigError
            Naming the key and the problem.
        """
        study = cls.__new__(cls)
        object.__setattr__(study, "config", StudyConfig.from_toml(path))
        return study

    def __getattr__(self, name):
        # Study keywords read the configuration (``study.permutations``).
        if name in BY_PARAM:
            return self.config.get(name)
        raise AttributeError(f"'Study' object has no attribute {name!r}")

    def __setattr__(self, name, value):
        # ``study.permutations = 99`` revalidates: the key is checked like in a file.
        if name not in BY_PARAM:
            raise AttributeError(f"'Study' has no setting {name!r}")
        object.__setattr__(self, "config", self.config.with_values(**{name: value}))

    def run(self, out_dir=None, *, overwrite=False, progress=None):
        """Run the study and write its outputs.

        Parameters
        ----------
        out_dir : str or pathlib.Path, optional
            The output folder (default: the TOML's ``[output] folder``, or
            ``geoagglom_output`` in the working directory).
        overwrite : bool, default False
            Replace an existing output folder (only once the new one is complete).
        progress : callable, optional
            Called with a short message at each step (the CLI prints them).

        Returns
        -------
        StudyResults
        """
        from geoagglom.study import figure_worker

        # the figure worker first: its imports then overlap those of the run's modules
        worker = None
        if figure_worker.available_cores() >= figure_worker.MIN_CORES:
            worker = figure_worker.FigureWorker.launch()
        try:
            from geoagglom.study.run import run_study

            return run_study(
                self.config, out_dir, overwrite=overwrite, progress=progress, figure_worker=worker
            )
        finally:
            if worker is not None:
                worker.stop()  # ended already, unless the run stopped before its figures

    def __repr__(self):
        return f"<Study {self.config.source or '(Python)'}: {self.config.top.title!r}>"


def demo_dir():
    """Folder of the bundled Shandong demo study (inside the package once installed)."""
    here = Path(__file__).resolve().parents[1]  # the package folder
    for candidate in (here / "demo", here.parent / "examples" / "shandong_two_circles_four_areas"):
        if (candidate / "study.toml").is_file():
            return candidate
    raise FileNotFoundError("The demo study is missing; reinstall geoagglom.")


def print_progress(message):
    """Print a step of a run on standard error (the CLI's progress)."""
    print(f"geoagglom: {message}", file=sys.stderr, flush=True)
