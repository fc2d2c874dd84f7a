"""The wheel an operator installs serves every language and keeps its data where OVOZ_VAR_DIR says.

Built from this checkout with `python -m build --wheel --no-isolation` (the build tools are dev
dependencies, so nothing is downloaded), installed without dependencies into a fresh virtualenv that
borrows this one's installed libraries, and run from a directory outside the checkout.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CHECKOUT = Path(__file__).resolve().parents[3]

PROBE = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "ovoz.settings"
import django
django.setup()
import ovoz
from django.conf import settings
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
print("package", ovoz.__file__)
print("var", settings.VAR_DIR)
def heading(language):
    page = Client(HTTP_HOST="localhost").get(f"/{language}/report/")
    text = page.content.decode()
    return page.status_code, text[text.index("<h1"):text.index("</h1>")]
english = heading("en")[1]
for language in ("ru", "uz", "tg", "ky", "kk"):
    status, text = heading(language)
    # A missing catalog falls back to the English source text.
    print(language, status, text != english)
"""

# Where the data goes with OVOZ_VAR_DIR set: connecting makes the SQLite file (no need to migrate again).
VAR_PROBE = """
import os
os.environ["DJANGO_SETTINGS_MODULE"] = "ovoz.settings"
import django
django.setup()
from django.db import connection
connection.ensure_connection()
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    build = tmp_path_factory.mktemp("build")
    # Built from a copy so that the checkout gets no build/ or egg-info/ folders.
    subprocess.run(
        ["cp", "-r", "ovoz", "setup.py", "pyproject.toml", "README.md", str(build)], cwd=CHECKOUT, check=True
    )
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(build)],
        check=True,
        capture_output=True,
    )
    (found,) = out.glob("ovoz-*.whl")
    return found


def test_the_wheel_carries_compiled_catalogs_templates_and_static_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for language in ("ru", "uz", "tg", "ky", "kk"):
        assert f"ovoz/locale/{language}/LC_MESSAGES/django.mo" in names
    assert "ovoz/templates/base.html" in names
    assert any(name.startswith("ovoz/static/vendor/") for name in names)
    assert not any(name.startswith(("var/", "ovoz/var/")) for name in names)


def test_an_installed_wheel_serves_every_language_and_writes_only_to_its_var_dir(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # The libraries Ovoz needs come from this environment; Ovoz itself only from the wheel.
    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--no-deps",
            "--no-compile",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "site"
    elsewhere.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OVOZ_", "DJANGO_", "PYTHONPATH"))}
    result = subprocess.run(
        [str(python), "-c", PROBE], cwd=elsewhere, env=env, check=True, capture_output=True, text=True
    )
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert lines["package"].startswith(str(site)), "Ovoz must come from the wheel, not from the checkout"
    assert lines["var"] == str(elsewhere / "var")
    assert (elsewhere / "var" / "ovoz.sqlite3").exists()
    assert not (site / "var").exists() and not (site / "ovoz" / "var").exists()
    for language in ("ru", "tg", "ky", "kk", "uz"):
        assert lines[language] == "200 True", (language, lines[language])

    # With OVOZ_VAR_DIR set, the data goes there and nowhere else.
    chosen = tmp_path / "data"
    env["OVOZ_VAR_DIR"] = str(chosen)
    other = tmp_path / "other"
    other.mkdir()
    subprocess.run([str(python), "-c", VAR_PROBE], cwd=other, env=env, check=True, capture_output=True, text=True)
    assert (chosen / "ovoz.sqlite3").exists()
    assert not (other / "var").exists()
