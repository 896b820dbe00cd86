"""Screenshots of every console page for the README and docs/console.md, from headless chromium:

    python -m tests.console_browser.screenshots [docs/screenshots]

Builds the console test hub (tests/hub/console_data), serves it with uvicorn on 127.0.0.1 and saves
console-<page>.png at 1366×768 (the common field laptop; the safety page as pharmacovigilance sees it, the rest as
an admin), console-login.png, and console-funnel-large.png: the whole funnel page at 1920 wide."""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

from repcompanion.hub.console.roles import PAGES
from tests.console_browser.conftest import CHROMIUM_ARGS, ROOT, _free_port
from tests.hub import console_data
from tests.hub.console_data import default_filters


def main(argv: list[str]) -> int:
    import subprocess

    import uvicorn
    from playwright.sync_api import sync_playwright

    out = Path(argv[0]) if argv else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    chromium = subprocess.run(["bash", str(ROOT / "scripts" / "browser_install.sh")], capture_output=True, text=True,
                              check=True).stdout.strip().splitlines()[-1]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        hub = console_data.build(f"sqlite:///{tmp}/hub.db")
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(hub.client.app, host="127.0.0.1", port=port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        query = "&".join(f"{k}={v}" for k, v in default_filters().items())
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            for user in ("ada", "meg"):
                context = browser.new_context(viewport={"width": 1366, "height": 768})
                page = context.new_page()
                page.goto(f"{base}/console/login")
                if user == "ada":
                    page.screenshot(path=str(out / "console-login.png"))
                page.fill("input[name=username]", user)
                page.fill("input[name=password]", console_data.PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_selector("header nav")
                for key in PAGES if user == "ada" else ("safety",):
                    if user == "ada" and key == "safety":
                        continue
                    page.goto(f"{base}/console/{key}?{query}")
                    page.wait_for_function("Array.from(document.querySelectorAll('[data-chart]'))"
                                           ".every(e => e.hasAttribute('data-drawn'))")  # fmt: skip
                    page.screenshot(path=str(out / f"console-{key}.png"))
                    if key == "funnel":
                        page.set_viewport_size({"width": 1920, "height": 1080})
                        page.goto(f"{base}/console/{key}?{query}")
                        page.wait_for_function("Array.from(document.querySelectorAll('[data-chart]'))"
                                               ".every(e => e.hasAttribute('data-drawn'))")  # fmt: skip
                        page.screenshot(path=str(out / f"console-{key}-large.png"), full_page=True)
                        page.set_viewport_size({"width": 1366, "height": 768})
                context.close()
            browser.close()
        server.should_exit = True
        hub.close()
    print(f"screenshots in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
