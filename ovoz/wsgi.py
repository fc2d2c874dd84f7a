import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ovoz.settings")

application = get_wsgi_application()

from ovoz.core.warmup import settle  # noqa: E402 - after Django is set up

settle()
