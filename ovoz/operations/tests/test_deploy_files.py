"""The files of deploy/ are checked by the tools that will read them: nginx -t, systemd-analyze verify,
logrotate -d; and the environment template names only variables docs/deployment.md explains.

`make prod-check` then runs them for real (deploy/prodcheck.py)."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"


def _prodcheck():
    """deploy/shape.py: what `make prod-check` (deploy/prodcheck.py) starts, and how."""
    spec = importlib.util.spec_from_file_location("shape", DEPLOY / "shape.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _required(program: str) -> str:
    path = shutil.which(program) or (f"/usr/sbin/{program}" if Path(f"/usr/sbin/{program}").exists() else None)
    if path is None:
        pytest.skip(f"{program} is not installed (`make prod-check` installs it)")
    return path


def test_nginx_accepts_the_site(tmp_path):
    nginx = _required("nginx")
    prodcheck = _prodcheck()
    (tmp_path / "nginx").mkdir()
    cert, key = prodcheck.certificate(tmp_path)
    conf = prodcheck.nginx_conf(tmp_path, http=8080, https=8443, web_ports=[8000, 8001], cert=cert, key=key)
    (tmp_path / "logs").mkdir()
    result = subprocess.run(
        [nginx, "-t", "-c", str(conf), "-p", str(tmp_path / "nginx")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    site = conf.parent.joinpath("ovoz.conf").read_text()
    assert "$remote_addr" not in site.split("log_format", 1)[1].split(";", 1)[0]  # the log format
    assert "brotli_static on;" in site and "gzip_static on;" in site and "gzip off;" in site


def test_systemd_accepts_the_units(tmp_path):
    analyze = _required("systemd-analyze")
    # The units name /opt/ovoz/venv; systemd checks that the commands exist, so point them at this one.
    for unit in (DEPLOY / "systemd").iterdir():
        text = unit.read_text().replace("/opt/ovoz/venv/bin/", f"{Path(sys.executable).parent}/")
        (tmp_path / unit.name).write_text(text)
    units = ["ovoz-web@8000.service", "ovoz-worker@1.service", "ovoz-scheduler.service", "ovoz.target"]
    result = subprocess.run(
        [analyze, "verify", "--man=no", *units], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and not result.stdout.strip() and not result.stderr.strip(), result.stderr


def test_logrotate_accepts_its_file():
    logrotate = _required("logrotate")
    result = subprocess.run(
        [logrotate, "--debug", str(DEPLOY / "logrotate" / "ovoz")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert not re.findall(r"^error:.*$", result.stderr, flags=re.MULTILINE)
    assert "rotating pattern: /var/log/ovoz/nginx-access.log /var/log/ovoz/nginx-error.log" in result.stderr


def test_the_environment_template_names_only_documented_variables():
    documented = (ROOT / "docs" / "deployment.md").read_text()
    names = re.findall(r"^#?(OVOZ_[A-Z_]+)=", (DEPLOY / "ovoz.env.example").read_text(), flags=re.MULTILINE)
    assert "OVOZ_REDIS_URL" in names and "OVOZ_DATA_KEY" in names
    assert [name for name in names if f"`{name}`" not in documented] == []


def test_the_one_server_steps_name_every_deploy_file():
    documented = (ROOT / "docs" / "deployment.md").read_text()
    for path in DEPLOY.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            # Unit names hold an @, where the docs test's file pattern stops: those are named by folder.
            named = f"`{path.name}` in `deploy/{path.parent.relative_to(DEPLOY)}/`"
            assert f"deploy/{path.relative_to(DEPLOY)}" in documented or named in documented, path
