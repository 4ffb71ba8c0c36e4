"""Spatial weights from a unit layer, as ``libpysal.graph.Graph`` indexed by unit id.

Four kinds of neighbourhood are built here:

``queen``
    Two units are neighbours when their boundaries share at least one vertex
    (exactly equal coordinates).
``rook``
    Two units are neighbours when their boundaries share at least one edge: two
    consecutive vertices of a ring of one unit are also consecutive vertices of a
    ring of the other (in either direction).
``knn``
    Each unit's ``k`` nearest units by great-circle distance between unit points.
``distance``
    All units whose points lie within ``threshold_km`` great-circle kilometres.

The contiguity definitions are those of libpysal's default, vertex-based
``Graph.build_contiguity`` (``strict=False``): they assume a topologically clean
coverage, where neighbours carry the same vertices along their common border (as
boundary layers cut from one topology do). Two edge cases differ, both by design:
libpysal also pairs the last vertex of one ring with the first vertex of the next
ring of the same polygon (a "phantom" edge no boundary has) and counts zero-length
edges (a repeated vertex); here edges are taken within rings only and zero-length
edges are skipped. Neither occurs in practice on real layers.

The contiguity builder is vectorised: it takes every vertex of every ring at once
(``shapely.get_coordinates``), sorts them once to give each distinct coordinate an
integer id, and finds the units that share a vertex id (queen) or a pair of
consecutive vertex ids (rook) with numpy sorts — no per-polygon Python loop.

Great-circle distances are on a sphere of radius :data:`EARTH_RADIUS_KM`
(the IUGG mean Earth radius, 6371.0088 km). Unit points are polygon centroids
computed in a Lambert azimuthal equal-area projection centred on the layer (or
representative points, or the points themselves for a point layer).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.spatial import cKDTree

from geoagglom.compute import is_dask, require_dask
from geoagglom.errors import InputError, SpatialWeightsWarning, format_ids
from geoagglom.options import ISLANDS, TRANSFORMS, WEIGHTS

__all__ = [
    "EARTH_RADIUS_KM",
    "SpatialWeightsWarning",
    "as_graph",
    "contiguity_pairs",
    "great_circle_km",
    "spatial_weights",
    "unit_points",
]

#: Mean Earth radius (IUGG), km, used for all great-circle distances.
EARTH_RADIUS_KM = 6371.0088


def _graph_class():
    """``libpysal.graph.Graph``, imported on first use: importing libpysal takes ~2 s
    (it pulls scipy.stats, scikit-learn and numba), which ``import geoagglom.spatial``
    and a statistic on a Graph the caller already built should not pay."""
    from libpysal.graph import Graph

    return Graph


# --------------------------------------------------------------------------- #
# Graph helpers
# --------------------------------------------------------------------------- #
def as_graph(w):
    """Return ``w`` as a ``libpysal.graph.Graph``.

    Parameters
    ----------
    w : libpysal.graph.Graph or libpysal.weights.W
        Weights; a legacy ``W`` is converted with ``Graph.from_W`` (its ids
        become the Graph's unit ids, its current transformation is kept).

    Returns
    -------
    libpysal.graph.Graph
    """
    # w (or its class) comes from libpysal, which is then loaded already
    if any(c.__module__.split(".")[0] == "libpysal" for c in type(w).__mro__):
        Graph = _graph_class()
        if isinstance(w, Graph):
            return w
        from libpysal.weights import W

        if isinstance(w, W):
            return Graph.from_W(w)
    raise InputError(
        f"weights must be a libpysal.graph.Graph or libpysal.weights.W, got {type(w).__name__}; "
        "build them with geoagglom.spatial_weights(layer, kind='queen')."
    )


def _graph_from_pairs(ids, heads, tails, weights=None):
    """Build a Graph over ``ids`` from integer position pairs.

    Focal and neighbour rows are sorted in the order of ``ids`` (as libpysal's own
    builders do) and units without neighbours become zero-weight self-loops, the
    Graph's encoding of islands.

    The adjacency's MultiIndex is built directly from the sorted positions (levels
    ``ids``, codes the positions), which is exactly what ``Graph.from_arrays``
    produces after its re-sorting, so the Graph is created with ``is_sorted=True``
    and no per-row re-indexing.
    """
    n = len(ids)
    # int32 positions (the dask path's compact pairs) are kept as they are: they are
    # the MultiIndex codes pandas would make of int64 ones below 2**31 units
    heads, tails = _positions(heads), _positions(tails)
    if weights is None:
        weights = np.ones(len(heads), dtype=np.int64)
    weights = np.asarray(weights)
    has = np.zeros(n, dtype=bool)
    has[heads] = True
    isl = np.flatnonzero(~has)
    if len(isl):
        heads = np.concatenate([heads, isl])
        tails = np.concatenate([tails, isl])
        weights = np.concatenate([weights, np.zeros(len(isl), dtype=weights.dtype)])
    if len(heads) > 1 and not _is_sorted_pairs(heads, tails):
        order = np.lexsort((tails, heads))
        heads, tails, weights = heads[order], tails[order], weights[order]
    Graph = _graph_class()
    ids = np.asarray(ids)
    level = pd.Index(ids)
    if isinstance(level, pd.MultiIndex) or not level.is_unique:
        # tuple ids (or duplicates, refused upstream): leave it to libpysal
        return Graph.from_arrays(ids[heads], ids[tails], weights)
    index = pd.MultiIndex(
        levels=[level, level],
        codes=[heads, tails],
        names=["focal", "neighbor"],
        verify_integrity=False,
    )
    return Graph(pd.Series(weights, index=index, name="weight"), is_sorted=True)


def _positions(a):
    """Integer positions as an int32 or int64 array (others converted to int64)."""
    a = np.asarray(a)
    return a if a.dtype in (np.int32, np.int64) else a.astype(np.int64)


def _is_sorted_pairs(heads, tails):
    """True when (heads, tails) is sorted by head, then tail."""
    dh = np.diff(heads)
    if (dh < 0).any():
        return False
    return bool(((dh > 0) | (np.diff(tails) > 0)).all())


def _level_positions(ids, index, k):
    """Positions in ``ids`` of level ``k`` of the adjacency's MultiIndex: from its codes
    (one lookup per distinct id, not per pair)."""
    if isinstance(index, pd.MultiIndex):
        level, codes = index.levels[k], np.asarray(index.codes[k])
        if not (codes < 0).any():
            if level.equals(ids):
                return codes.astype(np.intp)
            return ids.get_indexer(level)[codes]
    return ids.get_indexer(index.get_level_values(k))


def _graph_positions(graph):
    """Return (heads, tails, weights) as integer positions into ``graph.unique_ids``.

    Zero-weight self-loops (islands) are left out. The weights may share memory with
    the graph: do not modify them in place.
    """
    adj = graph.adjacency
    ids = graph.unique_ids
    focal, neigh = (_level_positions(ids, adj.index, k) for k in (0, 1))
    w = adj.to_numpy()
    drop = (focal == neigh) & (w == 0)
    if not drop.any():
        return focal, neigh, w
    keep = ~drop
    return focal[keep], neigh[keep], w[keep]


# --------------------------------------------------------------------------- #
# Contiguity
# --------------------------------------------------------------------------- #
_C1 = np.uint64(0xFF51AFD7ED558CCD)
_C2 = np.uint64(0xC4CEB9FE1A85EC53)


def _fmix64(k):
    """MurmurHash3's 64-bit finaliser (a bijection whose every output bit depends on
    every input bit); ``k`` is modified in place and returned."""
    k ^= k >> np.uint64(33)
    k *= _C1
    k ^= k >> np.uint64(33)
    k *= _C2
    k ^= k >> np.uint64(33)
    return k


def _pair_hash(a, b):
    """64-bit hash of two uint64 arrays; its high bits depend on every input bit.

    Only the high bits are used to group equal values (the low bits carry
    positions in :func:`_groups_by_hash`); equal inputs always give equal hashes
    and the rare collisions are resolved by comparing the inputs themselves.
    (A full finaliser on both inputs: a plain multiplicative hash groups the
    integer-valued coordinates of regular grids into long colliding runs.)
    """
    with np.errstate(over="ignore"):
        h = _fmix64(a.copy())
        h ^= b
        return _fmix64(h)


def _coord_hash(xy):
    # ``+ 0.0`` turns -0.0 into 0.0 so that equal coordinates have equal bits
    bits = (xy + 0.0).view(np.uint64)
    return _pair_hash(bits[:, 0], bits[:, 1])


def _groups_by_hash(h):
    """Sort by hash and return positions of the elements whose hash is shared.

    Returns ``(pos, run)``: positions into ``h`` (sorted by hash) of elements
    whose hash value occurs at least twice, and the hash value's run number.
    One ``np.sort`` of uint64 keys that carry the position in their low bits
    (a cheaper single-array sort than an argsort).
    """
    m = len(h)
    pbits = max(int(m - 1).bit_length(), 1)
    mask = np.uint64((1 << pbits) - 1)
    key = h & ~mask
    key |= np.arange(m, dtype=np.uint64)
    key.sort()
    hk = key & ~mask
    same = hk[1:] == hk[:-1]
    inrun = np.zeros(m, dtype=bool)
    inrun[1:] = same
    inrun[:-1] |= same
    key = key[inrun]
    hk = hk[inrun]
    start = np.ones(len(hk), dtype=bool)
    start[1:] = hk[1:] != hk[:-1]
    return (key & mask).astype(np.int64), np.cumsum(start)


def _pairs_within_runs(run, eq):
    """Candidate (i, j) index pairs inside equal-hash runs.

    ``eq(i, j)`` tells which candidate pairs really are equal (hash collisions
    are rare but possible, so they are always checked on the coordinates).
    """
    first, second = [], []
    step = run[1:] == run[:-1]
    i = np.flatnonzero(step)
    d = 1
    while len(i):
        # i + d is in the same run as i exactly when i + d - 1 is and the step
        # from i + d - 1 to i + d stays in the run: the candidates only shrink
        j = i + d
        ok = eq(i, j)
        first.append(i[ok])
        second.append(j[ok])
        i = i[j < len(step)]
        i = i[step[i + d]]
        d += 1
    if not first:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(first), np.concatenate(second)


def _unique_unit_pairs(a, b, n):
    """Symmetric, de-duplicated (head, tail) unit pairs, a != b, sorted by head, tail.

    One sort of the undirected pair codes removes duplicates; a sparse CSR matrix
    then lays out both directions by head. Memory is proportional to the pairs,
    never to ``n * n``.
    """
    keep = a != b
    a, b = a[keep], b[keep]
    if len(a) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    code = np.minimum(a, b) * n + np.maximum(a, b)
    code.sort()
    code = code[np.concatenate([[True], code[1:] != code[:-1]])]
    lo, hi = np.divmod(code, n)
    # both directions, grouped by head with a counting sort (CSR construction);
    # each head's tails come out sorted
    mat = sparse.csr_array(
        (np.ones(2 * len(lo), dtype=np.int8), (np.concatenate([lo, hi]), np.concatenate([hi, lo]))),
        shape=(n, n),
    )
    mat.sort_indices()
    heads = np.repeat(np.arange(n, dtype=np.int64), np.diff(mat.indptr))
    return heads, mat.indices.astype(np.int64)


def contiguity_pairs(geoms, rook=False):
    """Neighbour pairs of polygons by shared vertices (queen) or shared edges (rook).

    Parameters
    ----------
    geoms : array-like of shapely Polygon / MultiPolygon
    rook : bool, default False
        Share at least one edge (rook) instead of at least one vertex (queen).

    Returns
    -------
    heads, tails : numpy.ndarray of int64
        Positions into ``geoms``; every pair appears in both directions, sorted
        by head then tail. Units without neighbours do not appear.

    Notes
    -----
    Every vertex (or edge) gets a 64-bit hash of its exact coordinates; one sort
    groups equal hashes, and candidate pairs within a group are confirmed by
    comparing the coordinates themselves, so the result is exact.
    """
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    if not rook:
        xy, unit = shapely.get_coordinates(geoms, return_index=True)
        if len(xy) == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64)
        x, y = xy[:, 0], xy[:, 1]
        pos, run = _groups_by_hash(_coord_hash(xy))
        px, py, pu = x[pos], y[pos], unit[pos]
        # a unit's repeats of one vertex (a ring's closing vertex, shared ring
        # vertices) sit next to each other in a run, whose positions are sorted:
        # drop them before pairing
        rep = np.zeros(len(pos), dtype=bool)
        rep[1:] = (
            (run[1:] == run[:-1]) & (pu[1:] == pu[:-1]) & (px[1:] == px[:-1]) & (py[1:] == py[:-1])
        )
        if rep.any():
            keep = ~rep
            run, px, py, pu = run[keep], px[keep], py[keep], pu[keep]
        i, j = _pairs_within_runs(run, lambda i, j: (px[i] == px[j]) & (py[i] == py[j]))
        return _unique_unit_pairs(pu[i], pu[j], n)

    parts, part_of = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    ring_len = shapely.get_num_coordinates(rings)
    xy = shapely.get_coordinates(rings)
    if len(xy) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    unit = np.repeat(part_of[ring_part], ring_len)
    x, y = xy[:, 0], xy[:, 1]
    hv = _coord_hash(xy)
    # edge k joins coordinate k and k+1 of the same ring; skip ring ends and
    # zero-length edges
    ok = np.ones(len(x) - 1, dtype=bool)
    last = np.cumsum(ring_len) - 1
    ok[last[last < len(ok)]] = False
    ok &= (x[:-1] != x[1:]) | (y[:-1] != y[1:])
    e = np.flatnonzero(ok)
    ha, hb = hv[e], hv[e + 1]
    he = _pair_hash(np.minimum(ha, hb), np.maximum(ha, hb))
    pos, run = _groups_by_hash(he)
    s = e[pos]
    ax, ay, bx, by = x[s], y[s], x[s + 1], y[s + 1]

    def same_edge(i, j):
        a_eq_a = (ax[i] == ax[j]) & (ay[i] == ay[j])
        b_eq_b = (bx[i] == bx[j]) & (by[i] == by[j])
        a_eq_b = (ax[i] == bx[j]) & (ay[i] == by[j])
        b_eq_a = (bx[i] == ax[j]) & (by[i] == ay[j])
        return (a_eq_a & b_eq_b) | (a_eq_b & b_eq_a)

    i, j = _pairs_within_runs(run, same_edge)
    return _unique_unit_pairs(unit[s[i]], unit[s[j]], n)


# --------------------------------------------------------------------------- #
# Points and great-circle distance
# --------------------------------------------------------------------------- #
def unit_points(layer, points="centroid"):
    """Longitude/latitude (degrees) of one point per unit.

    Parameters
    ----------
    layer : geopandas.GeoDataFrame or GeoSeries
        Any CRS (must be set).
    points : {'centroid', 'representative'}
        Polygon centroids (computed in a Lambert azimuthal equal-area projection
        centred on the layer, so they are not distorted by the lon/lat grid) or
        representative points (always inside the polygon). Point layers use the
        points themselves.

    Returns
    -------
    numpy.ndarray, shape (n, 2)
        Longitude, latitude in degrees (WGS 84).
    """
    import geopandas as gpd

    gs = layer.geometry if isinstance(layer, gpd.GeoDataFrame) else layer
    if gs.crs is None:
        raise InputError(
            "the layer has no CRS, so distances cannot be computed; set it with "
            "layer.set_crs(...) (e.g. 'EPSG:4326' for longitude/latitude)."
        )
    ll = gs.to_crs(4326)
    if ll.geom_type.isin(["Point"]).all():
        pts = ll
    else:
        if points not in ("centroid", "representative"):
            raise InputError(f"points must be 'centroid' or 'representative', got {points!r}.")
        if points == "representative":
            pts = ll.representative_point()
        else:
            minx, miny, maxx, maxy = ll.total_bounds
            lon0, lat0 = (minx + maxx) / 2.0, (miny + maxy) / 2.0
            laea = f"+proj=laea +lat_0={lat0} +lon_0={lon0} +ellps=WGS84 +units=m +no_defs"
            pts = ll.to_crs(laea).centroid.to_crs(4326)
    return shapely.get_coordinates(pts.values)


def _unit_vectors(lonlat):
    lon = np.radians(lonlat[:, 0])
    lat = np.radians(lonlat[:, 1])
    c = np.cos(lat)
    return np.column_stack([c * np.cos(lon), c * np.sin(lon), np.sin(lat)])


def great_circle_km(lonlat_a, lonlat_b):
    """Great-circle distance, km, between matching rows of two lon/lat arrays.

    Parameters
    ----------
    lonlat_a, lonlat_b : array-like, shape (m, 2)
        Longitude and latitude in degrees.

    Returns
    -------
    numpy.ndarray, shape (m,)
        Distances on a sphere of radius :data:`EARTH_RADIUS_KM`.
    """
    a = _unit_vectors(np.atleast_2d(np.asarray(lonlat_a, dtype=float)))
    b = _unit_vectors(np.atleast_2d(np.asarray(lonlat_b, dtype=float)))
    cross = np.linalg.norm(np.cross(a, b), axis=1)
    dot = np.einsum("ij,ij->i", a, b)
    return EARTH_RADIUS_KM * np.arctan2(cross, dot)


def _chord(km):
    return 2.0 * np.sin(np.asarray(km, dtype=float) / (2.0 * EARTH_RADIUS_KM))


def _knn_pairs(xyz, k, candidates=None):
    """k nearest neighbours (excluding self) on the sphere; positions."""
    n = len(xyz)
    tree = cKDTree(xyz)
    kk = min(k + 1, n)
    _, idx = tree.query(xyz, k=kk)
    idx = np.atleast_2d(idx)
    heads, tails = [], []
    for col in range(idx.shape[1]):
        heads.append(np.arange(n))
        tails.append(idx[:, col])
    h = np.concatenate(heads)
    t = np.concatenate(tails)
    keep = h != t
    h, t = h[keep], t[keep]
    # if a unit shares its location with others, self may be missing from the
    # first k+1 results: keep exactly k per unit, nearest first
    order = np.lexsort((np.repeat(np.arange(idx.shape[1]), n)[keep], h))
    h, t = h[order], t[order]
    rank = np.arange(len(h)) - np.searchsorted(h, h)
    sel = rank < k
    return h[sel], t[sel]


def _check_unit_ids(index):
    """The number of units, after checking the ids are present, unique and at least 2."""
    if index.hasnans:
        raise InputError("the layer's index (unit ids) contains missing values; fill them.")
    if not index.is_unique:
        dup = index[index.duplicated()].unique()
        raise InputError(
            f"unit ids must be unique; duplicated: {format_ids(dup)}. "
            "Dissolve the duplicates or give each unit its own id."
        )
    n = len(index)
    if n < 2:
        raise InputError(f"a weights graph needs at least 2 units; the layer has {n}.")
    return n


# --------------------------------------------------------------------------- #
# The public builder
# --------------------------------------------------------------------------- #
def spatial_weights(
    layer,
    kind="queen",
    *,
    islands="raise",
    k=None,
    threshold_km=None,
    transform="r",
    nearest_k=1,
    points="centroid",
    ids=None,
):
    """Spatial weights of a unit layer as a ``libpysal.graph.Graph`` indexed by unit id.

    Parameters
    ----------
    layer : geopandas.GeoDataFrame, GeoSeries or dask_geopandas.GeoDataFrame
        One row per unit, indexed by unit id (any hashable, unique). Any CRS;
        contiguity is read from the geometries as they are, distances are
        great-circle kilometres on WGS 84 longitude/latitude. A dask-geopandas
        layer gets its queen/rook pairs partition by partition, each with a halo
        of the other partitions' units whose bounding boxes meet its own, and
        gives the same Graph as in memory (see :mod:`geoagglom.compute`); for
        ``knn``/``distance`` it is gathered first.
    kind : {'queen', 'rook', 'knn', 'distance'}, default 'queen'
        ``queen``: share at least one vertex; ``rook``: share at least one edge;
        ``knn``: the ``k`` nearest units (asymmetric in general);
        ``distance``: all units within ``threshold_km`` (binary distance band).
    islands : {'raise', 'drop', 'nearest'}, default 'raise'
        What to do with units that have no neighbour: raise an
        :class:`~geoagglom.errors.InputError` naming them; drop them from the
        graph (the graph then covers the other units only); or attach each one
        to its ``nearest_k`` nearest units by great-circle distance, in both
        directions (so a symmetric graph stays symmetric). Dropping and
        attaching are reported with a :class:`SpatialWeightsWarning`.
    k : int, optional
        Number of neighbours for ``kind='knn'`` (required there).
    threshold_km : float, optional
        Distance band for ``kind='distance'`` (required there), km, inclusive.
    transform : {'r', 'b'}, default 'r'
        Row-standardised (each unit's weights sum to 1) or binary (1 per link).
    nearest_k : int, default 1
        How many nearest units an island is attached to under ``islands='nearest'``.
    points : {'centroid', 'representative'}, default 'centroid'
        Which point stands for a polygon in distance computations.
    ids : str, optional
        Column holding the unit ids; by default the layer's index.

    Returns
    -------
    libpysal.graph.Graph
        Indexed by unit id in the layer's order. ``graph.n_components`` and
        ``graph.component_labels`` describe connectivity; when there is more than
        one component a :class:`SpatialWeightsWarning` lists their sizes.

    Raises
    ------
    InputError
        Unknown option, missing ``k``/``threshold_km``, duplicated or missing ids,
        empty or non-polygon geometries for contiguity, fewer than 2 units, or
        islands under ``islands='raise'``.

    Notes
    -----
    Contiguity follows libpysal's vertex-based ``Graph.build_contiguity``
    (``strict=False``) and gives the same neighbour sets on clean coverages; see
    the module docstring for the two degenerate cases treated differently.
    """
    if is_dask(layer):
        require_dask("spatial_weights on a dask frame")
        if kind in ("queen", "rook"):
            return _spatial_weights_dask(layer, kind, islands, transform, nearest_k, points, ids)
        # knn and distance need only one point per unit: gather the layer
        layer = layer.compute()
    import geopandas as gpd

    if not isinstance(layer, gpd.GeoDataFrame | gpd.GeoSeries):
        raise InputError(
            f"layer must be a GeoDataFrame or GeoSeries, got {type(layer).__name__}; "
            "read it with geopandas.read_file(...) or geoagglom.load_layer(...)."
        )
    WEIGHTS.check(kind, "kind")
    ISLANDS.check(islands, "islands")
    TRANSFORMS.check(transform, "transform")
    if ids is not None:
        if not isinstance(layer, gpd.GeoDataFrame) or ids not in layer.columns:
            raise InputError(f"ids column {ids!r} is not a column of the layer.")
        layer = layer.set_index(ids)
    index = pd.Index(layer.index)
    n = _check_unit_ids(index)
    geom = layer.geometry
    empty = geom.isna() | geom.is_empty
    if empty.any():
        raise InputError(
            f"units with missing or empty geometry: {format_ids(index[empty.to_numpy()])}; "
            "drop them or repair their geometry."
        )
    ids_arr = index.to_numpy()
    lonlat = None

    if kind in ("queen", "rook"):
        bad = ~geom.geom_type.isin(["Polygon", "MultiPolygon"])
        if bad.any():
            raise InputError(
                f"{kind} contiguity needs polygons; units with other geometry types: "
                f"{format_ids(index[bad.to_numpy()])}. Use kind='knn' or 'distance' for points."
            )
        heads, tails = contiguity_pairs(geom.values, rook=(kind == "rook"))
    elif kind == "knn":
        if k is None or int(k) != k or k < 1:
            raise InputError(f"kind='knn' needs a positive integer k, got k={k!r}.")
        k = int(k)
        if k >= n:
            raise InputError(f"k={k} must be smaller than the number of units ({n}).")
        lonlat = unit_points(layer, points)
        heads, tails = _knn_pairs(_unit_vectors(lonlat), k)
    else:
        if threshold_km is None or not np.isfinite(threshold_km) or threshold_km <= 0:
            raise InputError(
                f"kind='distance' needs a positive threshold_km, got {threshold_km!r}."
            )
        lonlat = unit_points(layer, points)
        xyz = _unit_vectors(lonlat)
        # a small tolerance so that a pair at exactly threshold_km stays in
        pairs = cKDTree(xyz).query_pairs(
            float(_chord(threshold_km)) * (1 + 1e-12), output_type="ndarray"
        )
        heads = np.concatenate([pairs[:, 0], pairs[:, 1]]).astype(np.int64)
        tails = np.concatenate([pairs[:, 1], pairs[:, 0]]).astype(np.int64)

    return _finish_graph(
        heads,
        tails,
        ids_arr,
        kind,
        islands,
        nearest_k,
        transform,
        lambda: lonlat if lonlat is not None else unit_points(layer, points),
    )


def _finish_graph(heads, tails, ids_arr, kind, islands, nearest_k, transform, get_lonlat):
    """Island policy, Graph and transformation from position pairs (shared by the
    in-memory and the dask paths); ``get_lonlat()`` gives the unit points when an
    island must be attached to its nearest units."""
    n = len(ids_arr)
    has = np.zeros(n, dtype=bool)
    has[heads] = True
    island_pos = np.flatnonzero(~has)
    keep_ids = ids_arr
    if len(island_pos):
        names = format_ids(ids_arr[island_pos])
        if islands == "raise":
            raise InputError(
                f"{len(island_pos)} unit(s) have no {kind} neighbour (islands): {names}. "
                "Choose a policy: islands='drop' leaves them out of the analysis, "
                "islands='nearest' attaches each to its nearest unit(s) (nearest_k=...); "
                "or use kind='knn'."
            )
        if islands == "drop":
            if len(island_pos) > n - 2:
                raise InputError(
                    f"dropping the islands ({names}) leaves fewer than 2 units; "
                    "use islands='nearest' or kind='knn'."
                )
            keep = has
            newpos = np.cumsum(keep) - 1
            heads, tails = newpos[heads], newpos[tails]
            keep_ids = ids_arr[keep]
            warnings.warn(
                f"dropped {len(island_pos)} island(s) without {kind} neighbours: {names}. "
                "They are not part of the graph; statistics will cover the other units.",
                SpatialWeightsWarning,
                stacklevel=3,
            )
        else:
            lonlat = get_lonlat()
            xyz = _unit_vectors(lonlat)
            kk = min(int(nearest_k), n - 1)
            if kk < 1:
                raise InputError(f"nearest_k must be a positive integer, got {nearest_k!r}.")
            h_all, t_all = _knn_pairs(xyz, kk)
            sel = np.isin(h_all, island_pos)
            h_new, t_new = h_all[sel], t_all[sel]
            heads = np.concatenate([heads, h_new, t_new], dtype=np.int64)
            tails = np.concatenate([tails, t_new, h_new], dtype=np.int64)
            code = np.unique(heads * n + tails)
            heads, tails = np.divmod(code, n)
            detail = "; ".join(
                f"{format_ids([ids_arr[i]])}→{format_ids(ids_arr[t_new[h_new == i]])}"
                for i in island_pos[:20]
            )
            if len(island_pos) > 20:
                detail += f"; … and {len(island_pos) - 20} more"
            warnings.warn(
                f"attached {len(island_pos)} island(s) to their {kk} nearest unit(s) "
                f"by great-circle distance: {detail}.",
                SpatialWeightsWarning,
                stacklevel=3,
            )

    # the components from the pairs (int8 entries), not from graph.sparse, which
    # libpysal would build from the float weights and keep on the Graph
    n_comp, labels = sparse.csgraph.connected_components(
        sparse.coo_array(
            (np.ones(len(heads), dtype=np.int8), (heads, tails)), shape=(len(keep_ids),) * 2
        ),
        directed=False,
    )
    graph = _graph_from_pairs(keep_ids, heads, tails)
    del heads, tails
    graph = graph.transform(transform.upper() if transform == "b" else "r")
    if n_comp > 1:
        sizes = pd.Series(labels).value_counts()
        warnings.warn(
            f"the {kind} graph has {n_comp} disconnected components (sizes: "
            f"{', '.join(str(s) for s in sizes.to_numpy()[:10])}"
            f"{', …' if n_comp > 10 else ''}); see graph.component_labels. "
            "Spatial statistics are still defined, but units in different components "
            "never influence each other.",
            SpatialWeightsWarning,
            stacklevel=3,
        )
    return graph


# --------------------------------------------------------------------------- #
# Contiguity of a dask-geopandas layer: partitions with a halo
# --------------------------------------------------------------------------- #
def _partition_info(part):
    """Bounds of a partition's units, and its missing/empty and non-polygon units."""
    geoms = np.asarray(part.geometry.values)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    nonpoly = ~np.isin(shapely.get_type_id(geoms), (3, 6)) & ~missing
    bounds = shapely.bounds(geoms)
    box = None
    if len(geoms) and not missing.all():
        ok = bounds[~missing]
        box = (ok[:, 0].min(), ok[:, 1].min(), ok[:, 2].max(), ok[:, 3].max())
    return box, part.index[missing], part.index[nonpoly]


def _halo(part, box, offset):
    """Units of ``part`` whose bounding box meets ``box`` (closed): geometries and
    global positions."""
    geoms = np.asarray(part.geometry.values)
    b = shapely.bounds(geoms)
    keep = (b[:, 0] <= box[2]) & (b[:, 2] >= box[0]) & (b[:, 1] <= box[3]) & (b[:, 3] >= box[1])
    return geoms[keep], offset + np.flatnonzero(keep)


def _pairs_with_halo(part, offset, halos, rook, dtype):
    """Contiguity pairs whose head is in ``part``, found among ``part`` and its halo
    (every unit touching a unit of ``part`` has a bounding box meeting the
    partition's), as global positions of ``dtype``, sorted by head then tail."""
    own = np.asarray(part.geometry.values)
    geoms = np.concatenate([own, *[g for g, _ in halos]])
    pos = np.concatenate([offset + np.arange(len(own)), *[p for _, p in halos]]).astype(np.int64)
    h, t = contiguity_pairs(geoms, rook=rook)
    keep = h < len(own)
    h, t = pos[h[keep]], pos[t[keep]]
    # the heads come ascending (the partition's own units, in order); halo tails do not
    order = np.lexsort((t, h))
    return h[order].astype(dtype), t[order].astype(dtype)


def _spatial_weights_dask(ddf, kind, islands, transform, nearest_k, points, ids):
    """Queen/rook weights of a dask-geopandas layer, partition by partition with a halo
    of the units of other partitions that can touch it; the same Graph as in memory."""
    import dask

    WEIGHTS.check(kind, "kind")
    ISLANDS.check(islands, "islands")
    TRANSFORMS.check(transform, "transform")
    if ids is not None:
        if ids not in ddf.columns:
            raise InputError(f"ids column {ids!r} is not a column of the layer.")
        ddf = ddf.set_index(ids, sort=False)
    parts = ddf.to_delayed()
    info = dask.compute(*[dask.delayed(_partition_info)(p) for p in parts])
    index = pd.Index(ddf.index.compute())
    _check_unit_ids(index)
    missing = [u for _, m, _ in info for u in m]
    if missing:
        raise InputError(
            f"units with missing or empty geometry: {format_ids(missing)}; "
            "drop them or repair their geometry."
        )
    nonpoly = [u for _, _, b in info for u in b]
    if nonpoly:
        raise InputError(
            f"{kind} contiguity needs polygons; units with other geometry types: "
            f"{format_ids(nonpoly)}. Use kind='knn' or 'distance' for points."
        )
    lengths = dask.compute(*[dask.delayed(len)(p) for p in parts])
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    boxes = [box for box, _, _ in info]

    def meets(a, b):
        return a[0] <= b[2] and a[2] >= b[0] and a[1] <= b[3] and a[3] >= b[1]

    # compact pairs: int32 positions below 2**31 units (the Graph's codes), each
    # partition's sorted by head then tail on its worker; the partitions' heads are
    # consecutive ranges, so their concatenation is sorted too
    itype = np.int32 if len(index) < 2**31 else np.int64
    tasks = []
    for p, box in enumerate(boxes):
        if box is None:
            continue
        halos = [
            dask.delayed(_halo)(parts[q], box, offsets[q])
            for q, other in enumerate(boxes)
            if q != p and other is not None and meets(box, other)
        ]
        tasks.append(
            dask.delayed(_pairs_with_halo)(parts[p], offsets[p], halos, kind == "rook", itype)
        )
    found = list(dask.compute(*tasks))
    heads = np.concatenate([h for h, _ in found]) if found else np.empty(0, itype)
    tails = np.concatenate([t for _, t in found]) if found else np.empty(0, itype)
    del found  # one copy of the pairs from here on

    def lonlat():
        return unit_points(ddf.compute(), points)

    return _finish_graph(
        heads, tails, index.to_numpy(), kind, islands, nearest_k, transform, lonlat
    )


def _sparse_weights(graph):
    """CSR matrix of the graph in ``graph.unique_ids`` order (islands give empty rows)."""
    h, t, w = _graph_positions(graph)
    n = len(graph.unique_ids)
    return sparse.csr_array((w.astype(float), (h, t)), shape=(n, n))
