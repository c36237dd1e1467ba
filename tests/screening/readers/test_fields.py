from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screening.readers import fields as F


@pytest.mark.parametrize(
    ("raw", "doi"),
    [
        ("10.1016/j.ejmg.2019.03.004", "10.1016/j.ejmg.2019.03.004"),
        ("10.1186/S12919-018-0099-8 [doi]", "10.1186/s12919-018-0099-8"),
        ("http://dx.doi.org/10.1186/s12919-018-0099-8", "10.1186/s12919-018-0099-8"),
        ("https://doi.org/10.1037/dev0001710", "10.1037/dev0001710"),
        ("Eur J Med Genet. 2020 Feb;63(2):103640. doi: 10.1016/j.ejmg.2019.03.004. Epub",
         "10.1016/j.ejmg.2019.03.004"),
        ("10.1016/s0140-6736(20)30183-5", "10.1016/s0140-6736(20)30183-5"),
        ("(see 10.1000/xyz123)", "10.1000/xyz123"),
        ("10.1002/central/CN-02677909", None),
        ("S0140-6736(20)30183-5 [pii]", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_doi(raw: str | None, doi: str | None) -> None:
    assert F.normalize_doi(raw) == doi


@pytest.mark.parametrize(
    ("pages", "end", "expected"),
    [
        ("466-75", None, ("466-475", "466", "475")),
        ("113-25", None, ("113-125", "113", "125")),
        ("1279\u20101297", None, ("1279-1297", "1279", "1297")),
        ("152", "160", ("152-160", "152", "160")),
        ("103640", None, ("103640", "103640", None)),
        ("No", "Specified", (None, None, None)),
        ("e068812", None, ("e068812", "e068812", None)),
        (None, None, (None, None, None)),
    ],
)
def test_normalize_pages(pages, end, expected) -> None:
    assert F.normalize_pages(pages, end) == expected


@pytest.mark.parametrize(
    ("raw", "year"),
    [("2002 Sep", 2002), ("2016 Jan 15", 2016), ("2019//", 2019), ("2024/04/03/", 2024),
     ("2019 Jan-Feb", 2019), ("Date of Publication: 2014", 2014), ("20200426", 2020),
     ("SEP 22", None), ("", None), ("10 15", None)],
)
def test_parse_year(raw: str, year: int | None) -> None:
    assert F.parse_year(raw) == year


def test_issn_language_and_flags() -> None:
    assert F.normalize_issn(["1524-4628 (Electronic)", "0039-2499 (Linking)", "03064530 (ISSN)",
                             "0039-2499"]) == ("1524-4628", "0039-2499", "0306-4530")
    assert F.normalize_language(["English", "eng", "ENG", "ger"]) == ("eng", "ger")
    assert F.flags_from_types(["Journal Article", "Published Erratum"]) == {"erratum"}
    assert F.flags_from_types(["Retraction of Publication"]) == {"retraction_notice"}
    assert F.flags_from_types(["Article; Early Access"]) == {"in_press"}
    assert F.flags_from_types(["Conference Abstract"]) == {"conference_abstract"}
    assert F.flags_from_types(["Letter", "Review"]) == set()


@pytest.mark.parametrize(
    ("raw", "title", "translated"),
    [
        ("[Aging Brain Care Program from Indianapolis : Transferability].",
         "Aging Brain Care Program from Indianapolis : Transferability", True),
        ("[18F]FDG PET in dementia.", "[18F]FDG PET in dementia.", False),
        ("[A] and [B] compared", "[A] and [B] compared", False),
        ("A title with <i>italics</i> &amp; entities", "A title with italics & entities", False),
        ("Schr & ouml;dinger equations", "Schrödinger equations", False),
    ],
)
def test_split_title(raw: str, title: str, translated: bool) -> None:
    assert F.split_title(raw) == (title, translated)


@given(st.text())
def test_doi_normalisation_is_idempotent(text: str) -> None:
    doi = F.normalize_doi(text)
    if doi is not None:
        assert F.normalize_doi(doi) == doi
        assert doi == doi.lower()


@given(st.text())
def test_clean_text_is_idempotent_and_trimmed(text: str) -> None:
    once = F.clean_text(text)
    if once is not None:
        assert once == once.strip()
        assert "  " not in once
