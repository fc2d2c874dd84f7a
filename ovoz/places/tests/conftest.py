import os
from pathlib import Path

import pytest

from ovoz.places.services import areas_seed

BOUNDARIES = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "boundaries"


@pytest.fixture
def seeded(db):
    areas_seed()


@pytest.fixture
def boundaries_dir():
    if not (BOUNDARIES / "uz-regions.geojson").exists():
        message = f"the shared boundary files are not at {BOUNDARIES} (see ../shared/data/README.md)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)  # CI always has ../shared: a silent skip there would hide acceptance point 3
        pytest.skip(message)
    return BOUNDARIES
