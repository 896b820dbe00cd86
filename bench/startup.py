"""Desktop-app benchmark: time to the first painted priorities list, peak memory, and GUI stalls during work.

    python -m bench.startup --hcps 5000 [--seed 7] [--keep DIR] [--new-day]

Builds a demo workspace of ``--hcps`` HCPs and seeds a hub of the same size served on 127.0.0.1 (both before
the clock starts). Then a child process starts the app offscreen and reports when the Today table first paints
with the ranked rows; ``first_paint_s`` is measured from the moment the parent launched the child, and
``todays_list_s`` until the list ranked for the working day is painted (the same moment, unless ``--new-day``
opens the app on the day after the kept ranking: then the last list shows first, labelled, and today's is
ranked from the events — a rep's morning). In the same child a QTimer heartbeat (every 5 ms) records the
longest GUI-thread stall (``max_gui_stall_ms``) while a full sync from the hub (login, push, pull) and the
re-rank the app makes after it (from what the sync says it changed) run on the worker threads;
``sync_and_rerank_s`` runs until the sync is done and a re-rank asked for as it began has painted.
``peak_rss_mb`` is the child's peak resident memory. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.sync import PASSWORD, _free_port, seed, serve

EVENTS_PER_HCP = 25


def child(folder: Path, server: str) -> dict[str, Any]:
    """Runs in the measured process: open the app, wait for the painted list, then sync and re-rank."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QElapsedTimer, QEvent, QObject, QTimer

    from repcompanion.ui.app import _wait, application
    from repcompanion.ui.main_window import MainWindow
    from repcompanion.ui.ops import LongOp, Op
    from tests.keyrings import MemoryKeyring

    app = application([sys.argv[0]])
    window = MainWindow(restore_state=False)
    window.resize(1440, 900)
    painted: dict[str, float] = {}

    class PaintWatch(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and window.today.model.rowCount():
                painted.setdefault("at", time.time())
                data = window.today.data
                if data is not None and data.ranked_on is None:
                    painted.setdefault("today_at", time.time())
            return False

    watch = PaintWatch()
    window.today.table.viewport().installEventFilter(watch)
    window.show()
    window.open_workspace(folder)
    if not _wait(lambda: "today_at" in painted, 120_000):
        raise RuntimeError("today's priorities list was never painted")

    def setup(ws: Any) -> None:
        import httpx

        from repcompanion.sync import CredentialStore

        ws.sync.use_http(httpx.Client(timeout=60), CredentialStore(MemoryKeyring()))

    op = Op(window, setup).run()
    _wait(lambda: op.done)
    login = Op(window, lambda ws: ws.sync.login(server, "rep01", PASSWORD), lane="net").run()
    _wait(lambda: login.done, 60_000)

    clock = QElapsedTimer()
    clock.start()
    stall = {"max": 0, "last": clock.elapsed()}

    def beat() -> None:
        now = clock.elapsed()
        stall["max"] = max(stall["max"], now - stall["last"])
        stall["last"] = now

    heartbeat = QTimer(interval=5)
    heartbeat.timeout.connect(beat)
    heartbeat.start()
    loads = [0]
    window.today.loaded.connect(lambda: loads.__setitem__(0, loads[0] + 1))
    synced_at: list[int] = []
    started = time.perf_counter()
    sync = LongOp(window, lambda ws, progress, cancelled: ws.sync.run(progress, cancelled, warm=False), lane="net")
    # The app re-ranks the list itself from what the sync says it changed; ``synced_at`` marks when it was asked.
    sync.progress(lambda f, m: window.sync_bar._on_progress(f, m)).success(lambda _r: synced_at.append(loads[0])).run()
    rerank = window.today.reload()
    _wait(lambda: sync.done and rerank.done, 600_000)
    sync_s = time.perf_counter() - started
    if sync.error is not None:
        raise RuntimeError(f"the sync failed: {sync.error}")
    _wait(lambda: loads[0] > synced_at[0], 120_000)
    heartbeat.stop()
    result = {
        "painted_at": painted["at"],
        "today_painted_at": painted["today_at"],
        "max_gui_stall_ms": int(stall["max"]),
        "sync_and_rerank_s": round(sync_s, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rows": window.today.model.rowCount(),
    }
    window.close()
    window.runner.shutdown()
    app.quit()
    return result


def run(hcps: int, seed_: int, keep: Path | None, *, new_day: bool = False) -> dict[str, Any]:
    base = keep or Path(tempfile.mkdtemp(prefix="bench-startup-"))
    # Workspaces are encrypted: without a system keyring the key comes from a passphrase (children inherit it).
    os.environ.setdefault("REPCOMPANION_PASSPHRASE", "bench-startup-passphrase")
    base.mkdir(parents=True, exist_ok=True)
    folder = base / f"workspace-{hcps}"
    if not (folder / "workspace.db").exists():
        subprocess.run(
            [sys.executable, "-c",
             "import sys; from pathlib import Path; from repcompanion.workspace import Workspace; "
             "Workspace.create_demo(Path(sys.argv[1]), hcps=int(sys.argv[2]), seed=int(sys.argv[3])).close()",
             str(folder), str(hcps), str(seed_)],
            check=True,
        )  # fmt: skip
    # The run syncs (and so replaces) its workspace: work on a copy so a kept workspace gives comparable runs.
    run_folder = base / f"run-{hcps}"
    shutil.rmtree(run_folder, ignore_errors=True)
    shutil.copytree(folder, run_folder)
    hub_db = base / f"hub-{hcps}.db"
    db_url = f"sqlite:///{hub_db}"
    if not hub_db.exists():
        seed(db_url, hcps, hcps * EVENTS_PER_HCP, seed_)
    port = _free_port()
    hub = serve(db_url, port)
    try:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        if new_day:  # the kept ranking is yesterday's: the app shows it, then ranks the new day
            env["REPCOMPANION_TODAY"] = (date.today() + timedelta(days=1)).isoformat()
        launched = time.time()
        proc = subprocess.run(
            [sys.executable, "-m", "bench.startup", "--child", str(run_folder), "--server", f"http://127.0.0.1:{port}"],
            capture_output=True,
            text=True,
            env=env,
            timeout=1200,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"the app process failed:\n{proc.stderr[-3000:]}")
        measured = json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        hub.terminate()
        hub.wait(10)
    return {
        "hcps": hcps,
        "new_day": new_day,
        "first_paint_s": round(measured.pop("painted_at") - launched, 3),
        "todays_list_s": round(measured.pop("today_painted_at") - launched, 3),
        **measured,
        "targets": {"first_paint_s": 2.0, "peak_rss_mb": 350, "max_gui_stall_ms": 100},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hcps", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the workspace and hub in this folder")
    parser.add_argument(
        "--new-day", action="store_true", help="open on the day after the kept ranking (a rep's morning)"
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--server", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.server)))
        return 0
    print(json.dumps(run(args.hcps, args.seed, args.keep, new_day=args.new_day)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
