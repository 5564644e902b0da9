"""The window's menu bar. Every action is a QAction on the window (so its shortcut works from
any area) unless it belongs to one area, in which case its slot goes through that area."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence


def action(win, menu, text: str, slot, shortcut=None, tip: str = "") -> QAction:
    act = QAction(text, win)
    if shortcut is not None:
        act.setShortcut(QKeySequence(shortcut))
    if tip:
        act.setStatusTip(tip)
        act.setToolTip(tip)
    act.triggered.connect(slot)
    menu.addAction(act)
    return act


def build_menus(win) -> None:
    bar = win.menuBar()
    file = bar.addMenu("&File")
    action(win, file, "&New workspace…", win.new_workspace, None, "Create an empty workspace file")
    action(win, file, "&Open workspace…", win.open_workspace, QKeySequence.StandardKey.Open)
    action(win, file, "Open the &demo workspace", win.open_demo)
    file.addSeparator()
    action(
        win, file, "&Back up now", win.backup_now, None, "Copy the workspace to its backups folder"
    )
    action(
        win,
        file,
        "&Restore from a backup…",
        lambda: win.restore_backup(),  # not triggered's checked flag as the path
        None,
        "Write one of the workspace's backups back as a new workspace file",
    )
    action(win, file, "&Check workspace", win.check_workspace)
    action(
        win,
        file,
        "&Make workspace smaller",
        win.compact_workspace,
        None,
        "Give back the space deleted data left in the file",
    )
    action(win, file, "Show workspace &folder", win.show_folder)
    action(
        win,
        file,
        "&Signing key…",
        win.signing_key,
        None,
        "Your organisation's key for signing bid packs, work packs, replies and reviews",
    )
    file.addSeparator()
    action(win, file, "&Quit", win.close, QKeySequence.StandardKey.Quit)

    edit = bar.addMenu("&Edit")
    win.undo_action = win.undo_stack.createUndoAction(win, "&Undo")
    win.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
    win.redo_action = win.undo_stack.createRedoAction(win, "&Redo")
    win.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
    edit.addAction(win.undo_action)
    edit.addAction(win.redo_action)
    edit.addSeparator()
    # One Find for the whole window: it searches whichever area is showing (a per-area
    # shortcut on a hidden page would be ambiguous, or worse, focus a field nobody can see).
    win.find_action = action(
        win,
        edit,
        "&Find in this area",
        win.find_in_page,
        QKeySequence.StandardKey.Find,
        "Search the area you are looking at",
    )

    partners = bar.addMenu("&Partners")
    action(win, partners, "&Add partner", win.add_partner, QKeySequence.StandardKey.New)
    win.delete_action = action(
        win, partners, "&Delete partner", win._delete_selected, QKeySequence.StandardKey.Delete
    )
    win.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
    win.partners.view.addAction(win.delete_action)
    partners.addSeparator()
    action(win, partners, "&Import from Excel…", win.choose_import, "Ctrl+I")
    action(win, partners, "&Export to Excel…", win.choose_export, "Ctrl+E")
    action(win, partners, "Save an Excel &template…", win.choose_template)

    tenders = bar.addMenu("&Tenders")
    action(win, tenders, "&Import tender files…", win.choose_tender_import, "Ctrl+T")
    action(win, tenders, "Import a &folder of tender files…", win.choose_tender_folder)
    action(win, tenders, "Last import &report", win.show_tender_report)
    action(win, tenders, "&Get new tenders", lambda: win.feeds.fetch(), "F5")
    action(win, tenders, "&New for you (last fetch)", lambda: win.feeds.show_new_for_you())

    help_menu = bar.addMenu("&Help")
    action(win, help_menu, "&Start page", lambda: win.show_area("start"), None, "The checklist")
    action(
        win,
        help_menu,
        "&User guide",
        win.show_guide,
        QKeySequence.StandardKey.HelpContents,
        "A short guide to each area, read offline",
    )
    action(win, help_menu, "&Keyboard shortcuts", win.show_shortcuts)
    help_menu.addSeparator()
    action(win, help_menu, "&About Consortium", win.about)
