"""Background operations: every workspace call runs on a worker thread; results come back by signal.

Two lanes, as Anki's CollectionOp: the ``db`` lane is one QThread that opens and owns the Workspace (and
so its SQLite connection); the ``net`` lane is a second QThread for network and other long work, which
reaches the database only through the workspace's second connection (``ws.sync.store()``). A view
never touches the workspace itself::

    Op(self, lambda ws: ws.directory.hcp(hcp_id)).success(self.show_hcp).run()
    LongOp(self, lambda ws, progress, cancelled: ws.sync.run(progress, cancelled, warm=False), lane="net")
        .progress(bar.update).success(done).run()

An operation whose result reports what it changed (``Changes``, or a result with ``changes``) is announced on
``Runner.changed`` once it succeeds, whoever started it; the main window hands it to each view, which refreshes
only what it shows of that change.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import shiboken6
from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtWidgets import QApplication, QWidget

from repcompanion.domain import RepCompanionError
from repcompanion.ui.memory import release_free_memory
from repcompanion.workspace import changes_of

if TYPE_CHECKING:
    from repcompanion.workspace import Workspace

log = logging.getLogger(__name__)

Lane = Literal["db", "net"]
Progress = Callable[[float, str], None]
Cancelled = Callable[[], bool]
#: Jobs longer than this (a sync, a ranking) hand the memory they freed back to the system when they end.
LONG_JOB_S = 0.5


class NoWorkspaceError(RepCompanionError):
    hint = "Open a workspace from File ▸ Open workspace…, or create the demo workspace."

    def __init__(self) -> None:
        super().__init__("No workspace is open.")


class _Worker(QObject):
    """Lives in one QThread and runs the jobs sent to it, one at a time, in order."""

    done = Signal(int, object, object)
    progressed = Signal(int, float, str)

    @Slot(int, object)
    def execute(self, job_id: int, call: Callable[[Callable[[float, str], None]], Any]) -> None:
        def progress(fraction: float, message: str = "") -> None:
            self.progressed.emit(job_id, float(fraction), str(message))

        started = time.monotonic()
        try:
            result = call(progress)
        except BaseException as exc:  # every failure goes back to the GUI, none kills the thread
            if not isinstance(exc, RepCompanionError):
                log.error("background operation failed\n%s", traceback.format_exc())
            self.done.emit(job_id, None, exc)
        else:
            self.done.emit(job_id, result, None)
        if time.monotonic() - started > LONG_JOB_S:  # a sync or a ranking: give back what it freed
            release_free_memory()


class Runner(QObject):
    """Owns the two worker threads and the open workspace; hands results back on the GUI thread.

    ``changed(Changes)`` is emitted for every operation that changed something a view shows.
    """

    changed = Signal(object)
    _to_db = Signal(int, object)
    _to_net = Signal(int, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._workspace: Workspace | None = None
        self._next_id = 0
        self._pending: dict[int, _Job] = {}
        self._threads: dict[str, QThread] = {}
        self._workers: dict[str, _Worker] = {}
        for lane, signal in (("db", self._to_db), ("net", self._to_net)):
            thread = QThread()
            thread.setObjectName(f"repcompanion-{lane}")
            worker = _Worker()
            worker.moveToThread(thread)
            signal.connect(worker.execute)
            worker.done.connect(self._on_done)
            worker.progressed.connect(self._on_progress)
            thread.start()
            self._threads[lane] = thread
            self._workers[lane] = worker
        global _current
        _current = self

    # -- the workspace, touched only by jobs -------------------------------------------------------
    def workspace(self) -> Workspace:
        """The open Workspace; call it only from inside a job."""
        if self._workspace is None:
            raise NoWorkspaceError()
        return self._workspace

    def set_workspace(self, workspace: Workspace) -> None:
        """Called from a db-lane job (the thread that opened it) to install the workspace."""
        self._workspace = workspace

    @property
    def has_workspace(self) -> bool:
        return self._workspace is not None

    @property
    def current_workspace(self) -> Workspace | None:
        """The open Workspace or None; like :meth:`workspace`, only for use inside a job."""
        return self._workspace

    # -- jobs ---------------------------------------------------------------------------------------
    def submit(self, job: _Job, lane: Lane) -> int:
        self._next_id += 1
        job_id = self._next_id
        self._pending[job_id] = job
        (self._to_db if lane == "db" else self._to_net).emit(job_id, job.call)
        return job_id

    @Slot(int, object, object)
    def _on_done(self, job_id: int, result: Any, error: BaseException | None) -> None:
        job = self._pending.pop(job_id, None)
        if job is not None:
            job.finish(result, error)

    @Slot(int, float, str)
    def _on_progress(self, job_id: int, fraction: float, message: str) -> None:
        job = self._pending.get(job_id)
        if job is not None:
            job.report(fraction, message)

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Ask the long jobs still queued or running to stop, finish the network lane, then close the workspace on
        its own thread after the queued db jobs. A thread is never left running: a Qt thread destroyed while it
        runs aborts the process, so after ``timeout_ms`` it is waited for until it ends (a request in flight ends
        within the HTTP timeout)."""
        for job in list(self._pending.values()):
            job.cancel()
        net = self._threads.pop("net", None)
        if net is not None:
            net.quit()
            _wait_for(net, timeout_ms)
        db = self._threads.pop("db", None)
        if db is not None:
            if self._workspace is not None:

                def close(_progress: Any) -> None:
                    ws, self._workspace = self._workspace, None
                    if ws is not None:
                        ws.close()

                self._to_db.emit(0, close)
            db.quit()
            _wait_for(db, timeout_ms)
        global _current
        if _current is self:
            _current = None


_current: Runner | None = None


def _wait_for(thread: QThread, timeout_ms: int) -> None:
    if not thread.wait(timeout_ms):
        log.warning("waiting for %s to finish its work before the app closes", thread.objectName())
        thread.wait()


def current_runner(parent: QObject | None = None) -> Runner:
    """The runner of ``parent``'s window (any ancestor with a ``runner``), else the newest one created."""
    obj = parent
    while obj is not None:
        runner = getattr(obj, "runner", None)
        if isinstance(runner, Runner):
            return runner
        obj = obj.parent()
    if _current is None:
        raise RuntimeError("no Runner: create the MainWindow (or a Runner) first")
    return _current


class _Job:
    """What a Runner keeps for one submitted operation."""

    def __init__(
        self,
        call: Callable[[Progress], Any],
        finish: Callable[[Any, BaseException | None], None],
        report: Callable[[float, str], None],
        cancel: Callable[[], None] = lambda: None,
    ) -> None:
        self.call = call
        self.finish = finish
        self.report = report
        self.cancel = cancel


class Op(QObject):
    """One workspace call off the GUI thread: ``Op(parent, fn).success(cb).failure(cb).run()``.

    ``fn(workspace)`` runs on the chosen lane; ``success(result)`` or ``failure(error)`` runs on the GUI
    thread, and only while ``parent`` still exists. Without a failure callback the error is shown by the
    parent's window (``show_error``) so it never goes unseen.
    """

    succeeded = Signal(object)
    failed = Signal(object)
    progressed = Signal(float, str)

    def __init__(
        self,
        parent: QWidget | QObject | None,
        fn: Callable[..., Any],
        *,
        lane: Lane = "db",
        runner: Runner | None = None,
        needs_workspace: bool = True,
    ) -> None:
        super().__init__()
        self._needs_workspace = needs_workspace
        self._parent = parent
        self._fn = fn
        self._lane: Lane = lane
        self._runner = runner
        self._on_success: Callable[[Any], None] | None = None
        self._on_failure: Callable[[BaseException], None] | None = None
        self._on_progress: Callable[[float, str], None] | None = None
        self._cancel = threading.Event()
        self._ran_on: Runner | None = None
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None

    def success(self, callback: Callable[[Any], None]) -> Op:
        self._on_success = callback
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> Op:
        self._on_failure = callback
        return self

    def progress(self, callback: Callable[[float, str], None]) -> Op:
        self._on_progress = callback
        return self

    def cancel(self) -> None:
        """Ask a LongOp to stop at its next check; a plain Op ignores it."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def _invoke(self, workspace: Any, progress: Progress) -> Any:
        return self._fn(workspace)

    def run(self) -> Op:
        parent = self._parent if isinstance(self._parent, QObject) else None
        runner = self._runner or current_runner(parent)
        self._ran_on = runner

        def call(progress: Progress) -> Any:
            workspace = runner.workspace() if self._needs_workspace else runner.current_workspace
            return self._invoke(workspace, progress)

        runner.submit(_Job(call, self._finish, self._report, self.cancel), self._lane)
        return self

    def _alive(self) -> bool:
        parent = self._parent
        return parent is None or shiboken6.isValid(parent)

    def _report(self, fraction: float, message: str) -> None:
        if not self._alive():
            return
        self.progressed.emit(fraction, message)
        if self._on_progress is not None:
            self._on_progress(fraction, message)

    def _finish(self, result: Any, error: BaseException | None) -> None:
        self.done = True
        self.result, self.error = result, error
        changes = changes_of(result) if error is None else None
        if changes and self._ran_on is not None:
            self._ran_on.changed.emit(changes)  # the data changed even if the view that asked is gone
        if not self._alive():
            return
        if error is None:
            if self._on_success is not None:
                self._on_success(result)
            self.succeeded.emit(result)
            return
        if self._on_failure is not None:
            self._on_failure(error)
        else:
            show_error(self._parent, error)
        self.failed.emit(error)


class LongOp(Op):
    """An Op whose function takes ``(workspace, progress, cancelled)`` (Orange's callables)."""

    def _invoke(self, workspace: Any, progress: Progress) -> Any:
        return self._fn(workspace, progress, self._cancel.is_set)


def error_text(error: BaseException) -> str:
    """What to tell the rep: the domain error's message and hint, or a plain summary of anything else."""
    if isinstance(error, RepCompanionError):
        return error.user_message()
    return f"Something went wrong: {error}\nNothing you typed was lost. Try again, or restart the app."


def show_error(parent: QObject | None, error: BaseException) -> None:
    """Show an error in the parent's window banner, or in a message box when there is no window."""
    window = parent.window() if isinstance(parent, QWidget) else None
    target = window if window is not None and hasattr(window, "show_error") else None
    if target is None:
        for widget in QApplication.topLevelWidgets():
            if hasattr(widget, "show_error") and widget.isVisible():
                target = widget
                break
    if target is not None:
        target.show_error(error_text(error))
        return
    log.warning("unshown error: %s", error_text(error))
