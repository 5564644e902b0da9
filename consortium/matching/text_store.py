"""The matching word model kept in the workspace and updated as tenders arrive.

    model = text_store.load(db)                            # a TextModel, read in milliseconds
    counts = text_store.WordCounts()                       # an import: as it stores tenders
    counts.add((title, description, lot_text)); counts.remove(old_texts); counts.save(conn)
    text_store.update(conn, added=[...], removed=[...])    # the same, in one call

The model is the document frequency of each word stem over every tender (its title,
description and lots: the text the ranking compares), plus the shortest word seen for each stem
for explanations. An import adds the words of its new and changed tenders and takes away the
old words of the changed ones, so the model is never rebuilt from all tenders (a rebuild read
every tender: 66 s at 200,000).

Save the counts inside the import's transaction, so a failed import leaves the model as it was
along with everything else.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence

from sqlite_utils import Database

from consortium.matching.text import _TOKEN_OF, _WORD, STOPWORDS, TextModel, stem
from consortium.matching.text import _words as _letters

DOCUMENTS_KEY = "text_model_documents"
Texts = Sequence[str | None]  # (title, description, lot text) of one tender


def document_words(texts: Texts) -> dict[str, str]:
    """Each stem in one tender's texts, with the shortest word that gave it."""
    words: dict[str, str] = {}
    for word in sorted(_words(texts), key=lambda w: (len(w), w), reverse=True):
        words[stem(word)] = word  # shortest last, so it stays
    return words


def _words(texts: Texts) -> set[str]:
    found = set(_WORD.findall(" ".join(t for t in texts if t).lower()))
    found -= STOPWORDS
    return {w for w in found if len(w) > 2}


class WordCounts:
    """Changes to the model counted as tenders are stored, written by :meth:`save`: an import
    counts each batch's words as it goes, so it never reads its tenders back at the end (which
    took 10 s at 200,000, with no Cancel)."""

    def __init__(self) -> None:
        self.df: Counter = Counter()
        self.seen: set[bytes] = set()
        self.documents = 0

    def add(self, texts: Texts) -> None:
        """A tender stored with these texts."""
        # Words as the ranking reads them (text._words, as bytes) and each worked out once
        # (text._TOKEN_OF: its stem, or "" for a common or short word): the same words as
        # _words above, at a third of the time; mapped in C, a third quicker again.
        self.documents += 1
        words = set(_letters(" ".join(t for t in texts if t)))
        self.seen.update(words)
        self.df.update(set(map(_TOKEN_OF.__getitem__, words)))

    def remove(self, texts: Texts) -> None:
        """A tender stored with these texts that is stored no longer (or changed)."""
        self.documents -= 1
        self.df.subtract(set(map(_TOKEN_OF.__getitem__, _letters(" ".join(t for t in texts if t)))))

    def save(self, conn: sqlite3.Connection) -> int:
        """Write the changes into the model; the number of stems changed."""
        df = self.df
        df.pop("", None)
        display: dict[str, str] = {}
        for word in sorted(self.seen, key=lambda w: (len(w), w), reverse=True):
            token = _TOKEN_OF[word]
            if token:
                display[token] = word.decode("ascii")  # the shortest word of a stem, last, stays
        changed = [(s, n, display.get(s, s)) for s, n in df.items() if n]
        conn.executemany(
            "INSERT INTO text_terms (term, df, display) VALUES (?, ?, ?) "
            "ON CONFLICT (term) DO UPDATE SET df = df + excluded.df, display = CASE "
            "WHEN excluded.df > 0 AND length(excluded.display) < length(display) "
            "THEN excluded.display ELSE display END",
            changed,
        )
        conn.execute("DELETE FROM text_terms WHERE df <= 0")
        if self.documents:
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                "SET value = CAST(value AS INTEGER) + CAST(excluded.value AS INTEGER)",
                [DOCUMENTS_KEY, str(self.documents)],
            )
        self.df, self.seen, self.documents = Counter(), set(), 0
        return len(changed)


def update(
    conn: sqlite3.Connection,
    added: Iterable[Texts] = (),
    removed: Iterable[Texts] = (),
) -> int:
    """Add the words of ``added`` tenders and take away those of ``removed`` ones; returns the
    number of stems changed."""
    counts = WordCounts()
    for texts in added:
        counts.add(texts)
    for texts in removed:
        counts.remove(texts)
    return counts.save(conn)


def load(db: Database) -> TextModel:
    """The model as stored (empty for a workspace with no tenders)."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [DOCUMENTS_KEY]).fetchone()
    model = TextModel(documents=int(row[0]) if row else 0)
    for term, df, display in db.execute("SELECT term, df, display FROM text_terms"):
        model.df[term] = df
        model.display[term] = display
    return model


def all_texts(conn: sqlite3.Connection) -> Iterable[tuple]:
    from consortium.tenders import store  # the texts are kept compressed

    return store.all_texts(conn, store.TEXTS_SELECT)


def rebuild(conn: sqlite3.Connection) -> None:
    """Fill the model from every stored tender: only when a workspace is first given a model."""
    conn.execute("DELETE FROM text_terms")
    conn.execute("DELETE FROM settings WHERE key = ?", [DOCUMENTS_KEY])
    update(conn, all_texts(conn))
