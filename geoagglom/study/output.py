"""Output folders written atomically: complete, or not there at all."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from geoagglom.errors import InputError


def write_folder(out_dir, write, *, replace=False):
    """Write a folder through a temporary sibling, renamed into place when complete.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        The folder to create.
    write : callable
        ``write(folder)`` fills the temporary folder and returns anything (passed
        back to the caller). Paths it returns point into the temporary folder.
    replace : bool or "own", default False
        When ``out_dir`` exists and is not empty: ``False`` is an error (raised
        before ``write`` runs); ``True`` replaces it; ``"own"`` replaces it only if
        it holds nothing but names the new output also has (an earlier run of
        the same job), and is an error otherwise.

    Returns
    -------
    tuple
        ``(result of write, temporary folder path, final folder path)``; use the
        two paths to rewrite paths in the result.

    Raises
    ------
    InputError
        If ``out_dir`` exists, is not empty and may not be replaced. On any error
        the temporary folder is removed and ``out_dir`` is left as it was.
    """
    out_dir = Path(out_dir).absolute()
    occupied = out_dir.exists() and any(out_dir.iterdir())
    if occupied and replace is False:
        raise InputError(
            f"The output folder {out_dir} exists and is not empty; choose another "
            "folder or allow replacing it (--overwrite on the command line, overwrite=True in "
            "Python)."
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".partial", dir=out_dir.parent))
    try:
        result = write(tmp)
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private; the output is not
        if occupied:
            if replace == "own":
                foreign = sorted(set(os.listdir(out_dir)) - set(os.listdir(tmp)))
                if foreign:
                    raise InputError(
                        f"{out_dir} exists and holds files this job does not write "
                        f"({', '.join(foreign[:5])}); choose another output folder."
                    )
            aside = tmp.with_name(tmp.name + ".old")
            os.replace(out_dir, aside)
            try:
                os.replace(tmp, out_dir)
            except BaseException:
                os.replace(aside, out_dir)
                raise
            shutil.rmtree(aside)
        else:
            os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return result, tmp, out_dir


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: The first line of every CSV table of a study run on illustrative data.
ILLUSTRATIVE_LINE = (
    "# ILLUSTRATIVE DATA: generated to demonstrate the method, not official statistics "
    "(read with comment='#')"
)
#: Tables written to the GeoPackage, by the geometry they are joined to.
UNIT_LAYERS = (
    "entropy_units",
    "location_quotient",
    "lisa",
    "directional_lisa",
    "spillover_verdict",
    "model_unit_effect",
)
REGION_LAYERS = ("entropy_regions",)
#: A table whose rows would repeat more coordinates than this (its units' outlines once
#: per year) is written as an attribute table, joined to the ``units`` layer by ``unit``:
#: on 2,848 counties x 13 years the repeated outlines made a 525 MB GeoPackage.
MAX_REPEATED_COORDINATES = 5_000_000


def write_tables(results, folder):
    """Every table as ``folder/<name>.csv``; an illustrative study's start with a comment line.

    Parameters
    ----------
    results : geoagglom.study.results.StudyResults
    folder : pathlib.Path
    """
    illustrative = results.config.illustrative
    for name, frame in results.tables.items():
        with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as f:
            if illustrative:
                f.write(ILLUSTRATIVE_LINE + "\n")
            frame.to_csv(f, index=False)


def write_geopackage(results, path, *, geojson_folder=None):
    """The unit- and region-level tables with their geometry, one layer per table.

    The ``units`` and ``regions`` layers hold each outline once, with the names. A
    table joined to its outlines would repeat them once per year; where that exceeds
    :data:`MAX_REPEATED_COORDINATES` coordinates the table is written without geometry
    (an attribute table of the GeoPackage, joined to ``units`` by ``unit`` in QGIS), and
    the run's notes say which.

    Parameters
    ----------
    results : geoagglom.study.results.StudyResults
    path : pathlib.Path
        The GeoPackage to write (opens in QGIS; EPSG:4326).
    geojson_folder : pathlib.Path, optional
        Also write each layer with geometry as ``<name>.geojson`` there.

    Returns
    -------
    list of str
        The layers written.
    """
    import geopandas as gpd
    import pyogrio
    import shapely

    illustrative = results.config.illustrative
    # through Arrow where GDAL can (3.8+): the same layers (tested), 40 % less time
    arrow = {"use_arrow": pyogrio.__gdal_version__ >= (3, 8, 0)}

    def write(frame, name):
        frame = frame.copy()
        if illustrative:
            frame["illustrative"] = True
        frame.columns = [str(c) for c in frame.columns]  # GeoPackage columns need text names
        if isinstance(frame, gpd.GeoDataFrame):
            frame.to_file(path, layer=name, driver="GPKG", **arrow)
            if geojson_folder is not None:
                frame.to_file(geojson_folder / f"{name}.geojson", driver="GeoJSON")
        else:
            pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", **arrow)
        layers.append(name)

    layers, plain = [], []
    shapes = {"unit": results.units, "region": results.regions}
    for key, names in (("unit", UNIT_LAYERS), ("region", REGION_LAYERS)):
        shape = shapes[key]
        if shape is None:
            continue
        outlines = shape[["geometry"]]
        if outlines.crs is not None and outlines.crs.to_epsg() != 4326:
            outlines = outlines.to_crs("EPSG:4326")
        outlines = outlines.rename_axis(key).reset_index()
        labels = with_names(results, outlines, results.units) if key == "unit" else outlines
        write(labels, f"{key}s")
        coordinates = pd.Series(
            shapely.get_num_coordinates(outlines.geometry.to_numpy()), index=outlines[key]
        )
        for name in names:
            table = results.tables.get(name)
            if table is None or key not in table.columns:
                continue
            repeated = coordinates.reindex(table[key]).sum()
            if repeated > MAX_REPEATED_COORDINATES:
                write(table, name)
                plain.append(name)
                continue
            joined = table.merge(outlines, on=key, how="left")
            write(gpd.GeoDataFrame(joined, geometry="geometry", crs="EPSG:4326"), name)
    if plain:
        results.notes.append(
            f"results.gpkg: {', '.join(plain)} are attribute tables without geometry (their "
            "outlines once per year would be too large); join them to the 'units' layer by "
            "'unit'."
        )
    return layers


def with_names(results, frame, units):
    """Add the units' names next to their ids: ``year, unit, <names>``, then the rest.

    A boundary file's own name column is shown as ``name`` (so it never collides
    with a statistic's column); a bundled layer's as ``name_zh, name_en``.
    """
    if not results.names:
        return frame
    own = results.config.boundaries.name
    labels = units[results.names].rename(columns={own: "name"} if own else {})
    names = list(labels.columns)
    out = frame.merge(labels.rename_axis("unit").reset_index(), on="unit", how="left")
    order = ["year", "unit", *names]
    return out[[c for c in order if c in out.columns] + [c for c in out if c not in order]]


#: Sidecar files that travel with a boundary file of the same stem.
_SIDECARS = (".shx", ".dbf", ".prj", ".cpg", ".qmd", ".sbn", ".sbx")


def copy_inputs(config, folder, *, rerun_folder="rerun"):
    """Copy a study's input files into ``folder/inputs`` and write ``folder/study.toml``.

    The written study file names the copies (and a bundled layer or grouping by
    name), so ``geoagglom run study.toml`` inside the output folder runs the same
    study again, into ``rerun_folder``. Tables given as DataFrames are written as
    CSV. The original study file, when there is one, is kept as
    ``inputs/original_study.toml``.

    Parameters
    ----------
    config : geoagglom.study.config.StudyConfig
    folder : pathlib.Path
        The output folder being written.
    rerun_folder : str, default "rerun"
    """
    import pandas as pd

    from geoagglom.study.schema import to_toml

    inputs = folder / "inputs"
    inputs.mkdir()
    values = {section: dict(keys) for section, keys in config.values.items()}

    def place(section, key, default_name):
        source = values[section][key]
        if source is None:
            return
        if isinstance(source, pd.DataFrame):
            target = inputs / default_name
            source.to_csv(target, index=False)
        else:
            source = Path(source)
            target = inputs / source.name
            if target.exists():  # two inputs with one name
                target = inputs / f"{section}_{source.name}"
            shutil.copyfile(source, target)  # new files follow the umask
            for suffix in _SIDECARS:
                sidecar = source.with_suffix(suffix)
                if sidecar.is_file():
                    shutil.copyfile(sidecar, target.with_suffix(suffix))
        values[section][key] = f"inputs/{target.name}"

    place("data", "file", "data.csv")
    place("boundaries", "file", "boundaries.gpkg")
    group = values["grouping"]
    if isinstance(group["file"], pd.DataFrame) and group["unit"] is None:
        group["unit"] = group["file"].columns[0]
    place("grouping", "file", "grouping.csv")
    values["output"]["folder"] = rerun_folder
    header = (
        "# The study as run: the inputs are the copies in inputs/ (bundled layers and\n"
        "# groupings by name). `geoagglom run study.toml` here writes the same tables into\n"
        f"# {rerun_folder}/.\n"
    )
    (folder / "study.toml").write_text(header + to_toml(values), encoding="utf-8")
    if config.text:
        (inputs / "original_study.toml").write_text(config.text, encoding="utf-8")
