"""Ovoz's settings plus the bare-insert baseline app, for bench/intake.py only."""

from ovoz.settings import *  # noqa: F403
from ovoz.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.bare"]
ROOT_URLCONF = "bench.urls"
DEBUG = False
