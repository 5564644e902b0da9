"""Tables for social value (see migrations.v5_social_value). Filled in by the social value work."""

from sqlite_utils import Database

from consortium.migrations import run_script


def create(db: Database) -> None:
    run_script(db, "CREATE TABLE sv_placeholder (id INTEGER PRIMARY KEY);")
