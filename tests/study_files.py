"""A small study on the demo data, written to a folder, for the study tests."""

import shutil

from geoagglom.study.config import demo_dir


def write_study(folder, text, data=None):
    """A study folder with the demo data and the given TOML."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(demo_dir() / "illustrative_data.csv", folder / "data.csv")
    if data is not None:
        data.to_csv(folder / "data.csv", index=False)
    path = folder / "study.toml"
    path.write_text(text, encoding="utf-8")
    return path


BASE = """
[boundaries]
layer = "shandong-2004-2016"
[data]
file = "data.csv"
unit = "城市"
year = "年份"
quantity = ["年末金融机构存款余额(万元)", "年末金融机构各项贷款余额(万元)"]
[grouping]
name = "shandong-two-circles-four-areas"
[measures]
permutations = 9
"""
