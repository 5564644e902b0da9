"""Render the app icon (consortium/data/icons/consortium.svg) to the PNG, ICO and ICNS files the
window, the Linux desktop file and the Windows/macOS packages use. Run after editing the SVG:

    python scripts/make_icons.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ICONS = Path(__file__).resolve().parents[1] / "consortium" / "data" / "icons"


def render(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    QSvgRenderer(str(ICONS / "consortium.svg")).render(painter)
    painter.end()
    return image


def main() -> int:
    QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    for size in (16, 32, 48, 64, 128, 256):
        render(size).save(str(ICONS / f"consortium-{size}.png"))
    big = render(256)
    ok = big.save(str(ICONS / "consortium.ico")) and big.save(str(ICONS / "consortium.icns"))
    print(f"Wrote icons to {ICONS}" if ok else "Could not write .ico/.icns (Qt image plugins?)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
