"""Docs are part of the change: every setting and command must be documented."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _code_text() -> str:
    files = [*ROOT.joinpath("ovoz").rglob("*.py"), ROOT / "Makefile", ROOT / ".ci" / "run"]
    return "\n".join(path.read_text(encoding="utf-8") for path in files if "tests" not in path.parts)


def test_every_environment_variable_is_documented():
    used = set(re.findall(r"\bOVOZ_[A-Z_]+\b", _code_text()))
    documented = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    missing = sorted(name for name in used if name not in documented)
    assert missing == []


def test_every_ovoz_command_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [
        path.stem.replace("_", "-")
        for path in ROOT.joinpath("ovoz").glob("*/management/commands/*.py")
        if path.stem != "__init__"
    ]
    assert commands
    missing = sorted(command for command in commands if f"ovoz {command}" not in readme)
    assert missing == []
