"""China's 11 national urban agglomerations: loan density entropy, 2011 and 2020.

Each agglomeration is dissolved from its member prefectures (``membership.csv``,
by whole prefecture), its land area is measured on the bundled boundaries, and
its published loan balance (``loans.csv``) gives its financial entropy
``beta_k = (L_k/S_k)/(L/S)``, totals taken over the 11 agglomerations. Then:
Gini and Theil (T and L) of the entropies across the agglomerations, growth
multiples 2020/2011, the shares of the top three and top five, a national
map of the 2020 entropy, and the Theil indices of the entropies decomposed into
the parts within and between China's four economic regions (East, Central,
West, Northeast; the bundled ``china-economic-regions`` grouping), with
bootstrap intervals and a paired bootstrap of their change 2011 -> 2020.

Usage::

    python examples/urban_agglomerations/run.py [OUT_DIR]

``OUT_DIR`` defaults to ``urban_agglomerations_output`` in the current folder.
It is written atomically: the results are built in a temporary folder next to
it and moved into place only when complete.
"""

import sys
from pathlib import Path

import geopandas as gpd
import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import shapely

import geoagglom
from geoagglom import plot as plotting
from geoagglom.study.output import write_folder

matplotlib.use("Agg")

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = "urban_agglomerations_output"
LOANS = "loans_100m_yuan"
# The layer's area_km2 was measured on the full-resolution boundaries; the bundled
# outlines are simplified, so the area of a dissolved outline may differ slightly.
AREA_RTOL = 1e-3
# Bootstrap replicates and seed of the regional decomposition.
REPLICATES = 999
SEED = 2011


def read_inputs(layer):
    """The membership matched to the layer's units, and the loan table.

    Parameters
    ----------
    layer : geopandas.GeoDataFrame
        The ``china-prefectures`` layer.

    Returns
    -------
    members : pandas.DataFrame
        ``membership.csv`` with the unit's ``adcode``, English name and area.
    loans : pandas.DataFrame
        ``loans.csv``: agglomeration, year, loans (100 million yuan).
    """
    membership = pd.read_csv(HERE / "membership.csv")
    # year= lets one unit appear once per agglomeration: the plans overlap.
    matched = geoagglom.match_units(
        membership, layer, column="city", province_column="province", year="agglomeration"
    ).table
    members = matched.join(layer[["name_en", "area_km2"]], on="adcode")
    loans = pd.read_csv(HERE / "loans.csv", comment="#")
    unknown = set(loans["agglomeration"]) ^ set(members["agglomeration"])
    if unknown:
        raise ValueError(f"loans.csv and membership.csv disagree on {sorted(unknown)}.")
    return members, loans


def agglomerations(layer, members):
    """Dissolve each agglomeration from its member prefectures.

    Each agglomeration is dissolved on its own, since the plans overlap.

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by agglomeration: ``n_units``, ``area_km2`` (sum of the members'
        geodesic areas), ``area_geometry_km2`` (geodesic area of the dissolved
        outline), their relative difference and the geometry.
    """
    parts = []
    for name, rows in members.groupby("agglomeration", sort=False):
        units = layer.loc[rows["adcode"]]
        grouping = dict.fromkeys(rows["adcode"], name)
        parts.append(geoagglom.dissolve_regions(units, grouping, region_col="agglomeration"))
    regions = pd.concat(parts)
    regions["area_rel_diff"] = regions["area_geometry_km2"] / regions["area_km2"] - 1
    off = regions.index[regions["area_rel_diff"].abs() > AREA_RTOL]
    if len(off):
        raise ValueError(f"Dissolved areas differ from the members' sums for {list(off)}.")
    return regions


def entropy(loans, regions):
    """Financial entropy of every agglomeration, year by year (tidy, long)."""
    table = loans.join(regions["area_km2"], on="agglomeration")
    frame = geoagglom.by_year(
        geoagglom.financial_entropy, table, quantity=LOANS, ids="agglomeration"
    )
    return frame.rename(columns={"quantity": LOANS, "density": "loans_per_km2"})


def inequality(entropies):
    """Gini, Theil T and Theil L of the entropies across agglomerations, per year."""
    rows = []
    for year, e in entropies.groupby("year"):
        beta = e["beta"].to_numpy()
        rows.append(
            {
                "year": year,
                "n": len(beta),
                "gini": geoagglom.gini(beta).g,
                "theil_t": geoagglom.theil(beta, kind="T").T,
                "theil_l": geoagglom.theil(beta, kind="L").L,
            }
        )
    return pd.DataFrame(rows)


def economic_regions(members):
    """The economic region of every agglomeration: where most of its land area lies.

    Agglomerations can reach across regions (the Central Plains into Hebei and
    Shandong, the Beibu Gulf into Guangdong and Hainan); each is assigned to
    the region holding the largest part of its members' area.

    Returns
    -------
    pandas.DataFrame
        Indexed by agglomeration: ``economic_region`` and ``region_area_share``
        (the share of the agglomeration's area in that region).
    """
    grouping = geoagglom.load_grouping("china-economic-regions")["region"]
    unknown = set(members["adcode"]) - set(grouping.index)
    if unknown:
        raise ValueError(f"Members outside the four economic regions: {sorted(unknown)}.")
    area = members.assign(region=members["adcode"].map(grouping))
    by_region = area.groupby(["agglomeration", "region"])["area_km2"].sum().unstack(fill_value=0)
    share = by_region.div(by_region.sum(axis=1), axis=0)
    return pd.DataFrame(
        {"economic_region": share.idxmax(axis=1), "region_area_share": share.max(axis=1)}
    )


def region_decomposition(entropies, regions_of, replicates=REPLICATES, seed=SEED):
    """Theil T and L of the entropies, within and between economic regions, with intervals.

    Per year, each index is decomposed by region (``within`` + ``between`` =
    ``total``), with 95 % percentile intervals from a bootstrap that resamples
    agglomerations within their region (seeded per index and year through
    ``geoagglom.seeding.stream``); then the change from the first to the last
    year with a paired bootstrap interval and p-value.

    Returns
    -------
    pandas.DataFrame
        ``period`` (a year, or ``first-last`` for the change), ``index``,
        ``part``, ``estimate``, ``share`` (of the total; levels only), ``se``,
        ``lo``, ``hi``, ``p_value`` (the change only), ``replicates``.
    """
    from geoagglom.seeding import stream

    wide = entropies.pivot(index="agglomeration", columns="year", values="beta")
    groups = regions_of.loc[wide.index, "economic_region"].to_numpy()
    first, last = wide.columns.min(), wide.columns.max()
    frames = []
    for kind in ("T", "L"):
        name = f"theil_{kind}"
        for year in wide.columns:
            b = geoagglom.bootstrap(
                geoagglom.theil,
                wide[year].to_numpy(),
                groups=groups,
                kind=kind,
                replicates=replicates,
                seed=stream(seed, f"bootstrap_{name}", int(year)),
            )
            frame = b.to_frame()
            frame["share"] = frame["estimate"] / b.statistic
            frame["period"] = str(year)
            frames.append(frame)
        c = geoagglom.bootstrap_change(
            geoagglom.theil,
            wide[first].to_numpy(),
            wide[last].to_numpy(),
            groups=groups,
            kind=kind,
            replicates=replicates,
            seed=stream(seed, f"bootstrap_change_{name}", int(last)),
        )
        frame = c.to_frame().rename(columns={"change": "estimate"})
        frame["period"] = f"{first}-{last}"
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    cols = ["period", "index", "part", "estimate", "share", "se", "lo", "hi", "p_value"]
    return out[[*cols, "replicates"]]


def growth(loans):
    """Loans in the first and last year and the growth multiple, per agglomeration."""
    wide = loans.pivot(index="agglomeration", columns="year", values=LOANS)
    first, last = wide.columns.min(), wide.columns.max()
    frame = pd.DataFrame(
        {
            f"{LOANS}_{first}": wide[first],
            f"{LOANS}_{last}": wide[last],
            "growth_multiple": wide[last] / wide[first],
        }
    )
    return frame.sort_values("growth_multiple", ascending=False).reset_index()


def published_table(loans):
    """The published table as printed: balances, growth as 2020/2011 − 1, total row.

    The study's column "Multiple of growth" is the growth rate 2020/2011 − 1,
    printed to two decimals (Yangtze River Delta 1.83); the ratio 2020/2011
    (2.83) is given next to it, so a reader holding the paper can match either.
    The rows keep the published order (the order of ``loans.csv``).
    """
    order = list(dict.fromkeys(loans["agglomeration"]))
    wide = loans.pivot(index="agglomeration", columns="year", values=LOANS).loc[order]
    first, last = wide.columns.min(), wide.columns.max()
    wide.loc["Total"] = wide.sum()
    ratio = wide[last] / wide[first]
    return pd.DataFrame(
        {
            "agglomeration": wide.index,
            f"loans_{first}_100m_yuan": wide[first].round(2).to_numpy(),
            f"loans_{last}_100m_yuan": wide[last].round(2).to_numpy(),
            "growth_as_printed (2020/2011 - 1)": (ratio - 1).round(2).to_numpy(),
            "ratio_2020_to_2011": ratio.to_numpy(),
        }
    )


def top_shares(loans, tops=(3, 5)):
    """Share of the largest agglomerations in the total loans, per year."""
    rows = []
    for year, rows_year in loans.groupby("year"):
        ranked = rows_year.sort_values(LOANS, ascending=False)
        total = ranked[LOANS].sum()
        row = {"year": year, "total_loans_100m_yuan": total}
        for k in tops:
            row[f"top{k}_share"] = ranked[LOANS].head(k).sum() / total
            row[f"top{k}"] = "; ".join(ranked["agglomeration"].head(k))
        rows.append(row)
    return pd.DataFrame(rows)


def entropy_map(layer, regions, beta, year):
    """China's prefectures in light grey, the agglomerations coloured by entropy.

    The map shows the mainland and Hainan; the South China Sea islands are drawn
    in an inset, at the same scale. The scale bar is computed for that extent.
    """
    minx, _, maxx, maxy = layer.total_bounds
    extent = (minx - 1, 17, maxx + 1, maxy + 1)
    fig, ax = plt.subplots(figsize=(10, 7.6), layout="constrained")
    # The inset and the remark come first so that the scale bar and the north
    # arrow are placed clear of them; the inset is filled once the map's
    # projection (fitted to the extent) is known.
    inset = ax.inset_axes([0.84, 0.0, 0.16, 0.3])
    ax.text(
        0.99,
        0.32,
        "Yuncheng, Xingtai and Handan\nbelong to two agglomerations each",
        transform=ax.transAxes,
        ha="right",
        fontsize=8,
        color="#333333",
    )
    plotting.choropleth(
        regions,
        beta,
        scheme="natural_breaks",
        k=5,
        regions=regions,
        basemap=layer,
        extent=extent,
        legend_title=f"Loan density entropy, {year}",
        legend_loc="lower left",
        fmt="{:.2f}",
        counts=False,
        note="Loans: China Urban Statistical Yearbook, as tabulated in the study",
        ax=ax,
    )
    ax.set_title(f"Loan density entropy of the 11 national urban agglomerations, {year}")
    background = layer.set_geometry(shapely.coverage_simplify(layer.geometry.values, 0.02))
    background.to_crs(ax.geoagglom_crs).plot(
        ax=inset, color="#e6e6e6", edgecolor="#999999", linewidth=0.3
    )
    sea = gpd.GeoSeries([shapely.box(106, 3, 123, 24).segmentize(0.5)], crs=layer.crs)
    x0, y0, x1, y1 = sea.to_crs(ax.geoagglom_crs).total_bounds
    inset.set(xlim=(x0, x1), ylim=(y0, y1), aspect=1, xticks=[], yticks=[], xlabel="", ylabel="")
    return fig


def run(out_dir=DEFAULT_OUT):
    """Run the example and write its tables and map into ``out_dir``, atomically.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Output folder; replaced as a whole if it exists.

    Returns
    -------
    dict
        The tables (``members``, ``agglomerations``, ``entropy``,
        ``inequality``, ``growth``, ``published_table``, ``top_shares``,
        ``region_decomposition``)
        as DataFrames, the
        dissolved ``regions`` (GeoDataFrame) and ``files`` (paths written).
    """
    layer = geoagglom.load_layer("china-prefectures")
    members, loans = read_inputs(layer)
    regions = agglomerations(layer, members)
    entropies = entropy(loans, regions)
    regions_of = economic_regions(members)
    table = regions.drop(columns="geometry").join(regions_of)
    results = {
        "members": members,
        "agglomerations": table.reset_index(),
        "entropy": entropies,
        "inequality": inequality(entropies),
        "growth": growth(loans),
        "published_table": published_table(loans),
        "top_shares": top_shares(loans),
        "region_decomposition": region_decomposition(entropies, regions_of),
    }
    last = entropies["year"].max()
    beta = entropies[entropies["year"] == last].set_index("agglomeration")["beta"]

    def write(folder):
        files = []
        for name, frame in results.items():
            files.append(folder / f"{name}.csv")
            frame.to_csv(files[-1], index=False)
        files.append(folder / "agglomerations.geojson")
        regions.reset_index().to_file(files[-1], driver="GeoJSON")
        fig = entropy_map(layer, regions, beta, last)
        files += plotting.save_figure(fig, folder / f"map_entropy_{last}")
        plt.close(fig)
        return files

    files = write_files(out_dir, write)
    return {**results, "regions": regions, "files": files}


def write_files(out_dir, write):
    """Write the outputs atomically; an earlier run's output folder is replaced."""
    files, tmp, final = write_folder(out_dir, write, replace="own")
    return [final / Path(f).relative_to(tmp) for f in files]


if __name__ == "__main__":
    out = run(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT)
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        print(out["entropy"].round(4).to_string(index=False))
        print(out["inequality"].round(4).to_string(index=False))
        print(out["top_shares"].round(4).to_string(index=False))
        print(out["region_decomposition"].round(4).to_string(index=False))
    print(f"Wrote {len(out['files'])} files to {Path(out['files'][0]).parent}")
