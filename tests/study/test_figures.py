"""The study's figure texts and region names."""

import re
from types import SimpleNamespace

import pandas as pd

from geoagglom.study import figures


def test_study_figures_have_chinese_words_for_every_english_one():
    assert set(figures.TEXT["zh"]) == set(figures.TEXT["en"])
    for key, template in figures.TEXT["zh"].items():
        text = template.format(
            suffix="",
            year=2016,
            index="泰尔 T 指数",
            ci="BCa",
            alpha=0.05,
            permutations=999,
            adjust="",
            p=0.01,
            second="增长率",
            name="金融熵",  # the analysed variable's name ([data] label or its default)
            Name="金融熵",
        )
        assert re.search(r"[\u4e00-\u9fff]", text), key
        text = text.replace("LISA", "").replace("Moran", "").replace("BCa", "")
        assert not re.search(r"[A-Za-z]{3,}", text), key


def test_study_region_names_in_chinese():
    grouping = SimpleNamespace(name="shandong-two-circles-four-areas", region="region")
    frame = pd.DataFrame({"year": [2004, 2004], "region": ["Jinan circle", "Qingdao circle"]})
    zh = figures._region_names(frame, grouping, "zh")
    assert zh["region"].tolist() == ["济南都市圈", "青岛都市圈"]
    assert figures._region_names(frame, grouping, "en") is frame
    users = SimpleNamespace(name=None, region="region")  # a user's table: names as they are
    assert figures._region_names(frame, users, "zh") is frame
