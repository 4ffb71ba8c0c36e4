"""The permutation budget of a study: estimate, warning, progress, bounded blocks.

No timing is asserted: the estimates are checked for their arithmetic (linear in
units, permutations, years and statistics) with given costs, the warning with
tiny thresholds, and the blocks by comparing results drawn in small and in
large blocks (the same seed gives the same draws whatever the block size).
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from libpysal.weights import lat2W

import geoagglom
from geoagglom.errors import PermutationCostWarning
from geoagglom.spatial.permutation import permutation_progress
from geoagglom.study import budget as budget_module
from geoagglom.study.budget import Budget, Progress, check_budget, estimate, statistics
from geoagglom.study.config import Study, demo_dir

COSTS = {kind: (0.0, 1e-7) for kind in ("global", "local", "theil", "rose")}
TESTS = [("Moran's I", "global", 3), ("local Moran", "local", 3)]


def demo_study(**keywords):
    raw = pd.read_csv(demo_dir() / "illustrative_data.csv", comment="#")
    return Study(
        raw,
        unit="城市",
        year="年份",
        quantity="年末金融机构各项贷款余额(万元)",
        layer="shandong-2004-2016",
        **keywords,
    )


# --------------------------------------------------------------------------- estimate


@pytest.mark.parametrize("factor", [2, 3, 10])
def test_estimate_is_linear_in_units_permutations_years_and_statistics(factor):
    base = estimate(50, 1000, TESTS, costs=COSTS)
    more_units = estimate(50 * factor, 1000, TESTS, costs=COSTS)
    more_perms = estimate(50, 1000 * factor, TESTS, costs=COSTS)
    more_years = estimate(50, 1000, [(n, k, r * factor) for n, k, r in TESTS], costs=COSTS)
    more_stats = estimate(50, 1000, TESTS * factor, costs=COSTS)
    for scaled in (more_units, more_perms, more_years, more_stats):
        assert scaled.unit_draws == factor * base.unit_draws
        assert scaled.seconds == pytest.approx(factor * base.seconds, rel=1e-12)
    # units × permutations × years × statistics unit-draws
    assert base.unit_draws == 50 * 1000 * 3 * 2
    # the memory kept grows with the permutations only (the blocks are bounded)
    assert more_units.bytes == base.bytes == more_years.bytes
    assert more_perms.bytes - budget_module.BLOCK_BYTES == factor * (
        base.bytes - budget_module.BLOCK_BYTES
    )


def test_per_permutation_cost_adds_per_run():
    one = estimate(10, 100, [("Theil T between regions", "theil", 1)], costs={"theil": (1e-3, 0)})
    assert one.seconds == pytest.approx(0.1)


def test_the_statistics_follow_the_study():
    study = demo_study(second_variable="地区生产总值增长率(%)", theil=["T", "L"],
                       grouping="shandong-two-circles-four-areas")  # fmt: skip
    names = [name for name, _, _ in statistics(study.config, 13)]
    assert names == [
        "Moran's I",
        "Geary's C",
        "local Moran",
        "bivariate Moran",
        "Theil T between regions",
        "Theil L between regions",
        "directional LISA",
    ]
    plain = [name for name, _, _ in statistics(demo_study().config, 2)]
    assert plain == ["Moran's I", "Geary's C", "local Moran"]  # no dynamics with 2 years


# --------------------------------------------------------------------------- warning


def test_the_warning_fires_above_the_threshold_and_names_the_key():
    config = demo_study(permutations=99_999).config
    said = []
    with pytest.warns(PermutationCostWarning) as caught:
        found = check_budget(config, 17, 13, said.append, warn_seconds=0, calibrate_above=np.inf)
    assert len(caught) == 1
    message = str(caught[0].message)
    assert message.startswith("[measures] permutations = 99999: the permutation tests are ")
    assert "17 units × 99999 permutations × 13 year(s) × 4 statistics" in message
    assert "cost per draw documented" in message and not found.calibrated
    assert said == [f"note: {message}"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = check_budget(config, 17, 13, said.append, calibrate_above=np.inf)
    assert len(said) == 1 and quiet.seconds == found.seconds
    with pytest.warns(PermutationCostWarning, match="of memory"):
        check_budget(config, 17, 13, said.append, warn_bytes=1, calibrate_above=np.inf)


def test_calibration_measures_the_costs_at_run_time():
    config = demo_study(permutations=999).config
    found = check_budget(config, 17, 3, lambda m: None, calibrate_above=0, warn_seconds=np.inf)
    assert found.calibrated
    assert set(found.costs) == {"global", "local", "rose"}  # 3 years: dynamics
    assert all(per_draw > 0 for _, per_draw in found.costs.values())


def test_a_run_says_the_estimate_once_and_records_it(tmp_path, monkeypatch):
    monkeypatch.setattr(budget_module, "WARN_SECONDS", 0.0)
    said = []
    with pytest.warns(PermutationCostWarning):
        results = demo_study(permutations=9, years=[2014, 2015]).run(
            tmp_path / "out", progress=said.append
        )
    notes = [m for m in said if "[measures] permutations = 9:" in m]
    assert len(notes) == 1 and said.index(notes[0]) < said.index("financial entropy of units")
    assert sum("[measures] permutations = 9:" in n for n in results.notes) == 1
    assert isinstance(results.budget, Budget)
    report = results.report.read_text(encoding="utf-8")
    assert report.count("[measures] permutations = 9:") == 1


def test_the_cli_prints_the_estimate_once_on_stderr(tmp_path, monkeypatch, capsys):
    from geoagglom.cli import main

    monkeypatch.setattr(budget_module, "WARN_SECONDS", 0.0)
    folder = tmp_path / "s"
    folder.mkdir()
    pd.read_csv(demo_dir() / "illustrative_data.csv", comment="#").to_csv(
        folder / "data.csv", index=False
    )
    (folder / "study.toml").write_text(
        '[boundaries]\nlayer = "shandong-2004-2016"\n[data]\nfile = "data.csv"\n'
        'unit = "城市"\nyear = "年份"\nquantity = "年末金融机构各项贷款余额(万元)"\n'
        "years = [2015, 2016]\n[measures]\npermutations = 9\n",
        encoding="utf-8",
    )
    assert main(["run", str(folder / "study.toml"), "-o", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert err.count("[measures] permutations = 9: the permutation tests are estimated") == 1


# --------------------------------------------------------------------------- progress


def test_the_engines_report_their_draws_only_when_asked():
    y = np.random.default_rng(0).random(25)
    w = lat2W(5, 5)
    done = []
    with permutation_progress(done.append):
        geoagglom.moran(y, w, permutations=99, seed=1)
        geoagglom.local_moran(y, w, permutations=99, seed=1, keep_simulations=False)
    assert sum(done) == 2 * 25 * 99
    # outside the block nothing is called
    geoagglom.moran(y, w, permutations=99, seed=1)
    assert sum(done) == 2 * 25 * 99


def test_progress_lines_for_long_runs_only():
    clock = iter(range(0, 1000, 5)).__next__
    long = estimate(10, 10**6, TESTS, costs=COSTS)  # 6e7 draws × 1e-7 s = 6 s
    long.seconds = 600.0
    said = []
    progress = Progress(long, said.append, every=10, clock=clock)
    for _ in range(6):
        progress(long.unit_draws // 6)
    assert said and all(line.startswith("permutations: ") for line in said)
    assert said[-1].startswith("permutations: 100% done") or "% done" in said[-1]
    quiet = estimate(10, 99, TESTS, costs=COSTS)
    silent = []
    progress = Progress(quiet, silent.append, every=0, clock=clock)
    progress(quiet.unit_draws)
    assert silent == []


# --------------------------------------------------------------------------- bounded blocks


def test_global_moran_in_small_blocks_equals_one_block(monkeypatch):
    from geoagglom.spatial import global_stats

    y = np.random.default_rng(2).random(100)
    w = lat2W(10, 10)
    whole = geoagglom.moran(y, w, permutations=3000, seed=5)
    geary = geoagglom.geary(y, w, permutations=3000, seed=5)
    monkeypatch.setattr(global_stats, "_BLOCK_ELEMENTS", 700)  # 7 permutations a block
    blocks = geoagglom.moran(y, w, permutations=3000, seed=5)
    np.testing.assert_array_equal(blocks.sim, whole.sim)
    assert blocks.p_sim == whole.p_sim
    # Geary's C: the same draws; numpy sums each row's edges in an order that may
    # depend on the number of rows, so the values agree to the last bits only
    geary_blocks = geoagglom.geary(y, w, permutations=3000, seed=5)
    np.testing.assert_allclose(geary_blocks.sim, geary.sim, rtol=1e-14)
    assert geary_blocks.p_sim == geary.p_sim


def test_theil_between_permutations_in_small_blocks_equal_one_block(monkeypatch):
    from geoagglom.measures import inequality

    y = np.random.default_rng(3).random(40) + 0.1
    groups = np.arange(40) % 4
    whole = geoagglom.theil(y, groups=groups, permutations=2000, seed=9)
    monkeypatch.setattr(inequality, "_BLOCK_ELEMENTS", 40 * 7)
    blocks = geoagglom.theil(y, groups=groups, permutations=2000, seed=9)
    np.testing.assert_array_equal(blocks.between_sim, whole.between_sim)
    assert blocks.p_sim == whole.p_sim and blocks.z_sim == whole.z_sim


def test_directional_lisa_in_small_blocks(monkeypatch):
    """Blocks bound the memory. The random-key permutations of a block depend on its size
    (raw 32-bit halves and tie shuffles), so the block size is fixed by the number of
    units alone: the same seed repeats exactly, and small blocks draw from the same null
    distribution (p-values within Monte Carlo error of one block's)."""
    from geoagglom.dynamics import directional

    rng = np.random.default_rng(4)
    panel = pd.DataFrame(
        {"unit": np.tile(np.arange(25), 2), "year": np.repeat([1, 2], 25), "v": rng.random(50)}
    )
    w = lat2W(5, 5)
    perms = 9999
    whole = geoagglom.directional_lisa(panel, w, permutations=perms, seed=3, value="v")
    again = geoagglom.directional_lisa(panel, w, permutations=perms, seed=3, value="v")
    np.testing.assert_array_equal(again.counts_perm, whole.counts_perm)
    monkeypatch.setattr(directional, "_BLOCK_ELEMENTS", 25 * 3)
    blocks = geoagglom.directional_lisa(panel, w, permutations=perms, seed=3, value="v")
    np.testing.assert_array_equal(blocks.counts, whole.counts)
    # two independent estimates of each sector's share of permutations with a larger
    # count (the p-values are made from it): 4 standard errors of their difference
    for a, b in (
        (blocks.larger_perm, whole.larger_perm),
        (blocks.smaller_perm, whole.smaller_perm),
    ):
        q = np.clip(b / perms, 1 / perms, 1 - 1 / perms)
        assert np.all(np.abs(a - b) / perms <= 4 * np.sqrt(2 * q * (1 - q) / perms))


def test_local_moran_with_bounded_memory_equals_the_kept_simulations():
    """The local engine keeps nothing per permutation unless asked: the counts (p-values)
    are the same, the moments accumulated block by block agree to rounding."""
    y = np.random.default_rng(5).random(100)
    w = lat2W(10, 10)
    kept = geoagglom.local_moran(y, w, permutations=5000, seed=6, keep_simulations=True)
    bounded = geoagglom.local_moran(y, w, permutations=5000, seed=6, keep_simulations=False)
    assert bounded.sim is None
    np.testing.assert_array_equal(bounded.p_sim, kept.p_sim)
    np.testing.assert_allclose(bounded.EI_sim, kept.sim.mean(axis=0), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(bounded.seI_sim, kept.sim.std(axis=0), rtol=1e-10)
