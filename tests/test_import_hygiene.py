"""core/ must never load textual: the CLI and tests drive it headless."""

import subprocess
import sys

CORE_MODULES = ["core", "core.cli"]


def test_importing_core_loads_no_textual():
    code = (
        "import importlib, pkgutil, sys, core\n"
        "import core.cli\n"
        "core.cli.build_parser()\n"
        "for m in pkgutil.walk_packages(core.__path__, 'core.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(len(bad)); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
