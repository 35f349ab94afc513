"""Installing Gongzhi prints no deprecation warning (issue 12 item 20) and the lock pins what it needs."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _sep, version = line.partition("==")
            pins[name.lower()] = version
    return pins


def test_the_license_is_an_spdx_expression_not_a_table():
    """setuptools 77+ deprecates ``license = {text = …}`` and warns on every install (PEP 639)."""
    project = _pyproject()["project"]
    assert project["license"] == "AGPL-3.0-or-later"
    assert "setuptools>=77" in _pyproject()["build-system"]["requires"]


def test_the_lock_pins_a_setuptools_that_reads_it():
    """./gz installs the package without build isolation, with the setuptools of the lock."""
    major = int(_lock()["setuptools"].split(".")[0])
    assert major >= 77


def test_every_direct_dependency_is_pinned():
    pins = _lock()
    for requirement in _pyproject()["project"]["dependencies"]:
        name = requirement.split(">")[0].split("<")[0].split("=")[0].split("[")[0].strip().lower()
        assert name in pins, requirement
    assert "holidays" in pins and "python-dateutil" in pins
