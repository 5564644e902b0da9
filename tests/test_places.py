"""UK councils, ITL regions and containment, on the bundled data."""

import pytest

from consortium import places

CAMDEN = "E09000007"
KENT = "E10000016"
LANCASHIRE = "E10000017"
MAIDSTONE = "E07000110"
PRESTON = "E07000123"
BLACKPOOL = "E06000009"
GLA = "E61000001"
HIGHLAND = "S12000017"


def test_counts():
    assert len(places.councils()) == 397
    assert len(places.regions()) == 233
    assert [len(places.regions(level)) for level in range(4)] == [1, 12, 41, 179]


def test_councils_sorted_by_name():
    names = [c.name.casefold() for c in places.councils()]
    assert names == sorted(names)


def test_every_council_is_placed_in_real_itl3_areas():
    unplaced = [c.name for c in places.councils() if not c.itl]
    assert unplaced == []
    for c in places.councils():
        for code in c.itl:
            r = places.region(code)
            assert r is not None and r.level == 3, (c.name, code)


def test_council_fields():
    c = places.council(CAMDEN)
    assert c.name == "Camden"
    assert c.official_name == "London Borough of Camden"
    assert c.nation == "England"
    assert c.region == "London"
    assert c.kind == "London borough"
    assert c.itl == ("TLI31",)
    assert c.combined_gss == GLA
    assert c.lower_or_unitary
    assert places.council("e09000007") == c
    assert places.council("E99999999") is None


@pytest.mark.parametrize(
    "text, gss",
    [
        ("camden", CAMDEN),
        ("Camden", CAMDEN),
        ("London Borough of Camden", CAMDEN),
        ("Camden Council", CAMDEN),
        ("  CAMDEN  council ", CAMDEN),
        ("E09000007", CAMDEN),
        ("Westminster", "E09000033"),
        ("City of Westminster", "E09000033"),
        ("Westminster City Council", "E09000033"),
        ("Manchester", "E08000003"),
        ("Manchester City Council", "E08000003"),
        ("Glasgow City", "S12000049"),
        ("Glasgow", "S12000049"),
        ("Glasgow City Council", "S12000049"),
        ("City of Glasgow", "S12000049"),
        ("S12000046", "S12000049"),  # Glasgow's code before 2019
        ("Cardiff", "W06000015"),
        ("City of Cardiff Council", "W06000015"),
        ("Caerdydd", "W06000015"),
        ("Belfast", "N09000003"),
        ("Belfast City Council", "N09000003"),
        ("Kent County Council", KENT),
        ("Brighton & Hove", "E06000043"),
        ("Brighton and Hove City Council", "E06000043"),
        ("St Helens", "E08000013"),
        ("St. Helens Council", "E08000013"),
        ("Royal Borough of Kensington and Chelsea", "E09000020"),
        ("City of London", "E09000001"),
        ("London", GLA),
        ("Isle of Anglesey County Council", "W06000001"),
    ],
)
def test_find_council_resolves_variants(text, gss):
    found = places.find_council(text)
    assert found is not None, text
    assert found.gss == gss


@pytest.mark.parametrize("text", ["", "   ", "Atlantis", "E99999999", "Borough Council"])
def test_find_council_unknown(text):
    assert places.find_council(text) is None


def test_former_codes_lead_to_the_successor():
    # Northampton district was abolished in 2021 and became part of West Northamptonshire.
    assert places.council("E07000154").name == "West Northamptonshire"
    # Cumbria county was split between two councils, so its code leads nowhere.
    assert places.council("E10000006") is None


def test_search_councils():
    names = [c.name for c in places.search_councils("cam")]
    assert "Camden" in names and "Cambridge" in names
    assert all("cam" in n.casefold() for n in names[:6])
    assert places.search_councils("Camden")[0].gss == CAMDEN
    assert places.search_councils("london borough of camden")[0].gss == CAMDEN
    assert places.search_councils("north york")[0].name == "North Yorkshire"
    # what find_council resolves to comes first
    assert places.search_councils("London")[0].gss == GLA
    assert "City of London" in [c.name for c in places.search_councils("London")[:3]]
    assert places.search_councils("Glasgow")[0].gss == "S12000049"
    assert [c.gss for c in places.search_councils("E0900000")][:2] == ["E09000001", "E09000002"]
    assert len(places.search_councils("a", limit=5)) == 5
    assert places.search_councils("") == []
    assert places.search_councils("zzqx") == []


def test_search_councils_prefers_districts_over_counties_on_ties():
    names = [c.name for c in places.search_councils("ham")]
    assert names.index("Hammersmith and Fulham") < names.index("Hampshire")
    assert names.index("Hampshire") < names.index("East Hampshire")


def test_region_accepts_itl_and_nuts_codes():
    assert places.region("TLI31").name == "Camden and City of London"
    assert places.region("UKI31").code == "TLI31"
    assert places.region("tli").name == "London"
    assert places.region("TL").name == "United Kingdom"
    assert places.region("UK").code == "TL"
    r = places.region("TLI31")
    assert (r.level, r.parent, r.nuts2018, r.nuts2021) == (3, "TLI3", "UKI31", "UKI31")
    assert places.region("UKZ") is None


@pytest.mark.parametrize(
    "code, itl",
    [
        ("UK", "TL"),
        ("UKI", "TLI"),
        ("UKI31", "TLI31"),
        ("TLI31", "TLI31"),
        # NUTS 2018 codes recoded in NUTS 2021 / ITL 2021
        ("UKK21", "TLK24"),
        ("UKK22", "TLK25"),
        ("UKN10", "TLN0A"),
        ("UKN16", "TLN0G"),
        # and their NUTS 2021 forms
        ("UKK24", "TLK24"),
        ("UKN0A", "TLN0A"),
        (" ukm82 ", "TLM82"),
        ("UKZ", None),
        ("", None),
        ("E09000007", None),
    ],
)
def test_to_itl(code, itl):
    assert places.to_itl(code) == itl


def test_recoded_region_keeps_its_name():
    assert places.region("UKK21").name == "Bournemouth, Christchurch and Poole"
    assert places.region("UKK21").nuts2018 == "UKK21"


def test_ancestors():
    assert places.ancestors(CAMDEN) == ["TLI31", "TLI3", "TLI", "TL"]
    assert places.ancestors("TLI31") == ["TLI3", "TLI", "TL"]
    assert places.ancestors("UKK21") == ["TLK2", "TLK", "TL"]
    assert places.ancestors("TL") == []
    assert places.ancestors("nowhere") == []


def test_camden_is_in_london_and_the_uk_not_the_north_west():
    assert places.contains("TLI", CAMDEN)
    assert places.contains("UKI", CAMDEN)
    assert places.contains("TLI3", CAMDEN)
    assert places.contains("TL", CAMDEN)
    assert places.contains("UK", CAMDEN)
    assert places.contains(CAMDEN, CAMDEN)
    assert places.contains(GLA, CAMDEN)
    assert not places.contains("TLD", CAMDEN)
    assert not places.contains("TLI4", CAMDEN)
    assert not places.contains(CAMDEN, GLA)
    assert not places.overlaps("TLD", CAMDEN)


def test_region_containment():
    assert places.contains("TLI", "TLI31")
    assert places.contains("UKI", "TLI31")
    assert not places.contains("TLI31", "TLI")
    assert places.overlaps("TLI31", "TLI")
    assert places.contains("TL", "TLM82")
    assert not places.contains("TLD", "TLI")
    assert not places.contains("TLI", "nowhere")
    assert not places.contains("nowhere", CAMDEN)


def test_kent_county_is_the_set_of_its_districts_areas():
    kent = places.council(KENT)
    assert kent.kind == "County"
    assert not kent.lower_or_unitary
    assert kent.itl == ("TLJ43", "TLJ44", "TLJ45", "TLJ46")
    assert places.ancestors(KENT) == ["TLJ43", "TLJ44", "TLJ45", "TLJ46", "TLJ4", "TLJ", "TL"]
    # wholly inside the Kent ITL2 area and the South East
    assert places.contains("TLJ4", KENT)
    assert places.contains("TLJ", KENT)
    # partly in East Kent: overlaps, not inside
    assert not places.contains("TLJ44", KENT)
    assert places.overlaps("TLJ44", KENT)
    assert places.overlaps(KENT, "TLJ44")
    # Kent County Council contains East Kent, but not Medway (a unitary, TLJ41) nor all of TLJ4
    assert places.contains(KENT, "TLJ44")
    assert not places.contains(KENT, "TLJ41")
    assert not places.contains(KENT, "TLJ4")
    assert not places.overlaps(KENT, "TLJ41")
    # and its districts
    assert places.contains(KENT, MAIDSTONE)
    assert not places.contains(MAIDSTONE, KENT)
    assert places.overlaps(MAIDSTONE, KENT)


def test_lancashire_county_excludes_its_unitaries():
    lancs = places.council(LANCASHIRE)
    assert lancs.itl and all(code.startswith("TLD4") for code in lancs.itl)
    assert "TLD42" not in lancs.itl  # Blackpool, a unitary, is not part of Lancashire County
    assert places.contains("TLD4", LANCASHIRE)
    assert places.contains("TLD", LANCASHIRE)
    assert not places.contains("TLI", LANCASHIRE)
    assert places.contains(LANCASHIRE, PRESTON)
    assert not places.contains(LANCASHIRE, BLACKPOOL)
    assert not places.overlaps(LANCASHIRE, BLACKPOOL)
    assert places.council(PRESTON).county_gss == LANCASHIRE


def test_combined_authorities_contain_their_members():
    # East Midlands CCA: Derbyshire and Nottinghamshire counties, Derby and Nottingham
    emca = "E47000013"
    assert places.contains(emca, "E10000007")  # Derbyshire
    assert places.contains(emca, "E07000032")  # Amber Valley, a Derbyshire district
    assert places.contains("TLF", emca)
    # Greater Lincolnshire spans two ITL1 regions: inside the UK only, overlaps both
    lincs = "E47000017"
    assert not places.contains("TLF", lincs)
    assert not places.contains("TLE", lincs)
    assert places.overlaps("TLF", lincs) and places.overlaps("TLE", lincs)
    assert places.contains("TL", lincs)


def test_greater_london_is_london():
    assert places.contains("TLI", GLA)
    assert places.contains(GLA, "TLI")
    assert places.contains(GLA, "E09000001")


def test_scottish_councils_split_across_itl3_areas():
    highland = places.council(HIGHLAND)
    assert highland.itl == ("TLM61", "TLM62", "TLM63")
    assert places.contains(HIGHLAND, "TLM61")
    assert not places.contains(HIGHLAND, "TLM63")  # shared with Argyll and Bute, North Ayrshire
    assert places.overlaps(HIGHLAND, "TLM63")
    assert places.contains("TLM6", HIGHLAND)
    assert not places.contains("TLM61", HIGHLAND)
    # Highland and Moray share TLM62 but are different councils
    assert not places.overlaps(HIGHLAND, "S12000020")
    assert places.council("S12000049").itl == ("TLM82",)


def test_new_unitaries_get_their_predecessors_areas():
    assert places.find_council("Cumberland").itl == ("TLD11", "TLD12")
    assert places.find_council("Somerset Council").itl == ("TLK23",)
    assert places.find_council("North Yorkshire Council").itl == ("TLE22",)
    assert places.find_council("West Northamptonshire").itl == ("TLF24",)


def test_northern_ireland_uses_the_recoded_nuts_areas():
    assert places.council("N09000005").itl == ("TLN0A",)
    assert places.contains("UKN0", "N09000005")
    assert places.contains("UKN10", "N09000005")  # the NUTS 2018 code for the same area


def test_area_name_and_describe():
    assert places.area_name("TL") == "United Kingdom"
    assert places.area_name("UK") == "United Kingdom"
    assert places.area_name(CAMDEN) == "Camden"
    assert places.area_name("UKI") == "London"
    assert places.area_name("XYZ") == "XYZ"
    assert places.describe(CAMDEN) == "Camden (London borough, London)"
    assert places.describe("TLI31") == "Camden and City of London (TLI31, in Inner London - West)"


@pytest.mark.parametrize(
    "name, codes",
    [
        ("London", ["TLI"]),
        ("North East", ["TLC"]),
        ("north west", ["TLD"]),
        ("Yorkshire and The Humber", ["TLE"]),
        ("Yorkshire & the Humber", ["TLE"]),
        ("Any region", ["TL"]),
        ("United Kingdom", ["TL"]),
        ("Scotland", ["TLM"]),
        ("England", ["TLC", "TLD", "TLE", "TLF", "TLG", "TLH", "TLI", "TLJ", "TLK"]),
        ("London, South East", ["TLI", "TLJ"]),
        ("UKI", ["TLI"]),
        ("Narnia", []),
        ("", []),
    ],
)
def test_cf_region_to_itl(name, codes):
    assert places.cf_region_to_itl(name) == codes


def test_every_cf_region_is_a_known_region():
    for name in ["North East", "South West", "Wales", "Northern Ireland", "East of England"]:
        for code in places.cf_region_to_itl(name):
            assert places.region(code).level == 1
