"""Build hook: compile the translation catalogs into the wheel.

The catalogs live in ``ovoz/locale/<lang>/LC_MESSAGES/django.po``; Django reads only the compiled
``django.mo``, which is not kept in git (``make run`` and ``ovoz catalogs compile`` write it for a
checkout). A wheel is installed where nobody runs that command, so ``build_py`` compiles every
catalog into the build tree: an installed Ovoz serves every language it ships.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogs(build_py):
    def run(self) -> None:
        super().run()
        for po_path in sorted(Path("ovoz/locale").glob("*/LC_MESSAGES/*.po")):
            target = Path(self.build_lib) / po_path.with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with po_path.open("rb") as source:
                catalog = read_po(source, locale=po_path.parts[2])
            with target.open("wb") as sink:
                write_mo(sink, catalog, use_fuzzy=False)


setup(cmdclass={"build_py": BuildWithCatalogs})
