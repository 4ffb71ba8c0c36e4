"""A whole study in one run: from a boundary layer and a yearbook table to a report.

A study is described in a TOML file (:meth:`Study.from_toml`) or built in Python
(:class:`Study`). :meth:`Study.run` matches the table to the units, computes the
financial entropy of units and regions, the Gini and Theil tables of the study
(Tables I and II), the Moran trend, LISA classes and bivariate Moran, draws the
figures and writes CSV tables, PNG/SVG figures and ``report.html`` into an
output folder. The folder is written under a temporary name and renamed into
place only when complete, so an interrupted run leaves nothing behind.
"""

from __future__ import annotations

import sys
import tomllib
import unicodedata
from pathlib import Path

import pandas as pd

from geoagglom.data.boundaries import _catalog, load_grouping, load_layer, read_boundaries
from geoagglom.errors import StudyConfigError

ILLUSTRATIVE = "illustrative data"


# Keys each TOML table may hold, with a type check and a description for errors.
_SCHEMA = {
    "": {"title": str, "illustrative": bool},
    "boundaries": {"layer": str, "file": str, "id": str, "crs": (str, int)},
    "data": {
        "file": str,
        "unit": str,
        "year": str,
        "quantity": (str, list),
        "second_variable": str,
        "years": list,
        "drop_unmatched": bool,
        "province": str,
    },
    "grouping": {"name": str, "file": str, "unit": str, "region": str},
    "measures": {
        "theil": list,
        "permutations": int,
        "seed": int,
        "weights": str,
        "islands": str,
        "k": int,
        "alpha": float,
        "adjust": str,
    },
    "maps": {"scheme": str, "k": int, "years": list, "lang": str, "bins": list},
    "output": {"folder": str},
}
SCHEMES = ("quantiles", "natural_breaks", "equal_interval", "user_defined")


class Study:
    """A financial-agglomeration study: what to read, what to compute, what to draw.

    Parameters
    ----------
    data : str, pathlib.Path or pandas.DataFrame
        The long table: one row per unit and year (CSV or Excel file, or a frame).
        Lines starting with ``#`` in a CSV are comments.
    unit, year : str
        The table's unit column (adcode, Chinese or English name) and year column.
    quantity : str or list of str
        The financial quantity; a list is summed (deposits + loans). Yearbook
        headers are accepted as they are, e.g. ``年末金融机构存款余额(万元)``.
    layer : str, optional
        A bundled layer name (default ``"china-prefectures"`` if no ``boundary_file``).
    boundary_file, boundary_id, boundary_crs : optional
        A user's boundary file instead, its id column and (if it has none) its CRS.
    grouping : str, path or pandas.DataFrame, optional
        A bundled grouping name, or a table of unit → region. Without one, the
        regional tables are skipped.
    grouping_unit, grouping_region : str
        Column names in a grouping file (defaults: the layer's id name and ``region``).
    second_variable : str, optional
        A second column (e.g. GDP growth) for bivariate Moran: entropy of a unit
        against the spatial lag of this variable.
    years : list of int, optional
        ``[first, last]``; default: every year in the table.
    title : str, optional
    illustrative : bool, default False
        Mark every output "illustrative data".
    theil : list of {"T", "L"}, default ["T"]
        Which Theil indices to decompose.
    permutations, seed : int
        Permutations for Moran/LISA/Theil inference and the seed that makes
        them repeatable.
    weights : {"queen", "rook", "knn", "distance"}, default "queen"
    islands : {"raise", "drop", "nearest"}, default "raise"
        Units without a neighbour (an island such as Hainan's Sansha): an error
        naming them, left out of the spatial statistics, or attached to their
        nearest unit.
    alpha : float, default 0.05
    adjust : {"fdr", "bonferroni"}, optional
        Multiple-testing adjustment of the LISA p-values.
    map_scheme, map_k, map_years, map_bins, lang :
        Choropleth classification (shared across years), years to map,
        user-defined bins, label language ("en" or "zh").
    drop_unmatched : bool, default False
        Drop table rows that match no unit (they stay in the match report).
    province : str, optional
        A province column of the table, to separate same-named units.
    output : str or pathlib.Path, optional
        Default output folder of :meth:`run` (``geoagglom_output``).
    config_text : str, optional
        The TOML the study came from (copied into the report).
    """

    def __init__(
        self,
        data,
        unit,
        year,
        quantity,
        *,
        layer=None,
        boundary_file=None,
        boundary_id=None,
        boundary_crs=None,
        grouping=None,
        grouping_unit=None,
        grouping_region="region",
        second_variable=None,
        years=None,
        title=None,
        illustrative=False,
        theil=("T",),
        permutations=999,
        seed=12345,
        weights="queen",
        islands="raise",
        k=None,
        alpha=0.05,
        adjust=None,
        map_scheme="quantiles",
        map_k=5,
        map_years=None,
        map_bins=None,
        lang="en",
        drop_unmatched=False,
        province=None,
        output=None,
        config_text=None,
    ):
        self.data = data
        self.unit, self.year = unit, year
        self.quantity = [quantity] if isinstance(quantity, str) else list(quantity)
        self.layer = layer if layer or boundary_file else "china-prefectures"
        self.boundary_file, self.boundary_id = boundary_file, boundary_id
        self.boundary_crs = boundary_crs
        self.grouping = grouping
        self.grouping_unit, self.grouping_region = grouping_unit, grouping_region
        self.second_variable = second_variable
        self.years = years
        self.illustrative = illustrative
        self.title = title or "Financial agglomeration study"
        self.theil = [str(t).upper() for t in theil]
        self.permutations, self.seed = permutations, seed
        self.weights, self.islands, self.k = weights, islands, k
        self.alpha, self.adjust = alpha, adjust
        self.map_scheme, self.map_k = map_scheme, map_k
        self.map_years, self.map_bins = map_years, map_bins
        self.lang = lang
        self.drop_unmatched = drop_unmatched
        self.province = province
        self.output = Path(output) if output is not None else Path("geoagglom_output")
        self.config_text = config_text
        self._check_options()

    # ------------------------------------------------------------------ config

    @classmethod
    def from_toml(cls, path):
        """Read a study from a TOML file; relative paths are taken from its folder.

        Raises
        ------
        StudyConfigError
            Naming the key and the problem (unknown key, wrong type, missing
            required key, missing file, unknown layer).
        """
        path = Path(path)
        if not path.is_file():
            raise StudyConfigError(f"Study file not found: {path}")
        text = path.read_text(encoding="utf-8")
        try:
            config = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise StudyConfigError(f"{path.name} is not valid TOML: {err}") from err
        _check_schema(config, path.name)
        base = path.parent
        data_cfg = _require(config, "data", path.name)
        for key in ("file", "unit", "year", "quantity"):
            if key not in data_cfg:
                raise StudyConfigError(f"{path.name}: [data] {key} is required.")
        bounds = config.get("boundaries", {})
        if "layer" in bounds and "file" in bounds:
            raise StudyConfigError(
                f"{path.name}: [boundaries] give either layer or file, not both."
            )
        if "file" in bounds and "id" not in bounds:
            raise StudyConfigError(
                f"{path.name}: [boundaries] id is required with file (the id column)."
            )
        if "layer" in bounds and bounds["layer"] not in _catalog()["layers"]:
            raise StudyConfigError(
                f"{path.name}: [boundaries] layer: no bundled layer {bounds['layer']!r}; "
                f"bundled layers: {', '.join(_catalog()['layers'])}."
            )
        group = config.get("grouping", {})
        if "name" in group and "file" in group:
            raise StudyConfigError(f"{path.name}: [grouping] give either name or file, not both.")
        if "name" in group and group["name"] not in _catalog()["groupings"]:
            raise StudyConfigError(
                f"{path.name}: [grouping] name: no bundled grouping {group['name']!r}; "
                f"bundled groupings: {', '.join(_catalog()['groupings'])}."
            )
        measures, maps = config.get("measures", {}), config.get("maps", {})

        def resolve(section, key, value):
            file = (base / value).resolve()
            if not file.is_file():
                raise StudyConfigError(f"{path.name}: [{section}] {key}: file not found: {file}")
            return file

        try:
            return cls(
                data=resolve("data", "file", data_cfg["file"]),
                unit=data_cfg["unit"],
                year=data_cfg["year"],
                quantity=data_cfg["quantity"],
                second_variable=data_cfg.get("second_variable"),
                years=data_cfg.get("years"),
                drop_unmatched=data_cfg.get("drop_unmatched", False),
                province=data_cfg.get("province"),
                layer=bounds.get("layer"),
                boundary_file=(
                    resolve("boundaries", "file", bounds["file"]) if "file" in bounds else None
                ),
                boundary_id=bounds.get("id"),
                boundary_crs=bounds.get("crs"),
                grouping=(
                    group.get("name")
                    if "name" in group
                    else resolve("grouping", "file", group["file"])
                    if "file" in group
                    else None
                ),
                grouping_unit=group.get("unit"),
                grouping_region=group.get("region", "region"),
                title=config.get("title"),
                illustrative=config.get("illustrative", False),
                theil=measures.get("theil", ["T"]),
                permutations=measures.get("permutations", 999),
                seed=measures.get("seed", 12345),
                weights=measures.get("weights", "queen"),
                islands=measures.get("islands", "raise"),
                k=measures.get("k"),
                alpha=measures.get("alpha", 0.05),
                adjust=measures.get("adjust"),
                map_scheme=maps.get("scheme", "quantiles"),
                map_k=maps.get("k", 5),
                map_years=maps.get("years"),
                map_bins=maps.get("bins"),
                lang=maps.get("lang", "en"),
                output=base / config.get("output", {}).get("folder", "geoagglom_output"),
                config_text=text,
            )
        except StudyConfigError as err:
            raise StudyConfigError(f"{path.name}: {err}") from None

    def _check_options(self):
        checks = [
            ("measures", "theil", set(self.theil) <= {"T", "L"} and self.theil, "T and/or L"),
            ("measures", "permutations", self.permutations >= 0, "a whole number ≥ 0"),
            (
                "measures",
                "weights",
                self.weights in ("queen", "rook", "knn", "distance"),
                "queen, rook, knn or distance",
            ),
            (
                "measures",
                "islands",
                self.islands in ("raise", "drop", "nearest"),
                "raise, drop or nearest",
            ),
            ("measures", "alpha", 0 < self.alpha < 1, "between 0 and 1"),
            ("measures", "adjust", self.adjust in (None, "fdr", "bonferroni"), "fdr or bonferroni"),
            ("maps", "scheme", self.map_scheme in SCHEMES, ", ".join(SCHEMES)),
            ("maps", "lang", self.lang in ("en", "zh"), "en or zh"),
            (
                "maps",
                "bins",
                self.map_scheme != "user_defined" or bool(self.map_bins),
                "a list of upper bounds (required with scheme = 'user_defined')",
            ),
            (
                "data",
                "years",
                self.years is None
                or (
                    len(self.years) == 2
                    and all(isinstance(y, int) for y in self.years)
                    and self.years[0] <= self.years[1]
                ),
                "[first, last], two whole years in order",
            ),
        ]
        for section, key, ok, expected in checks:
            if not ok:
                value = getattr(self, {"scheme": "map_scheme", "bins": "map_bins"}.get(key, key))
                raise StudyConfigError(f"[{section}] {key} = {value!r}: expected {expected}.")

    # ------------------------------------------------------------------ inputs

    def load_units(self):
        """The units layer (bundled or read from the boundary file)."""
        if self.boundary_file is not None:
            return read_boundaries(self.boundary_file, id=self.boundary_id, crs=self.boundary_crs)
        return load_layer(self.layer)

    def load_table(self):
        """The data table with its configured columns checked and years selected."""
        table = self.data
        if not isinstance(table, pd.DataFrame):
            path = Path(table)
            if path.suffix.lower() in (".xls", ".xlsx"):
                table = pd.read_excel(path)
            else:
                table = pd.read_csv(path, comment="#")
        table = table.copy()
        label = "the data table" if isinstance(self.data, pd.DataFrame) else Path(self.data).name
        rename = {}
        wanted = [("unit", self.unit), ("year", self.year)]
        wanted += [("quantity", q) for q in self.quantity]
        if self.second_variable:
            wanted.append(("second_variable", self.second_variable))
        if self.province:
            wanted.append(("province", self.province))
        for key, column in wanted:
            found = _find_column(table.columns, column)
            if found is None:
                raise StudyConfigError(
                    f"[data] {key}: column {column!r} is not in {label}; its columns: "
                    f"{', '.join(map(str, table.columns))}."
                )
            rename[found] = column
        table = table.rename(columns=rename)
        table[self.year] = pd.to_numeric(table[self.year], errors="raise").astype(int)
        present = sorted(table[self.year].unique())
        if self.years is not None:
            first, last = self.years
            if first < present[0] or last > present[-1]:
                raise StudyConfigError(
                    f"[data] years = [{first}, {last}] is outside the table's years "
                    f"{present[0]}-{present[-1]}."
                )
            table = table[table[self.year].between(first, last)]
        return table

    def load_grouping_table(self, units):
        """Unit id → region as a Series indexed like the units, or None."""
        if self.grouping is None:
            return None
        if isinstance(self.grouping, str) and self.grouping in _catalog()["groupings"]:
            return load_grouping(self.grouping)[self.grouping_region]
        table = self.grouping
        if not isinstance(table, pd.DataFrame):
            table = pd.read_csv(table, comment="#")
        key = self.grouping_unit or units.index.name
        for role, column in (("unit", key), ("region", self.grouping_region)):
            if column not in table.columns:
                raise StudyConfigError(
                    f"[grouping] {role}: column {column!r} is not in the grouping table; "
                    f"its columns: {', '.join(map(str, table.columns))}."
                )
        series = table.set_index(key)[self.grouping_region]
        if units.index.dtype.kind in "iu":
            series.index = pd.to_numeric(series.index)
        unknown = series.index.difference(units.index)
        if len(unknown):
            raise StudyConfigError(
                f"[grouping] names units that are not in the layer: {list(unknown)[:20]}. "
                "Fix the grouping table or the layer."
            )
        return series

    # ------------------------------------------------------------------ run

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
        from geoagglom.study.output import write_folder
        from geoagglom.study.run import run_study

        out_dir = Path(out_dir or self.output)
        say = progress or (lambda message: None)
        results, work, final = write_folder(
            out_dir, lambda folder: run_study(self, folder, say), replace=overwrite
        )
        return results.moved_to(work, final)


def demo_dir():
    """Folder of the bundled Shandong demo study (inside the package once installed)."""
    here = Path(__file__).resolve().parents[1]  # the package folder
    for candidate in (here / "demo", here.parent / "examples" / "shandong_two_circles_four_areas"):
        if (candidate / "study.toml").is_file():
            return candidate
    raise FileNotFoundError("The demo study is missing; reinstall geoagglom.")


def _find_column(columns, wanted):
    """The column equal to ``wanted`` up to Unicode width forms and spaces (（万元） = (万元))."""

    def key(text):
        return "".join(unicodedata.normalize("NFKC", str(text)).split())

    matches = [c for c in columns if key(c) == key(wanted)]
    return matches[0] if matches else None


def _require(config, section, name):
    if section not in config:
        raise StudyConfigError(f"{name}: the [{section}] table is required.")
    return config[section]


def _check_schema(config, name):
    for section, value in config.items():
        if isinstance(value, dict):
            if section not in _SCHEMA:
                raise StudyConfigError(
                    f"{name}: unknown table [{section}]; known: "
                    f"{', '.join('[' + s + ']' for s in _SCHEMA if s)}."
                )
            items, where = value.items(), f"[{section}] "
            allowed = _SCHEMA[section]
        else:
            items, where, allowed = [(section, value)], "", _SCHEMA[""]
        for key, item in items:
            if key not in allowed:
                raise StudyConfigError(
                    f"{name}: {where}unknown key {key!r}; allowed: {', '.join(allowed)}."
                )
            expected = allowed[key]
            ok = isinstance(item, expected) and not (expected is int and isinstance(item, bool))
            if expected is float:
                ok = isinstance(item, int | float) and not isinstance(item, bool)
            if not ok:
                kinds = expected if isinstance(expected, tuple) else (expected,)
                raise StudyConfigError(
                    f"{name}: {where}{key} = {item!r} should be "
                    f"{' or '.join(k.__name__ for k in kinds)}."
                )


def _print_progress(message):
    print(f"geoagglom: {message}", file=sys.stderr, flush=True)
