"""Undoable changes to partners. Each command calls the core; the window refreshes after."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from consortium.partners import store
from consortium.records import Organisation
from consortium.workspace import Workspace


class SavePartner(QUndoCommand):
    """Add a new partner or save edits to one; undo puts the earlier version back."""

    def __init__(
        self,
        ws: Workspace,
        before: Organisation | None,
        after: Organisation,
        refresh: Callable[[int | None], None],
    ):
        super().__init__(f"{'Add' if before is None else 'Edit'} {after.name}")
        self.ws, self.before, self.after, self.refresh = ws, before, after, refresh

    def redo(self) -> None:
        store.save(self.ws, self.after)
        self.refresh(self.after.id)

    def undo(self) -> None:
        if self.before is None:
            store.delete(self.ws, self.after.id)
            self.refresh(None)
        else:
            store.save(self.ws, self.before)
            self.refresh(self.before.id)


class DeletePartner(QUndoCommand):
    def __init__(
        self, ws: Workspace, snapshot: Organisation, refresh: Callable[[int | None], None]
    ):
        super().__init__(f"Delete {snapshot.name}")
        self.ws, self.snapshot, self.refresh = ws, snapshot, refresh

    def redo(self) -> None:
        store.delete(self.ws, self.snapshot.id)
        self.refresh(None)

    def undo(self) -> None:
        store.restore(self.ws, self.snapshot)
        self.refresh(self.snapshot.id)
