"""The national county study, cold, against a peer script (issue 13).

geoagglom: ``geoagglom run examples/china_counties/study.toml`` (2,848 counties with
data on the 2,875-unit layer × 13 years, 999 permutations, figures, GeoPackage,
interactive map and report) in a fresh Python process. Peer:
``benchmarks/peer_county_study.py``, the same core steps with geopandas + libpysal +
esda + inequality + mapclassify + matplotlib, also in a fresh process. The two
alternate, ``--repeat`` rounds; wall-clock times, min and median, and the ratio
peer / geoagglom are printed. Targets (issue 13): geoagglom ≤ 30 s and ≥ 10× the peer.

Usage::

    python benchmarks/bench_county_study.py [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
STUDY = REPO / "examples" / "china_counties" / "study.toml"


def run(command, env):
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(map(str, command))} failed:\n{done.stderr[-3000:]}")
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(REPO), MPLBACKEND="Agg")
    work = Path(tempfile.mkdtemp(prefix="bench_county_"))
    times = {"peer (geopandas+libpysal+esda+inequality+mapclassify)": [], "geoagglom run": []}
    peer, ours = times
    try:
        for i in range(args.repeat):
            times[peer].append(
                run(
                    [sys.executable, str(HERE / "peer_county_study.py"), str(work / f"peer{i}")],
                    env,
                )
            )
            times[ours].append(
                run(
                    [
                        sys.executable,
                        "-m",
                        "geoagglom.cli",
                        "run",
                        str(STUDY),
                        "-o",
                        str(work / f"ours{i}"),
                    ],
                    env,
                )
            )
            print(
                f"round {i + 1}: peer {times[peer][-1]:.1f} s, geoagglom {times[ours][-1]:.1f} s",
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\nNational county study, cold (fresh process each), wall clock")
    for name, ts in times.items():
        print(f"  {name:55s} min {min(ts):8.1f} s   median {statistics.median(ts):8.1f} s")
    ratio_min = min(times[peer]) / min(times[ours])
    ratio_med = statistics.median(times[peer]) / statistics.median(times[ours])
    print(f"  ratio peer / geoagglom: min {ratio_min:.2f}x, median {ratio_med:.2f}x")
    print(
        f"  targets: geoagglom <= 30 s: {'met' if min(times[ours]) <= 30 else 'NOT met'}; "
        f">= 10x the peer: {'met' if ratio_min >= 10 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
