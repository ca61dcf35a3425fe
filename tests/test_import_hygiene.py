"""core/ must never load textual: the CLI and tests drive it headless."""

import subprocess
import sys

CORE_MODULES = ["core", "handset_ca.cli"]


def test_importing_core_loads_no_textual():
    code = (
        "import importlib, pkgutil, sys, core\n"
        "import handset_ca.cli\n"
        "handset_ca.cli.build_parser()\n"
        "for m in pkgutil.walk_packages(core.__path__, 'core.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(len(bad)); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_building_the_app_loads_no_network_or_boot_server_code(tmp_path):
    """make_app (not run) loads core.handset, which needs cryptography's x509 at once; the
    HTTP client, the fetch internals and the boot server load only when used."""
    code = (
        "import sys\n"
        "from tui.app import make_app\n"
        f"make_app({str(tmp_path / 'pki')!r})\n"
        "heavy = ['httpx', 'core.bootserver', 'core.fetch', 'core.fetch.http',\n"
        "         'core.fetch.tls', 'core.fetch.download', 'core.check']\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
