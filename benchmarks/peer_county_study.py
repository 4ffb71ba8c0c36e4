"""Peer script: the national county study's steps with geopandas + libpysal + esda +
inequality + mapclassify + matplotlib (no geoagglom), for bench_county_study.py.

The same inputs as examples/china_counties/study.toml (the bundled county layer, the
illustrative county panel, the four economic regions, 999 permutations, queen
weights with island counties attached to their nearest county) and the same core
steps: financial entropy per county and year, regions dissolved and their entropy,
Gini and Theil (with the regional Theil decomposition and its permutation test),
Moran's I and LISA (999 permutations) every year, quantile entropy maps and LISA
maps of three years, a Moran scatter plot and trend charts (PNG + SVG), the tables
as CSV, a GeoPackage of the unit tables, and an HTML report embedding the figures.
It does not do what the study adds on top (location quotients, bootstrap-free
exact/saddlepoint inference, spatial Markov and LISA Markov dynamics, the
interactive map).

Usage::

    python benchmarks/peer_county_study.py OUTPUT_FOLDER
"""

from __future__ import annotations

import base64
import gzip
import sys
import time
from pathlib import Path

T0 = time.perf_counter()

import geopandas as gpd  # noqa: E402
import mapclassify  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from esda.moran import Moran, Moran_Local  # noqa: E402
from inequality.gini import Gini  # noqa: E402
from inequality.theil import Theil, TheilDSim  # noqa: E402
from libpysal.graph import Graph  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "china_counties"
PERMUTATIONS = 999
SEED = 2020
MAP_YEARS = [2008, 2014, 2020]
ALPHA = 0.05
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}


def save(fig, folder, name, figures):
    for ext in ("png", "svg"):
        fig.savefig(folder / f"{name}.{ext}", dpi=150 if ext == "png" else None)
    plt.close(fig)
    figures.append(folder / f"{name}.png")


def main(out):
    out = Path(out)
    (out / "tables").mkdir(parents=True)
    (out / "figures").mkdir()
    with gzip.open(REPO / "boundaries" / "china-counties.geojson.gz", "rb") as f:
        layer = gpd.read_file(f.read(), engine="pyogrio").set_index("adcode")
    raw = pd.read_csv(EXAMPLE / "illustrative_counties.csv", comment="#")
    regions = pd.read_csv(EXAMPLE / "county_regions.csv").set_index("adcode")["region"]
    raw["q"] = raw["deposits_10k_yuan"] + raw["loans_10k_yuan"]
    units = layer.loc[layer.index.isin(raw["adcode"])].copy()
    units["region"] = regions.reindex(units.index)
    area = units["area_km2"]

    # financial entropy β = (D_i/S_i)/(D/S), every county and year
    wide = raw.pivot(index="adcode", columns="year", values="q").reindex(units.index)
    years = list(wide.columns)
    beta = wide.div(area, axis=0) / (wide.sum() / area.sum())
    entropy = beta.stack().rename("beta").reset_index()

    # regions: dissolved (coverage union), their entropy
    dissolved = units[["region", "geometry"]].dissolve("region", method="coverage")
    region_q = wide.groupby(units["region"]).sum()
    region_area = area.groupby(units["region"]).sum()
    region_beta = region_q.div(region_area, axis=0) / (wide.sum() / area.sum())

    # inequality: Gini and Theil of the counties' entropy, regional decomposition
    rows, table_i = [], []
    for year in years:
        y = beta[year].to_numpy()
        sim = TheilDSim(y, units["region"].to_numpy(), permutations=PERMUTATIONS)
        rows.append(
            {
                "year": year,
                "total": Theil(y).T,
                "between": float(np.ravel(sim.bg)[0]),
                "within": float(np.ravel(sim.wg)[0]),
                "p_sim": float(np.ravel(sim.bg_pvalue)[0]),
                "gini": Gini(y).g,
            }
        )
        rb = region_beta[year].to_numpy()
        table_i.append({"year": year, "gini": Gini(rb).g, "theil_T": Theil(rb).T})
    table_ii = pd.DataFrame(rows)

    # queen weights; island counties attached to their nearest county, row-standardised
    queen = Graph.build_contiguity(units, rook=False)
    islands = list(queen.isolates)
    adj = queen.adjacency.reset_index()
    adj = adj[adj["focal"] != adj["neighbor"]]
    if islands:
        points = units.geometry.representative_point()
        knn = Graph.build_knn(gpd.GeoSeries(points, crs=4326).to_crs(3857), k=1)
        near = knn.adjacency.reset_index()
        near = near[near["focal"].isin(islands)]
        back = near.rename(columns={"focal": "neighbor", "neighbor": "focal"})
        adj = pd.concat([adj, near, back]).drop_duplicates(["focal", "neighbor"])
    focal, neighbor = adj["focal"].to_numpy(), adj["neighbor"].to_numpy()
    graph = Graph.from_arrays(focal, neighbor, np.ones(len(adj))).transform("r")
    w = graph.to_W()
    ids = list(w.id_order)

    # Moran's I and LISA every year
    trend, lisa = [], []
    for year in years:
        y = beta[year].reindex(ids).to_numpy()
        mi = Moran(y, w, permutations=PERMUTATIONS)
        trend.append({"year": year, "I": mi.I, "p_sim": mi.p_sim, "z_sim": mi.z_sim})
        lm = Moran_Local(y, w, permutations=PERMUTATIONS, seed=SEED, n_jobs=1)
        label = np.where(lm.p_sim <= ALPHA, pd.Series(lm.q).map(QUADRANTS), "ns")
        lisa.append(
            pd.DataFrame(
                {"year": year, "unit": ids, "Is": lm.Is, "p_value": lm.p_sim, "label": label}
            )
        )
    trend = pd.DataFrame(trend)
    lisa = pd.concat(lisa, ignore_index=True)

    # figures: entropy maps (quantiles shared by the years), LISA maps, scatter, charts
    figures = []
    fig_dir = out / "figures"
    bins = mapclassify.Quantiles(beta[MAP_YEARS].to_numpy().ravel(), k=5).bins
    fig, axes = plt.subplots(1, len(MAP_YEARS), figsize=(15, 5))
    for ax, year in zip(axes, MAP_YEARS, strict=True):
        classes = mapclassify.UserDefined(beta[year].to_numpy(), bins=list(bins)).yb
        units.assign(c=classes).plot(
            column="c",
            cmap="YlOrRd",
            ax=ax,
            linewidth=0.05,
            edgecolor="white",
            categorical=True,
            legend=ax is axes[-1],
        )
        ax.set_title(f"Financial entropy {year} (illustrative data)")
        ax.set_axis_off()
    save(fig, fig_dir, "entropy_map", figures)
    colours = {"HH": "#d7191c", "LH": "#abd9e9", "LL": "#2c7bb6", "HL": "#fdae61", "ns": "#eeeeee"}
    for year in MAP_YEARS:
        fig, ax = plt.subplots(figsize=(8, 7))
        labels = lisa[lisa["year"] == year].set_index("unit")["label"].reindex(units.index)
        units.plot(
            color=labels.map(colours).fillna("#ffffff"), ax=ax, linewidth=0.05, edgecolor="white"
        )
        ax.set_title(f"LISA {year} (illustrative data)")
        ax.set_axis_off()
        save(fig, fig_dir, f"lisa_map_{year}", figures)
    y = beta[years[-1]].reindex(ids).to_numpy()
    z = (y - y.mean()) / y.std()
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.scatter(z, graph.lag(z), s=4)
    ax.set_title(f"Moran scatter {years[-1]} (illustrative data)")
    save(fig, fig_dir, f"moran_scatter_{years[-1]}", figures)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(years, table_ii["gini"], label="Gini")
    ax.plot(years, table_ii["total"], label="Theil T")
    ax.legend()
    save(fig, fig_dir, "gini_theil", figures)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.bar(years, table_ii["within"], label="within")
    ax.bar(years, table_ii["between"], bottom=table_ii["within"], label="between")
    ax.legend()
    save(fig, fig_dir, "decomposition", figures)
    fig, ax = plt.subplots(figsize=(7, 4))
    region_beta.T.plot(ax=ax)
    save(fig, fig_dir, "entropy_by_region", figures)

    # tables, GeoPackage, report
    tables = {
        "entropy_units": entropy,
        "table_I": pd.DataFrame(table_i),
        "table_II": table_ii,
        "moran_trend": trend,
        "lisa": lisa,
    }
    for name, table in tables.items():
        table.to_csv(out / "tables" / f"{name}.csv", index=False)
    shapes = units.geometry.rename_axis("unit").reset_index()
    for name, key in (("entropy_units", "adcode"), ("lisa", "unit")):
        joined = tables[name].rename(columns={key: "unit"}).merge(shapes, on="unit")
        gpd.GeoDataFrame(joined, geometry="geometry", crs=4326).to_file(
            out / "results.gpkg", layer=name, driver="GPKG"
        )
    gpd.GeoDataFrame(geometry=dissolved.geometry, crs=4326).to_file(
        out / "results.gpkg", layer="regions", driver="GPKG"
    )
    parts = ["<html><head><title>County study (illustrative data)</title></head><body>"]
    for path in figures:
        data = base64.b64encode(path.read_bytes()).decode()
        parts.append(f"<figure><img src='data:image/png;base64,{data}'></figure>")
    for name, table in tables.items():
        parts.append(f"<h2>{name}</h2>" + table.head(500).to_html(index=False))
    parts.append("</body></html>")
    (out / "report.html").write_text("\n".join(parts), encoding="utf-8")
    print(f"peer: {len(units)} units, {len(years)} years, {time.perf_counter() - T0:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1])
