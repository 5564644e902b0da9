"""Dropped files go to the area that takes their kind (``consortium.filekinds``): a
questionnaire to Bids, tender notices to Tenders, partner workbooks to Partners, packs and
reviews to Review. When a workbook could be several kinds and the visible area does not settle
it, the user is asked."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QInputDialog

from consortium import filekinds


def dropped_paths(mime) -> list[Path]:
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


def wanted(mime) -> bool:
    """Whether a drag carries at least one file the app can take (so the cursor says yes)."""
    return any(filekinds.suffix_kinds(p) or p.is_dir() for p in dropped_paths(mime))


def ask_kind(parent, path: Path, kinds: tuple[str, ...]) -> str | None:
    """Ask what an ambiguous file is; None when the user cancels."""
    labels = [filekinds.LABELS[k] for k in kinds]
    choice, ok = QInputDialog.getItem(
        parent, "What is this file?", f"{path.name} holds:", labels, 0, False
    )
    return kinds[labels.index(choice)] if ok else None


def sort_drop(parent, paths: list[Path], here: tuple[str, ...]) -> dict[str, list[Path]]:
    """Each dropped file by the kind it is treated as (folders count as tender notices)."""
    found: dict[str, list[Path]] = {}
    for path in paths:
        if path.is_dir():
            kind = filekinds.TENDERS
        else:
            kinds = filekinds.kinds_of(path)
            if not kinds:
                continue
            kind = filekinds.route(kinds, here) or ask_kind(parent, path, kinds)
        if kind is not None:
            found.setdefault(kind, []).append(path)
    return found
