"""A person's profile proposed by the model from their own text (a work history, a CV): the prompt,
the response schema, and the checks every answer must pass, quotes found in the text included.

A quote is found where it occurs in the text once both are normalized: every run of whitespace is
one space, curly and angled quote marks are straight ones (’ ‘ ‚ ‛ ′ as ', “ ” „ ‟ ″ « » as "), and
the quote's own leading and trailing whitespace is dropped. Case and every other character count.
Its offsets are those of the matching passage in the text as sent, in characters (code points),
end exclusive.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from service.llm.gemini import ModelRequest
from service.llm.prompts import LEVEL_MAX, LEVEL_MIN, PROMPT_VERSION, InvalidAnswer, check_level, value_of

KIND = "profile_assessment"
# The longest text the service sends to the model (a long CV is about 15,000 characters).
MAX_TEXT_CHARACTERS = 20_000
MAX_QUOTE_CHARACTERS = 300

_QUOTE_MARKS = str.maketrans({c: "'" for c in "’‘‚‛′"} | {c: '"' for c in "“”„‟″«»"})
_WHITESPACE = re.compile(r"\s+")


class EvidencedLevel(BaseModel):
    element_id: str = Field(description="The element's O*NET element id, exactly as listed.")
    level: float = Field(ge=LEVEL_MIN, le=LEVEL_MAX, description="The person's level, 0-7, at most two decimals.")
    quote: str = Field(description="A short passage of the text, copied word for word, that shows this level.")


class ProfileAssessment(BaseModel):
    levels: list[EvidencedLevel] = Field(
        description="One entry per listed element the text gives evidence for; none for the others."
    )


SYSTEM = f"""You are an occupational analyst. From a person's own description of their work (a work \
history or a CV), you rate the person's level in the listed O*NET elements on O*NET's Level (LV) \
scale from {LEVEL_MIN:g} to {LEVEL_MAX:g}, using the anchors given for each element: 0 means none, \
1-2 basic, 3-4 intermediate, 5-6 advanced, 7 expert. Rate only the elements the text gives evidence \
for, each at most once, using its element id exactly as given, with a level from {LEVEL_MIN:g} to \
{LEVEL_MAX:g} (at most two decimals) and, as evidence, a short quote (at most \
{MAX_QUOTE_CHARACTERS} characters) copied word for word from the text. Leave out every element the \
text says nothing about. Answer with JSON only."""


@dataclass(frozen=True)
class Element:
    """An element offered to the model: its id, name, description and anchors (level, sentence)."""

    element_id: str
    name: str
    description: str
    anchors: tuple[tuple[float, str], ...]


@dataclass(frozen=True)
class AssessedLevel:
    element_id: str
    level: float
    quote_start: int
    quote_end: int


def profile_request(text: str, elements: list[Element]) -> ModelRequest:
    listed = "\n".join(_listed(e) for e in elements)
    prompt = (
        f"Rate the person's level in each of these {len(elements)} elements that the text below gives"
        f" evidence for:\n{listed}\n\nThe person's text:\n<<<\n{text}\n>>>"
    )
    return ModelRequest(KIND, PROMPT_VERSION, SYSTEM, prompt, ProfileAssessment)


def _listed(element: Element) -> str:
    anchors = "; ".join(f"{level:g} = {sentence}" for level, sentence in element.anchors)
    return f"- {element.element_id} {element.name}: {element.description}" + (
        f" (anchors: {anchors})" if anchors else ""
    )


class PersonText:
    """A person's text, normalized once (as quotes are matched), to find the model's quotes in."""

    def __init__(self, text: str):
        out: list[str] = []
        # For each character of the normalized text, the offset in `text` of the one it comes from.
        self._offsets: list[int] = []
        for match in re.finditer(r"\s+|\S+", text.translate(_QUOTE_MARKS)):
            if match.group().isspace():
                out.append(" ")
                self._offsets.append(match.start())
            else:
                out.append(match.group())
                self._offsets.extend(range(match.start(), match.end()))
        self._normalized = "".join(out)

    def find(self, quote: str) -> tuple[int, int] | None:
        """The offsets (start, end exclusive) in the text of the first passage that is `quote` once
        both are normalized; None when there is none or the quote is blank."""
        wanted = _WHITESPACE.sub(" ", quote.translate(_QUOTE_MARKS)).strip()
        at = self._normalized.find(wanted) if wanted else -1
        if at < 0:
            return None
        return self._offsets[at], self._offsets[at + len(wanted) - 1] + 1


def check_profile(data: dict, elements: dict[str, str], text: PersonText) -> list[AssessedLevel]:
    """Known elements (`elements`: name by id) at most once each, levels within 0-7, and every
    quote found in the text. The messages name elements and positions, never the text or a quote."""
    found: dict[str, AssessedLevel] = {}
    for i, entry in enumerate(value_of(data, "levels", list, "answer")):
        where = f"levels[{i}]"
        element_id = value_of(entry, "element_id", str, where)
        level = value_of(entry, "level", float, where)
        quote = value_of(entry, "quote", str, where)
        if element_id not in elements:
            raise InvalidAnswer(
                "unknown_element",
                f"The model rated an element that was not offered ({where}): element_id {element_id[:20]!r}.",
                position=i,
            )
        name = f"{elements[element_id]} ({element_id})"
        if element_id in found:
            raise InvalidAnswer("duplicate_element", f"The model rated {name} twice.", element_id=element_id)
        check_level(name, element_id, level)
        span = text.find(quote)
        if span is None:
            raise InvalidAnswer(
                "quote_not_found",
                f"The model's quote for {name} ({where}) is not in the text, even with whitespace and quote"
                " marks normalized.",
                element_id=element_id,
            )
        found[element_id] = AssessedLevel(element_id, round(level, 2), *span)
    return list(found.values())


def redacted(data: Any, text: PersonText) -> list[dict[str, Any]]:
    """What may be stored of any answer, valid or not: per entry, its element id, its level and
    the offsets of its quote in the text (None where an entry has none, or the quote is not found);
    never a quote."""
    entries = data.get("levels") if isinstance(data, dict) else None
    kept = []
    for entry in entries if isinstance(entries, list) else []:
        entry = entry if isinstance(entry, dict) else {}
        element_id, level, quote = entry.get("element_id"), entry.get("level"), entry.get("quote")
        span = text.find(quote) if isinstance(quote, str) else None
        number = isinstance(level, int | float) and not isinstance(level, bool) and math.isfinite(level)
        kept.append(
            {
                "element_id": element_id[:20] if isinstance(element_id, str) else None,
                "level": round(float(level), 2) if number and abs(level) < 10_000 else None,
                "quote_start": span[0] if span else None,
                "quote_end": span[1] if span else None,
            }
        )
    return kept
