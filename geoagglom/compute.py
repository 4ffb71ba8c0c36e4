"""Where the heavy work runs: in this process (the default) or on a dask cluster.

geoagglom never starts a cluster by itself. The functions that accept a
``dask_geopandas.GeoDataFrame`` (:func:`~geoagglom.land_area`,
:func:`~geoagglom.points_to_units`, :func:`~geoagglom.dissolve_regions`,
:func:`~geoagglom.spatial_weights` for ``queen``/``rook``) compute its partitions
with whatever dask scheduler is active: the local threaded scheduler, or the
cluster of a ``dask.distributed.Client`` the caller made, e.g. with
:func:`compute_client`. :func:`~geoagglom.local_moran` (and
:func:`~geoagglom.local_moran_bv`, :func:`~geoagglom.lisa_by_year`) with
``chunks=N`` runs its conditional permutations the same way, as ``N`` tasks over
ranges of units. Their results are ordinary pandas/geopandas objects and
libpysal Graphs, identical to the in-memory path.

dask and dask-geopandas are an optional extra: ``pip install geoagglom[dask]``.
"""

from __future__ import annotations

from geoagglom.errors import InputError

__all__ = ["compute_client", "is_dask"]


def is_dask(obj):
    """True for dask / dask-geopandas collections (without importing dask)."""
    return type(obj).__module__.split(".")[0] in ("dask_geopandas", "dask", "dask_expr")


def require_dask(what):
    """Import dask and dask_geopandas or raise an InputError saying how to install them."""
    try:
        import dask  # noqa: F401
        import dask_geopandas  # noqa: F401
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise InputError(
            f"{what} needs dask and dask-geopandas ({err}); install them with "
            "pip install 'geoagglom[dask]'."
        ) from None


def compute_client(workers=None, address=None, *, processes=True, threads_per_worker=1):
    """A ``dask.distributed.Client``, only when asked for; else None.

    Parameters
    ----------
    workers : int, optional
        Start a ``LocalCluster`` with this many workers on this machine (the study
        key ``[compute] workers``).
    address : str, optional
        Connect to a running scheduler instead (``"tcp://host:8786"``); takes
        precedence over ``workers``.
    processes : bool, default True
        Workers as processes (True) or threads of this process (False).
    threads_per_worker : int, default 1

    Returns
    -------
    distributed.Client or None
        None when neither ``workers`` nor ``address`` is given: nothing is
        started and dask-geopandas inputs run on dask's local scheduler. Close
        the client (and its cluster) with ``client.close()`` or use it as a
        context manager.

    Raises
    ------
    InputError
        ``workers`` not a positive integer, or dask.distributed not installed.

    Examples
    --------
    >>> from geoagglom.compute import compute_client
    >>> compute_client() is None
    True
    """
    if address is None and workers is None:
        return None
    if workers is not None and (
        isinstance(workers, bool) or int(workers) != workers or workers < 1
    ):
        raise InputError(f"workers must be a positive integer, got {workers!r}.")
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - depends on the environment
        raise InputError(
            "a compute cluster needs dask.distributed; install it with "
            "pip install 'geoagglom[dask]'."
        ) from None
    if address is not None:
        return Client(address)
    # the client owns the cluster it starts: closing the client closes both
    return Client(
        n_workers=int(workers),
        threads_per_worker=int(threads_per_worker),
        processes=processes,
        dashboard_address=None,
    )


_POOLS = {}


def thread_pool(n_threads):
    """A process-wide pool of ``n_threads`` threads, created on first use and kept.

    For work that releases the GIL (GEOS unions, numpy array operations, pyproj):
    starting threads for every call costs more than a small job itself on a busy
    machine. Callers submit and wait for their own jobs; nothing else shares state.

    Parameters
    ----------
    n_threads : int

    Returns
    -------
    concurrent.futures.ThreadPoolExecutor
    """
    pool = _POOLS.get(n_threads)
    if pool is None:
        from concurrent.futures import ThreadPoolExecutor

        pool = _POOLS.setdefault(
            n_threads, ThreadPoolExecutor(n_threads, thread_name_prefix="geoagglom")
        )
    return pool
