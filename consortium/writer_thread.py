"""The one thread that runs every statement on a workspace's writing connection.

    writer = WriterThread("workspace-writer")
    result = writer.call(fn, arg)            # runs on the writer thread; waits; re-raises
    job = writer.submit(fn, arg)             # queued; job.wait() later
    with writer.hold():                      # only this thread's jobs run until the block ends
        writer.call(step_one)
        writer.call(step_two)
    writer.stop()

Jobs run one at a time, in the order they were queued, so two writes never overlap and no
other thread ever touches the connection (Anki's collection, DESIGN.md "Threads and the
workspace"). A long write driven from another thread (an import parsing on the worker while
SQLite stores on this thread) *holds* the writer: until it lets go only the holder's jobs run,
and every other job waits in the queue, so nothing lands in the import's open transaction. A
caller that will not wait long gives ``start_timeout``: a job not started by then is withdrawn
and :class:`NotStarted` raised (the workspace turns that into "busy"). A job on the writer
thread that calls :meth:`call` runs the function at once (re-entrant).

Plain :mod:`threading`, no Qt: the core never imports the UI.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class NotStarted(Exception):
    """The job waited longer than its caller allowed and was taken off the queue."""


class WriterStopped(RuntimeError):
    """The writer thread has stopped (the workspace was closed)."""


class Job:
    """One call queued for the writer thread."""

    __slots__ = (
        "fn", "args", "kw", "caller", "started", "done", "result", "error", "notes", "abandoned"
    )  # fmt: skip

    def __init__(self, fn: Callable, args: tuple, kw: dict, caller: int | None):
        self.fn, self.args, self.kw, self.caller = fn, args, kw, caller
        self.started = self.done = False
        self.result = None
        self.error: BaseException | None = None
        self.notes: list | None = None  # what the caller is to hear afterwards (set by users)
        self.abandoned = False  # its caller stopped waiting (Ctrl-C): it must not commit


class WriterThread:
    """A daemon thread that runs queued calls one at a time (see the module docstring)."""

    def __init__(self, name: str = "workspace-writer"):
        self._cond = threading.Condition()
        self._queue: deque[Job] = deque()
        self._holder: int | None = None  # the thread whose long write holds the writer
        self._stopping = False
        self.stopped = False
        self.current: Job | None = None  # the job running now (read on the writer thread)
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()
        self.ident: int = self._thread.ident  # type: ignore[assignment]

    # ------------------------------------------------------------------ queries
    def on_thread(self) -> bool:
        """True when called on the writer thread itself."""
        return threading.get_ident() == self.ident

    @property
    def name(self) -> str:
        return self._thread.name

    @property
    def holder(self) -> int | None:
        return self._holder

    def idle(self) -> bool:
        """Nothing running, nothing queued, nobody holding: a job queued now starts at once."""
        with self._cond:
            return self.current is None and not self._queue and self._holder is None

    # -------------------------------------------------------------------- calls
    def submit(self, fn: Callable, *args, **kw) -> Job:
        """Queue ``fn(*args, **kw)`` after the jobs already queued; return at once."""
        return self._enqueue(Job(fn, args, kw, threading.get_ident()))

    def post(self, fn: Callable, *args, **kw) -> Job:
        """Queue ``fn`` for nobody in particular: it waits out any hold, even its poster's."""
        return self._enqueue(Job(fn, args, kw, None))

    def _enqueue(self, job: Job) -> Job:
        with self._cond:
            if self._stopping:
                raise WriterStopped("The workspace is closed.")
            self._queue.append(job)
            self._cond.notify_all()
        return job

    def wait(self, job: Job, start_timeout: float | None = None) -> None:
        """Wait for ``job`` to finish. If it has not started within ``start_timeout`` seconds
        it is withdrawn (it never runs) and :class:`NotStarted` is raised. A caller stopped
        while waiting (Ctrl-C) withdraws a job not yet started, or marks it abandoned, which
        makes the workspace roll its transaction back rather than commit."""
        with self._cond:
            try:
                started = start_timeout is None or self._cond.wait_for(
                    lambda: job.started, start_timeout
                )
                # In short waits, so a Ctrl-C (handled between bytecodes of this thread)
                # stops the caller while the job runs rather than once it has committed.
                while started and not job.done:
                    self._cond.wait(0.05)
            except BaseException:
                if not job.started:
                    self._queue.remove(job)
                else:
                    job.abandoned = True
                raise
            if not started:
                self._queue.remove(job)
                raise NotStarted

    def call(self, fn: Callable, *args, start_timeout: float | None = None, **kw):
        """Run ``fn`` on the writer thread and return its result (or raise its exception)."""
        if self.on_thread():
            return fn(*args, **kw)
        job = self.submit(fn, *args, **kw)
        self.wait(job, start_timeout)
        return outcome(job)

    @contextmanager
    def hold(self, start_timeout: float | None = None) -> Iterator[None]:
        """Keep the writer for this thread's jobs while the block runs (a long write driven
        from here). Waits like a job to start; nests."""
        me = threading.get_ident()
        if self.on_thread() or self._holder == me:
            yield
            return
        self.call(self._set_holder, me, start_timeout=start_timeout)
        try:
            yield
        finally:
            self.call(self._set_holder, None)

    def _set_holder(self, ident: int | None) -> None:
        with self._cond:
            self._holder = ident
            self._cond.notify_all()

    def stop(self) -> None:
        """Finish the job in hand, then stop; jobs still queued fail with WriterStopped."""
        if self.on_thread():
            with self._cond:
                self._stopping = True
            return
        with self._cond:
            if self._stopping:
                pass
            else:
                self._stopping = True
                self._holder = None
                self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join()

    # --------------------------------------------------------------------- loop
    def _next(self) -> Job | None:
        if self._holder is None:
            return self._queue[0] if self._queue else None
        for job in self._queue:
            if job.caller == self._holder:
                return job
        return None

    def _loop(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._stopping:
                        self._fail_queued()
                        self.stopped = True
                        self._cond.notify_all()
                        return
                    job = self._next()
                    if job is not None:
                        break
                    self._cond.wait()
                self._queue.remove(job)
                job.started = True
                self.current = job
                self._cond.notify_all()
            try:
                job.result = job.fn(*job.args, **job.kw)
            except BaseException as exc:  # handed to the caller
                job.error = exc
            with self._cond:
                self.current = None
                job.done = True
                job.fn = job.args = job.kw = None  # type: ignore[assignment]
                self._cond.notify_all()

    def _fail_queued(self) -> None:
        while self._queue:
            job = self._queue.popleft()
            job.started = job.done = True
            job.error = WriterStopped("The workspace was closed before this write ran.")


def outcome(job: Job):
    """The result of a finished job, or its exception raised in the caller's thread."""
    if job.error is not None:
        error, job.error = job.error, None
        raise error
    return job.result
