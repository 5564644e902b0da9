"""The one place that tells the pages what changed (Anki's OpChanges pattern).

    dispatcher = ChangeDispatcher(stack)
    dispatcher.watch(matches_page, "partners", matches_page.reload_partners)
    dispatcher.attach(ws)   # on opening a workspace

Core writes name what they change (``ws.atomic(PARTNERS)``); after each commit the workspace
hands the :class:`~consortium.changes.Changes` to this dispatcher, which calls the refresh of
every page watching one of those kinds. A page that is not on screen is only marked stale and
refreshed when it is next shown, so a page never reloads for nothing and no page keeps flags.
The workspace tells a commit on the thread that asked for the write: one asked for on the
worker thread (an import), or on the workspace's writer thread (a ``write_soon`` nobody waits
for), reaches the pages through a queued signal, on the main thread, and the writer never waits
for the window; one asked for on the main thread is dispatched at once.

A page that writes a kind itself, as the user types (the Bids area's answer editor saves at
every pause; the Library's entry form when the user moves on), watches it with
``writer=True``: while that page is on screen the change is its own and it already shows it, so
it is not refreshed under the user's cursor (which would lose the caret, the selection and the
undo history, and re-enter the very save that committed). A change made elsewhere can only
happen while it is hidden, and it is refreshed when next shown. Anki does the same with the
``initiator`` of an operation; here the initiator is the page on screen, which needs no
bookkeeping at every write and holds however the writes reach the workspace (this thread or a
writer thread).

A change another program made (a scheduled tender fetch, the command line; see
ui/elsewhere.py) says nothing of what it changed, and may arrive while a page with editors is on
screen: :meth:`ChangeDispatcher.dispatch_elsewhere` refreshes at once only the tender lists on
screen (what those programs write) and marks every other view stale, editing pages included,
so nothing is reloaded under the user's cursor and every page shows the change when next shown.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QStackedWidget, QWidget

from consortium.changes import EVERYTHING, Changes
from consortium.workspace import Workspace


@dataclass
class _Watch:
    page: QWidget
    kinds: frozenset[str]
    refresh: Callable[[], None]
    writer: bool = False  # the page writes these kinds itself: not refreshed while on screen
    stale: bool = False


class ChangeDispatcher(QObject):
    _from_worker = Signal()

    def __init__(self, stack: QStackedWidget, parent: QObject | None = None):
        super().__init__(parent)
        self.stack = stack
        self._watches: list[_Watch] = []
        self._stop: Callable[[], None] | None = None
        self._pending: list[Changes] = []
        self._lock = threading.Lock()
        self.heard: list[Changes] = []  # every record dispatched (tests and the status bar read it)
        self._from_worker.connect(self.flush, Qt.ConnectionType.QueuedConnection)
        stack.currentChanged.connect(self._shown)

    def watch(
        self,
        page: QWidget,
        kinds: str | Iterable[str],
        refresh: Callable[[], None],
        *,
        writer: bool = False,
    ) -> None:
        """Call ``refresh()`` when one of ``kinds`` changes, at once if ``page`` is the page on
        screen, else when it is next shown. ``writer``: the page writes these kinds itself and
        shows its own writes, so a change heard while it is on screen is its own (see above)."""
        kinds = frozenset([kinds] if isinstance(kinds, str) else kinds)
        unknown = kinds - set(Changes.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown kinds of change: {sorted(unknown)}")
        self._watches.append(_Watch(page, kinds, refresh, writer))

    def attach(self, ws: Workspace) -> None:
        """Listen to ``ws`` (and stop listening to the workspace before)."""
        if self._stop is not None:
            self._stop()
        self._stop = ws.on_commit(self._committed)
        for w in self._watches:  # a new workspace: nothing on the pages is stale for it yet
            w.stale = False

    def mark_stale(self, page: QWidget, kinds: str | Iterable[str]) -> None:
        """Treat ``kinds`` as changed for ``page`` alone: refreshed now if it is on screen, else
        when next shown. For what a page leaves unread until it is first shown (a costly list,
        when a workspace opens), so the page keeps no first-show flag of its own."""
        kinds = frozenset([kinds] if isinstance(kinds, str) else kinds)
        due = []
        for w in self._watches:
            if w.page is page and w.kinds & kinds:
                if self.stack.currentWidget() is page:
                    w.stale = False
                    due.append(w.refresh)
                else:
                    w.stale = True
        _call_once(due)

    def _committed(self, changes: Changes) -> None:
        # Runs on the thread that committed: only queue the record there.
        with self._lock:
            self._pending.append(changes)
        if QThread.currentThread() is self.thread():
            self.flush()
        else:
            self._from_worker.emit()

    def flush(self) -> None:
        """Dispatch every record heard so far (the window calls this before a background
        task's result is shown, so pages are up to date when it is)."""
        with self._lock:
            pending, self._pending = self._pending, []
        for changes in pending:
            self.dispatch(changes)

    def dispatch(self, changes: Changes) -> None:
        self.heard.append(changes)
        kinds = changes.kinds()
        due = []
        for w in self._watches:
            if not w.kinds & kinds:
                continue
            if self.stack.currentWidget() is not w.page:
                w.stale = True
            elif not w.writer:
                w.stale = False
                due.append(w.refresh)
        _call_once(due)

    def dispatch_elsewhere(self) -> None:
        """Another program wrote to the workspace (see the module docstring)."""
        self.heard.append(EVERYTHING)
        page = self.stack.currentWidget()
        due = []
        for w in self._watches:
            if w.page is page and not w.writer and w.kinds & _ELSEWHERE_AT_ONCE:
                w.stale = False
                due.append(w.refresh)
            else:
                w.stale = True
        _call_once(due)

    def _shown(self, _index: int) -> None:
        self.flush()  # a record still queued from the writer is heard before the page shows
        page = self.stack.currentWidget()
        due = []
        for w in self._watches:
            if w.page is page and w.stale:
                w.stale = False
                due.append(w.refresh)
        _call_once(due)


# What other programs write in practice (a fetch, an import): refreshed on screen at once.
_ELSEWHERE_AT_ONCE = frozenset({"tenders", "feeds", "searches"})


def _call_once(refreshes: list[Callable[[], None]]) -> None:
    """Each refresh once, in the order watched (two kinds of one record, one reload)."""
    done: list[Callable[[], None]] = []
    for refresh in refreshes:
        if refresh not in done:
            done.append(refresh)
            refresh()
