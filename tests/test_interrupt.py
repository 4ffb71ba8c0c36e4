"""Killing a run at any moment leaves no partial output and no traceback."""

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from geoagglom.study.config import demo_dir


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("interrupt")
    shutil.copy(demo_dir() / "illustrative_data.csv", folder)
    text = (demo_dir() / "study.toml").read_text(encoding="utf-8")
    (folder / "study.toml").write_text(text.replace("permutations = 999", "permutations = 99"))
    return folder / "study.toml"


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("after", [0.5, 2.0, 4.0, 7.0])
def test_killed_run_leaves_nothing(tmp_path, study, sig, after):
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "geoagglom", "run", str(study), "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(after)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=120)
    assert "Traceback" not in stderr, stderr
    if proc.returncode == 0:  # it finished before the signal: complete output
        assert (out / "report.html").is_file()
    else:
        assert proc.returncode == (143 if sig == signal.SIGTERM else 130), stderr
        assert stderr.strip().splitlines()[-1].endswith("no output was left behind.")
        assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_closed_pipe_ends_quietly():
    command = f"{sys.executable} -m geoagglom areas shandong | head -n 2"
    done = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    assert done.stdout.count("\n") == 2
    assert done.stderr == ""


def test_output_files_follow_the_umask(tmp_path, study):
    old = os.umask(0o027)
    try:
        from geoagglom.cli import main

        assert main(["run", str(study), "-o", str(tmp_path / "out")]) == 0
    finally:
        os.umask(old)
    for path in [tmp_path / "out", *(tmp_path / "out").rglob("*")]:
        mode = path.stat().st_mode & 0o777
        expected = 0o750 if path.is_dir() else 0o640
        assert mode == expected, (path, oct(mode))


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_stop_swallowed_in_a_callback_is_raised_again(sig):
    """A signal whose exception lands in a __del__ (or a weakref callback), where Python
    only prints it and goes on, is sent again and stops the run; nothing is printed."""
    code = f"""
import signal, sys, time
from geoagglom import cli
handler = {{"SIGTERM": cli._on_sigterm, "SIGINT": cli._on_sigint}}["{sig}"]
signal.signal(signal.{sig}, handler)
sys.unraisablehook = cli._redeliver
cli._STOPPED_BY.append(signal.{sig})
stop = {{"SIGTERM": cli.Terminated, "SIGINT": KeyboardInterrupt}}["{sig}"]
class Dies:
    def __del__(self):
        raise stop
try:
    Dies()
    for _ in range(500):
        time.sleep(0.01)
    print("not stopped")
except stop:
    print("stopped")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "stopped", done.stdout + done.stderr
    assert done.stderr == ""
