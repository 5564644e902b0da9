"""Undoable changes to partners. Each command calls the core (whose commit has the window's
change dispatcher read the partners again), then ``show``s the partner it saved or put back."""

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
        show: Callable[[int | None], None],
    ):
        super().__init__(f"{'Add' if before is None else 'Edit'} {after.name}")
        self.ws, self.before, self.after, self.show = ws, before, after, show

    def redo(self) -> None:
        store.save(self.ws, self.after)
        self.show(self.after.id)

    def undo(self) -> None:
        if self.before is None:
            store.delete(self.ws, self.after.id)
            self.show(None)
        else:
            store.save(self.ws, self.before)
            self.show(self.before.id)


class DeletePartner(QUndoCommand):
    def __init__(self, ws: Workspace, snapshot: Organisation, show: Callable[[int | None], None]):
        super().__init__(f"Delete {snapshot.name}")
        self.ws, self.snapshot, self.show = ws, snapshot, show

    def redo(self) -> None:
        store.delete(self.ws, self.snapshot.id)
        self.show(None)

    def undo(self) -> None:
        store.restore(self.ws, self.snapshot)
        self.show(self.snapshot.id)
