"""A profile assessment's quotes: found in the person's text once both are normalized (whitespace
runs, curly and angled quote marks), at the offsets of the passage as sent; and its redacted form."""

from __future__ import annotations

import pytest

from service.llm.profile_assessment import PersonText, redacted

TEXT = "I led “Active\n  Listening” sessions — «weekly».\tThen  I wrote ‘reports’."


@pytest.mark.parametrize(
    ("quote", "passage"),
    [
        ('I led "Active Listening" sessions', "I led “Active\n  Listening” sessions"),
        ("  Then I wrote 'reports'.  ", "Then  I wrote ‘reports’."),
        ('"weekly"', "«weekly»"),
        ("sessions — «weekly».\nThen", "sessions — «weekly».\tThen"),
    ],
)
def test_a_quote_is_found_as_the_passage_sent(quote, passage):
    start, end = PersonText(TEXT).find(quote)
    assert TEXT[start:end] == passage


@pytest.mark.parametrize("quote", ["", "   ", "i led", "I led Active Listening", "reports!"])
def test_case_and_other_characters_count_and_a_blank_quote_is_never_found(quote):
    assert PersonText(TEXT).find(quote) is None


def test_the_redacted_answer_keeps_ids_levels_and_offsets_never_a_quote():
    answer = {
        "levels": [
            {"element_id": "2.A.1.b", "level": 4.256, "quote": "Active Listening"},
            {"element_id": "2.A.1.c" * 5, "level": "high", "quote": "not there"},
            "prose",
        ]
    }
    stored = redacted(answer, PersonText(TEXT))
    assert stored == [
        {"element_id": "2.A.1.b", "level": 4.26, "quote_start": 7, "quote_end": 25},
        {"element_id": ("2.A.1.c" * 5)[:20], "level": None, "quote_start": None, "quote_end": None},
        {"element_id": None, "level": None, "quote_start": None, "quote_end": None},
    ]
    assert TEXT[7:25] == "Active\n  Listening" and "Listening" not in repr(stored)
    assert redacted("not an object", PersonText(TEXT)) == []
