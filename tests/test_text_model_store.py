"""The matching word model lives in the workspace and each import updates it, never rebuilds it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from consortium.matching import service, text_store
from consortium.matching.scoring import target
from consortium.matching.text import TextModel, stem
from consortium.tenders.importer import BATCH, import_paths, import_releases
from consortium.tenders.ocds_reader import TenderFileError
from consortium.workspace import Workspace

FIX = Path(__file__).parent / "fixtures" / "ocds"
SELECTED = FIX / "fts-selected-civil-society-releases.json"
PAGE = FIX / "fts-release-package-2026-08-12-page-001.json"


def rebuilt(ws: Workspace) -> TextModel:
    """The model as a rebuild from every tender would give it (what the ranking used to do)."""
    return TextModel.build(target(t).text for t in service.all_tenders(ws.db))


def refuse_rebuilds(monkeypatch) -> None:
    """From here on, any rebuild of the model from all tenders fails the test."""

    def refuse(*_a, **_k):
        raise AssertionError("the text model was rebuilt from all tenders")

    monkeypatch.setattr(TextModel, "build", refuse)
    monkeypatch.setattr(text_store, "rebuild", refuse)


def test_an_import_updates_the_stored_model_without_rebuilding_it(tmp_path, monkeypatch):
    ws = Workspace.create(tmp_path / "t.consortium")
    with monkeypatch.context() as m:
        refuse_rebuilds(m)
        import_paths(ws, [SELECTED])
        first = service.text_model(ws.db)
        import_paths(ws, [PAGE])
        second = service.text_model(ws.db)
    assert first.documents < second.documents
    expected = rebuilt(ws)
    assert second.documents == expected.documents == ws.db["tenders"].count
    assert dict(second.df) == dict(expected.df)
    # the shortest real word for each stem (ties may pick another word of the same length)
    for s in expected.df:
        assert stem(second.display[s]) == s
        assert len(second.display[s]) == len(expected.display[s])
    assert text_store.load(ws.db).df == second.df  # what is stored, not only what is cached
    ws.close()


def test_a_changed_tender_trades_its_old_words_for_its_new_ones(tmp_path, monkeypatch):
    releases = json.loads(SELECTED.read_text())["releases"]
    first = next(r for r in releases if r["id"] == "075819-2026")
    update = json.loads(json.dumps(next(r for r in releases if r["id"] == "075830-2026")))
    update["tender"]["title"] = "Zygomorphic xylophone tuition"
    update["tender"]["description"] = "Quixotic zygomorphic lessons."
    ws = Workspace.create(tmp_path / "u.consortium")
    refuse_rebuilds(monkeypatch)
    import_releases(ws, [json.loads(json.dumps(first))])
    before = text_store.load(ws.db)
    assert before.documents == 1 and "young" in before.display.values()
    assert "zygomorphic" not in before.df
    import_releases(ws, [update])
    after = text_store.load(ws.db)
    assert after.documents == 1
    assert after.df["zygomorphic"] == 1 and after.display["zygomorphic"] == "zygomorphic"
    words = set(after.display.values())
    assert "xylophone" in words and "quixotic" in words
    gone = set(before.df) - set(after.df)  # the old title's words no tender uses any more
    assert gone and all(w not in after.df for w in gone)
    ws.close()
    ws = Workspace.open(tmp_path / "u.consortium", backup=False)
    assert text_store.load(ws.db).df == after.df
    ws.close()


def test_a_failed_import_leaves_the_model_as_it_was(tmp_path):
    ws = Workspace.create(tmp_path / "f.consortium")
    import_paths(ws, [SELECTED])
    before = text_store.load(ws.db)
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"releases": [' + json.dumps(json.loads(PAGE.read_text())["releases"][0]) + ", {"
    )
    with pytest.raises(TenderFileError):
        import_paths(ws, [PAGE, bad])
    assert text_store.load(ws.db) == before
    ws.close()


def test_a_process_stored_then_changed_within_one_import_is_counted_once(tmp_path, monkeypatch):
    """The words are counted as each batch is stored: a process first stored from one batch
    and compiled again at the end (its next notice came in a later batch) trades the words it
    was stored with for its final ones, and counts as one tender."""
    releases = json.loads(SELECTED.read_text())["releases"]
    batch = []
    for i in range(BATCH + 20):  # more than one batch
        release = json.loads(json.dumps(releases[i % len(releases)]))
        release["ocid"] = f"ocds-test-words-{i:04d}"
        release["id"] = f"{release['ocid']}-1"
        batch.append(release)
    later = json.loads(json.dumps(releases[1]))
    later["ocid"], later["id"] = batch[0]["ocid"], batch[0]["ocid"] + "-2"
    later["date"] = "2026-12-01T00:00:00Z"
    later["tender"]["title"] = "Zygomorphic xylophone tuition"
    later["tender"]["description"] = "Quixotic zygomorphic lessons."
    batch.append(later)  # in the second batch: process 0 is compiled again at the end
    ws = Workspace.create(tmp_path / "w.consortium")
    refuse_rebuilds(monkeypatch)
    report = import_releases(ws, batch)
    assert report.tenders_new == BATCH + 20
    model = text_store.load(ws.db)
    monkeypatch.undo()
    expected = rebuilt(ws)
    assert model.documents == expected.documents == BATCH + 20
    assert dict(model.df) == dict(expected.df)
    assert model.df["zygomorphic"] == 1
    ws.close()


def test_cancel_while_the_import_saves_its_words_keeps_nothing(tmp_path):
    """Cancel counts until the import commits: pressed as it saves the new tenders (after
    every notice was read), nothing is kept, the word model included."""
    from consortium.progress import Cancelled

    ws = Workspace.create(tmp_path / "c.consortium")
    import_paths(ws, [SELECTED])
    before = text_store.load(ws.db), ws.db["tenders"].count
    pressed: list[str] = []

    def progress(_done, _total, text: str) -> None:
        if text.startswith("Saving"):
            pressed.append(text)

    with pytest.raises(Cancelled):
        import_paths(ws, [PAGE], progress=progress, cancelled=lambda: bool(pressed))
    assert pressed
    assert (text_store.load(ws.db), ws.db["tenders"].count) == before
    ws.close()
