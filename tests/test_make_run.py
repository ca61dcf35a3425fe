"""`make run` installs what the README's commands need, so none answers "pip install"."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_run_stamp_installs_every_extra_but_the_tests() -> None:
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^\$\(STAMP\):.*?\n((?:\t.*\n)+)", makefile, re.M)
    assert recipe, "no $(STAMP) rule in the Makefile"
    installed = re.search(r"-e '\.\[([^\]]*)\]'", recipe.group(1))
    assert installed, recipe.group(1)
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    # ftp for `serve`'s FTP, web for `handset-ca web` (`make web`).
    assert set(installed.group(1).split(",")) == set(extras) - {"test"}
