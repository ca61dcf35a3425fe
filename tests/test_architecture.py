"""The static layer checks of `make lint` find what they are there to find."""

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _checker():
    spec = importlib.util.spec_from_file_location(
        "check_imports", ROOT / "scripts" / "check_imports.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_project_has_no_cycle_and_no_private_import():
    assert _checker().problems() == []


def test_a_cycle_through_a_lazy_import_and_a_private_name_are_found(tmp_path):
    pkg = tmp_path / "core"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from core.b import _hidden\n")
    (pkg / "b.py").write_text("def f():\n    from core import a  # lazy, still a dependency\n")
    found = _checker().problems(tmp_path, ("core",))
    assert "import cycle: core.a <-> core.b" in found
    assert any("imports private _hidden from core.b" in line for line in found)


def test_import_linter_refuses_core_importing_textual(tmp_path):
    """The same contract as pyproject.toml's, on a copy of core that imports textual."""
    pkg = tmp_path / "core"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "bad.py").write_text("import textual\n")
    (tmp_path / ".importlinter").write_text(
        "[importlinter]\nroot_package = core\ninclude_external_packages = True\n\n"
        "[importlinter:contract:1]\nname = core never names textual\ntype = forbidden\n"
        "source_modules = core\nforbidden_modules = textual\n"
    )
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint), "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout
