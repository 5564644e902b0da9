"""Bid questions: typed, pasted, and imported from real-shaped questionnaires."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import dump
from test_bids_helpers import make_bid

from consortium.bids import questions
from consortium.bids.questions import Question, QuestionnaireError
from consortium.bids.records import BidError

HERE = Path(__file__).parent / "fixtures" / "bids"


def test_xlsx_questionnaire_is_read_with_refs_limits_and_weights():
    qs = questions.read_questionnaire(HERE / "questionnaire.xlsx")
    assert [q.ref for q in qs] == ["C1.1", "C1.2", "C2.1", "C3.1", "C4.1", "C5.1"]
    assert [q.word_limit for q in qs] == [1000, 500, 750, 500, 500, 500]
    assert [q.weighting for q in qs] == [15, 10, 10, 10, 10, 5]
    assert qs[2].section == "Safeguarding"
    assert qs[0].text.startswith("Describe how you will deliver")


def test_docx_questionnaire_numbered_paragraphs():
    qs = questions.read_questionnaire(HERE / "questionnaire.docx")
    assert [q.ref for q in qs] == ["1.1", "1.2", "2.1", "3.1"]
    assert [q.word_limit for q in qs] == [500, 750, 500, 300]
    assert [q.weighting for q in qs] == [None, 15, None, 10]
    assert "local data" in qs[0].text  # guidance under a question stays with it
    assert qs[2].section == "Section 2: Safeguarding"


def test_docx_questionnaire_table():
    qs = questions.read_questionnaire(HERE / "questionnaire-table.docx")
    assert [(q.ref, q.word_limit, q.weighting) for q in qs] == [("1", 500, 20), ("2", 400, 10)]


@pytest.mark.parametrize(
    "name, words",
    [
        ("not-a-questionnaire.xlsx", "does not look like a questionnaire"),
        ("empty-questionnaire.xlsx", "no questions under it"),
        ("questions.pdf", "Excel (.xlsx) or Word (.docx)"),
        ("renamed.xlsx", "not a readable Excel file"),
        ("missing.xlsx", "There is no file"),
    ],
)
def test_bad_files_give_clear_messages_and_change_nothing(demo_ws, name, words):
    _, bid = make_bid(demo_ws)
    before = dump(demo_ws)
    with pytest.raises(QuestionnaireError, match=re.escape(words)):
        questions.import_questionnaire(demo_ws, bid.id, HERE / name)
    assert dump(demo_ws) == before


def test_import_adds_in_order_and_saving_an_answer_counts_words(demo_ws):
    c, bid = make_bid(demo_ws)
    result = questions.import_questionnaire(demo_ws, bid.id, HERE / "questionnaire.xlsx")
    assert result.added == 6
    qs = questions.list_for(demo_ws.db, bid.id)
    assert [q.position for q in qs] == list(range(6))
    q = qs[1]
    q.answer = "word " * 501
    q.owner_org_id = c.members[0].org_id
    q.status = "drafting"
    questions.set_due(q, "30/11/2026")
    questions.save(demo_ws, q)
    again = questions.load(demo_ws.db, q.id)
    assert again.words == 501 and again.over_limit and again.due.isoformat() == "2026-11-30"
    assert again.to_dict()["over_limit"] is True


def test_owner_must_be_a_member_and_status_must_be_known(demo_ws):
    _, bid = make_bid(demo_ws)
    q = Question(bid_id=bid.id, text="Describe your approach.")
    questions.save(demo_ws, q)
    q.status = "nearly"
    with pytest.raises(BidError, match="not a status"):
        questions.save(demo_ws, q)
    q.status = "done"
    q.owner_org_id = 1_000_000
    with pytest.raises(BidError, match="member of the consortium"):
        questions.save(demo_ws, q)


def test_pasted_questions():
    text = """1. Describe your safeguarding approach. (max 300 words)
Include DBS checks.

2. How will you measure outcomes? Weighting: 20%
Q3: What is your mobilisation plan?"""
    qs = questions.parse_pasted(text)
    assert [q.ref for q in qs] == ["1", "2", "3"]
    assert qs[0].word_limit == 300 and "DBS" in qs[0].text
    assert qs[1].weighting == 20


def test_word_count():
    assert questions.word_count("We're a well-known, local charity.") == 5
    assert questions.word_count("") == 0


def test_importing_twice_skips_what_is_there(demo_ws):
    _, bid = make_bid(demo_ws)
    questions.import_questionnaire(demo_ws, bid.id, HERE / "questionnaire.docx")
    again = questions.import_questionnaire(demo_ws, bid.id, HERE / "questionnaire.docx")
    assert (again.added, again.skipped) == (0, 4)
    assert len(questions.list_for(demo_ws.db, bid.id)) == 4


def test_import_pasted(demo_ws):
    _, bid = make_bid(demo_ws)
    result = questions.import_pasted(demo_ws, bid.id, "1. Why you? (max 100 words)\n2. How?")
    assert result.added == 2 and result.questions[0].word_limit == 100
    with pytest.raises(QuestionnaireError, match="No questions"):
        questions.import_pasted(demo_ws, bid.id, "   \n  ")


def test_docx_with_word_numbering():
    qs = questions.read_questionnaire(HERE / "questionnaire-autonumbered.docx")
    assert [(q.ref, q.word_limit, q.weighting) for q in qs] == [("1", 400, None), ("2", None, 10)]
    assert "do not use services" in qs[0].text


def test_a_letter_is_not_a_questionnaire(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("Dear Sir or Madam,")
    d.add_paragraph("Thank you for your letter of 3 March. We look forward to meeting you.")
    d.save(tmp_path / "letter.docx")
    with pytest.raises(QuestionnaireError, match="No questions found in letter.docx"):
        questions.read_questionnaire(tmp_path / "letter.docx")
    (tmp_path / "empty.docx").write_bytes(b"")
    with pytest.raises(QuestionnaireError, match="not a readable Word file"):
        questions.read_questionnaire(tmp_path / "empty.docx")
