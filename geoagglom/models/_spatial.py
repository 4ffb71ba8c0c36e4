"""Weights, log-determinants and traces for the spatial models.

Two regimes, chosen by the number of units ``n``:

``n <= SMALL_N`` (1,500, spatialreg's ``small``)
    The eigenvalues of ``W`` are computed once. ``log|I - rho W| = sum log(1 - rho
    lambda_i)``; the admissible interval of rho is ``(1/lambda_min, 1/lambda_max)``;
    impacts are exact (from the eigenvalues); the powers' traces are exact
    (``tr W^p = sum lambda_i^p``). When ``W`` is a row-standardised symmetric
    binary graph, the eigenvalues are those of the symmetric similar matrix
    ``D^1/2 W D^-1/2`` (real, as spatialreg's ``method = "eigen"``).
``n > SMALL_N``
    ``log|I - rho W|`` from a sparse LU factorisation (``scipy.sparse.linalg.splu``)
    at every rho; the interval is ``(-1, 1)`` for row-standardised weights and
    ``(1/lambda_min, 1/lambda_max)`` from ARPACK otherwise; the traces of
    ``W^p`` (``p >= 3``) are Monte Carlo estimates (Hutchinson, seeded).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse import linalg as splinalg

from geoagglom.errors import IslandError, SingularFilterError, format_ids
from geoagglom.spatial.weights import _graph_positions, as_graph

#: Up to this many units, eigenvalues (exact log-determinant, impacts and traces).
SMALL_N = 1500


class _SpatialW:
    """Sparse ``W`` in unit order with what the likelihood and impacts need."""

    def __init__(self, w, transform=None):
        graph = as_graph(w)
        if transform is not None:
            graph = graph.transform(transform)
        ids = pd.Index(graph.unique_ids)
        self.ids = ids.rename(None) if ids.name == "focal" else ids
        n = len(self.ids)
        self.n = n
        h, t, v = _graph_positions(graph)
        v = np.asarray(v, dtype=float)
        keep = v != 0
        W = sparse.csr_array((v[keep], (h[keep], t[keep])), shape=(n, n))
        W.sum_duplicates()
        W.sort_indices()
        card = np.diff(W.indptr)
        isl = np.flatnonzero(card == 0)
        if len(isl):
            raise IslandError(
                f"{len(isl)} unit(s) have no neighbours (islands): {format_ids(self.ids[isl])}. "
                "A spatial model needs every unit's spatial lag; rebuild the weights with "
                "geoagglom.spatial_weights(..., islands='nearest') or leave the units out of "
                "both the data and the weights."
            )
        self.W = W
        self.card = card
        rowsum = np.asarray(W.sum(axis=1)).ravel()
        self.row_standardised = bool(np.allclose(rowsum, 1.0, rtol=0, atol=1e-12))
        self._eig = None
        self._traces = {}

    # -- eigenvalues ------------------------------------------------------- #
    @property
    def small(self):
        return self.n <= SMALL_N

    def eigenvalues(self):
        """Eigenvalues of W (real when W is similar to a symmetric matrix)."""
        if self._eig is None:
            W = self.W
            d = self.card.astype(float)
            S = (sparse.diags(np.sqrt(d)) @ W @ sparse.diags(1 / np.sqrt(d))).toarray()
            if np.allclose(S, S.T, rtol=0, atol=1e-13):
                eig = np.linalg.eigvalsh(0.5 * (S + S.T))
            else:
                dense = W.toarray()
                if np.allclose(dense, dense.T, rtol=0, atol=1e-13):
                    eig = np.linalg.eigvalsh(dense)
                else:
                    eig = np.linalg.eigvals(dense)
                    if np.all(np.abs(eig.imag) < 1e-10):
                        eig = eig.real
            self._eig = eig
        return self._eig

    def interval(self):
        """The open interval of rho where ``I - rho W`` is invertible, around 0."""
        eps = np.finfo(float).eps
        if self.small:
            eig = self.eigenvalues()
            re = eig.real[np.abs(np.imag(eig)) == 0] if np.iscomplexobj(eig) else eig
            return 1 / re.min() + eps, 1 / re.max() - eps
        if self.row_standardised:
            return -1.0 + eps, 1.0 - eps
        lo = splinalg.eigs(self.W, k=1, which="SR", return_eigenvectors=False)[0].real
        hi = splinalg.eigs(self.W, k=1, which="LR", return_eigenvectors=False)[0].real
        return 1 / lo + eps, 1 / hi - eps

    # -- log-determinant --------------------------------------------------- #
    def logdet(self, rho):
        """``log|det(I - rho W)|``."""
        if self.small:
            eig = self.eigenvalues()
            val = np.sum(np.log(1 - rho * eig))
            return float(np.real(val))
        return self._lu_logdet(rho)

    def _lu(self, rho):
        n = self.n
        A = (sparse.identity(n, format="csc") - rho * self.W.tocsc()).tocsc()
        try:
            lu = splinalg.splu(A, permc_spec="MMD_AT_PLUS_A")
            d = np.abs(lu.U.diagonal())
            singular = d.min() <= 1e-10 * d.max()
        except RuntimeError:
            singular = True
        if singular:
            raise SingularFilterError(
                f"I - rho W is singular at rho = {rho:.6g} (a zero pivot in its LU "
                "factorisation); rho must stay inside the interval where I - rho W is "
                "invertible."
            )
        return lu

    def _lu_logdet(self, rho):
        lu = self._lu(rho)
        return float(np.sum(np.log(np.abs(lu.U.diagonal()))))

    def check_invertible(self, rho):
        """A :class:`SingularFilterError` if ``I - rho W`` is (numerically) singular."""
        if self.small:
            eig = self.eigenvalues()
            bad = np.abs(1 - rho * eig) < 1e-10
            if bad.any():
                raise SingularFilterError(
                    f"I - rho W is singular at rho = {rho:.6g} (1/rho is an eigenvalue of W); "
                    "rho must stay inside the interval where I - rho W is invertible."
                )
        else:
            self._lu(rho)

    def solve(self, rho, b):
        """``(I - rho W)^-1 b``."""
        return self._lu(rho).solve(np.asarray(b, dtype=float))

    def inverse(self, rho):
        """Dense ``(I - rho W)^-1``."""
        n = self.n
        if self.small:
            return np.linalg.inv(np.eye(n) - rho * self.W.toarray())
        return self.solve(rho, np.eye(n))

    # -- traces of powers -------------------------------------------------- #
    def traces(self, order=30, probes=50, seed=0):
        """``[tr W^1, ..., tr W^order]``: exact for small n, else Monte Carlo for p >= 3."""
        key = (order, probes, seed) if not self.small else order
        if key in self._traces:
            return self._traces[key]
        W = self.W
        if self.small:
            eig = self.eigenvalues()
            tr = np.array([np.real(np.sum(eig**p)) for p in range(1, order + 1)])
        else:
            from geoagglom.seeding import check_random_state

            rng = check_random_state(seed)
            z = rng.choice([-1.0, 1.0], size=(self.n, probes))
            zz = z.copy()
            tr = np.empty(order)
            for p in range(order):
                zz = W @ zz
                tr[p] = np.mean(np.einsum("ij,ij->j", z, zz))
            tr[0] = W.diagonal().sum()
            if order > 1:
                tr[1] = float(W.multiply(W.T).sum())
        self._traces[key] = tr
        return tr
