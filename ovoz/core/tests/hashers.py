"""A cheap Argon2 for the test suite: the same algorithm and hash format, a fraction of the memory and time."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 64
    parallelism = 1
