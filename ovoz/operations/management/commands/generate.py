from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ovoz.operations.generate import generate


class Command(BaseCommand):
    help = "Add synthetic districts and concerns in bulk, for benchmarks (refused in production)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--concerns", type=int, default=10_000)
        parser.add_argument("--areas", type=int, default=500, help="Synthetic districts spread over the regions.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same data.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()

        def progress(done: int) -> None:
            if done % 100_000 == 0 or done == options["concerns"]:
                self.stdout.write(f"{done} concerns ({time.monotonic() - started:.0f} s)")

        result = generate(concerns=options["concerns"], areas=options["areas"], seed=options["seed"], progress=progress)
        self.stdout.write(
            f"Generated {result.concerns} concerns over {result.areas} districts in {time.monotonic() - started:.0f} s."
        )
