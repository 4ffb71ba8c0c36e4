"""US per-capita income by state, 1929-2009: inequality within and between BEA regions.

libpysal's ``us_income`` data (48 contiguous states) and the 8 regions of the
U.S. Bureau of Economic Analysis (``bea_regions.csv``). For every decade year
(1929, 1939, ..., 2009): the Theil T index of per-capita income across the
states decomposed into within- and between-region parts, the Gini coefficient
(with Dagum's decomposition), Moran's I of income over queen contiguity, and
the time-series figures.

Usage::

    python examples/us_income/run.py [OUT_DIR]

``OUT_DIR`` defaults to ``us_income_output`` in the current folder. It is
written atomically: the results are built in a temporary folder next to it and
moved into place only when complete.
"""

import sys
from pathlib import Path

import libpysal
import matplotlib
import matplotlib.pyplot as plt
import pandas as pd

import geoagglom
from geoagglom import plot as plotting
from geoagglom.study.output import write_folder

matplotlib.use("Agg")

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = "us_income_output"
YEARS = list(range(1929, 2010, 10))
PERMUTATIONS = 999


def read_inputs():
    """The states (boundaries and BEA region) and their per-capita income by decade.

    Returns
    -------
    states : geopandas.GeoDataFrame
        Indexed by 2-digit FIPS code: name, state, bea_region, area_km2, geometry.
    income : pandas.DataFrame
        Long table: state_fips, name, bea_region, year, income (current dollars).
    """
    # us48.shp has no .prj; its coordinates are longitude/latitude degrees.
    states = geoagglom.read_boundaries(
        libpysal.examples.get_path("us48.shp"), id="STATE_FIPS", crs="EPSG:4326"
    )
    regions = pd.read_csv(HERE / "bea_regions.csv", comment="#", dtype={"state_fips": str})
    states = states[["area_km2", "geometry"]].join(regions.set_index("state_fips"))
    unassigned = states.index[states["bea_region"].isna()]
    if len(unassigned):
        raise ValueError(f"States without a BEA region: {list(unassigned)}.")

    wide = pd.read_csv(libpysal.examples.get_path("usjoin.csv"))
    wide["state_fips"] = wide["STATE_FIPS"].map("{:02d}".format)
    income = wide.melt(
        id_vars="state_fips",
        value_vars=[str(y) for y in YEARS],
        var_name="year",
        value_name="income",
    )
    income["year"] = income["year"].astype(int)
    income = income.join(states[["name", "bea_region"]], on="state_fips")
    return states, income


def decompositions(income):
    """Theil T and Gini of per-capita income across states, decomposed by BEA region.

    Returns
    -------
    theil, theil_regions, gini : pandas.DataFrame
        Per year: Theil T with its within/between parts and shares; the same
        per region; Gini with Dagum's within/net between/transvariation parts.
    """
    kw = {"y": "income", "groups": "bea_region", "ids": "state_fips"}
    theil = geoagglom.by_year(geoagglom.theil, income, **kw)
    gini = geoagglom.by_year(geoagglom.gini, income, **kw)
    regions = []
    for year, rows in income.groupby("year"):
        table = geoagglom.theil(data=rows, **kw).group_frame()
        regions.append(table.rename(columns={"group": "bea_region"}).assign(year=year))
    theil_regions = pd.concat(regions, ignore_index=True)
    theil_regions = theil_regions[["year", *theil_regions.columns[:-1]]]
    return theil, theil_regions, gini


def moran_by_decade(income, w):
    """Global Moran's I of per-capita income per decade year.

    Parameters
    ----------
    income : pandas.DataFrame
        The long income table.
    w : libpysal.graph.Graph
        Row-standardised queen contiguity of the states.

    Returns
    -------
    pandas.DataFrame
        Per year: I, its expectation, z and p under normality and randomisation,
        and the permutation z and pseudo p-value (999 permutations, seeded by the
        year, two-sided).
    """
    rows = []
    for year, rows_year in income.groupby("year"):
        y = rows_year.set_index("state_fips")["income"]
        frame = geoagglom.moran(y, w, permutations=PERMUTATIONS, seed=year).to_frame()
        rows.append(frame.assign(year=year))
    columns = ["year", "n", "I", "EI", "z_norm", "p_norm", "z_rand", "p_rand", "z_sim", "p_sim"]
    return pd.concat(rows, ignore_index=True)[columns]


def figures(theil, gini, income, states, w):
    """The Gini/Theil time series, the decomposition bars and an income map."""
    series = pd.DataFrame({"year": theil["year"], "gini": gini["total"], "theil": theil["total"]})
    source = "Per-capita income: BEA via libpysal us_income; 48 states, unweighted"
    relative = income.assign(
        relative_income=income["income"] / income.groupby("year")["income"].transform("mean")
    )
    fig_moran, axes = plt.subplots(1, 2, figsize=(10, 4.6), layout="constrained")
    for ax, year in zip(axes, (YEARS[0], YEARS[-1]), strict=True):
        y = income[income["year"] == year].set_index("state_fips")["income"].loc[w.unique_ids]
        plotting.moran_scatterplot(
            y, w.lag(y.to_numpy()), name="per-capita income", title=str(year), ax=ax
        )
    fig_moran.suptitle("Moran scatterplots, queen contiguity")
    return {
        "moran_scatter": fig_moran,
        "gini_theil": plotting.gini_theil_series(
            series, title="Inequality of per-capita income across US states", note=source
        ),
        "theil_decomposition": plotting.decomposition_bars(
            theil,
            title="Theil T: within and between BEA regions",
            note=source,
        ),
        "relative_income_map": plotting.choropleth(
            states,
            relative,
            unit="state_fips",
            value="relative_income",
            years=[YEARS[0], YEARS[-1]],
            scheme="user_defined",
            bins=[0.7, 0.85, 1.0, 1.15, 1.3],
            regions="bea_region",
            legend_title="Income / mean of states",
            title="Per-capita income relative to the mean of the 48 states",
            note=source,
            fmt="{:.2f}",
        ),
    }


def run(out_dir=DEFAULT_OUT):
    """Run the example and write its tables and figures into ``out_dir``, atomically.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Output folder; replaced as a whole if it holds an earlier run's output.

    Returns
    -------
    dict
        The tables (``theil``, ``theil_regions``, ``gini``, ``moran``, ``states``) as
        DataFrames and ``files`` (the paths written).
    """
    states, income = read_inputs()
    theil, theil_regions, gini = decompositions(income)
    w = geoagglom.spatial_weights(states, kind="queen")
    results = {
        "states": states.drop(columns="geometry").reset_index(),
        "theil": theil,
        "theil_regions": theil_regions,
        "gini": gini,
        "moran": moran_by_decade(income, w),
    }

    def write(folder):
        files = []
        for name, frame in results.items():
            files.append(folder / f"{name}.csv")
            frame.to_csv(files[-1], index=False)
        for name, fig in figures(theil, gini, income, states, w).items():
            files += plotting.save_figure(fig, folder / name)
            plt.close(fig)
        return files

    return {**results, "files": write_files(out_dir, write)}


def write_files(out_dir, write):
    """Write the outputs atomically; an earlier run's output folder is replaced."""
    files, tmp, final = write_folder(out_dir, write, replace="own")
    return [final / Path(f).relative_to(tmp) for f in files]


if __name__ == "__main__":
    out = run(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT)
    columns = ["year", "total", "within", "between", "between_share"]
    print(out["theil"][columns].round(5).to_string(index=False))
    print(out["gini"][["year", "total"]].round(5).to_string(index=False))
    print(out["moran"][["year", "I", "z_rand", "p_sim"]].round(5).to_string(index=False))
    print(f"Wrote {len(out['files'])} files to {Path(out['files'][0]).parent}")
