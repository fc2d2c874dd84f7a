import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def language_reset():
    """Pages in Tajik leave Tajik active in the thread (LocaleMiddleware does not reset it), which would
    make the next test in this process resolve /en/ URLs under the Tajik prefix."""
    yield
    translation.deactivate()
