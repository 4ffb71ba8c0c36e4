"""The built wheel carries the bundled layers and finds them once installed."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_and_loads_a_bundled_layer(tmp_path):
    pytest.importorskip("hatchling", reason="the test extra installs hatchling to build offline")
    wheels = tmp_path / "wheels"
    target = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(ROOT)],
        check=True,
    )
    (wheel,) = wheels.glob("geoagglom-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)], check=True)
    probe = (
        "import geoagglom; "
        "layer = geoagglom.load_layer('shandong-2004-2016'); "
        "from geoagglom.data.boundaries import bundled_dir; "
        "print(geoagglom.__file__); print(bundled_dir()); print(len(layer))"
    )
    # Run from an empty folder so the source checkout cannot shadow the installed copy.
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    module_file, data_dir, count = done.stdout.split()
    assert Path(module_file).is_relative_to(target)
    assert Path(data_dir) == target / "geoagglom" / "boundaries"
    assert count == "17"
