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


# The other direction: what README and docs name must exist, so a renamed command, setting, target,
# file or URL cannot leave the docs behind.
DOCS = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").rglob("*.md"))]
CURRENT_DOCS = [path for path in DOCS if path.name != "CHANGELOG.md"]  # the changelog keeps history


def _code_in(path: Path) -> list[str]:
    """Inline code spans and fenced blocks: where docs name commands, settings, files and URLs."""
    text = path.read_text(encoding="utf-8")
    fenced = re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    inline = re.findall(r"`([^`\n]+)`", re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL))
    return fenced + inline


def _named(pattern: str, paths: list[Path]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in paths:
        for code in _code_in(path):
            for match in re.finditer(pattern, code):
                found.setdefault(match.group(1), set()).add(path.name)
    return found


def test_every_ovoz_command_the_docs_name_exists():
    from django.core.management import get_commands

    commands = {name.replace("_", "-") for name in get_commands()}
    commands.add("rqworker")  # django_rq's, installed only when OVOZ_REDIS_URL is set
    from django_rq.management.commands import rqworker  # noqa: F401  (so it really exists)

    named = _named(r"(?<![\w/.-])ovoz ([a-z][a-z0-9_-]*)", CURRENT_DOCS)
    assert named  # the pattern still finds the commands the docs show
    missing = {name: files for name, files in named.items() if name.replace("_", "-") not in commands}
    assert missing == {}


def test_every_setting_the_docs_name_is_read_by_the_code():
    # Settings for benchmarks and tests are read there, and documented beside the others.
    extra = [*ROOT.joinpath("bench").glob("*.py"), *ROOT.joinpath("ovoz").rglob("tests/*.py"), ROOT / "conftest.py"]
    code = _code_text() + "\n".join(path.read_text(encoding="utf-8") for path in extra)
    named = _named(r"\b(OVOZ_[A-Z0-9_]+)\b", CURRENT_DOCS)
    assert named
    missing = {name: files for name, files in named.items() if name not in code}
    assert missing == {}


def test_every_make_target_the_docs_name_exists():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-zA-Z][\w-]*):", makefile, flags=re.MULTILINE))
    named = _named(r"(?<![\w-])make ([a-z][\w-]*)", CURRENT_DOCS)
    assert {"run", "test"} <= set(named)
    missing = {name: files for name, files in named.items() if name not in targets}
    assert missing == {}


# Paths the docs name on purpose before they exist.
NOT_YET = {"ovoz/locale/kaa"}  # created by `ovoz catalogs update` once Karakalpak is listed (docs/architecture.md)


def test_every_file_the_docs_name_or_link_exists():
    missing: dict[str, list[str]] = {}
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
        named = [
            match.group(0)
            for code in _code_in(path)
            for match in re.finditer(r"(?<![\w/.<{-])(?:ovoz|docs|bench|locale|deploy|\.ci)/[\w./-]*[\w]", code)
        ]
        for name in [*links, *named]:
            if "://" in name or "<" in name or "*" in name or name.rstrip("/") in NOT_YET:
                continue
            candidates = [path.parent / name, ROOT / name]
            if not any(candidate.exists() for candidate in candidates):
                missing.setdefault(path.name, []).append(name)
    assert missing == {}


# Docs name these as the roots of a family of URLs, not as pages.
PREFIXES = {"/api/v1/", "/open311/v2/", "/staff/", "/channels/", "/<lang>/"}


def test_every_url_the_docs_name_is_served():
    from django.urls import Resolver404, resolve

    placeholders = {
        "<lang>": "en",
        "<slug>": "a-group",
        "<id>": "1",
        "<code>": "water",
        "<token>": "abc",
        "<channel-id>": "5b8e2b2e-7c1e-4a8e-9a6e-1f2d3c4b5a69",
        "<uuid>": "5b8e2b2e-7c1e-4a8e-9a6e-1f2d3c4b5a69",
        "<random-uuid>": "5b8e2b2e-7c1e-4a8e-9a6e-1f2d3c4b5a69",
    }
    named = _named(
        r"(?<![\w.])((?:/<lang>|/en|/ru|/staff|/api/v1|/open311/v2|/channels)(?:/[^\s`'\"),?]*)?)", CURRENT_DOCS
    )
    assert named
    missing: dict[str, set[str]] = {}
    for url, files in named.items():
        if url in PREFIXES:
            continue
        concrete = re.sub(r"^/channels/(\w+)/<id>", r"/channels/\1/<uuid>", url)
        for placeholder, value in placeholders.items():
            concrete = concrete.replace(placeholder, value)
        concrete = re.sub(r"\{[^}]+\}", "1", concrete)  # OpenAPI-style {slug}
        if "<" in concrete or "..." in concrete or "…" in concrete:
            continue
        try:
            resolve(concrete)
        except Resolver404:
            try:
                resolve(concrete.rstrip("/") + "/")
            except Resolver404:
                missing[url] = files
    assert missing == {}
