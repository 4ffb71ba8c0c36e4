"""Geodesic polygon areas on the WGS84 ellipsoid, all the rings of a layer at once.

The ellipsoid is mapped onto its authalic sphere (radius ``R_q``, latitude ``beta``
the authalic latitude), an equal-area map: a ring's area is ``R_q²`` times the area
of its image on the sphere. That image is bounded by the images of the geodesic
edges, which are not quite great circles; so each edge contributes

- the exact area between its great circle and the equator (the spherical
  trapezoid: ``tan(E/2) = tan(dlon/2) (t1 + t2) / (1 + t1 t2)``, ``t = tan(beta/2)``),
- plus the area between the image of the geodesic and that great circle.

The second term: in the sphere's coordinates the ellipsoid's metric is
``g = k² dbeta² + cos²(beta) / k² dlon²``, with ``k = R_q cos(beta) / (N cos(phi))``
the map's scale along the parallels (``1 + O(e²)``). The geodesic of ``g`` between
an edge's end points leaves the great circle (the round metric's geodesic) under the
difference ``dG`` of the two metrics' Christoffel symbols: to leading order in the
edge length ``L`` its displacement to the left is ``y(s) = F s (L - s) / 2`` with
``F`` the left-normal part of ``-dG(T, T)``, so the area between the two curves is
``F L³ / 12 = [3 (k'/k) dx dy² + ((k sin(beta) + k' cos(beta)) / k^5 - sin(beta))
/ cos(beta) dx³] / 12`` (``dx = cos(beta) dlon`` and ``dy = dbeta`` the edge's extents
on the unit sphere, ``k' = dk / dbeta``). Areas on the sphere are areas on the
ellipsoid (the map is equal-area). The term is exact in ``e²`` and ``O(e² L³)``
(about 0.1 m² for a 1 km edge); the neglected part is ``O(L²)`` relative to it. Every
step is one numpy operation over all vertices or all edges, with five transcendental
functions per vertex, instead of the Newton iterations of the inverse geodesic problem
(Karney, "Algorithms for geodesics", J. Geodesy 87, 2013) that pyproj's ``Geod``
solves for every edge; the results agree with it to its own rounding.

The rings this does not cover are flagged and measured by pyproj: rings with an
edge longer than ``_MAX_EDGE``, rings where ten times the neglected part of the bend
(``|bend| L²`` summed) could reach 1e-10 of the ring's area (thin rings with long
edges), rings with a vertex within one degree of a pole, and rings around a pole
(their longitude differences do not sum to zero). The tests check the areas against
pyproj's to 1e-9 relative on the bundled layers, a 1M-cell grid and random polygons.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["ring_areas"]

# WGS84
_A = 6378137.0
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)
_E = math.sqrt(_E2)
_C2 = (_A**2 + _A**2 * (1 - _F) ** 2 * math.atanh(_E) / _E) / 2  # R_q², authalic radius²
_QP = (1 - _E2) * (1 / (1 - _E2) + math.atanh(_E) / _E)  # q at the pole
_RQ = math.sqrt(_C2)

#: Longest edge (radians on the sphere, ~64 km) measured here; rings with longer
#: edges go to pyproj.
_MAX_EDGE = 0.01
#: Safety factor on the neglected O(L²) relative part of the bend, and the relative
#: accuracy kept (rings that could miss it go to pyproj).
_SLACK = 10.0
_RTOL = 1e-10
#: Vertices closer than this to a pole (degrees of latitude) send their ring to pyproj.
_POLAR = 89.0


# Taylor coefficients (highest first) of atanh(x)/x in x², tan(z)/z in z², atan(x)/x in x²
_ATANH = [1 / (2 * j + 1) for j in range(9, -1, -1)]
_TAN = [21844 / 6081075, 1382 / 155925, 62 / 2835, 17 / 315, 2 / 15, 1 / 3, 1.0]
_ATAN = [(-1) ** j / (2 * j + 1) for j in range(6, -1, -1)]
#: Half longitude differences below which tan and atan are their Taylor series (the
#: first neglected terms are below 1e-22 relative).
_SMALL = 0.025


def _horner(coeffs, x):
    y = coeffs[0]
    for c in coeffs[1:]:
        y = y * x + c
    return y


def _vertex_terms(lat):
    """Per vertex: sin and cos of the authalic latitude beta, tan(beta / 2), and the
    two coefficients of the edge term: d ln k / d beta and
    ((k sin(beta) + k' cos(beta)) / k^5 - sin(beta)) / cos(beta)."""
    s = np.sin(np.radians(lat))
    c = np.sqrt((1 - s) * (1 + s))
    es2 = _E2 * s * s
    w2 = 1 - es2
    # q = (1 - e²) (s / w² + atanh(e s) / e), atanh by its series (e s < 0.082)
    q = (1 - _E2) * s * (1 / w2 + _horner(_ATANH, es2))
    sb = q / _QP
    cb = np.sqrt((1 - sb) * (1 + sb))
    t = sb / (1 + cb)
    # k = R_q cos(beta) / (N cos(phi)), the map's scale along the parallels;
    # d beta / d phi = M / (R_q k); d ln k / d beta from d ln k / d phi
    w = np.sqrt(w2)
    k = (_RQ / _A) * cb * w / c
    dbeta = (_A * (1 - _E2) / _RQ) / (w2 * w * k)
    dlnk = (s / c - _E2 * s * c / w2) / dbeta - sb / cb
    k2 = k * k
    across = ((sb + cb * dlnk) / (k2 * k2) - sb) / cb
    return sb, cb, t, dlnk, across


def _trapezoid(dlon, t1, t2):
    """2 atan(tan(dlon / 2) (t1 + t2) / (1 + t1 t2)), by series for short edges."""
    z = dlon / 2
    m = (t1 + t2) / (1 + t1 * t2)
    z2 = z * z
    x = z * _horner(_TAN, z2) * m
    out = 2 * x * _horner(_ATAN, x * x)
    big = np.flatnonzero(np.abs(z) >= _SMALL)
    if len(big):
        out[big] = 2 * np.arctan(np.tan(z[big]) * m[big])
    return out


def _lon_diff(lon1, lon2):
    """lon2 - lon1 reduced to [-180, 180] (degrees)."""
    d = lon2 - lon1
    return d - 360.0 * np.rint(d / 360.0)


def ring_areas(lon, lat, bounds):
    """Absolute geodesic area (m²) of each ring ``lon[bounds[r]:bounds[r+1]]``.

    Parameters
    ----------
    lon, lat : numpy.ndarray
        Vertices in degrees, all rings one after the other; a ring may repeat its
        first vertex at its end (as shapely's do) or not.
    bounds : numpy.ndarray of int
        Start of each ring, and the total length last.

    Returns
    -------
    numpy.ndarray
        One area per ring; NaN for the rings left to pyproj (see the module
        docstring).
    """
    n_rings = len(bounds) - 1
    counts = np.diff(bounds)
    # edge i runs from vertex i to vertex nxt[i]; the last vertex of a ring closes it
    nxt = np.arange(1, len(lon) + 1)
    has = counts > 0
    nxt[bounds[1:][has] - 1] = bounds[:-1][has]
    ring = np.repeat(np.arange(n_rings), counts)

    sb, cb, t, dlnk, across = _vertex_terms(lat)
    dlon = np.radians(_lon_diff(lon, lon[nxt]))
    t1, t2 = t, t[nxt]
    # exact: the spherical trapezoid between the great circle and the equator
    trapezoid = _trapezoid(dlon, t1, t2)
    # the geodesic's image lies kappa s (L - s) / 2 to the left of the great circle
    cbm = (cb + cb[nxt]) / 2
    dx = cbm * dlon
    dy = (sb[nxt] - sb) / cbm
    dx2 = dx * dx
    ell2 = dx2 + dy * dy
    bend = (3 * (dlnk + dlnk[nxt]) / 2 * dy * dy + (across + across[nxt]) / 2 * dx2) * dx / 12
    total = np.bincount(ring, weights=trapezoid + bend, minlength=n_rings)

    # rings left to pyproj: long edges, polar vertices, a net crossing of the
    # antimeridian (a ring around a pole)
    hard = (ell2 > _MAX_EDGE**2) | (np.abs(lat) > _POLAR)
    bad = np.bincount(ring, weights=hard, minlength=n_rings) > 0
    # the bend is exact to O(L²) relative: rings where that could reach 1e-10 of
    # their area (thin rings with long edges) are measured by pyproj
    slack = np.bincount(ring, weights=np.abs(bend) * ell2, minlength=n_rings)
    bad |= _SLACK * slack > _RTOL * np.abs(total)
    turns = np.bincount(ring, weights=dlon, minlength=n_rings)
    bad |= np.abs(turns) > 1e-6
    area = np.abs(total) * _C2
    area[bad] = np.nan
    return area
