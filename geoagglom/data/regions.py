"""Grouping tables (unit → region) and the dissolve of units into regions.

A region's additive columns (balances, areas, population) are the sums over
its member units, so a region's entropy is computed from its own totals, and
its geometry is the union of its members' geometries. Every unit must be in
exactly one region: a unit missing from the grouping, or a grouping entry for
a unit that does not exist, is an error.
"""

from __future__ import annotations

import math
import os
import warnings

import numpy as np
import pandas as pd
import shapely

from geoagglom.compute import is_dask, require_dask, thread_pool
from geoagglom.data.area import land_area
from geoagglom.errors import AreaMismatchWarning, InputError, format_ids

__all__ = ["dissolve_regions", "normalize_grouping"]


def normalize_grouping(grouping, region_col="region", unit_col=None):
    """A grouping as a Series ``unit id → region``.

    Parameters
    ----------
    grouping : pandas.Series, dict or pandas.DataFrame
        A Series or dict mapping unit ids to regions, or a frame with a
        ``region_col`` column, indexed by unit id (as the bundled groupings)
        or holding the ids in ``unit_col``.
    region_col : str, default "region"
    unit_col : str, optional

    Returns
    -------
    pandas.Series
        Named ``region_col``, indexed by unit id.

    Raises
    ------
    InputError
        Missing columns, a unit listed twice, a unit without a region.
    """
    if isinstance(grouping, dict):
        grouping = pd.Series(grouping)
    if isinstance(grouping, pd.DataFrame):
        if region_col not in grouping.columns:
            raise InputError(
                f"The grouping has no column {region_col!r} (its columns: "
                f"{format_ids([str(c) for c in grouping.columns])}); name the region column "
                "with region_col=."
            )
        if unit_col is not None:
            if unit_col not in grouping.columns:
                raise InputError(f"The grouping has no unit id column {unit_col!r}.")
            grouping = grouping.set_index(unit_col)
        grouping = grouping[region_col]
    if not isinstance(grouping, pd.Series):
        raise InputError(
            "grouping must be a Series or dict (unit id → region) or a DataFrame with a "
            f"{region_col!r} column; got {type(grouping).__name__}."
        )
    dup = grouping.index.duplicated(keep=False)
    if dup.any():
        raise InputError(
            f"Units {format_ids(pd.unique(grouping.index[dup]))} appear more than once in the "
            "grouping; each unit belongs to exactly one region."
        )
    missing = grouping.isna().to_numpy()
    if missing.any():
        raise InputError(
            f"Units {format_ids(grouping.index[missing])} have no region in the grouping; "
            "assign every unit to a region."
        )
    return grouping.rename(region_col)


def check_coverage(unit_ids, grouping, what="units"):
    """Raise unless the grouping names exactly the given units (none missing, none unknown)."""
    unit_ids = pd.Index(unit_ids)
    missing = unit_ids.difference(grouping.index, sort=False)
    unknown = grouping.index.difference(unit_ids, sort=False)
    if len(missing) == 0 and len(unknown) == 0:
        return
    hint = ""
    if len(unit_ids) and len(grouping) and len(missing) == len(unit_ids):
        hint = (
            f" (the {what} ids are of type {type(unit_ids[0]).__name__} and the grouping's of "
            f"type {type(grouping.index[0]).__name__}; convert one to the other)"
        )
    parts = []
    if len(missing):
        parts.append(f"{what} not in the grouping: {format_ids(missing)}")
    if len(unknown):
        parts.append(f"grouping entries for unknown {what}: {format_ids(unknown)}")
    raise InputError(
        "The grouping does not match the " + what + ": " + "; ".join(parts) + hint + ". "
        "Every unit must be assigned to exactly one region; fix the grouping table."
    )


def dissolve_regions(
    units,
    grouping,
    region_col="region",
    sum_columns=None,
    *,
    unit_col=None,
    area_col="area_km2",
    check_area=True,
    area_rtol=0.01,
    verify_coverage=True,
):
    """Dissolve units into regions: summed additive columns and united geometries.

    Parameters
    ----------
    units : geopandas.GeoDataFrame, pandas.DataFrame or dask_geopandas.GeoDataFrame
        One row per unit, indexed by unit id. A plain DataFrame gives the sums
        without geometries. A dask-geopandas frame is dissolved partition by
        partition and the partial results combined (same regions, geometries
        equal, sums to rounding; see :mod:`geoagglom.compute`).
    grouping : pandas.Series, dict or pandas.DataFrame
        Unit id → region; see :func:`normalize_grouping`. It must name every
        unit of ``units`` and no other.
    region_col : str, default "region"
        Region column of a grouping frame; also the index name of the result.
    sum_columns : list of str, optional
        Additive columns summed per region (balances, population, ...). The
        area column is always summed when present.
    unit_col : str, optional
        Column of a grouping frame holding the unit ids (default: its index).
    area_col : str, default "area_km2"
        Land areas of the units in km². If absent from a GeoDataFrame, they are
        computed from its geometries (geodesic). A region's area is the SUM of
        its units' areas (never re-measured on the dissolved geometry).
    check_area : bool, default True
        Compare every region's summed area with the geodesic area of its
        dissolved geometry (column ``area_geometry_km2``) and warn, naming the
        regions, where they differ by more than ``area_rtol`` (gaps, overlaps or
        areas that did not come from these geometries). Needs a CRS. When the
        areas were computed here from the same geometries, a region united as a
        coverage has exactly their sum as its geometric area, so only the
        robustly united regions are measured. Likewise for a bundled layer as
        loaded (or any subset of it, in EPSG:4326): its ``area_outline_km2``
        (each geometry's geodesic area as shipped, recorded at load time) is
        summed instead of measuring the dissolved outlines (equal to ~1e-13
        relative on the bundled layers; the comparison with ``area_col`` is
        unchanged).
    area_rtol : float, default 0.01
    verify_coverage : bool, default True
        Check each region's coverage union where it can fail (see
        :func:`_union_by_region`: a valid result whose planar area is the
        members' sum) and unite the failing regions the robust way. A bundled
        layer as loaded, or any subset of it (the catalog records it as a valid
        coverage, and the geometries are the ones :func:`geoagglom.load_layer`
        made), needs no check, and gets none. ``False`` trusts any layer to be a
        clean coverage and skips the checks, like geopandas'
        ``dissolve(method="coverage")``; only GEOS errors still fall back.

    Returns
    -------
    geopandas.GeoDataFrame or pandas.DataFrame
        One row per region (index named ``region_col``) with ``n_units``, the
        summed columns and, for a GeoDataFrame, the geometry. ``attrs`` holds
        ``members`` (region → list of unit ids), ``union_method``:
        ``"coverage"`` when every region's members form a valid coverage (fast,
        exact ``shapely.coverage_union_all``), else ``"robust"``, and
        ``robust_regions``: the regions united the robust way (``make_valid``
        then ``union_all``) because their coverage union failed its checks
        (an invalid result, an area other than the members' summed area, or
        a GEOS error), and ``known_coverage``: True when the layer was
        recognised as an unchanged bundled coverage and not checked.

    Raises
    ------
    InputError
        A unit missing from the grouping, grouping entries for unknown units,
        duplicate unit ids, missing sum columns, NaN in a summed column
        (naming units and column), a missing CRS when ``check_area`` needs one.
    """
    if is_dask(units):
        return _dissolve_dask(
            units,
            grouping,
            region_col,
            sum_columns,
            unit_col,
            area_col,
            check_area,
            area_rtol,
            verify_coverage,
        )
    groups = normalize_grouping(grouping, region_col, unit_col)
    if units.index.has_duplicates:
        raise InputError(
            f"Unit ids {format_ids(pd.unique(units.index[units.index.duplicated()]))} appear "
            "more than once in the units table; ids must be unique."
        )
    check_coverage(units.index, groups)
    geometry = getattr(units, "geometry", None) if hasattr(units, "crs") else None
    if check_area and geometry is not None and units.crs is None:
        raise InputError(
            "The units have no CRS, so the dissolved areas cannot be checked against the "
            "geometries. Set it (e.g. units.set_crs('EPSG:4326')) or pass check_area=False."
        )
    geoms = None if geometry is None else geometry.to_numpy()
    # the stored outline areas of an unchanged bundled coverage (None for any other layer)
    need_areas = check_area or area_col not in units.columns
    outline = _known_outline_areas(units, geoms) if geoms is not None and need_areas else None
    table = pd.DataFrame(index=units.index)
    columns = list(sum_columns or [])
    from_geometry = False
    if area_col in units.columns:
        table[area_col] = units[area_col]
    elif geometry is not None and units.crs is not None:
        table[area_col] = land_area(geometry) if outline is None else outline
        from_geometry = True
    if area_col not in columns and area_col in table.columns:
        columns.append(area_col)
    for col in columns:
        if col == area_col and col in table.columns:
            continue
        if col not in units.columns:
            raise InputError(
                f"The column {col!r} to sum is not in the units table (columns: "
                f"{format_ids([str(c) for c in units.columns])})."
            )
        if not pd.api.types.is_numeric_dtype(units[col]):
            raise InputError(f"The column {col!r} to sum is not numeric; convert it first.")
        table[col] = units[col]
    for col in columns:
        bad = table[col].isna().to_numpy()
        if bad.any():
            raise InputError(
                f"{col!r} is missing (NaN) for units {format_ids(table.index[bad])}; a region "
                "sum would silently leave them out. Fill them in or drop the column."
            )
    region = groups.reindex(units.index)
    table[region_col] = region.to_numpy()
    grouped = table.groupby(region_col, sort=True)
    out = grouped[columns].sum()
    out.insert(0, "n_units", grouped.size())
    members = {r: list(idx) for r, idx in grouped.groups.items()}
    if geometry is None:
        out.attrs["members"] = members
        return out

    codes = pd.Index(out.index).get_indexer(region.to_numpy())
    known = verify_coverage and (outline is not None or _known_coverage(units, geoms))
    if outline is not None:
        outline = np.bincount(codes, weights=outline, minlength=len(out))
    result = _geometry_result(
        out,
        members,
        geoms,
        codes,
        units.crs,
        region_col,
        area_col,
        check_area,
        area_rtol,
        from_geometry,
        check=verify_coverage and not known,
        outline=outline,
    )
    result.attrs["known_coverage"] = known
    return result


def _geometry_result(
    out,
    members,
    geoms,
    codes,
    crs,
    region_col,
    area_col,
    check_area,
    area_rtol,
    from_geometry,
    robust_before=(),
    check=True,
    outline=None,
):
    """The regions' GeoDataFrame: united geometries, area check, attrs.

    ``outline``: per region, the summed stored outline areas (km²) of its units when
    they are an unchanged bundled coverage (:func:`_known_outline_areas`); a
    coverage union's geodesic area is that sum (the shared borders' contributions
    cancel; on the bundled layers the two agree to ~1e-13 relative), so only
    robust regions are measured."""
    import geopandas as gpd

    united, robust = _union_by_region(geoms, codes, len(out), check)
    robust = sorted(set(robust) | set(robust_before))
    method = "robust" if robust else "coverage"
    result = gpd.GeoDataFrame(out, geometry=united, crs=crs)
    result.index.name = region_col
    if check_area and area_col in result.columns:
        if from_geometry or outline is not None:
            # the unit areas were measured on these geometries (or stored with them): a
            # coverage union's geodesic area is their sum, so only robust regions are
            # measured
            if outline is None:
                geo = result[area_col].to_numpy(dtype=float, copy=True)
            else:
                geo = np.array(outline, dtype=float)
            if robust:
                geo[robust] = land_area(result.geometry.iloc[robust]).to_numpy()
            result["area_geometry_km2"] = geo
        else:
            result["area_geometry_km2"] = land_area(result.geometry).to_numpy()
        summed = result[area_col].to_numpy()
        geo = result["area_geometry_km2"].to_numpy()
        off = np.abs(summed - geo) > area_rtol * np.maximum(np.abs(geo), math.ulp(1.0))
        if off.any():
            warnings.warn(
                f"The summed unit areas of regions {format_ids(result.index[off])} differ from "
                f"the area of their dissolved geometry by more than {area_rtol:.0%}: gaps or "
                "overlaps between units, or areas not measured on these boundaries. The "
                f"summed areas are used; compare '{area_col}' with 'area_geometry_km2'.",
                AreaMismatchWarning,
                stacklevel=3,
            )
    result.attrs["members"] = members
    result.attrs["union_method"] = method
    result.attrs["robust_regions"] = [out.index[k] for k in robust]
    result.attrs["known_coverage"] = False
    return result


def _dissolve_dask(
    units,
    grouping,
    region_col,
    sum_columns,
    unit_col,
    area_col,
    check_area,
    area_rtol,
    verify_coverage,
):
    """dissolve_regions of a dask-geopandas frame: each partition dissolved where it
    lives (its sums and the coverage union of its share of every region), then the
    partial results summed and their pieces united (pieces of a valid coverage form
    a valid coverage, so the coverage union applies again).

    A bundled layer as loaded, partitioned on dask's local threads (where the
    partitions hold the loaded geometries themselves), is recognised in every
    partition as in memory: its pieces' union needs no check and the area check
    sums the units' stored outline areas (gathered in unit order: the in-memory sum
    exactly) instead of measuring the dissolved outlines. On a distributed cluster,
    even of threads, the partitions hold copies of the geometries, which are
    checked and measured as usual."""
    require_dask("dissolve_regions on a dask frame")
    import dask

    groups = normalize_grouping(grouping, region_col, unit_col)
    ids = units.index.compute()
    if ids.has_duplicates:
        raise InputError(
            f"Unit ids {format_ids(pd.unique(ids[ids.duplicated()]))} appear "
            "more than once in the units table; ids must be unique."
        )
    check_coverage(ids, groups)
    if check_area and units.crs is None:
        raise InputError(
            "The units have no CRS, so the dissolved areas cannot be checked against the "
            "geometries. Set it (e.g. units.set_crs('EPSG:4326')) or pass check_area=False."
        )
    from_geometry = area_col not in units.columns and units.crs is not None
    groups_d = dask.delayed(groups, pure=True)

    def piece(part, groups):
        if len(part) == 0:
            return None
        dissolved = dissolve_regions(
            part,
            groups.loc[part.index],
            region_col,
            sum_columns,
            area_col=area_col,
            check_area=False,
            verify_coverage=verify_coverage,
        )
        # the partition's load of a bundled coverage and its units' outline areas
        from geoagglom.data.catalog import known_load

        geoms = np.asarray(part.geometry.values)
        return dissolved, known_load(geoms), _known_outline_areas(part, geoms)

    found = [
        p
        for p in dask.compute(*[dask.delayed(piece)(part, groups_d) for part in units.to_delayed()])
        if p is not None
    ]
    pieces = [p for p, _, _ in found]
    loads = {load for _, load, _ in found}
    known = verify_coverage and len(loads) == 1 and None not in loads
    table = pd.concat([pd.DataFrame(p.drop(columns=p.geometry.name)) for p in pieces])
    out = table.groupby(level=0, sort=True).sum()
    out.index.name = region_col
    members, robust_before = {}, set()
    for p in pieces:
        for r, m in p.attrs["members"].items():
            members.setdefault(r, []).extend(m)
        robust_before.update(p.attrs["robust_regions"])
    members = {r: members[r] for r in out.index}
    geoms = np.concatenate([np.asarray(p.geometry.values) for p in pieces])
    codes = pd.Index(out.index).get_indexer(table.index)
    robust_before = [out.index.get_loc(r) for r in robust_before]
    outline = None
    if check_area and known and all(a is not None for _, _, a in found):
        # the units' outline areas in unit order, summed as in memory
        unit_codes = pd.Index(out.index).get_indexer(groups.reindex(ids).to_numpy())
        areas = np.concatenate([a for _, _, a in found])
        outline = np.bincount(unit_codes, weights=areas, minlength=len(out))
    result = _geometry_result(
        out,
        members,
        geoms,
        codes,
        units.crs,
        region_col,
        area_col,
        check_area,
        area_rtol,
        from_geometry,
        robust_before,
        check=verify_coverage and not known,
        outline=outline,
    )
    result.attrs["known_coverage"] = known
    return result


def _known_outline_areas(units, geoms):
    """The stored geodesic outline areas (km²) of ``geoms`` when they are an unchanged
    load of a bundled valid coverage (see :func:`_known_coverage`) still in
    EPSG:4326 (the CRS the areas were measured in), else None."""
    from geoagglom.data.catalog import known_outline_areas

    areas = known_outline_areas(geoms)
    if areas is None or units.crs is None or not units.crs.equals("EPSG:4326"):
        return None
    return areas


def _known_coverage(units, geoms):
    """True when ``units`` holds geometries of one load of a bundled layer that the
    catalog records as a valid coverage (``valid_coverage``; checked when the layer is
    built and in its tests), unchanged (the very objects load_layer made; any subset
    of them is a valid coverage too): their coverage unions are exact and need no
    check. An edited, reprojected or re-read copy is checked as usual."""
    from geoagglom.data.catalog import known_coverage

    return known_coverage(geoms)


#: Vertices from which the regions are united on several threads (GEOS releases the GIL).
_THREADS_FROM = 50_000


def _union_threads(n_vertices):
    if n_vertices < _THREADS_FROM:
        return 1
    return max(min(os.cpu_count() or 1, 4), 1)


def _union_by_region(geoms, codes, n_regions, check=True):
    """Union of each region's members: the coverage union, checked where it can fail.

    ``shapely.coverage_union_all`` is exact on a valid coverage (members that do
    not overlap and whose shared borders carry the same vertices); on anything
    else its result is wrong in one of three visible ways: a GEOS error
    ("incorrectly noded"), an invalid geometry (crossing or unmatched border
    edges: every mismatched-vertex or overlapping case) or an area other than the
    members' summed area (members nested in one another or duplicated). So
    instead of a full ``coverage_is_valid`` of the whole layer (as slow as the
    union itself), each region's coverage union is accepted when it is valid and
    its planar area (in the layer's CRS) equals the sum of its members' planar
    areas (relative 1e-9); the regions that fail are united the robust way
    (``make_valid`` then ``union_all``).

    With ``check=False`` only GEOS errors (and empty members) send a region to
    the robust union. Large layers are united (and checked) region by region on
    a few threads, largest regions first. Returns the list of geometries and the
    positions of the robust regions.
    """
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n_regions + 1))
    sorted_geoms = geoms[order]
    empty = shapely.is_empty(sorted_geoms)
    united = np.empty(n_regions, dtype=object)
    failed = np.zeros(n_regions, dtype=bool)
    valid = np.ones(n_regions, dtype=bool)
    area = np.zeros(n_regions)

    def unite(k):
        try:
            u = shapely.coverage_union_all(sorted_geoms[bounds[k] : bounds[k + 1]])
        except shapely.errors.GEOSException:
            # GEOS refuses some broken coverages outright ("incorrectly noded")
            united[k] = shapely.Polygon()
            failed[k] = True
            return
        united[k] = u
        if check:
            # not shapely.is_valid: it wraps GEOS in warnings.catch_warnings(), which is not
            # thread-safe: on several threads the saved filter lists cross, and an "ignore
            # every warning" filter is left behind for the whole process
            valid[k] = shapely.is_valid_reason(u) == "Valid Geometry"
            area[k] = shapely.area(u)

    n_vertices = shapely.get_num_coordinates(sorted_geoms)
    n_threads = _union_threads(int(n_vertices.sum()))
    if n_threads <= 1 or n_regions < 2:
        for k in range(n_regions):
            unite(k)
    else:
        size = np.add.reduceat(n_vertices, bounds[:-1]) if len(n_vertices) else np.zeros(0)
        size = np.where(np.diff(bounds) > 0, size, 0)
        pool = thread_pool(n_threads)
        for job in [pool.submit(unite, k) for k in np.argsort(-size, kind="stable")]:
            job.result()
    has_empty = np.bincount(codes[order], weights=empty, minlength=n_regions) > 0
    ok = ~has_empty & ~failed
    if check:
        planar = np.bincount(codes[order], weights=shapely.area(sorted_geoms), minlength=n_regions)
        ok &= valid
        ok &= np.abs(area - planar) <= 1e-9 * np.maximum(planar, math.ulp(1.0))
    robust = np.flatnonzero(~ok)
    for k in robust:
        united[k] = shapely.union_all(shapely.make_valid(sorted_geoms[bounds[k] : bounds[k + 1]]))
    return list(united), list(robust)
