"""Figures: check what is drawn (colours, bins, lengths, slopes, data), not only that it is."""

import math
import os
import re
import struct
import warnings

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd
import mapclassify
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import shapely
from matplotlib import font_manager
from matplotlib.colors import to_rgba
from pyproj import Transformer

import geoagglom
from geoagglom import plot as plotting
from geoagglom.errors import InputError
from geoagglom.plot import furniture, style

NOTE = "Illustrative data"
YEARS = list(range(2004, 2017))


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def layer():
    return geoagglom.load_layer("shandong-2004-2016")


@pytest.fixture(scope="module")
def grouping():
    return geoagglom.load_grouping("shandong-two-circles-four-areas")


@pytest.fixture(scope="module")
def regions(layer, grouping):
    return layer[["geometry"]].join(grouping[["region"]]).dissolve(by="region")


@pytest.fixture(scope="module")
def panel(layer):
    """Seeded long table (unit, year, value) with one NaN and one absent row."""
    rng = np.random.default_rng(20240905)
    rows = [(u, y, float(rng.lognormal(0.0, 0.8))) for y in YEARS for u in layer.index]
    frame = pd.DataFrame(rows, columns=["unit", "year", "value"])
    frame.loc[(frame.unit == 370300) & (frame.year == 2007), "value"] = np.nan
    return frame[~((frame.unit == 371200) & (frame.year == 2011))].reset_index(drop=True)


@pytest.fixture(scope="module")
def neighbours(layer):
    """Row-standardised contiguity (shared border) weights as a dense matrix."""
    geoms = layer.geometry.buffer(0)
    left, right = layer.sindex.query(geoms, predicate="intersects")
    n = len(layer)
    w = np.zeros((n, n))
    for i, j in zip(left, right, strict=True):
        if i != j and geoms.iloc[i].intersection(geoms.iloc[j]).length > 0:
            w[i, j] = 1.0
    assert (w.sum(axis=1) > 0).all(), "every Shandong city has a neighbour"
    return w / w.sum(axis=1, keepdims=True)


def by_gid(artists, gid):
    found = [a for a in artists if a.get_gid() == gid]
    assert len(found) == 1, f"expected one artist with gid {gid!r}, found {len(found)}"
    return found[0]


def legend_texts(legend):
    return [t.get_text() for t in legend.get_texts()]


def count_of(label):
    return int(re.search(r"\((\d+)\)$", label).group(1))


def all_texts(fig):
    texts = list(fig.texts)
    for ax in fig.axes:
        texts += [*ax.texts, ax.title]
    if fig._suptitle is not None:
        texts.append(fig._suptitle)
    return [t.get_text() for t in texts]


# --------------------------------------------------------------------------- LISA


LISA_LABELS = {
    370100: "HH",
    370200: "HH",
    370300: "HL",
    370400: "LL",
    370500: "ns",
    370600: "LH",
    370700: "HH",
    370800: "LL",
    370900: "ns",
    371000: "LH",
    371100: "ns",
    371200: "HL",
    371300: "LL",
    371400: "ns",
    371500: "ns",
    371600: "LH",
    371700: "ns",
}


def test_lisa_face_colours_are_the_class_colours(layer):
    labels = pd.Series(LISA_LABELS)
    fig = plotting.lisa_cluster_map(layer, labels, note=NOTE)
    ax = fig.axes[0]
    units = by_gid(ax.collections, "units")
    ids = units.geoagglom_ids
    assert sorted(ids) == sorted(layer.index)
    expected = np.array([to_rgba(plotting.LISA_COLORS[labels[i]]) for i in ids])
    np.testing.assert_allclose(units.get_facecolors(), expected)
    # GeoDa's convention: high-high red, low-low blue, the mixed classes in light
    # tints of them, not significant grey; all five told apart.
    rgb = {c: np.array(to_rgba(v)[:3]) for c, v in plotting.LISA_COLORS.items()}
    assert rgb["HH"][0] > 0.8 > max(rgb["HH"][1:])
    assert rgb["LL"][2] > 0.6 > rgb["LL"][0]
    assert rgb["HL"][0] > rgb["HL"][2] and rgb["LH"][2] > rgb["LH"][0]
    assert np.ptp(rgb["ns"]) < 0.01
    assert len({tuple(v) for v in rgb.values()}) == 5
    # Each patch really is the unit it is coloured for (its extent is the unit's).
    drawn = layer.geometry.to_crs(ax.geoagglom_crs)
    span = np.ptp(ax.get_xlim())
    for path, uid in zip(units.get_paths(), ids, strict=True):
        ext = path.get_extents()
        np.testing.assert_allclose(
            [ext.x0, ext.y0, ext.x1, ext.y1], drawn[uid].bounds, atol=0.002 * span
        )
    # Legend: one entry per class, with the right counts and colours.
    legend = fig.legends[0]
    texts = legend_texts(legend)
    expected_counts = {"HH": 3, "HL": 2, "LH": 3, "LL": 3, "ns": 6}
    names = {
        "HH": "High-High",
        "HL": "High-Low",
        "LH": "Low-High",
        "LL": "Low-Low",
        "ns": "Not significant",
    }
    assert texts == [f"{names[c]} ({n})" for c, n in expected_counts.items()]
    for handle, code in zip(legend.legend_handles, expected_counts, strict=True):
        assert to_rgba(handle.get_facecolor()) == to_rgba(plotting.LISA_COLORS[code])
    assert fig.geoagglom_counts == expected_counts
    assert NOTE in all_texts(fig)
    assert "LISA cluster map" in all_texts(fig)


def test_lisa_accepts_long_names_class_names_regions_and_missing(layer, regions):
    long = {
        "HH": "high-high",
        "LH": "Low-High",
        "LL": "low-low",
        "HL": "HIGH-LOW",
        "ns": "not significant",
    }
    labels = pd.Series({u: long[c] for u, c in LISA_LABELS.items() if u != 371700})
    fig = plotting.lisa_cluster_map(
        layer, labels, regions=regions, title="Loans 2016", class_names={"HL": "Siphoning"}
    )
    ax = fig.axes[0]
    units = by_gid(ax.collections, "units")
    expected = [to_rgba(plotting.LISA_COLORS[LISA_LABELS[i]]) for i in units.geoagglom_ids]
    np.testing.assert_allclose(units.get_facecolors(), expected)
    missing = by_gid(ax.collections, "missing")
    assert missing.geoagglom_ids == [371700]
    assert missing.get_hatch()
    outlines = by_gid(ax.collections, "regions")
    assert outlines.get_linewidths()[0] > units.get_linewidths()[0]
    assert to_rgba(outlines.get_colors()[0])[:3] < (0.2, 0.2, 0.2)
    texts = legend_texts(fig.legends[0])
    assert texts[-2:] == ["missing (1)", "region boundary"]
    assert texts[1] == "Siphoning (2)" and texts[0] == "High-High (3)"
    assert count_of(texts[4]) == 5  # one "ns" unit is now missing


def test_lisa_rejects_unknown_classes_and_units(layer):
    labels = pd.Series(LISA_LABELS)
    labels[370500] = "hot spot"
    with pytest.raises(InputError, match=r"370500.*hot spot"):
        plotting.lisa_cluster_map(layer, labels)
    with pytest.raises(InputError, match="999999"):
        plotting.lisa_cluster_map(layer, pd.Series({**LISA_LABELS, 999999: "HH"}))


# --------------------------------------------------------------------- choropleth


def direct_classifier(values, scheme, k=5, bins=None):
    if scheme == "quantiles":
        return mapclassify.Quantiles(values, k=k)
    if scheme == "natural_breaks":
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Numba not installed")
            return mapclassify.FisherJenks(values, k=k)
    if scheme == "equal_interval":
        return mapclassify.EqualInterval(values, k=k)
    return mapclassify.UserDefined(values, bins)


@pytest.mark.parametrize(
    ("scheme", "bins"),
    [
        ("quantiles", None),
        ("natural_breaks", None),
        ("equal_interval", None),
        ("user_defined", [0.5, 1.0, 2.0, 4.0]),
    ],
)
def test_choropleth_legend_matches_the_scheme_on_pooled_years(layer, panel, scheme, bins):
    years = [2006, 2007, 2011, 2016]
    fig = plotting.choropleth(
        layer, panel, scheme=scheme, bins=bins, years=years, fmt="{:.4f}", note=NOTE
    )
    pooled = panel.loc[panel.year.isin(years), "value"].dropna().to_numpy()
    direct = direct_classifier(pooled, scheme, bins=bins)
    np.testing.assert_array_equal(fig.geoagglom_bins, direct.bins)

    # One shared legend for the whole series, none on the maps.
    assert len(fig.legends) == 1
    assert all(ax.get_legend() is None for ax in fig.axes)
    texts = legend_texts(fig.legends[0])
    class_texts = texts[: len(direct.bins)]
    parsed = [re.fullmatch(r"(\S+) – (\S+) \((\d+)\)", t).groups() for t in class_texts]
    lowers = [float(lo) for lo, _, _ in parsed]
    uppers = [float(up) for _, up, _ in parsed]
    np.testing.assert_allclose(uppers, np.round(direct.bins, 4), atol=1e-9)
    np.testing.assert_allclose(lowers[1:], np.round(direct.bins[:-1], 4), atol=1e-9)
    assert lowers[0] == pytest.approx(round(pooled.min(), 4))
    assert [int(n) for _, _, n in parsed] == list(direct.counts)
    assert texts[len(direct.bins)] == "missing (2)"

    # Every unit of every year is coloured by its class in the shared classification.
    colours = [to_rgba(c) for c in fig.geoagglom_colors]
    for handle, colour in zip(fig.legends[0].legend_handles, colours, strict=False):
        assert to_rgba(handle.get_facecolor()) == colour
    for year in years:
        ax = fig.geoagglom_axes[year]
        assert ax.get_title() == str(year)
        units = by_gid(ax.collections, "units")
        values = panel[panel.year == year].set_index("unit")["value"]
        classes = direct.find_bin(values[units.geoagglom_ids].to_numpy())
        np.testing.assert_allclose(units.get_facecolors(), [colours[c] for c in classes])
    assert NOTE in all_texts(fig)


def test_choropleth_missing_values_are_drawn_as_missing(layer, panel):
    fig = plotting.choropleth(layer, panel, scheme="quantiles", title="Entropy", note=NOTE)
    assert list(fig.geoagglom_axes) == YEARS
    assert len(fig.legends) == 1
    for year, ax in fig.geoagglom_axes.items():
        units = by_gid(ax.collections, "units")
        missing = [c for c in ax.collections if c.get_gid() == "missing"]
        expected_missing = {2007: [370300], 2011: [371200]}.get(year, [])
        if expected_missing:
            assert missing[0].geoagglom_ids == expected_missing
            assert missing[0].get_hatch()
            np.testing.assert_allclose(missing[0].get_facecolors()[0], to_rgba(style._MISSING_FACE))
            assert expected_missing[0] not in units.geoagglom_ids
        else:
            assert missing == []
        assert len(units.geoagglom_ids) + len(expected_missing) == len(layer)
    handle = fig.legends[0].legend_handles[-1]
    assert fig.legends[0].get_texts()[-1].get_text() == "missing (2)"
    assert handle.get_hatch()
    texts = all_texts(fig)
    assert NOTE in texts and "Entropy" in texts


def test_choropleth_of_a_column_with_regions(layer, regions):
    fig = plotting.choropleth(
        layer, "area_km2", scheme="equal_interval", k=4, regions=regions, counts=False
    )
    direct = mapclassify.EqualInterval(layer["area_km2"].to_numpy(), k=4)
    np.testing.assert_array_equal(fig.geoagglom_bins, direct.bins)
    ax = fig.axes[0]
    outlines = by_gid(ax.collections, "regions")
    # The outlines are the six regions' boundaries, drawn above the units.
    assert outlines.get_zorder() > by_gid(ax.collections, "units").get_zorder()
    assert len(outlines.get_segments()) >= len(regions)
    texts = legend_texts(fig.legends[0])
    assert texts[-1] == "region boundary"
    assert not any("(" in t for t in texts)  # counts=False


def test_choropleth_regions_from_a_column(layer, grouping):
    joined = layer.join(grouping[["region"]])
    fig = plotting.choropleth(joined, "area_km2", regions="region")
    assert by_gid(fig.axes[0].collections, "regions") is not None


def drawn_bar(ax):
    """The scale bar as drawn: x of its ends and y of its lower edge, and its label in km."""
    bars = [p for p in ax.patches if p.get_gid() == "scalebar"]
    assert len(bars) == 2
    x0 = min(p.get_x() for p in bars)
    x1 = max(p.get_x() + p.get_width() for p in bars)
    (y,) = {p.get_y() for p in bars}
    label = [t.get_text() for t in ax.texts if t.get_gid() == "scalebar-label"][-1]
    return x0, x1, y, float(re.fullmatch(r"([\d.]+) km", label).group(1))


def ground_km(crs, x0, x1, y, samples=4000):
    """Length on the ellipsoid of the straight segment (x0, y)-(x1, y) of ``crs``, by pyproj."""
    xs = np.linspace(x0, x1, samples + 1)
    to_lonlat = Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
    lon, lat = to_lonlat.transform(xs, np.full_like(xs, y))
    return crs.get_geod().line_length(lon, lat) / 1000


def assert_scale_bar_true(ax):
    """The bar's ground length, measured along it where it is drawn, is the length it states."""
    x0, x1, y, length_km = drawn_bar(ax)
    assert abs(ground_km(ax.geoagglom_crs, x0, x1, y) - length_km) <= 1e-6 * length_km
    # A round length: 1, 2 or 5 × 10^k km, a sensible fraction of the map's width.
    mantissa = length_km / 10 ** math.floor(math.log10(length_km))
    assert mantissa in (1, 2, 5)
    width_km = ground_km(ax.geoagglom_crs, *ax.get_xlim(), y)
    assert 0.1 <= length_km / width_km <= 0.25
    assert ax.geoagglom_scalebar["length_km"] == length_km
    return x0, x1, length_km


def test_a_lon_lat_layer_is_drawn_in_a_fitted_equal_area_projection(layer):
    fig = plotting.choropleth(layer, "area_km2", k=4, simplify=False)
    ax = fig.axes[0]
    crs = ax.geoagglom_crs
    assert crs.is_projected and ax.get_aspect() == 1.0
    # Albers, centred on the layer, standard parallels at 1/6 and 5/6 of its latitudes
    minx, miny, maxx, maxy = layer.total_bounds
    params = {p.name: p.value for p in crs.coordinate_operation.params}
    assert crs.coordinate_operation.method_name == "Albers Equal Area"
    assert params["Latitude of 1st standard parallel"] == pytest.approx(miny + (maxy - miny) / 6)
    assert params["Latitude of 2nd standard parallel"] == pytest.approx(maxy - (maxy - miny) / 6)
    assert params["Latitude of false origin"] == pytest.approx((miny + maxy) / 2)
    assert params["Longitude of false origin"] == pytest.approx((minx + maxx) / 2)
    assert crs.geodetic_crs == layer.crs.geodetic_crs
    # Equal area: each drawn unit's planar area is its geodesic land area.
    units = by_gid(ax.collections, "units")
    for path, uid in zip(units.get_paths(), units.geoagglom_ids, strict=True):
        rings = path.to_polygons(closed_only=True)
        area = sum(
            shapely.Polygon(r).area * (1 if shapely.Polygon(r).exterior.is_ccw else -1)
            for r in rings
        )
        assert area / 1e6 == pytest.approx(layer.loc[uid, "area_km2"], rel=2e-3)


def test_scale_bar_is_true_on_the_shandong_layer(layer):
    fig = plotting.choropleth(layer, "area_km2", k=4)
    ax = fig.axes[0]
    assert_scale_bar_true(ax)
    assert any(c.get_gid() == "north-arrow" for c in ax.get_children())
    assert "N" in [t.get_text() for t in ax.texts]
    # the same on a small multiple and on a LISA map
    fig = plotting.lisa_cluster_map(layer, pd.Series(LISA_LABELS))
    assert_scale_bar_true(fig.axes[0])


@pytest.mark.parametrize(
    "crs",
    [
        "EPSG:32650",  # UTM zone 50N: scale 0.9996 on its central meridian, > 1 off it
        "+proj=aea +lat_1=35 +lat_2=38 +lat_0=36 +lon_0=118 +datum=WGS84 +units=m",
        "+proj=tmerc +lat_0=0 +lon_0=121 +k=0.9999 +x_0=500000 +datum=WGS84 +units=us-ft",
    ],
)
def test_a_projected_layer_is_drawn_in_its_own_crs_with_a_true_scale_bar(layer, crs):
    projected = layer.to_crs(crs)
    fig = plotting.choropleth(projected, "area_km2", k=3)
    ax = fig.axes[0]
    assert ax.geoagglom_crs == projected.crs
    assert ax.get_aspect() == 1.0
    minx, _, maxx, _ = projected.total_bounds
    assert ax.get_xlim() == pytest.approx(
        (minx - 0.03 * (maxx - minx), maxx + 0.03 * (maxx - minx))
    )
    x0, x1, length_km = assert_scale_bar_true(ax)
    # In the CRS's linear unit (metre, US survey foot), converted: the span is the stated
    # km up to the projection's scale there (within 0.5 % over Shandong).
    unit_m = projected.crs.axis_info[0].unit_conversion_factor
    assert (x1 - x0) * unit_m / 1000 == pytest.approx(length_km, rel=5e-3)


@pytest.fixture(scope="module")
def us_states():
    libpysal = pytest.importorskip("libpysal")
    return geoagglom.read_boundaries(
        libpysal.examples.get_path("us48.shp"), id="STATE_FIPS", crs="EPSG:4326"
    )


def furniture_box(ax, gids):
    """Bounding box, in data coordinates, of the drawn artists with these gids."""
    renderer = ax.figure.canvas.get_renderer()
    artists = [a for a in ax.get_children() if a.get_gid() in gids]
    assert artists, f"nothing drawn with gids {gids}"
    boxes = [a.get_window_extent(renderer) for a in artists]
    (x0, y0), (x1, y1) = ax.transData.inverted().transform(
        [
            [min(b.x0 for b in boxes), min(b.y0 for b in boxes)],
            [max(b.x1 for b in boxes), max(b.y1 for b in boxes)],
        ]
    )
    return shapely.box(x0, y0, x1, y1)


def assert_furniture_clear_of(fig, geoms):
    fig.canvas.draw()
    ax = fig.axes[0]
    units = shapely.union_all(np.asarray(geoms.to_crs(ax.geoagglom_crs)))
    arrow = furniture_box(ax, {"north-arrow", "north-arrow-label"})
    bar = furniture_box(ax, {"scalebar", "scalebar-label"})
    assert not arrow.intersects(units), ax.geoagglom_north_arrow
    assert not bar.intersects(units), ax.geoagglom_scalebar
    assert not arrow.intersects(bar)
    # The stored box is the drawn one (up to the layout's last adjustments).
    span = np.ptp(ax.get_ylim())
    assert arrow.bounds == pytest.approx(ax.geoagglom_north_arrow["bbox"], abs=0.005 * span)
    return ax


def test_north_arrow_and_scale_bar_clear_of_the_shandong_units(layer, panel):
    for fig in (
        plotting.lisa_cluster_map(layer, pd.Series(LISA_LABELS)),
        plotting.choropleth(layer, "area_km2"),
        plotting.choropleth(layer, panel, years=[2004, 2010, 2016]),
    ):
        ax = assert_furniture_clear_of(fig, layer.geometry)
        assert ax.geoagglom_north_arrow["corner"] != "outside"


def test_north_arrow_and_scale_bar_clear_of_the_us_states(us_states):
    # The default corner (upper right) would put the arrow on Maine.
    values = pd.DataFrame(
        [(u, y, float(i % 5)) for y in (1929, 2009) for i, u in enumerate(us_states.index)],
        columns=["unit", "year", "value"],
    )
    fig = plotting.choropleth(us_states, values)
    ax = assert_furniture_clear_of(fig, us_states.geometry)
    assert ax.geoagglom_north_arrow["corner"] != "upper right"
    fig = plotting.choropleth(us_states, values, years=[2009], note=NOTE)
    assert_furniture_clear_of(fig, us_states.geometry)


def north_arrow_direction(ax):
    """The drawn arrow's tail (data coordinates) and unit direction on the page."""
    ax.figure.canvas.draw()
    arrow = by_gid(ax.get_children(), "north-arrow")
    tail, tip = np.array(arrow.geoagglom_tail), np.array(arrow.geoagglom_tip)
    # the polygon drawn runs from the tail to the tip
    corners = arrow.get_path().vertices
    assert np.min(np.hypot(*(corners - tip).T)) < 1e-9 * np.hypot(*(tip - tail))
    page = ax.transData.transform([tail, tip])
    direction = (page[1] - page[0]) / np.hypot(*(page[1] - page[0]))
    return tail, direction


def test_north_arrow_points_to_true_north_where_it_stands(us_states):
    # The lower 48 in a fitted Albers: the meridians converge by ~15° at the map's edges.
    fig = plotting.choropleth(
        us_states, pd.Series(1.0 * np.arange(len(us_states)), us_states.index)
    )
    ax = fig.axes[0]
    (x, y), direction = north_arrow_direction(ax)
    crs = ax.geoagglom_crs
    to_lonlat = Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
    lon, lat = to_lonlat.transform(x, y)
    x2, y2 = to_lonlat.transform(lon, lat + 0.5, direction="INVERSE")
    north = np.array([x2 - x, y2 - y]) / np.hypot(x2 - x, y2 - y)
    assert abs(lon - crs.coordinate_operation.params[3].value) > 10  # far off the centre
    assert np.degrees(np.arccos(north[1])) > 5  # so north is not up there
    assert np.degrees(np.arccos(direction @ north)) < 0.5
    # on a layer's own CRS without convergence at the arrow (a plate carrée), straight up
    flat = us_states.to_crs("+proj=eqc +datum=WGS84")
    fig = plotting.choropleth(flat, pd.Series(1.0 * np.arange(len(us_states)), us_states.index))
    _, direction = north_arrow_direction(fig.axes[0])
    np.testing.assert_allclose(direction, [0.0, 1.0], atol=1e-9)


def test_furniture_goes_outside_when_no_corner_is_free(layer):
    # A basemap covering the whole extent leaves no free corner.
    minx, miny, maxx, maxy = layer.total_bounds
    cover = gpd.GeoDataFrame(
        geometry=[shapely.box(minx - 1, miny - 1, maxx + 1, maxy + 1)], crs=layer.crs
    )
    fig = plotting.choropleth(layer, "area_km2", basemap=cover, extent=(minx, miny, maxx, maxy))
    fig.canvas.draw()
    ax = fig.axes[0]
    assert ax.geoagglom_north_arrow["corner"] == "outside"
    assert ax.geoagglom_scalebar["corner"] == "outside"
    x1 = ax.get_xlim()[1]
    y0 = ax.get_ylim()[0]
    # The arrow is right of the map, the scale bar below it.
    assert furniture_box(ax, {"north-arrow", "north-arrow-label"}).bounds[0] > x1
    assert furniture_box(ax, {"scalebar", "scalebar-label"}).bounds[3] < y0


def test_choropleth_extent_and_basemap_set_the_frame_and_the_scale_bar(layer):
    minx, miny, maxx, maxy = layer.total_bounds
    extent = (minx - 3.0, miny - 2.0, maxx + 3.0, maxy + 2.0)
    fig, ax = plt.subplots()
    plotting.choropleth(layer, "area_km2", extent=extent, ax=ax)
    # the projection is fitted to the extent, and the frame is the extent's bounds in it
    params = {p.name: p.value for p in ax.geoagglom_crs.coordinate_operation.params}
    assert params["Latitude of false origin"] == pytest.approx((extent[1] + extent[3]) / 2)
    box = gpd.GeoSeries([shapely.box(*extent).segmentize(0.01)], crs=layer.crs)
    bounds = box.to_crs(ax.geoagglom_crs).total_bounds
    assert ax.get_xlim() == pytest.approx(bounds[0::2], rel=1e-4)
    assert ax.get_ylim() == pytest.approx(bounds[1::2], rel=1e-4)
    assert_scale_bar_true(ax)
    label = [t.get_text() for t in ax.texts if t.get_gid() == "scalebar-label"][-1]
    assert label == f"{ax.geoagglom_scalebar['length_km']:g} km"

    # A basemap (here in another CRS) is drawn underneath in light grey and sets the extent.
    around = gpd.GeoDataFrame(
        geometry=[shapely.box(*extent).difference(shapely.box(minx, miny, maxx, maxy))],
        crs=layer.crs,
    ).to_crs("EPSG:3857")
    fig = plotting.lisa_cluster_map(layer, pd.Series(LISA_LABELS), basemap=around)
    ax = fig.axes[0]
    base = by_gid(ax.collections, "basemap")
    assert base.get_zorder() < by_gid(ax.collections, "units").get_zorder()
    assert to_rgba(base.get_facecolor()[0]) == to_rgba("#e6e6e6")
    xlo, xhi = ax.get_xlim()
    shown = around.to_crs(ax.geoagglom_crs).total_bounds  # the basemap's bounds with a margin
    assert xlo == pytest.approx(shown[0] - 0.03 * (shown[2] - shown[0]))
    assert xhi == pytest.approx(shown[2] + 0.03 * (shown[2] - shown[0]))
    with pytest.raises(InputError, match="extent"):
        plotting.choropleth(layer, "area_km2", extent=(1, 2, 3))
    with pytest.raises(InputError, match="minx < maxx"):
        plotting.choropleth(layer, "area_km2", extent=(120, 30, 110, 40))
    with pytest.raises(InputError, match="basemap"):
        plotting.choropleth(layer, "area_km2", basemap=layer.drop(columns="geometry"))


def test_legend_loc_in_a_callers_axes(layer):
    _, ax = plt.subplots()
    plotting.choropleth(layer, "area_km2", legend_loc="upper left", note=None, ax=ax)
    ax.figure.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    frame = ax.get_window_extent()
    # drawn in the axes' upper-left corner
    assert legend.x0 - frame.x0 < 0.1 * frame.width
    assert frame.y1 - legend.y1 < 0.1 * frame.height


@pytest.mark.parametrize(
    ("target", "expected"), [(74.0, 50.0), (100.0, 100.0), (199.0, 100.0), (3.2, 2.0)]
)
def test_round_scale_lengths(target, expected):
    assert furniture._nice_length(target) == expected


def test_choropleth_errors_name_the_problem(layer, panel):
    with pytest.raises(InputError, match="'amount'"):
        plotting.choropleth(layer, panel, value="amount")
    with pytest.raises(InputError, match="not_a_column"):
        plotting.choropleth(layer, "not_a_column")
    bad = pd.concat([panel, pd.DataFrame({"unit": [999999], "year": [2004], "value": [1.0]})])
    with pytest.raises(InputError, match="999999"):
        plotting.choropleth(layer, bad)
    with pytest.raises(InputError, match="bins"):
        plotting.choropleth(layer, panel, scheme="user_defined")
    with pytest.raises(InputError, match="jenks"):
        plotting.choropleth(layer, panel, scheme="jenks")
    with pytest.raises(InputError, match="1999"):
        plotting.choropleth(layer, panel, years=[1999])
    with pytest.raises(InputError, match=r"370100.*2004"):
        plotting.choropleth(layer, pd.concat([panel, panel.head(1)]))


def test_unit_effect_map_outlines_are_drawn_where_the_units_are(layer):
    # A lon/lat layer is drawn projected: the focal outline and the hatching too.
    effect = pd.DataFrame(
        {
            "effect": np.linspace(0.0, 1.0, len(layer)),
            "ci_lower": np.linspace(-0.5, 0.5, len(layer)),
            "ci_upper": np.linspace(0.5, 1.5, len(layer)),
        },
        index=layer.index,
    )
    effect.attrs["unit"] = 370100
    fig = plotting.unit_effect_map(layer, effect)
    ax = fig.axes[0]
    units = by_gid(ax.collections, "units")
    drawn = dict(zip(units.geoagglom_ids, units.get_paths(), strict=True))
    focal = by_gid(ax.patches, "focal-unit").get_path().get_extents()
    near = 2 * ax.geoagglom_frame.tolerance  # the units are drawn simplified, the outline not
    assert focal.bounds == pytest.approx(drawn[370100].get_extents().bounds, abs=near)
    hatched = by_gid(ax.collections, "insignificant").get_paths()
    assert len(hatched) == len(fig.geoagglom_insignificant) > 0
    for path, uid in zip(hatched, fig.geoagglom_insignificant, strict=True):
        assert path.get_extents().bounds == pytest.approx(drawn[uid].get_extents().bounds, abs=near)


def test_choropleth_into_a_given_axes(layer):
    fig, ax = plt.subplots()
    out = plotting.choropleth(layer, layer["area_km2"], note=NOTE, ax=ax)
    assert out is fig
    assert ax.get_legend() is not None
    assert NOTE in [t.get_text() for t in ax.texts]


# ---------------------------------------------------------------- Moran scatterplot


def test_moran_scatterplot_slope_is_the_ols_slope_and_morans_i(layer, neighbours):
    y = layer["area_km2"].rename("Land area")
    lag = pd.Series(neighbours @ y.to_numpy(), index=y.index)
    fig = plotting.moran_scatterplot(y, lag, labels=layer["name_en"], note=NOTE)

    z = (y.to_numpy() - y.mean()) / y.to_numpy().std()
    wz = neighbours @ z
    ols_slope = np.polyfit(z, wz, 1)[0]
    morans_i = (z @ wz) / (z @ z)  # row-standardised weights: S0 = n
    assert fig.geoagglom_slope == pytest.approx(ols_slope, rel=1e-10)
    assert fig.geoagglom_slope == pytest.approx(morans_i, rel=1e-10)

    ax = fig.axes[0]
    points = by_gid(ax.collections, "points").get_offsets()
    np.testing.assert_allclose(points[:, 0], z)
    np.testing.assert_allclose(points[:, 1], wz)
    fit = by_gid(ax.lines, "fit")
    xs, ys = fit.get_xdata(), fit.get_ydata()
    assert (ys[1] - ys[0]) / (xs[1] - xs[0]) == pytest.approx(ols_slope, rel=1e-10)
    assert by_gid(ax.lines, "quadrant-x").get_xdata()[0] == 0
    assert by_gid(ax.lines, "quadrant-y").get_ydata()[0] == 0
    corners = {t.get_gid(): t for t in ax.texts if (t.get_gid() or "").startswith("quadrant-")}
    assert {t.get_text() for t in corners.values()} == {"HH", "LH", "LL", "HL"}
    hh = corners["quadrant-HH"].get_position()
    ll = corners["quadrant-LL"].get_position()
    assert hh[0] > 0.5 and hh[1] > 0.5 and ll[0] < 0.5 and ll[1] < 0.5
    texts = all_texts(fig)
    assert f"Moran's I = {morans_i:.3f}" in legend_texts(ax.get_legend())
    assert "Jinan" in texts and NOTE in texts
    assert ax.get_xlabel() == "Land area (standardised)"


def test_moran_scatterplot_raw_values_and_errors():
    rng = np.random.default_rng(3)
    y = rng.normal(10, 2, 30)
    lag = 0.4 * y + rng.normal(0, 1, 30)
    fig = plotting.moran_scatterplot(y, lag, standardize=False)
    assert fig.geoagglom_slope == pytest.approx(np.polyfit(y, lag, 1)[0], rel=1e-10)
    with pytest.raises(InputError, match="lag has 29"):
        plotting.moran_scatterplot(y, lag[:-1])
    bad = pd.Series(y, index=[f"u{i}" for i in range(30)])
    bad.iloc[4] = np.nan
    with pytest.raises(InputError, match="u4"):
        plotting.moran_scatterplot(bad, pd.Series(lag, index=bad.index))


def test_bivariate_moran_scatterplot_slope_is_esdas_bivariate_i(layer, neighbours):
    esda = pytest.importorskip("esda")
    libpysal = pytest.importorskip("libpysal")
    x = layer["area_km2"].rename("Land area")
    rng = np.random.default_rng(12)
    y = pd.Series(rng.lognormal(0, 0.5, len(layer)), index=layer.index, name="Growth")
    lag = pd.Series(neighbours @ y.to_numpy(), index=y.index)
    fig = plotting.bivariate_moran_scatterplot(
        x, y, lag, p_value=0.0123, labels=layer["name_en"], note=NOTE
    )
    w = libpysal.weights.full2W(neighbours, ids=list(layer.index))
    w.transform = "r"
    peer = esda.Moran_BV(x.to_numpy(), y.to_numpy(), w, permutations=0)
    ours = geoagglom.moran_bv(x, y, w, permutations=0)
    assert fig.geoagglom_slope == pytest.approx(peer.I, rel=1e-10)
    assert fig.geoagglom_slope == pytest.approx(ours.I, rel=1e-10)
    ax = fig.axes[0]
    points = by_gid(ax.collections, "points").get_offsets()
    zx = (x - x.mean()) / x.std(ddof=0)
    np.testing.assert_allclose(points[:, 0], zx)
    np.testing.assert_allclose(points[:, 1], (lag - y.mean()) / y.std(ddof=0))
    fit = by_gid(ax.lines, "fit")
    xs, ys = fit.get_xdata(), fit.get_ydata()
    assert (ys[1] - ys[0]) / (xs[1] - xs[0]) == pytest.approx(peer.I, rel=1e-10)
    assert legend_texts(ax.get_legend()) == [
        f"bivariate Moran's I = {peer.I:.3f}, permutation p = 0.0123"
    ]
    assert ax.get_xlabel() == "Land area (standardised)"
    assert ax.get_ylabel() == "Spatial lag of Growth (standardised)"
    texts = all_texts(fig)
    assert "Bivariate Moran scatterplot" in texts and NOTE in texts and "Jinan" in texts
    with pytest.raises(InputError, match="Growth is constant"):
        plotting.bivariate_moran_scatterplot(x, y * 0 + 1, lag, y_name="Growth")
    with pytest.raises(InputError, match=r"x and lag .* 371700"):
        plotting.bivariate_moran_scatterplot(x, y, lag[:-1])


# ------------------------------------------------------------ time series and bars


@pytest.fixture(scope="module")
def region_series(regions):
    rng = np.random.default_rng(7)
    rows = [(y, r, float(rng.uniform(0.3, 3.0))) for r in regions.index for y in YEARS[::-1]]
    return pd.DataFrame(rows, columns=["year", "region", "entropy"])


def test_entropy_by_region_plots_the_input(region_series):
    fig = plotting.entropy_by_region(region_series, note=NOTE)
    ax = fig.axes[0]
    lines = {ln.get_label(): ln for ln in ax.lines if ln.get_gid() != "reference"}
    assert set(lines) == set(region_series.region)
    for region, rows in region_series.groupby("region"):
        rows = rows.sort_values("year")
        np.testing.assert_array_equal(lines[region].get_xdata(), rows.year)
        np.testing.assert_allclose(lines[region].get_ydata(), rows.entropy)
    assert by_gid(ax.lines, "reference").get_ydata()[0] == 1.0
    assert set(legend_texts(fig.legends[0])) == set(region_series.region)
    assert ax.get_xlabel() == "Year" and ax.get_ylabel() == "Financial entropy"
    assert NOTE in all_texts(fig)
    with pytest.raises(InputError, match="'entropy'"):
        plotting.entropy_by_region(region_series.drop(columns="entropy"))
    row = region_series.iloc[1]
    with pytest.raises(InputError, match=re.escape(f"({row.region!r}, {row.year})")):
        plotting.entropy_by_region(pd.concat([region_series, region_series.iloc[[1]]]))


def test_note_in_a_callers_axes_is_visible():
    frame = pd.DataFrame({"year": [2015, 2016], "gini": [0.3, 0.31], "theil": [0.2, 0.21]})
    fig, (left, right) = plt.subplots(1, 2)
    assert plotting.gini_theil_series(frame, note=NOTE, title="Shandong", ax=right) is fig
    note = by_gid(right.texts, "note")
    assert note.get_text() == NOTE and note.get_visible()
    assert right.get_title(loc="left") == "Shandong"
    assert len(left.texts) == 0


def test_gini_theil_series_plots_the_input():
    frame = pd.DataFrame(
        {
            "yr": YEARS[::-1],
            "G": np.linspace(0.30, 0.42, 13),
            "T": np.linspace(0.05, 0.09, 13),
        }
    )
    fig = plotting.gini_theil_series(frame, year="yr", gini="G", theil="T", note=NOTE)
    lines = fig.geoagglom_lines
    ordered = frame.sort_values("yr")
    for key, col in (("gini", "G"), ("theil", "T")):
        np.testing.assert_array_equal(lines[key].get_xdata(), ordered.yr)
        np.testing.assert_allclose(lines[key].get_ydata(), ordered[col])
    # Scales differ more than twofold: Theil goes on a twin axis.
    assert lines["gini"].axes is not lines["theil"].axes
    assert lines["theil"].axes.get_ylabel() == "Theil"
    assert NOTE in all_texts(fig)
    one = plotting.gini_theil_series(frame, year="yr", gini="G", theil="T", twin=False)
    assert one.geoagglom_lines["gini"].axes is one.geoagglom_lines["theil"].axes


def test_gini_theil_series_shades_the_intervals():
    g = np.linspace(0.30, 0.42, 13)
    frame = pd.DataFrame(
        {"year": YEARS, "gini": g, "theil": g / 2, "gini_lo": g - 0.02, "gini_hi": g + 0.03}
    )
    frame["theil_lo"], frame["theil_hi"] = g / 2 - 0.01, g / 2 + 0.01
    fig = plotting.gini_theil_series(frame, twin=False, band_label="95 % BCa bootstrap interval")
    bands = fig.geoagglom_bands
    assert set(bands) == {"gini", "theil"}
    for key, column in (("gini", "gini"), ("theil", "theil")):
        # the band's outline runs along lo and back along hi
        vertices = bands[key].get_paths()[0].vertices
        assert vertices[:, 1].min() == pytest.approx(frame[f"{column}_lo"].min())
        assert vertices[:, 1].max() == pytest.approx(frame[f"{column}_hi"].max())
        assert (
            to_rgba(bands[key].get_facecolor()[0])[:3]
            == to_rgba(fig.geoagglom_lines[key].get_color())[:3]
        )
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == [
        "Gini",
        "Theil",
        "Gini: 95 % BCa bootstrap interval",
        "Theil: 95 % BCa bootstrap interval",
    ]
    # no interval columns, no bands (and bands=False draws none even with them)
    plain = plotting.gini_theil_series(frame[["year", "gini", "theil"]])
    assert plain.geoagglom_bands == {}
    assert len(plain.axes[0].get_legend().get_texts()) == 2
    assert plotting.gini_theil_series(frame, bands=False).geoagglom_bands == {}
    with pytest.raises(InputError, match="gini_lo"):
        plotting.gini_theil_series(frame[["year", "gini", "theil"]], bands=True)
    plt.close("all")


def test_decomposition_bars_stack_to_one():
    within = np.linspace(0.2, 0.6, 13)
    frame = pd.DataFrame({"year": YEARS, "within_share": within, "between_share": 1 - within})
    fig = plotting.decomposition_bars(frame, note=NOTE)
    bars = fig.geoagglom_bars
    w = [r.get_height() for r in bars["within"]]
    b = [r.get_height() for r in bars["between"]]
    np.testing.assert_allclose(w, within)
    np.testing.assert_allclose(b, 1 - within)
    np.testing.assert_allclose([r.get_y() for r in bars["between"]], within)
    np.testing.assert_allclose(np.add(w, b), 1.0)
    np.testing.assert_array_equal([r.get_x() + r.get_width() / 2 for r in bars["within"]], YEARS)
    assert legend_texts(fig.legends[0]) == ["Within regions", "Between regions"]
    assert NOTE in all_texts(fig)
    off = frame.assign(between_share=frame.between_share.where(frame.year != 2010, 0.9))
    with pytest.raises(InputError, match="2010"):
        plotting.decomposition_bars(off)


def test_decomposition_bar_width_follows_the_spacing_of_the_years():
    decades = list(range(1929, 2010, 10))
    within = np.linspace(0.2, 0.5, len(decades))
    frame = pd.DataFrame({"year": decades, "within_share": within, "between_share": 1 - within})
    fig = plotting.decomposition_bars(frame)
    for bars in fig.geoagglom_bars.values():
        np.testing.assert_allclose([r.get_width() for r in bars], 7.0)
        np.testing.assert_allclose([r.get_x() + r.get_width() / 2 for r in bars], decades)
    # Uneven spacing: the smallest gap sets the width, so no two bars touch.
    uneven = frame.iloc[[0, 1, 3, 8]].assign(year=[2000, 2002, 2005, 2015])
    bars = plotting.decomposition_bars(uneven).geoagglom_bars["within"]
    np.testing.assert_allclose([r.get_width() for r in bars], 1.4)
    yearly = plotting.decomposition_bars(frame.iloc[:3].assign(year=[2014, 2015, 2016]))
    np.testing.assert_allclose([r.get_width() for r in yearly.geoagglom_bars["within"]], 0.7)
    single = plotting.decomposition_bars(frame.iloc[:1])
    assert single.geoagglom_bars["within"][0].get_width() == pytest.approx(0.7)


# ------------------------------------------------------------------ Chinese labels


def test_chinese_without_a_cjk_font_warns_and_falls_back(layer, monkeypatch):
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    assert plotting.find_cjk_font() is None
    with pytest.warns(plotting.MissingCJKFontWarning, match="fonts-noto-cjk"):
        fig = plotting.lisa_cluster_map(layer, pd.Series(LISA_LABELS), lang="zh")
    assert issubclass(plotting.MissingCJKFontWarning, UserWarning)
    assert legend_texts(fig.legends[0])[0] == "High-High (3)"
    assert "LISA cluster map" in all_texts(fig)


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")
def test_chinese_with_a_cjk_font(layer, monkeypatch):
    monkeypatch.setattr(style, "find_cjk_font", lambda: "DejaVu Sans")
    with warnings.catch_warnings():
        warnings.simplefilter("error", plotting.MissingCJKFontWarning)
        fig = plotting.lisa_cluster_map(layer, pd.Series(LISA_LABELS), lang="zh")
        bars = plotting.decomposition_bars(
            pd.DataFrame(
                {"year": [2015, 2016], "within_share": [0.4, 0.5], "between_share": [0.6, 0.5]}
            ),
            lang="zh",
        )
    texts = fig.legends[0].get_texts()
    assert texts[0].get_text() == "高-高 (3)"
    assert texts[0].get_fontfamily()[0] == "DejaVu Sans"
    assert fig.axes[0].get_title() == "LISA 聚类图"
    assert fig.axes[0].title.get_fontfamily()[0] == "DejaVu Sans"
    assert legend_texts(bars.legends[0]) == ["区域内", "区域间"]
    frame = pd.DataFrame({"unit": [370100, 370200], "year": 2016, "value": [1.0, 2.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error", plotting.MissingCJKFontWarning)
        choro = plotting.choropleth(layer, frame, k=2, lang="zh")
    texts = choro.legends[0].get_texts()
    assert texts[-1].get_text() == "缺失 (15)"
    assert texts[-1].get_fontfamily()[0] == "DejaVu Sans"
    assert "北" in [t.get_text() for t in choro.axes[0].texts]
    assert bars.axes[0].get_xlabel() == "年份"


def test_find_cjk_font_prefers_known_families(monkeypatch):
    entries = [
        font_manager.FontEntry(fname="/x/DejaVuSans.ttf", name="DejaVu Sans"),
        font_manager.FontEntry(fname="/x/wqy.ttc", name="WenQuanYi Zen Hei"),
        font_manager.FontEntry(fname="/x/noto.ttc", name="Noto Sans CJK SC"),
    ]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", entries)
    assert plotting.find_cjk_font() == "Noto Sans CJK SC"
    monkeypatch.setattr(font_manager.fontManager, "ttflist", entries[:2])
    assert plotting.find_cjk_font() == "WenQuanYi Zen Hei"


def test_find_cjk_font_prefers_the_simplified_chinese_variant(monkeypatch):
    # fonts-noto-cjk installs HK, JP, KR, SC and TC variants; HK sorts first.
    entries = [
        font_manager.FontEntry(fname=f"/x/noto-{v}.ttc", name=f"Noto Sans CJK {v}")
        for v in ("HK", "JP", "KR", "SC", "TC")
    ]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", entries)
    assert plotting.find_cjk_font() == "Noto Sans CJK SC"
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [entries[0], entries[1]])
    assert plotting.find_cjk_font() == "Noto Sans CJK HK"


def test_unknown_language_is_an_error(layer):
    with pytest.raises(InputError, match="'fr'"):
        plotting.lisa_cluster_map(layer, pd.Series(LISA_LABELS), lang="fr")


# ---------------------------------------------------------------------- saving


def small_figure():
    frame = pd.DataFrame({"year": [2015, 2016], "gini": [0.3, 0.31], "theil": [0.2, 0.21]})
    return plotting.gini_theil_series(frame, note=NOTE)


def test_save_figure_writes_png_and_svg_atomically(tmp_path):
    png, svg = plotting.save_figure(small_figure(), tmp_path / "gini_theil")
    assert png == tmp_path / "gini_theil.png" and svg == tmp_path / "gini_theil.svg"
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    text = svg.read_text()
    assert "<svg" in text and text.rstrip().endswith("</svg>")
    assert sorted(os.listdir(tmp_path)) == ["gini_theil.png", "gini_theil.svg"]
    # 200 dpi: the PNG is about 200 pixels per inch of the (tightly cropped) figure.
    width = struct.unpack(">I", png.read_bytes()[16:20])[0]
    assert width > 7.5 * 180


def test_save_figure_leaves_nothing_when_it_fails(tmp_path, monkeypatch):
    fig = small_figure()
    real_savefig = fig.savefig

    def failing_savefig(fname, *args, format=None, **kwargs):
        if format == "svg":
            with open(fname, "w") as f:
                f.write("<svg partial")
            raise RuntimeError("disk full")
        return real_savefig(fname, *args, format=format, **kwargs)

    monkeypatch.setattr(fig, "savefig", failing_savefig)
    with pytest.raises(RuntimeError, match="disk full"):
        plotting.save_figure(fig, tmp_path / "figure")
    assert os.listdir(tmp_path) == []
    with pytest.raises(InputError, match="does not exist"):
        plotting.save_figure(small_figure(), tmp_path / "nowhere" / "figure")
