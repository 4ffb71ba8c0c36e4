"""Make the README's figure from the demo study: ``docs/img/demo_entropy_map.png``.

    python docs/readme_figure.py

Uses the demo run of the last documentation build (``docs/_build/gallery-run``) when
there is one, else runs the demo (99 permutations; the map does not depend on them)
into a temporary folder. The PNG is the study's ``figures/entropy_map.png`` scaled to
1,200 pixels wide and reduced to a 64-colour palette, so it stays under 150 kB. This is
the only committed image; the documentation's gallery is made at build time.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
TARGET = HERE / "img" / "demo_entropy_map.png"


def entropy_map(folder):
    from geoagglom.study.config import Study, demo_dir

    study = Study.from_toml(demo_dir() / "study.toml")
    study.permutations = 99
    return study.run(Path(folder) / "demo", overwrite=True).figures["entropy_map"][0]


def main():
    source = HERE / "_build" / "gallery-run" / "figures" / "entropy_map.png"
    with tempfile.TemporaryDirectory() as tmp:
        if not source.is_file():
            source = entropy_map(tmp)
        image = Image.open(source).convert("RGB")
        width = 1200
        image = image.resize((width, round(image.height * width / image.width)), Image.LANCZOS)
        image = image.quantize(colors=64, method=Image.Quantize.MEDIANCUT)
        TARGET.parent.mkdir(parents=True, exist_ok=True)
        image.save(TARGET, optimize=True)
    print(f"wrote {TARGET} ({TARGET.stat().st_size / 1024:.0f} kB)")


if __name__ == "__main__":
    main()
