"""What the permutation tests of a study will cost, estimated before they run.

The permutation work of a study is ``units × permutations × years × statistics``
unit-draws (Moran's I, Geary's C and the local Moran every year; the bivariate
Moran with ``[data] second_variable``; the Theil between-region parts with a
grouping; the directional LISA once with the dynamics). :func:`estimate` turns
it into seconds and bytes:

- **time**: unit-draws × the cost of one unit-draw of each kind of statistic.
  The costs are the documented constants :data:`DRAW_SECONDS` (measured on the
  development machine, two shared cores); when the estimate with them exceeds
  :data:`CALIBRATE_ABOVE` seconds, :func:`calibrate` replaces them by timing a
  small sample draw (:data:`SAMPLE_DRAWS` unit-draws of each kind on
  ``units`` random values) on the machine that runs the study.
- **memory**: every engine works in blocks of bounded size (:data:`BLOCK_BYTES`),
  and keeps only what grows with the permutations: the simulated global
  statistics (8 bytes a permutation, plus the temporaries of their p-value and
  moments) and the directional LISA's sector counts; the local Moran keeps
  nothing per permutation. The statistics run one after another, so the peak is
  the largest of them.

:func:`check_budget` warns (:class:`~geoagglom.errors.PermutationCostWarning`,
naming ``[measures] permutations`` and the estimate) above
:data:`WARN_SECONDS` or :data:`WARN_BYTES`, and :class:`Progress` reports the
share done for long runs.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from geoagglom.errors import PermutationCostWarning

#: Warn when the permutation tests are estimated to take longer than this (seconds).
WARN_SECONDS = 120.0
#: ... or to need more memory than this (bytes).
WARN_BYTES = 2 * 1024**3
#: Runs estimated longer than this (seconds) report their progress.
PROGRESS_ABOVE = 10.0
#: Seconds between two progress lines.
PROGRESS_EVERY = 10.0
#: With the documented costs above this (seconds), the costs are measured at run time
#: (about a second); below it, the estimate could reach :data:`WARN_SECONDS` only on a
#: machine four times slower than the development machine.
CALIBRATE_ABOVE = WARN_SECONDS / 4
#: Unit-draws of the sample draw that measures the costs (permutations × units; at
#: least 256 and at most 4096 permutations), enough to hide each call's fixed cost.
SAMPLE_DRAWS = 100_000

#: Documented cost of each kind of permutation test: (seconds per permutation,
#: seconds per unit-draw), measured on the development machine (2 shared cores):
#: global Moran/Geary 60-90 ns and local Moran 30-35 ns a unit-draw; the Theil
#: between part draws each permutation in Python (about 10 µs) and then 100 ns a
#: unit-draw; the directional LISA about 200 ns a unit-draw.
DRAW_SECONDS = {
    "global": (2e-7, 1.0e-7),
    "local": (2e-7, 5e-8),
    "theil": (1e-5, 1.2e-7),
    "rose": (2e-7, 2e-7),
}
#: Bytes kept per permutation by one test of each kind (see the module notes):
#: global: the simulated values, a comparison and the deviations (8 + 1 + 8 + 8);
#: Theil: the between parts and their shares (8 + 8 + 1 + 8); the directional
#: LISA: eight sector counts (int64) and two comparisons of them.
BYTES_PER_PERMUTATION = {"global": 25, "local": 0, "theil": 25, "rose": 8 * 8 + 2 * 8}
#: The working blocks of the engines (bounded whatever the permutations), bytes.
BLOCK_BYTES = 64 * 1024**2


@dataclass
class Budget:
    """The estimated cost of a study's permutation tests; :func:`estimate` builds it.

    Parameters
    ----------
    units, permutations, years, statistics, unit_draws, seconds, bytes, calibrated, costs :
        The attributes below.

    Attributes
    ----------
    units, permutations, years : int
    statistics : list of (str, str, int)
        ``(name, kind, runs)``: each permutation test, its kind (``global``,
        ``local``, ``theil``, ``rose``) and how many times it runs (once a year,
        or once).
    unit_draws : int
        ``units × permutations × runs``, summed over the statistics.
    seconds : float
        Estimated time of the permutation tests.
    bytes : int
        Estimated peak memory of the permutation tests.
    calibrated : bool
        The costs were measured at run time (:func:`calibrate`), not the documented
        :data:`DRAW_SECONDS`.
    costs : dict
        Kind → ``(seconds per permutation, seconds per unit-draw)`` used.
    """

    units: int
    permutations: int
    years: int
    statistics: list
    unit_draws: int
    seconds: float
    bytes: int
    calibrated: bool = False
    costs: dict = field(default_factory=dict)

    def message(self):
        """The estimate in words, naming the study-file key."""
        names = ", ".join(name for name, _, _ in self.statistics)
        how = "measured on this machine" if self.calibrated else "documented"
        return (
            f"[measures] permutations = {self.permutations}: the permutation tests are "
            f"estimated to take about {_duration(self.seconds)} and up to "
            f"{_size(self.bytes)} of memory ({self.units} units × {self.permutations} "
            f"permutations × {self.years} year(s) × {len(self.statistics)} statistics: "
            f"{names}; {self.unit_draws:.3g} unit-draws, cost per draw {how}). "
            "Lower [measures] permutations to shorten the run (9999 permutations resolve "
            "p-values down to 0.0001)."
        )


def statistics(config, years):
    """The permutation tests a study runs: ``[(name, kind, runs), ...]``.

    Parameters
    ----------
    config : geoagglom.study.config.StudyConfig
    years : int
        Years studied.
    """
    from geoagglom.study.dynamics_tables import MIN_YEARS
    from geoagglom.study.indices import table_two_indices

    tests = [("Moran's I", "global", years), ("Geary's C", "global", years)]
    tests.append(("local Moran", "local", years))
    if config.data.second_variable:
        tests.append(("bivariate Moran", "global", years))
    if config.grouping.name is not None or config.grouping.file is not None:
        decomposed = table_two_indices(config.measures)
        kinds = [c.options["kind"] for c in decomposed if c.family == "theil"]
        tests += [(f"Theil {kind} between regions", "theil", years) for kind in kinds]
    enabled = config.dynamics.enabled
    if (years >= MIN_YEARS if enabled is None else enabled) and years >= 2:
        tests.append(("directional LISA", "rose", 1))
    return tests


def estimate(units, permutations, tests, *, costs=None, calibrated=False):
    """Time and memory of permutation tests on ``units`` units.

    Parameters
    ----------
    units, permutations : int
    tests : list of (str, str, int)
        ``(name, kind, runs)`` as :func:`statistics` returns.
    costs : dict, optional
        Kind → ``(seconds per permutation, seconds per unit-draw)``; default
        :data:`DRAW_SECONDS`.
    calibrated : bool, default False
        Whether ``costs`` were measured (:func:`calibrate`); recorded on the result.

    Returns
    -------
    Budget
        Time and unit-draws grow linearly with units, permutations, years and
        statistics.

    Examples
    --------
    >>> tests = [("Moran's I", "global", 10)]
    >>> b1, b2 = estimate(100, 1000, tests), estimate(100, 2000, tests)
    >>> b2.unit_draws == 2 * b1.unit_draws, round(b2.seconds / b1.seconds, 12)
    (True, 2.0)
    """
    costs = DRAW_SECONDS if costs is None else costs
    seconds, peak, draws = 0.0, 0, 0
    for _name, kind, runs in tests:
        per_permutation, per_draw = costs[kind]
        draws += units * permutations * runs
        seconds += runs * permutations * (per_permutation + units * per_draw)
        peak = max(peak, BYTES_PER_PERMUTATION[kind] * permutations)
    years = max((runs for _, _, runs in tests), default=0)
    return Budget(
        units=units,
        permutations=permutations,
        years=years,
        statistics=list(tests),
        unit_draws=draws,
        seconds=seconds,
        bytes=BLOCK_BYTES + peak if tests and permutations else 0,
        calibrated=calibrated,
        costs=dict(costs),
    )


def calibrate(units, kinds, permutations=None):
    """Measure the cost of each kind of test: a small sample draw on ``units`` random values.

    Each kind runs its engine twice on ``permutations`` permutations (default:
    :data:`SAMPLE_DRAWS` unit-draws; random values, a ring of four neighbours, four
    groups); the faster run gives the cost.

    Returns
    -------
    dict
        Kind → ``(0, seconds per unit-draw)``: the sample's whole time per
        unit-draw (per-permutation overheads included).
    """
    import pandas as pd
    from libpysal.graph import Graph

    from geoagglom.dynamics.directional import directional_lisa
    from geoagglom.measures.inequality import theil
    from geoagglom.spatial.global_stats import moran
    from geoagglom.spatial.local_stats import local_moran

    n = max(int(units), 5)
    if permutations is None:
        permutations = int(np.clip(SAMPLE_DRAWS // n, 256, 4096))
    rng = np.random.default_rng(0)
    y = rng.random(n) + 0.5
    ids = np.arange(n)
    focal = np.repeat(ids, 4)
    neighbor = (focal + np.tile([-2, -1, 1, 2], n)) % n
    graph = Graph.from_arrays(focal, neighbor, np.ones(len(focal))).transform("r")
    panel = pd.DataFrame({"unit": np.tile(ids, 2), "year": np.repeat([0, 1], n)})
    panel["v"] = np.concatenate([y, y * rng.random(n)])
    runs = {
        "global": lambda: moran(y, graph, permutations=permutations, seed=0),
        "local": lambda: local_moran(
            y, graph, permutations=permutations, seed=0, keep_simulations=False
        ),
        "theil": lambda: theil(y, groups=ids % 4, permutations=permutations, seed=0),
        "rose": lambda: directional_lisa(
            panel, graph, permutations=permutations, seed=0, value="v"
        ),
    }
    costs = {}
    for kind in kinds:
        best = np.inf
        for _ in range(2):
            start = time.perf_counter()
            runs[kind]()
            best = min(best, time.perf_counter() - start)
        costs[kind] = (0.0, best / (permutations * n))
    return costs


def check_budget(
    config,
    units,
    years,
    say,
    *,
    warn_seconds=None,
    warn_bytes=None,
    calibrate_above=None,
):
    """Estimate a study's permutation work and warn when it is large.

    Parameters
    ----------
    config : geoagglom.study.config.StudyConfig
    units, years : int
    say : callable
        The run's progress (the estimate is said at once when it warns).
    warn_seconds, warn_bytes, calibrate_above : float, optional
        Thresholds (default :data:`WARN_SECONDS`, :data:`WARN_BYTES`,
        :data:`CALIBRATE_ABOVE`).

    Returns
    -------
    Budget

    Warns
    -----
    PermutationCostWarning
        Above ``warn_seconds`` or ``warn_bytes``: the estimate, naming
        ``[measures] permutations``.
    """
    warn_seconds = WARN_SECONDS if warn_seconds is None else warn_seconds
    warn_bytes = WARN_BYTES if warn_bytes is None else warn_bytes
    calibrate_above = CALIBRATE_ABOVE if calibrate_above is None else calibrate_above
    permutations = config.measures.permutations
    tests = statistics(config, years)
    budget = estimate(units, permutations, tests)
    if budget.seconds > calibrate_above:
        kinds = sorted({kind for _, kind, _ in tests})
        costs = calibrate(units, kinds)
        budget = estimate(units, permutations, tests, costs=costs, calibrated=True)
    if budget.seconds > warn_seconds or budget.bytes > warn_bytes:
        message = budget.message()
        say(f"note: {message}")
        warnings.warn(message, PermutationCostWarning, stacklevel=2)
    return budget


class Progress:
    """Progress of the permutation tests: a line every :data:`PROGRESS_EVERY` seconds.

    Give it to :func:`geoagglom.spatial.permutation.permutation_progress`; it says
    ``permutations: 40% done, about 3 min left`` through ``say`` for a run whose
    estimate exceeds :data:`PROGRESS_ABOVE` seconds, and nothing otherwise.

    Parameters
    ----------
    budget : Budget
    say : callable
    every : float, optional
        Seconds between lines (default :data:`PROGRESS_EVERY`).
    clock : callable, default time.monotonic
    """

    def __init__(self, budget, say, *, every=None, clock=time.monotonic):
        self.total = max(budget.unit_draws, 1)
        self.active = budget.seconds > PROGRESS_ABOVE
        self.say, self.clock = say, clock
        self.every = PROGRESS_EVERY if every is None else every
        self.done = 0
        self.start = self.last = clock()

    def __call__(self, draws):
        self.done += draws
        if not self.active:
            return
        now = self.clock()
        if now - self.last < self.every:
            return
        self.last = now
        share = min(self.done / self.total, 1.0)
        left = (now - self.start) * (1 - share) / share if share > 0 else float("nan")
        self.say(f"permutations: {share:.0%} done, about {_duration(left)} left")


def _duration(seconds):
    if not np.isfinite(seconds):
        return "an unknown time"
    if seconds < 90:
        return f"{max(seconds, 1):.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 86400:.1f} days"


def _size(count):
    for unit, size in (("GB", 1024**3), ("MB", 1024**2)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count / 1024:.0f} kB"
