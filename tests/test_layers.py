"""The apps' layering is a contract that `make lint` checks (lint-imports, the contracts in
pyproject.toml): it holds for the code as it is, and an import the wrong way breaks it."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["accounts", "notifications", "dashboards", "scorecards", "plans", "surveys", "portfolio", "config", "bench"]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
NOT_CODE = shutil.ignore_patterns("__pycache__", "*.md", "*.sqlite3")


def lint_imports(folder: Path) -> subprocess.CompletedProcess:
    """lint-imports analyses the packages found in the folder it runs in."""
    return subprocess.run([LINT_IMPORTS, "--no-cache", "--config", ROOT / "pyproject.toml"], cwd=folder,
                          capture_output=True, text=True, timeout=120)


def test_the_code_keeps_the_layers():
    result = lint_imports(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("accounts/planted.py", "from portfolio.models import AccountHealth", "accounts.planted -> portfolio.models"),
        ("scorecards/planted.py", "from dashboards.models import Status", "scorecards.planted -> dashboards.models"),
        ("notifications/planted.py", "import plans.models", "notifications.planted -> plans.models"),
        ("dashboards/planted.py", "from config.settings import base", "dashboards.planted -> config.settings"),
    ],
)
def test_an_import_against_the_layers_breaks_the_contract(tmp_path, module, line, broken):
    # Planted in a copy of the code: the real tree is never touched, not even for a moment.
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=NOT_CODE)
    (tmp_path / module).write_text(f"{line}  # noqa: F401\n")

    result = lint_imports(tmp_path)

    assert result.returncode != 0
    assert broken in result.stdout
