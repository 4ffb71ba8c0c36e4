"""The offline interactive map (geoagglom.study.interactive), in a real headless browser."""

from __future__ import annotations

import json
import re
import shutil
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from geoagglom import dissolve_regions, load_grouping, load_layer
from geoagglom.study.interactive import PALETTE, map_html, write_map


def _results(illustrative=True, with_regions=True, with_lisa=True):
    """A run's pieces for the 17 Shandong cities, three years, values from a seeded draw."""
    units = load_layer("shandong-2004-2016")
    rng = np.random.default_rng(7)
    years = [2004, 2010, 2016]
    rows = []
    for t, year in enumerate(years):
        # the order of the units' values changes between years, so colours must change
        beta = rng.lognormal(0, 0.6, len(units)) * (1 + t)
        for u, b in zip(units.index, beta, strict=True):
            rows.append(
                {"year": year, "unit": u, "name_zh": units.at[u, "name_zh"],
                 "name_en": units.at[u, "name_en"], "beta": b}
            )  # fmt: skip
    entropy = pd.DataFrame(rows)
    tables = {"entropy_units": entropy}
    if with_lisa:
        codes = np.array(["HH", "LH", "LL", "HL", "ns"])
        lisa = entropy[["year", "unit", "name_zh", "name_en"]].copy()
        lisa["cluster"] = codes[rng.integers(0, 5, len(lisa))]
        lisa["label"] = lisa["cluster"].map({"HH": "spillover cluster"}).fillna("other")
        lisa["p_value"] = rng.uniform(0.001, 0.5, len(lisa))
        lisa["p_adjusted"] = np.minimum(1, lisa["p_value"] * 2)
        tables["lisa"] = lisa
    regions = None
    if with_regions:
        grouping = load_grouping("shandong-two-circles-four-areas")["region"]
        regions = dissolve_regions(units, grouping.reindex(units.index))
    config = SimpleNamespace(illustrative=illustrative, top=SimpleNamespace(title="Test map"))
    return SimpleNamespace(
        units=units, tables=tables, regions=regions, config=config, names=["name_zh", "name_en"]
    )


def _payload(page):
    match = re.search(r"<script type='application/json' id='gm-data'>(.*?)</script>", page, re.S)
    return json.loads(match.group(1).replace("<\\/", "</"))


def test_page_is_self_contained_and_carries_every_unit_and_year():
    results = _results()
    page = map_html(results)
    # nothing fetched at view time: no external URL in a src/href, no remote script/style
    assert not re.search(r"(src|href)\s*=\s*['\"]?(https?:)?//", page)
    assert "<link" not in page and "@import" not in page
    assert "illustrative data" in page
    data = _payload(page)
    assert data["years"] == [2004, 2010, 2016]
    assert set(data["units"]) == {str(u) for u in results.units.index}
    assert page.count("class='unit'") == len(results.units)
    assert page.count("class='region'") == len(results.regions)
    # values are the table's, and classes follow the breaks
    entropy = results.tables["entropy_units"]
    jinan = entropy[(entropy["unit"] == 370100)].sort_values("year")["beta"].to_numpy()
    np.testing.assert_allclose(data["units"]["370100"]["values"], jinan, rtol=0, atol=0)
    breaks = np.array(data["breaks"])
    for unit in data["units"].values():
        for value, k in zip(unit["values"], unit["cls"], strict=True):
            assert breaks[k] <= value <= breaks[k + 1]
    # each unit's region is its grouping's region
    grouping = load_grouping("shandong-two-circles-four-areas")["region"]
    for u, unit in data["units"].items():
        assert unit["region"] == grouping[int(u)]


def test_not_illustrative_and_without_lisa_or_regions():
    page = map_html(_results(illustrative=False, with_regions=False, with_lisa=False))
    assert "illustrative" not in page.lower()
    assert "value='lisa'" not in page and "id='gm-show-regions'" not in page


def test_unknown_measure_names_the_columns():
    with pytest.raises(KeyError, match=r"density.*its columns: year, unit"):
        map_html(_results(), measure="density")


def test_write_map(tmp_path):
    path = write_map(_results(), tmp_path / "map.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# ---- in a real browser ---------------------------------------------------------------


def _driver():
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if browser is None or driver_path is None:
        pytest.skip(
            "chromium and chromedriver are not installed (Debian: chromium chromium-driver)"
        )
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(arg)
    options.add_argument("--window-size=1200,1000")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        return webdriver.Chrome(service=Service(driver_path), options=options)
    except Exception as err:  # a browser that cannot start here is a skip, said why
        pytest.skip(f"headless chromium could not start: {err}")


@pytest.fixture(scope="module")
def browser():
    driver = _driver()
    yield driver
    driver.quit()


def _fills(driver):
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('path.unit'))"
        ".map(p => [p.dataset.unit, p.getAttribute('fill')]);"
    )


def _set_year(driver, position):
    driver.execute_script(
        "const s = document.getElementById('gm-year'); s.value = arguments[0];"
        "s.dispatchEvent(new Event('input', {bubbles: true}));",
        position,
    )


def test_map_in_browser(browser, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    results = _results()
    path = write_map(results, tmp_path / "map.html")
    browser.get(path.as_uri())
    data = _payload(path.read_text(encoding="utf-8"))

    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == []
    assert "illustrative data" in browser.find_element(By.TAG_NAME, "h1").text

    # the last year is shown first; fills are the palette colours of that year's classes
    last = _fills(browser)
    assert len(last) == len(results.units)
    for unit, colour in last:
        assert colour == PALETTE[data["units"][unit]["cls"][-1]]
    # moving the slider recolours the units
    slider = browser.find_element(By.ID, "gm-year")
    slider.click()
    from selenium.webdriver.common.keys import Keys

    slider.send_keys(Keys.HOME)  # a real key press on the range input
    assert browser.find_element(By.ID, "gm-year-label").text == "2004"
    first = _fills(browser)
    assert first != last
    for unit, colour in first:
        assert colour == PALETTE[data["units"][unit]["cls"][0]]

    # hovering a unit shows its name, region and values for the year shown
    unit = browser.find_element(By.CSS_SELECTOR, "path.unit[data-unit='370100']")
    ActionChains(browser).move_to_element(unit).perform()
    tip = browser.find_element(By.ID, "gm-tip")
    assert tip.is_displayed()
    text = tip.text
    info = data["units"]["370100"]
    assert "济南市 Jinan" in text and "Jinan circle" in text and "2004" in text
    assert f"{info['values'][0]:.4g}"[:4] in text
    assert info["lisa"][0] in text
    assert f"{info['p'][0]:.3g}"[:4] in text

    # the LISA layer: fills become the LISA colours of that year's classes
    browser.find_element(By.CSS_SELECTOR, "input[name=gm-layer][value=lisa]").click()
    assert not browser.find_element(By.ID, "gm-classes").is_displayed()  # quantile note
    legend = browser.find_element(By.ID, "gm-legend").text
    assert "High-High (spillover cluster)" in legend and "Not significant" in legend
    for unit, colour in _fills(browser):
        assert colour == data["lisa_colors"][data["units"][unit]["lisa"][0]]
    _set_year(browser, 2)
    for unit, colour in _fills(browser):
        assert colour == data["lisa_colors"][data["units"][unit]["lisa"][2]]
    # region outlines switch off
    browser.find_element(By.ID, "gm-show-regions").click()
    assert not browser.find_element(By.ID, "gm-regions").is_displayed()

    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == []
