"""CPV 2008 look-up, normalising, search and matching, on the bundled list."""

import time

import pytest

from consortium import cpv


def test_all_codes_are_loaded_in_order():
    codes = cpv.all_codes()
    assert len(codes) == 9454
    assert [c.code for c in codes] == sorted(c.code for c in codes)
    assert len({c.code for c in codes}) == 9454
    assert all(len(c.code) == 8 and c.code.isdigit() for c in codes)


def test_levels_match_the_published_counts():
    counts = {}
    for c in cpv.all_codes():
        counts[c.level] = counts.get(c.level, 0) + 1
    assert counts == {
        "division": 45,
        "group": 272,
        "class": 1002,
        "category": 2379,
        "subcategory": 5756,
    }
    assert len(cpv.roots()) == 45
    assert all(c.level == "division" for c in cpv.roots())


def test_significant_digits_are_the_code_without_trailing_zeros():
    for c in cpv.all_codes():
        assert c.significant_digits == max(2, len(c.code.rstrip("0")))
        assert c.prefix == c.code[: c.significant_digits]


def test_loads_quickly():
    cpv._table.cache_clear()
    start = time.perf_counter()
    cpv._table()
    # The brief asks for < 50 ms; allow slack for a slow CI machine.
    assert time.perf_counter() - start < 0.5


def test_code_fields():
    code = cpv.lookup("85310000")
    assert code is not None
    assert code.full == "85310000-5"
    assert code.check_digit == "5"
    assert code.level == "class"
    assert code.prefix == "8531"
    assert code.parent == "85300000"
    assert code.label == "Social work services"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("85310000-5", "85310000"),
        ("85310000", "85310000"),
        (85310000, "85310000"),
        (85310000.0, "85310000"),
        ("85310000.0", "85310000"),
        (3000000, "03000000"),  # Excel dropped the leading zero
        (3000000.0, "03000000"),
        ("3000000-1", "03000000"),
        ("03000000-1", "03000000"),
        (" 85 31 00 00 ", "85310000"),
        ("85310000 - 5", "85310000"),
        ("85310000\u20135", "85310000"),  # en dash from a word processor
        ("85310000-9", "85310000"),  # wrong check digit: ignored
        (9000000, "09000000"),
    ],
)
def test_normalise_accepts_what_people_and_excel_write(raw, expected):
    assert cpv.normalise(raw) == expected


@pytest.mark.parametrize("raw", ["1234", "", "abc", "853100000", "85310000-55", 12.5, -85310000])
def test_normalise_rejects_malformed_input_with_a_message(raw):
    with pytest.raises(ValueError, match="is not a CPV code: CPV codes have 8 digits"):
        cpv.normalise(raw)


def test_normalise_message_quotes_the_input():
    with pytest.raises(ValueError) as info:
        cpv.normalise("1234")
    assert str(info.value) == "'1234' is not a CPV code: CPV codes have 8 digits, like 85310000"


@pytest.mark.parametrize("raw", [None, True])
def test_normalise_rejects_non_codes(raw):
    with pytest.raises(ValueError):
        cpv.normalise(raw)


def test_normalise_rejects_unknown_codes():
    with pytest.raises(ValueError) as info:
        cpv.normalise("85999999")
    assert str(info.value) == "85999999 is not in the CPV 2008 list"


def test_lookup_and_label():
    assert cpv.lookup(3000000).code == "03000000"
    assert cpv.lookup("85999999") is None
    assert cpv.lookup("nonsense") is None
    assert cpv.label("85311000-2") == "Social work services with accommodation"
    assert cpv.label("85999999") == ""
    assert cpv.label("x") == ""


def test_children_and_ancestors():
    kids = [c.code for c in cpv.children("85310000")]
    assert kids == ["85311000", "85312000"]
    assert [c.code for c in cpv.ancestors("85311300")] == [
        "85311000",
        "85310000",
        "85300000",
        "85000000",
    ]
    assert cpv.ancestors("85000000") == []
    assert cpv.ancestors("85999999") == []
    assert cpv.children("85999999") == []


def test_parent_skips_codes_that_do_not_exist():
    # 30192121 has no 30192120, so its nearest parent is 30192100.
    assert cpv.lookup("30192121").parent == "30192100"
    assert "30192121" in [c.code for c in cpv.children("30192100")]


def test_every_code_is_reachable_from_a_division():
    seen = set()
    stack = list(cpv.roots())
    while stack:
        code = stack.pop()
        seen.add(code.code)
        stack.extend(cpv.children(code.code))
    assert len(seen) == 9454


def test_contract_type():
    assert cpv.contract_type("03000000") == "supplies"
    assert cpv.contract_type("48000000") == "supplies"
    assert cpv.contract_type("45000000") == "works"
    assert cpv.contract_type("85310000") == "services"
    assert cpv.contract_type("x") == ""


def test_covers_by_significant_prefix():
    assert cpv.covers("85300000", "85311000")
    assert cpv.covers("85300000", "85312300")
    assert cpv.covers("85300000", "85300000")
    assert cpv.covers(85300000, "85312300-2")
    assert not cpv.covers("85311000", "85300000")
    assert not cpv.covers("85300000", "85410000")  # 854..., not 853...
    assert not cpv.covers("85300000", "98000000")
    assert cpv.covers(3000000, "03111000")
    assert not cpv.covers("junk", "85310000")
    assert not cpv.covers("85310000", "junk")


def test_distance_counts_levels():
    assert cpv.distance("85310000", "85310000") == 0
    assert cpv.distance("85310000", "85311000") == 1
    assert cpv.distance("85300000", "85312300") == 3
    assert cpv.distance("85000000", "85312300") == 4
    assert cpv.distance("30192100", "30192121") == 1  # the missing 30192120 is not counted
    assert cpv.distance("85311000", "85300000") is None
    assert cpv.distance("98000000", "85300000") is None


def test_search_by_words_in_any_order_and_case():
    found = cpv.search("WORK social")
    labels = [c.label for c in found]
    assert "Social work services" in labels
    for c in found:
        assert "work" in c.label.casefold() and "social" in c.label.casefold()
    # shallower first
    levels = [c.significant_digits for c in found]
    assert levels == sorted(levels)


def test_search_ranks_word_starts_above_inner_matches():
    labels = [c.label for c in cpv.search("housing")]
    assert labels.index("Housing services") < labels.index("Warehousing services")


def test_search_exact_label_first():
    assert cpv.search("Social work services")[0].code == "85310000"


def test_search_by_code_prefix_and_code():
    found = cpv.search("8531")
    assert found[0].code == "85310000"
    assert all(c.code.startswith("8531") for c in found)
    assert len(cpv.search("853", limit=None)) == 22
    exact = cpv.search("85311000-2")
    assert exact[0].code == "85311000"
    assert all(c.code.startswith("85311") for c in exact)
    assert cpv.search("3000000-1")[0].code == "03000000"


def test_search_limit_and_empty():
    assert len(cpv.search("services", limit=5)) == 5
    assert len(cpv.search("services", limit=None)) > 50
    assert cpv.search("") == []
    assert cpv.search("   ") == []
    assert cpv.search("zzzzqqq") == []
