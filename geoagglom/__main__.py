import sys

from geoagglom.cli import main

sys.exit(main())
