"""Finite Markov chains: transition counts, probabilities, steady states, passage times.

The functions take a transition probability matrix whose rows sum to 1 (rows
without observations are handled by the callers, never zero-filled here).
Reducible chains are handled: the communication classes are the strongly
connected components of the graph ``i -> j`` where ``P[i, j] > 0``; a class
is recurrent when no edge leaves it. Each recurrent class has its own
stationary distribution, computed with the GTH elimination (Grassmann, Taksar
& Heyman 1985), which involves no subtraction and is accurate to rounding.

Examples
--------
>>> import numpy as np
>>> from geoagglom.dynamics.chain import steady_state, mean_first_passage
>>> oz = np.array([[0.5, 0.25, 0.25], [0.5, 0.0, 0.5], [0.25, 0.25, 0.5]])
>>> steady_state(oz).round(4).tolist()
[0.4, 0.2, 0.4]
>>> mean_first_passage(oz).round(4).tolist()[0]
[2.5, 4.0, 3.3333]
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "communication_classes",
    "mean_first_passage",
    "steady_state",
    "steady_states",
    "transition_counts",
]


def transition_counts(classes, k, condition=None, m=None):
    """Counts of moves between consecutive columns of a units x years class array.

    Parameters
    ----------
    classes : numpy.ndarray of int, shape (n, t)
        Class of each unit (row) in each year (column), in ``0..k-1``.
    k : int
    condition : numpy.ndarray of int, shape (n, t), optional
        A second class (``0..m-1``); the count of a move from year ``s`` to ``s+1``
        goes to the matrix of its condition in year ``s``.
    m : int, optional
        Number of conditioning classes.

    Returns
    -------
    numpy.ndarray
        ``(k, k)`` counts, or ``(m, k, k)`` with ``condition``.
    """
    a = classes[:, :-1].ravel().astype(np.int64)
    b = classes[:, 1:].ravel().astype(np.int64)
    code = a * k + b
    if condition is None:
        return np.bincount(code, minlength=k * k).reshape(k, k).astype(float)
    c = condition[:, :-1].ravel().astype(np.int64)
    return np.bincount(c * k * k + code, minlength=m * k * k).reshape(m, k, k).astype(float)


def _probabilities(counts):
    """Row-normalised counts; rows without counts are NaN (never zero-filled)."""
    rs = counts.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(rs > 0, counts / np.where(rs > 0, rs, 1.0), np.nan)


def communication_classes(p):
    """Communication classes of a chain and which of them are recurrent.

    Parameters
    ----------
    p : array-like, shape (k, k)

    Returns
    -------
    list of numpy.ndarray, list of bool
        The classes (state indices, increasing) and, for each, whether it is recurrent.
    """
    p = np.asarray(p, dtype=float)
    k = p.shape[0]
    # reachability in any number of steps: square (I + A) until it stops growing
    reach = (p > 0) | np.eye(k, dtype=bool)
    while True:
        nxt = (reach.astype(np.int64) @ reach.astype(np.int64)) > 0
        if (nxt == reach).all():
            break
        reach = nxt
    mutual = reach & reach.T
    classes, recurrent, seen = [], [], np.zeros(k, dtype=bool)
    for i in range(k):
        if not seen[i]:
            members = np.flatnonzero(mutual[i])
            seen[members] = True
            classes.append(members)
            # closed: everything reachable from the class is in it
            recurrent.append(bool(reach[i].sum() == len(members)))
    return classes, recurrent


def _gth(p):
    """Stationary distribution of an irreducible stochastic matrix (GTH elimination)."""
    a = np.array(p, dtype=float)
    k = a.shape[0]
    for n in range(k - 1, 0, -1):
        s = a[n, :n].sum()
        a[:n, n] /= s
        a[:n, :n] += np.outer(a[:n, n], a[n, :n])
    x = np.zeros(k)
    x[0] = 1.0
    for n in range(1, k):
        x[n] = x[:n] @ a[:n, n]
    return x / x.sum()


def _check_stochastic(p):
    p = np.asarray(p, dtype=float)
    if p.ndim != 2 or p.shape[0] != p.shape[1]:
        raise ValueError(f"a transition matrix must be square; got shape {p.shape}.")
    if not np.all(np.isfinite(p)) or np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0):
        raise ValueError(
            "a transition matrix needs finite non-negative rows summing to 1 (rows without "
            "observed transitions must be removed or made absorbing first)."
        )
    return p


def steady_states(p):
    """Every stationary distribution: one row per recurrent class.

    Parameters
    ----------
    p : array-like, shape (k, k)
        A stochastic matrix.

    Returns
    -------
    numpy.ndarray, shape (r, k)
        Row ``c``: the stationary distribution concentrated on recurrent class ``c``.
    """
    p = _check_stochastic(p)
    classes, recurrent = communication_classes(p)
    out = []
    for cls, rec in zip(classes, recurrent, strict=True):
        if rec:
            row = np.zeros(p.shape[0])
            row[cls] = _gth(p[np.ix_(cls, cls)]) if len(cls) > 1 else 1.0
            out.append(row)
    return np.array(out)


def steady_state(p):
    """The stationary distribution of a chain with one recurrent class.

    Parameters
    ----------
    p : array-like, shape (k, k)

    Returns
    -------
    numpy.ndarray, shape (k,)
        All NaN when the chain has several recurrent classes (then see
        :func:`steady_states`).
    """
    s = steady_states(p)
    if len(s) == 1:
        return s[0]
    return np.full(np.shape(p)[0], np.nan)


def mean_first_passage(p):
    """Mean first passage times ``M[i, j]``: expected steps from ``i`` to first reach ``j``.

    ``M[j, j]`` is the mean recurrence time. A time is ``inf`` when reaching ``j``
    from ``i`` is not certain (the chain can be trapped away from ``j``).

    Parameters
    ----------
    p : array-like, shape (k, k)

    Returns
    -------
    numpy.ndarray, shape (k, k)
    """
    p = _check_stochastic(p)
    k = p.shape[0]
    pos = p > 0
    out = np.full((k, k), np.inf)
    classes, _ = communication_classes(p)
    if len(classes) == 1:  # irreducible: every time is finite
        for j in range(k):
            idx = np.delete(np.arange(k), j)
            m = np.zeros(k)
            m[idx] = np.linalg.solve(np.eye(k - 1) - p[np.ix_(idx, idx)], np.ones(k - 1))
            out[:, j] = m
            out[j, j] = 1.0 + p[j, idx] @ m[idx]
        return out
    for j in range(k):
        # states that can reach j (reverse reachability)
        reach = np.zeros(k, dtype=bool)
        reach[j] = True
        while True:
            new = reach | (pos[:, reach].any(axis=1))
            if (new == reach).all():
                break
            reach = new
        # states that can reach a trap (a state that cannot reach j) without passing j
        bad = ~reach
        step = pos.copy()
        step[j, :] = False
        while True:
            new = bad | (step[:, bad].any(axis=1))
            new[j] = False
            if (new == bad).all():
                break
            bad = new
        ok = ~bad
        ok[j] = False
        idx = np.flatnonzero(ok)
        m = np.full(k, np.inf)
        m[j] = 0.0
        if len(idx):
            a = np.eye(len(idx)) - p[np.ix_(idx, idx)]
            m[idx] = np.linalg.solve(a, np.ones(len(idx)))
        out[:, j] = m
        nz = pos[j].copy()
        nz[j] = False
        out[j, j] = 1.0 + (p[j, nz] * m[nz]).sum() if np.isfinite(m[nz]).all() else np.inf
    return out
