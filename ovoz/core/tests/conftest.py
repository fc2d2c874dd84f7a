# The working groups' world (areas, themes, two groups, one user of each kind) for the authorization matrix.
from ovoz.groups.tests.conftest import places, themes, world  # noqa: F401
