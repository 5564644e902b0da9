"""Tables for bid work (see migrations.v6_bid_work). Filled in by the bid assembly work."""

from sqlite_utils import Database

from consortium.migrations import run_script


def create(db: Database) -> None:
    run_script(db, "CREATE TABLE bid_placeholder (id INTEGER PRIMARY KEY);")
