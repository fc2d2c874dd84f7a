"""The ``ovoz`` command: Django's management commands with Ovoz's settings."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ovoz.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "ovoz"
    if len(argv) > 1 and not argv[1].startswith("-"):
        # Commands are spelled with hyphens on the command line (ovoz import-areas).
        argv[1] = argv[1].replace("-", "_")
    if argv[1:2] == ["serve"]:
        # `ovoz serve` (and `make run`) answers as production does: no debug page, which would show
        # every URL pattern and a stack trace to anyone. OVOZ_DEBUG=1 still asks for them.
        os.environ.setdefault("OVOZ_DEBUG", "0")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
