"""Insights, measured: each section prints its own table (issue 15).

    OMP_NUM_THREADS=1 .venv/bin/python bench/insights.py

One core: the thread pools of numpy's BLAS are limited to one thread before numpy is imported.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.insights_pairs import pair_rows, print_pairs  # noqa: E402


def main() -> None:
    print(f"# {platform.node()} {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print_pairs(pair_rows())


if __name__ == "__main__":
    main()
