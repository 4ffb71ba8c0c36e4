"""Normalised forms of Chinese and romanised place names, used to match tables to units.

``short_name_zh("恩施土家族苗族自治州") == "恩施"`` and
``latin_key("Xi'an") == latin_key("XIAN") == "xian"``.
"""

from __future__ import annotations

import re
import unicodedata

# Administrative suffixes, longest first so that 自治州 wins over 州 (which is not stripped).
_SUFFIXES_ZH = (
    "特别行政区",
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "地区",
    "林区",
    "盟",
    "省",
    "市",
    "县",
)
_AUTONOMOUS = ("自治州", "自治县", "自治旗")

# The 55 officially recognised minority nationalities, as they appear in the names of
# autonomous prefectures and counties ("…族自治州"); a few names appear without 族.
_NATIONALITIES = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 "
    "拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 "
    "塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
_WITHOUT_ZU = ("蒙古", "哈萨克", "柯尔克孜")
_nationality = "|".join(
    [f"{n}族" for n in sorted(_NATIONALITIES, key=len, reverse=True)] + list(_WITHOUT_ZU)
)
_TRAILING_NATIONALITIES = re.compile(f"(?:{_nationality})+$")


def short_name_zh(name):
    """Chinese place name without its administrative suffix and nationality names.

    Parameters
    ----------
    name : str

    Returns
    -------
    str
        ``"济南市"`` → ``"济南"``, ``"阿克苏地区"`` → ``"阿克苏"``,
        ``"延边朝鲜族自治州"`` → ``"延边"``, ``"神农架林区"`` → ``"神农架"``.
    """
    name = re.sub(r"\s+", "", str(name))
    for suffix in _SUFFIXES_ZH:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            if suffix in _AUTONOMOUS:
                stem = _TRAILING_NATIONALITIES.sub("", stem) or stem
            return stem
    return name


def latin_key(name):
    """Case-, accent- and punctuation-free key of a romanised name.

    ``"Xi'an"``, ``"XIAN"`` and ``"Xi An"`` all give ``"xian"``; ``"Lüliang"`` and
    ``"Lvliang"`` both give ``"lvliang"``. A trailing " City"/" Shi"/" Prefecture"
    is dropped.
    """
    text = str(name).strip().lower().replace("ü", "v").replace("u:", "v")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"\b(city|shi|prefecture|diqu|league|meng|municipality)$", "", text.strip())
    # digits are kept: "Zone 1" and "Zone 2" are two units
    return re.sub(r"[^a-z0-9]", "", text)


def is_chinese(text):
    """Whether the text contains CJK ideographs."""
    return bool(re.search(r"[\u4e00-\u9fff]", str(text)))
