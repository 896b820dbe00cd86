"""Installs that carry what they need: the wheel, installed (not editable) into a fresh virtual environment and run
from another folder — `repcompanion[hub]` without Qt serves, `[client]` runs the demo, priorities, a day plan and a
follow-up plan, the shipped journeys check — and the laptop's dependencies resolve to wheels on Windows, macOS and
Linux. One wheel is built per session and one environment serves every test here (pip reuses its cache)."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "installed hub passphrase"
pytestmark = pytest.mark.slow


def _timed(request: pytest.FixtureRequest, what: str, started: float) -> None:
    seconds = time.monotonic() - started
    request.config.stash.setdefault(INSTALL_TIMES, []).append((what, seconds))


INSTALL_TIMES = pytest.StashKey[list[tuple[str, float]]]()


#: variables of this test run that would let an installed program see this checkout instead of itself
CHECKOUT_VARIABLES = ("PYTHONPATH", "REPCOMPANION_RESOURCES", "REPCOMPANION_MODELS", "REPCOMPANION_JOURNEYS")


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in CHECKOUT_VARIABLES}


def _pip(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=_clean_env(),
        timeout=900,
    )


def _unreachable(result: subprocess.CompletedProcess[str]) -> bool:
    text = result.stderr + result.stdout
    return any(s in text for s in ("No matching distribution", "Could not find a version", "NewConnectionError",
                                   "Network is unreachable", "Temporary failure in name resolution"))  # fmt: skip


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """The project's wheel, built once for the session (from a copy: the build writes metadata into its source)."""
    started = time.monotonic()
    out = tmp_path_factory.mktemp("wheel")
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if built.returncode != 0 and _unreachable(built):
        pytest.skip(f"the build backend (setuptools) cannot be fetched: {built.stderr.strip()[-300:]}")
    assert built.returncode == 0, built.stderr
    [found] = out.glob("repcompanion-*.whl")
    _timed(request, "wheel build", started)
    return found


@pytest.fixture(scope="session")
def venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path, request: pytest.FixtureRequest) -> Path:
    """A fresh virtual environment with `repcompanion[hub]` from the wheel (not editable), made from another folder."""
    started = time.monotonic()
    folder = tmp_path_factory.mktemp("installed")
    env_dir = folder / "venv"
    subprocess.run([sys._base_executable, "-m", "venv", str(env_dir)], check=True, timeout=300)  # type: ignore[attr-defined]
    installed = _pip(env_dir, "install", "--quiet", f"{wheel}[hub]", cwd=folder)
    if installed.returncode != 0 and _unreachable(installed):
        pytest.skip(f"the hub's dependencies cannot be downloaded here: {installed.stderr.strip()[-300:]}")
    assert installed.returncode == 0, installed.stderr
    _timed(request, "install repcompanion[hub]", started)
    return env_dir


def _run(venv: Path, command: str, *args: str, cwd: Path, stdin: str = "", env: dict[str, str] | None = None,
         check: bool = True) -> subprocess.CompletedProcess[str]:  # fmt: skip
    clean = _clean_env()
    result = subprocess.run(
        [str(venv / "bin" / command), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**clean, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
             "REPCOMPANION_PASSPHRASE": "installed workspace passphrase", "HOME": str(cwd), **(env or {})},
        timeout=600,
    )  # fmt: skip
    if check:
        assert result.returncode == 0, f"{command} {' '.join(args)}: {result.stderr}"
    return result


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _size_mb(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink()) // 2**20


def test_the_hub_extra_installs_no_qt_finds_its_resources_in_the_wheel_and_serves(venv: Path, tmp_path: Path) -> None:
    site = _run(venv, "python", "-c", "import repcompanion.resources as r; print(r.package_root())", cwd=tmp_path)
    assert str(venv) in site.stdout and str(ROOT) not in site.stdout  # the installed package, not this checkout
    no_qt = _run(venv, "python", "-c", "import PySide6", cwd=tmp_path, check=False)
    assert no_qt.returncode != 0 and "No module named 'PySide6'" in no_qt.stderr
    listed = _run(venv, "python", "-m", "pip", "list", "--format=json", cwd=tmp_path)
    assert not {p["name"].lower() for p in json.loads(listed.stdout)} & {"pyside6", "pyside6-essentials", "shiboken6"}
    print(f"\nrepcompanion[hub] virtual environment: {_size_mb(venv)} MB")

    db = f"sqlite:///{tmp_path / 'hub.db'}"
    _run(venv, "repcompanion-hub", "init", "--db", db, cwd=tmp_path)
    _run(venv, "repcompanion-hub", "seed", "--reps", "1", "--hcps-per-rep", "40", "--years", "0.3",
         "--password-stdin", "--db", db, cwd=tmp_path, stdin=f"{PASSWORD}\n")  # fmt: skip
    journeys = _run(venv, "repcompanion-hub", "journeys", "check", "--db", db, cwd=tmp_path).stdout
    assert "efficacy-email v1: on call_report → send_email topic efficacy" in journeys
    assert "msl-after-open" in journeys and "journeys OK against" in journeys
    assert f"{venv}/lib/python3.11/site-packages/repcompanion/resources/journeys/clinical.toml" in journeys

    port = _free_port()
    server = subprocess.Popen(
        [str(venv / "bin" / "repcompanion-hub"), "serve", "--port", str(port), "--db", db],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        headers = {"X-RepCompanion-Protocol": "2"}
        body = {"username": "rep01", "password": PASSWORD, "device_id": "installed-laptop"}
        login = httpx.post(f"{base}/v1/auth/login", headers=headers, json=body)
        assert login.status_code == 200, login.text
        headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        page = httpx.get(f"{base}/v1/pull", params={"limit": 20000}, headers=headers, timeout=60).json()
        assert sum(c["table"] == "hcps" for c in page["changes"]) == 40
    finally:
        server.terminate()
        server.wait(timeout=30)

    if _run(venv, "python", "-c", "import httpx", cwd=tmp_path, check=False).returncode != 0:
        wrong = _run(venv, "repcompanion", "priorities", cwd=tmp_path, check=False)
        assert wrong.returncode == 3 and "pip install 'repcompanion[client]'" in wrong.stderr
        assert "Traceback" not in wrong.stderr


@pytest.fixture(scope="session")
def client_venv(venv: Path, wheel: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    """The same environment with the laptop's command line added (`repcompanion[client]`: still no Qt)."""
    started = time.monotonic()
    installed = _pip(venv, "install", "--quiet", f"{wheel}[client]", cwd=venv.parent)
    if installed.returncode != 0 and _unreachable(installed):
        pytest.skip(f"the client's dependencies cannot be downloaded here: {installed.stderr.strip()[-300:]}")
    assert installed.returncode == 0, installed.stderr
    _timed(request, "add repcompanion[client]", started)
    yield venv


def test_the_installed_client_runs_the_demo_priorities_a_day_plan_and_a_follow_up_plan(
    client_venv: Path, tmp_path: Path
) -> None:
    ws = ["--workspace", str(tmp_path / "workspace")]
    _run(client_venv, "repcompanion", "demo", "--hcps", "60", "--seed", "7", *ws, cwd=tmp_path)
    lines = _run(client_venv, "repcompanion", "priorities", "--top", "5", "--json", *ws, cwd=tmp_path).stdout
    ranked = [json.loads(line) for line in lines.splitlines()]
    assert len(ranked) == 5 and all(r["reasons"] for r in ranked)
    plan = json.loads(_run(client_venv, "repcompanion", "plan", "--json", *ws, cwd=tmp_path).stdout)
    assert plan["visits"] and plan["candidates"] >= len(plan["visits"])
    hcp = ranked[0]["hcp_id"]
    visit = json.loads(_run(client_venv, "repcompanion", "visit", "--hcp", hcp, "--topic", "efficacy", "--submit",
                            *ws, cwd=tmp_path).stdout)  # fmt: skip
    assert visit["status"] == "submitted"
    journeys = {f["journey"] for f in visit["follow_ups"]}
    assert "efficacy-email" in journeys  # the shipped journeys planned the follow-up from the installed package
    print(f"\nrepcompanion[hub,client] virtual environment: {_size_mb(client_venv)} MB")


LAPTOPS = {
    "windows": ["win_amd64"],
    "macos-arm": ["macosx_14_0_arm64"],
    "macos-intel": ["macosx_12_0_x86_64"],
    "linux": [f"manylinux{t}_x86_64" for t in ("_2_28", "_2_27", "_2_17", "2014", "_2_12", "2010", "_2_5", "1")],
}


def _index_reachable() -> bool:
    try:
        with socket.create_connection(("pypi.org", 443), timeout=5):
            return True
    except OSError:
        return False


@pytest.mark.parametrize("laptop", sorted(LAPTOPS))
def test_the_desktop_apps_dependencies_resolve_to_wheels(laptop: str, wheel: Path, tmp_path: Path) -> None:
    if not _index_reachable():
        pytest.skip("PyPI is not reachable from here: the resolution for other platforms needs it")
    platforms = [arg for p in LAPTOPS[laptop] for arg in ("--platform", p)]
    report = tmp_path / "report.json"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet", "--only-binary=:all:",
         *platforms, "--python-version", "3.11", "--implementation", "cp", "--target", str(tmp_path / "target"),
         "--report", str(report), f"{wheel}[app]"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    if result.returncode != 0 and _unreachable(result) and "ResolutionImpossible" not in result.stderr:
        pytest.skip(f"the index did not answer: {result.stderr.strip()[-300:]}")
    assert result.returncode == 0, f"{laptop}: {result.stderr[-2000:]}"
    installs = json.loads(report.read_text())["install"]
    chosen = {re.sub(r"[-_.]+", "-", i["metadata"]["name"]).lower(): i["download_info"]["url"] for i in installs}
    for needed in ("sqlcipher3", "pyside6-essentials", "ortools", "keyring", "httpx"):
        assert chosen[needed].endswith(".whl"), f"{needed} on {laptop}: {chosen[needed]}"
    assert "fastapi" not in chosen  # the desktop app brings no web server
