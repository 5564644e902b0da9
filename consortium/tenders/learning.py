"""When an import teaches the workspace how its tenders are written: compression dictionaries.

    learner = Learner.of(conn, store.RELEASES)       # on the writer thread, at the start
    learner.offer(len(rows), samples_of_rows, newest_stored, save)   # each batch
    frames = packing.pack_many(texts, learner.current)

Each kind of packed data (raw releases, extracted tenders, their texts) learns a dictionary
twice, as :func:`packing.generations` says: a small one as soon as the workspace holds a few
hundred, and a bigger one once it holds thousands. What counts is what the workspace holds,
not one batch: a workspace filled by a feed, a page of 100 notices at a time, learns too.

Learning takes a fraction of a second (0.2 s for 3,000 releases), once in a workspace's life
for each dictionary, so it is done in line, before the batch that reaches it is packed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

import zstandard

from consortium import memory
from consortium.tenders import packing, store


@dataclass(slots=True)
class Learner:
    kind: str
    current: int  # the dictionary new data is packed with (0: plain zstd)
    generation: int  # dictionaries of this kind learnt (or given up on, this import)
    count: int  # rows of this kind the workspace holds, this import's included

    @classmethod
    def of(cls, conn: sqlite3.Connection, kind: str) -> Learner:
        generation = store.learnt(conn, kind)
        wanted = generation < len(packing.generations())
        count = store.stored_count(conn, kind) if wanted else 0
        return cls(kind, store.dictionary(conn, kind), generation, count)

    def offer(
        self,
        n: int,
        samples: Callable[[], list[bytes]],
        stored: Callable[[int], list[bytes]],
        save: Callable[[bytes], int],
    ) -> None:
        """``n`` more rows are about to be packed. If the workspace now holds enough to learn
        the next dictionary from, learn it from ``samples()`` (these rows), topped up with the
        newest rows already stored (``stored(k)``); ``save(data)`` stores it and returns its id.
        """
        self.count += n
        steps = packing.generations()
        if self.generation >= len(steps) or self.count < steps[self.generation][0]:
            return
        wanted, size = steps[self.generation]
        found = samples()[:wanted]
        if len(found) < wanted:
            found += stored(wanted - len(found))
        self.generation += 1  # tried once an import, whether or not it could be learnt
        try:
            made = packing.train(found, size)
        except zstandard.ZstdError:  # too few or too alike to learn from: keep what it has
            return
        finally:
            del found
            memory.give_back()  # the samples' 16 MB, which glibc would keep (memory.py)
        self.current = save(made)
