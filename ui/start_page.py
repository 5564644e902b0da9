"""The Start page: what the app does in three lines, and a checklist that follows the workspace.

Each step is a button to the area that does it; the window decides what "go there" means
(``step_chosen`` carries the step's key). The ticks come from ``consortium.start.checklist``.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from consortium import start
from consortium.workspace import Workspace
from ui import colours
from ui.feeds_ui import FeedBar


class StartPage(QScrollArea):
    step_chosen = Signal(str)
    guide_requested = Signal()
    demo_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.ws: Workspace | None = None
        self.steps: list[start.Step] = []
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        self.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(24, 16, 24, 16)
        title = QLabel("Welcome to Consortium")
        title.setStyleSheet("font-size: 18pt; font-weight: 600;")
        title.setAccessibleName("Start page title")
        layout.addWidget(title)
        self.about = QLabel("<br>".join(escape(line) for line in start.ABOUT))
        self.about.setWordWrap(True)
        self.about.setAccessibleName("What Consortium does")
        layout.addWidget(self.about)
        self.feed_bar = FeedBar(compact=True)  # "Get new tenders" and the last update
        layout.addSpacing(4)
        layout.addWidget(self.feed_bar)
        heading = QLabel("<b>Your way to a bid</b>")
        heading.setAccessibleName("Checklist heading")
        layout.addSpacing(8)
        layout.addWidget(heading)
        self.grid = QGridLayout()
        self.grid.setColumnStretch(2, 1)
        self.grid.setHorizontalSpacing(12)
        layout.addLayout(self.grid)
        self.marks: dict[str, QLabel] = {}
        self.details: dict[str, QLabel] = {}
        self.buttons: dict[str, QPushButton] = {}
        self.summary = QLabel()
        self.summary.setAccessibleName("Checklist progress")
        layout.addSpacing(8)
        layout.addWidget(self.summary)
        self.guide_button = QPushButton("Read the user guide")
        self.guide_button.setAccessibleName("Read the user guide")
        self.guide_button.setToolTip("A short guide to each area (Help > User guide, F1)")
        self.guide_button.clicked.connect(self.guide_requested)
        layout.addWidget(self.guide_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.demo_button = QPushButton("Look around the demo workspace")
        self.demo_button.setAccessibleName("Open the demo workspace")
        self.demo_button.setToolTip(
            "Open a filled-in example (fictional partners, real tenders) to see every area at "
            "work; your own workspace stays as it is (File > Open workspace brings it back)"
        )
        self.demo_button.clicked.connect(self.demo_requested)
        layout.addWidget(self.demo_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)

    def set_workspace(self, ws: Workspace) -> None:
        self.ws = ws
        self.reload()

    def _row(self, row: int, step: start.Step) -> None:
        mark = QLabel()
        mark.setAccessibleName(f"{step.title}: done or not")
        button = QPushButton(step.title)
        button.setAccessibleName(step.title)
        button.setMinimumWidth(220)
        button.clicked.connect(lambda _=False, key=step.key: self.step_chosen.emit(key))
        detail = QLabel()
        detail.setWordWrap(True)
        detail.setAccessibleName(f"{step.title}: where you are")
        self.grid.addWidget(mark, row, 0)
        self.grid.addWidget(button, row, 1)
        self.grid.addWidget(detail, row, 2)
        self.marks[step.key], self.buttons[step.key], self.details[step.key] = mark, button, detail

    def reload(self) -> None:
        """Re-read the checklist (cheap: a few counts)."""
        if self.ws is None:
            return
        self.steps = start.checklist(self.ws.db)
        demo = self.ws.db.execute("SELECT 1 FROM settings WHERE key = 'demo'").fetchone()
        self.demo_button.setVisible(not demo)
        upcoming = start.next_step(self.steps)
        for row, step in enumerate(self.steps):
            if step.key not in self.buttons:
                self._row(row, step)
            mark = self.marks[step.key]
            mark.setText("✓" if step.done else f"{row + 1}.")
            mark.setStyleSheet(colours.style("ok") + " font-weight: 600;" if step.done else "")
            mark.setToolTip("Done" if step.done else "Still to do")
            self.details[step.key].setText(step.detail)
            button = self.buttons[step.key]
            button.setToolTip(f"{step.action}: {step.detail}")
            font = button.font()
            font.setBold(step is upcoming)
            button.setFont(font)
        done = sum(s.done for s in self.steps)
        self.summary.setText(
            f"{done} of {len(self.steps)} steps done."
            + (f" Next: {upcoming.title.lower()}." if upcoming else " Everything is in place.")
        )
