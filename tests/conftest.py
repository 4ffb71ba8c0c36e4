import pytest

import geoagglom


@pytest.fixture(scope="session")
def china():
    return geoagglom.load_layer("china-prefectures")


@pytest.fixture(scope="session")
def shandong():
    return geoagglom.load_layer("shandong")


@pytest.fixture(scope="session")
def shandong_old():
    return geoagglom.load_layer("shandong-2004-2016")
