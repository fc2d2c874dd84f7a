import io
import re

import pytest
from PIL import Image

from ovoz.concerns.services import themes_seed
from ovoz.places.services import areas_seed


@pytest.fixture
def seeded(db):
    areas_seed()
    themes_seed()


def form_token(client, language="en") -> str:
    html = client.get(f"/{language}/report/").content.decode()
    return re.search(r'name="submission_token" value="([^"]+)"', html).group(1)


def receipt_in(response) -> str:
    """The receipt a successful report shows: the POST redirects to the page that shows it once."""
    if response.status_code == 303:
        response = response.client.get(response["Location"])
    match = re.search(r'data-testid="receipt"><output>([0-9A-Z-]+)</output>', response.content.decode())
    assert match, response.content.decode()[:3000]
    return match.group(1)


def jpeg_with_gps() -> bytes:
    """A small JPEG carrying EXIF with a GPS block, as phones write them."""
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (41.0, 18.0, 0.0), 3: "E", 4: (69.0, 16.0, 0.0)}  # GPSInfo
    output = io.BytesIO()
    image.save(output, format="JPEG", exif=exif)
    return output.getvalue()
