"""Run a long core function off the UI thread with a progress dialog and Cancel.

    run_task(window, "Importing partners", lambda progress, cancelled: import_partners(
        ws, path, progress=progress, cancelled=cancelled), on_done=show_result)

The core function gets plain ``progress(done, total, text)`` and ``cancelled()`` callables (no
Qt) and runs on the one worker thread, so workspace writes never overlap. The worker only
stores its latest progress; a timer on the main thread reads it a few times a second and
collects the result or exception when the job ends. No Qt object is touched from the worker
(emitting Qt signals from it thousands of times a second crashed PySide6 here), and a chatty
job cannot flood the event loop.

The dialog is window-modal: the user cannot start a second write while one runs, but the
window keeps repainting and Cancel answers at once. A job asked for while another runs waits
for it, and says so; its Cancel drops it at once. A job that only reads (``reads_only``) runs
on a thread of its own instead, beside the worker's job. A job that takes minutes and that
the user need not wait for (getting new tenders: a page every 10 s, as Find a Tender asks) runs with
``dialog=False``: no dialog; its progress comes as ``progressed`` and :meth:`Task.cancel` stops
it, for the page that started it to show in place. Such a job writes only in short steps (a
page of tenders at a time, each waiting its turn at the workspace's one writer) and spends the
minutes between them waiting on the network, so with ``in_steps`` it runs on a thread of its own
too: the worker's jobs (an import, a check, building a bid) start at once and run in its pauses,
rather than behind a modal "waiting" dialog until the last page.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QPushButton, QWidget

from consortium import memory
from consortium.progress import Cancelled

_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="consortium-worker")
# Jobs that only read (ranking the open tenders for us) run here, so they never wait minutes
# behind a download on the worker; a reader sees only committed data (WAL), never a write.
_reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="consortium-reader")
# Jobs that write in short steps and wait between them (getting new tenders): see the module's
# note. The workspace's writer thread keeps their steps and the worker's writes apart.
_stepper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="consortium-steps")
CANCELLING = "Cancelling… nothing will be changed."  # what the dialog says once Cancel is pressed
POLL_MS = 50
_queued: list[str] = []  # titles of the jobs submitted to the worker and not yet ended
_reading: list[str] = []  # the same for the jobs that only read, on their own thread
_stepping: list[str] = []  # and for the jobs that write in steps
_queued_lock = threading.Lock()


class Task(QObject):
    """A running job; keeps its dialog and timer alive until it ends."""

    finished = Signal()
    progressed = Signal(int, int, str)  # with dialog=False: (done, total, text), as it changes

    def __init__(
        self,
        parent: QWidget,
        title: str,
        fn,
        on_done,
        on_error,
        cancelling: str = CANCELLING,
        dialog: bool = True,
        reads_only: bool = False,
        in_steps: bool = False,
    ):
        super().__init__(parent)
        self._cancelling = cancelling
        self.stop = threading.Event()
        self._latest: tuple[int, int, str] | None = None
        self._on_done, self._on_error = on_done, on_error
        self.running = True
        self._shown: tuple[int, int, str] | None = None  # the progress last sent (no dialog)
        self.dialog: QProgressDialog | None = None
        if dialog:
            self.dialog = QProgressDialog(title, "Cancel", 0, 0, parent)
            self.dialog.setWindowTitle(title)
            self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
            self.dialog.setMinimumDuration(400)  # quick jobs finish without a flash of dialog
            self.dialog.setAutoClose(False)
            self.dialog.setAutoReset(False)
            self.dialog.setAccessibleName(f"{title} progress")
            # Its own button, to carry a tooltip as every other button does.
            stop = QPushButton("Cancel")
            stop.setAccessibleName(f"Cancel {title}")
            stop.setToolTip(f"Stop “{title}”")
            self.dialog.setCancelButton(stop)
            self.dialog.canceled.connect(self.cancel)
        self._title = title
        # A reader waits for no writer; a job in steps waits only at the writer, step by step.
        pool, self._queue = (
            (_reader, _reading) if reads_only else (_stepper, _stepping) if in_steps
            else (_worker, _queued)
        )  # fmt: skip
        with _queued_lock:
            ahead = self._queue[0] if self._queue else None
            self._queue.append(title)
        if ahead is not None and self.dialog is not None:
            # Behind another job on its thread (new tenders still coming, say: minutes at the
            # services' pace): say why nothing moves yet, until this one starts.
            self.dialog.setLabelText(
                f"{title}: waiting for “{ahead}” to finish…\n"
                "Cancel if you would rather not wait: nothing will be changed."
            )
            self.dialog.show()  # now: a dialog shows by itself only once its job reports
        job = memory.paused(fn)

        def started(report, cancelled):
            self._latest = self._latest or (0, 0, title)
            try:
                return job(report, cancelled)
            finally:
                with _queued_lock:
                    self._queue.remove(title)

        # The collector paused for the job: its scans of what a job builds froze the window.
        self.future: Future = pool.submit(started, self._report, self.stop.is_set)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._poll)
        self.timer.start()

    def _report(self, done: int, total: int, text: str) -> None:
        # Runs on the worker thread: one tuple assignment, atomic under the GIL.
        self._latest = (done, total, text)

    def cancel(self) -> None:
        self.stop.set()
        if self.future.cancel():
            # Still waiting behind another job (minutes, for new tenders): it never starts, and
            # its dialog goes now rather than when the job ahead ends.
            with _queued_lock:
                self._queue.remove(self._title)
            self._poll()
            return
        if self.dialog is not None:
            self.dialog.setLabelText(self._cancelling)
        else:
            self.progressed.emit(0, 0, self._cancelling)

    def _poll(self) -> None:
        latest = self._latest
        if latest is not None and not self.stop.is_set():
            done, total, text = latest
            if self.dialog is not None:
                self.dialog.setMaximum(max(total, 0))
                self.dialog.setValue(min(done, total) if total else 0)
                if text:
                    self.dialog.setLabelText(text)
            elif latest != self._shown:
                self._shown = latest
                self.progressed.emit(done, total, text)
        if not self.future.done():
            return
        self.timer.stop()
        self.running = False
        if self.dialog is not None:
            self.dialog.reset()
            self.dialog.hide()
            self.dialog.deleteLater()
        if self.future.cancelled():
            error: BaseException | None = Cancelled(
                f"Cancelled: “{self._title}” did not start, and nothing was changed."
            )
        else:
            error = self.future.exception()
        try:
            if error is not None:
                if self._on_error is not None:
                    self._on_error(error)
            elif self._on_done is not None:
                self._on_done(self.future.result())
        finally:
            self.finished.emit()


def run_task(
    parent: QWidget,
    title: str,
    fn: Callable,
    on_done: Callable[[object], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    cancelling: str = CANCELLING,
    *,
    dialog: bool = True,
    reads_only: bool = False,
    in_steps: bool = False,
) -> Task:
    """``cancelling``: what the dialog says once Cancel is pressed (a job whose last part
    keeps what it did says so). ``dialog=False``: no dialog (see the module's note).
    ``reads_only``: the job never writes, so it runs beside the worker's job, not after it.
    ``in_steps``: the job writes only in short transactions that wait their turn at the
    writer (``ws.transaction(wait_turn=...)``), so it too runs beside the worker's job."""
    return Task(parent, title, fn, on_done, on_error, cancelling, dialog, reads_only, in_steps)
