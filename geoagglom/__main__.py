from geoagglom.cli import entry

entry()
