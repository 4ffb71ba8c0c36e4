"""Build-time steps of geoagglom's documentation (a small Sphinx extension).

* ``_generated/study_reference.md``: the study-file reference, from
  :func:`geoagglom.study.schema.reference_markdown` (so it cannot drift from the schema).
* ``_generated/gallery.md`` and ``_generated/gallery/*.png``: the bundled demo study
  run at build time with few permutations (``GEOAGGLOM_DOCS_PERMUTATIONS``, default
  99), at most 99 bootstrap replicates and 200 impact draws, into
  ``<build>/gallery-run``; its figures and its interactive map
  (``_generated/extra/gallery/map.html``) are copied into the site. Nothing of this is
  committed. A run already in the build folder is reused (delete ``docs/_build`` to
  redo it).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CAPTIONS = {
    "entropy_map": "Financial entropy β of the 17 cities, one classification for every year.",
    "lisa_map": "LISA classes of financial entropy.",
    "moran_scatter": "Moran scatterplot: entropy against its spatial lag.",
    "entropy_by_region": "Financial entropy of the six regions over the years.",
    "gini_theil": "Gini and Theil of the regions' entropy (Table I) over the years.",
    "decomposition": "Theil T of the cities' entropy, within and between regions (Table II).",
    "transition_heatmaps": "Spatial Markov transition probabilities, by the neighbours' class.",
    "rose": "Directional LISA: the rose diagram of the units' and neighbours' moves.",
    "model_unit_effect": "Spatial Durbin model: the effect of a change at one city on every city.",
}


def _write_if_changed(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def study_reference(src):
    from geoagglom.study.schema import reference_markdown

    text = (
        "<!-- generated at build time from geoagglom.study.schema; do not edit -->\n\n"
        + reference_markdown()
        + "\n"
    )
    _write_if_changed(src / "_generated" / "study_reference.md", text)


def gallery(src, build):
    from geoagglom.study.config import Study, demo_dir
    from geoagglom.study.interactive import write_map

    run_dir = build / "gallery-run"
    if not (run_dir / "report.html").is_file():
        study = Study.from_toml(demo_dir() / "study.toml")
        study.permutations = int(os.environ.get("GEOAGGLOM_DOCS_PERMUTATIONS", "99"))
        study.bootstrap = min(study.bootstrap, 99)  # intervals: enough to show them
        study.model_draws = min(study.model_draws, 200)
        results = study.run(run_dir, overwrite=True)
        write_map(results, run_dir / "map.html")
    images = src / "_generated" / "gallery"
    images.mkdir(parents=True, exist_ok=True)
    lines = [
        "<!-- generated at build time by running the demo study; do not edit -->",
        "",
    ]
    for png in sorted((run_dir / "figures").glob("*.png")):
        shutil.copy2(png, images / png.name)
        key = next((k for k in CAPTIONS if png.stem.startswith(k)), None)
        year = png.stem.rsplit("_", 1)[-1] if png.stem[-4:].isdigit() else None
        caption = CAPTIONS.get(key, png.stem) + (f" ({year})" if year else "")
        lines += [
            f"```{{figure}} /_generated/gallery/{png.name}",
            f":alt: {png.stem}",
            "",
            f"{caption} `figures/{png.name}`",
            "```",
            "",
        ]
    _write_if_changed(src / "_generated" / "gallery.md", "\n".join(lines))
    extra = src / "_generated" / "extra" / "gallery"
    extra.mkdir(parents=True, exist_ok=True)
    shutil.copy2(run_dir / "map.html", extra / "map.html")
    shutil.copy2(run_dir / "report.html", extra / "report.html")


def _builder_inited(app):
    src = Path(app.srcdir)
    build = Path(app.outdir).parent
    study_reference(src)
    gallery(src, build)


def setup(app):
    app.connect("builder-inited", _builder_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
