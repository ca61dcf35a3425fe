"""The bulletin through two processes, as an administrator would run it.

`handset-ca ca init` and `handset-ca issue` make the workspace, `handset-ca serve`
runs in the background, and `handset-ca rehearse` types the printed URL into a
fresh emulated handset, with the printed --connect-to options instead of DNS.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import CA_PASS, NAME, OTHER_NAME
from .serveproc import Serve, clean_env, run_cli


@pytest.fixture(scope="module")
def cli_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli") / "pki"
    env = clean_env(HANDSET_CA_PASSPHRASE=CA_PASS.decode())
    steps = [
        ["ca", "init", "--cn", "Root CA", "--country", "US", "--state", "Colorado",
         "--locality", "Boulder", "--org", "Spectralink Corporation", "--ou", "Service"],
        ["issue", NAME],
        ["issue", OTHER_NAME],
    ]  # fmt: skip
    for step in steps:
        result = run_cli(*step, "--workspace", str(root), env=env)
        assert result.returncode == 0, result.stderr
    return root


def rehearse(url: str, boot_server: str, connect_to: list[str]):
    options = [arg for spec in connect_to for arg in ("--connect-to", spec)]
    return run_cli(
        "rehearse", url, "--boot-server", boot_server, *options, "--quiet", "--timeout", "5"
    )


@pytest.mark.parametrize("scheme", ["http", "ftp"])
def test_serve_then_rehearse_passes(cli_workspace: Path, serving: list[Serve], scheme: str):
    serve = Serve("--workspace", str(cli_workspace), "--name", NAME)
    serving.append(serve)
    serve.ready()
    url = next(line.strip() for line in serve.lines if line.strip().startswith(f"{scheme}://"))
    assert url.endswith(f"@{NAME}/ca.crt" if scheme == "ftp" else f"//{NAME}/ca.crt")

    result = rehearse(url, f"https://{NAME}/", serve.connect_to())
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK:")
    assert serve.wait_for("/ca.crt").split()[-3] in ("200", "226")
    assert "handshake completed" in serve.wait_for(" https ")
    assert serve.stop() == 0


def test_rehearse_fails_when_the_certificate_is_for_another_name(
    cli_workspace: Path, serving: list[Serve]
):
    # The boot server presents OTHER_NAME's certificate, but the phone is given NAME.
    serve = Serve("--workspace", str(cli_workspace), "--name", OTHER_NAME)
    serving.append(serve)
    serve.ready()
    as_name = [spec.replace(OTHER_NAME, NAME, 1) for spec in serve.connect_to()]

    result = rehearse(f"http://{NAME}/ca.crt", f"https://{NAME}/", as_name)
    assert result.returncode == 1, result.stdout
    reason = result.stderr.strip()
    assert reason.startswith("FAILED:") and "Traceback" not in reason
    assert NAME in reason and OTHER_NAME in reason  # both strings, as the phone shows them
    assert serve.stop() == 0
