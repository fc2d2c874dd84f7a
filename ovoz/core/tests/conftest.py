# The working groups' world (areas, themes, two groups, one user of each kind) for the authorization matrix;
# seeded areas and a confidential-intake recipient with a key, for retention of sealed concerns.
from ovoz.concerns.tests.conftest import seeded  # noqa: F401
from ovoz.groups.tests.conftest import places, themes, world  # noqa: F401
from ovoz.referrals.tests.test_confidential import intake  # noqa: F401
