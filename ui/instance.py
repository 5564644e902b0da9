"""One window per workspace: opening a workspace that another Consortium window (in any process
of this user) already has open offers to switch to that window instead.

    if instance.may_open(parent, path):   # asks when another window holds it
        ...open it...
    claim = WorkspaceClaim(window)        # the window's own: hold(path) / release()
    claim.show_requested.connect(window.bring_to_front)

Each window holding a workspace listens on a local socket named after the workspace's path
(QLocalServer: a named pipe on Windows, a socket file on Linux and macOS, only this user may
connect). Another process finds it by connecting; a socket file left by a window that crashed
answers nobody, so it is removed and the workspace counts as free.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QMessageBox, QWidget

WAIT_MS = 1500
SHOW = b"show\n"
SHOWN = b"shown\n"


def server_name(path: Path) -> str:
    """The socket's name: the same for every spelling of one file's path."""
    key = str(Path(path).expanduser().resolve()).encode("utf-8", "surrogatepass")
    return "consortium-" + hashlib.sha256(key).hexdigest()[:24]


def _send(path: Path, message: bytes) -> bytes | None:
    """Send ``message`` to the window holding ``path``; its answer, or None if none holds it."""
    sock = QLocalSocket()
    sock.connectToServer(server_name(path))
    if not sock.waitForConnected(WAIT_MS):
        return None
    sock.write(message)
    sock.flush()
    answer = b""
    while sock.waitForReadyRead(WAIT_MS):
        answer += bytes(sock.readAll().data())
        if answer.endswith(b"\n"):
            break
    sock.disconnectFromServer()
    return answer


def held_elsewhere(path: Path, mine: WorkspaceClaim | None = None) -> bool:
    """True when another window (not ``mine``) has the workspace open now."""
    if mine is not None and mine.path == Path(path).expanduser().resolve():
        return False
    return _send(path, b"ping\n") is not None


def ask(parent: QWidget | None, path: Path) -> str:
    """'switch', 'here' or 'cancel' (tests replace this function)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Workspace already open")
    box.setText(f"{Path(path).name} is already open in another Consortium window.")
    box.setInformativeText(
        "Switch to that window to carry on there. You can also open it here as well: both "
        "windows then see each other's saved changes, and a long import in one makes the "
        "other wait."
    )
    switch = box.addButton("Switch to that window", QMessageBox.ButtonRole.AcceptRole)
    here = box.addButton("Open it here too", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(switch)
    box.exec()
    clicked = box.clickedButton()
    return "switch" if clicked is switch else "here" if clicked is here else "cancel"


def may_open(parent: QWidget | None, path: Path, mine: WorkspaceClaim | None = None) -> bool:
    """Whether this window should open ``path``: True when no other window has it, or the user
    chose to open it here too. Choosing to switch brings the other window to the front."""
    if not held_elsewhere(path, mine):
        return True
    choice = ask(parent, path)
    if choice == "switch":
        _send(path, SHOW)
        return False
    return choice == "here"


class WorkspaceClaim(QObject):
    """A window's claim on the workspace it shows; other windows see it through the socket."""

    show_requested = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.path: Path | None = None
        self.server: QLocalServer | None = None

    def hold(self, path: Path) -> bool:
        """Claim ``path`` (letting go of the one held before). False when another window
        already holds it (the user chose to open it here too): that one stays the one found."""
        self.release()
        path = Path(path).expanduser().resolve()
        name = server_name(path)
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(name):
            if _send(path, b"ping\n") is not None:
                server.deleteLater()
                return False
            QLocalServer.removeServer(name)  # left by a window that crashed
            if not server.listen(name):
                server.deleteLater()
                return False
        server.newConnection.connect(self._incoming)
        self.server, self.path = server, path
        return True

    def release(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server.deleteLater()
            self.server = None
        self.path = None

    def _incoming(self) -> None:
        while self.server is not None and self.server.hasPendingConnections():
            sock = self.server.nextPendingConnection()
            sock.readyRead.connect(lambda s=sock: self._answer(s))
            sock.disconnected.connect(sock.deleteLater)

    def _answer(self, sock: QLocalSocket) -> None:
        message = bytes(sock.readAll().data())
        if SHOW.strip() in message:
            sock.write(SHOWN)
            self.show_requested.emit()
        else:
            sock.write(b"here\n")
        sock.flush()
