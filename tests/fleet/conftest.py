"""A workspace copied from the session's CA template, and inventories to build from."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.pki import Workspace


@pytest.fixture
def ws(ca_template: Path, tmp_path: Path) -> Workspace:
    root = tmp_path / "pki"
    shutil.copytree(ca_template, root)
    return Workspace(root)


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    path = tmp_path / "handsets.csv"
    path.write_text(
        "mac,extension,label,room\n"
        "00:04:F2:AA:BB:01,201,Ward 3 nurse,12\n"
        "00-04-f2-aa-bb-02,202,,14\n"
        "0004f2aabb03,,,\n",
        encoding="utf-8",
    )
    return path


def write_inventory(folder: Path, rows: int, name: str = "big.csv") -> Path:
    path = folder / name
    lines = ["mac,extension,label"]
    lines += [f"0004f2{i:06x},{1000 + i},Handset {i}" for i in range(1, rows + 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
