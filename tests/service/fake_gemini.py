"""A local Gemini: `POST /v1beta/models/<model>:generateContent` answered as Google's API answers,
for the real `google-genai` client. By default every answer is valid; a test queues other replies.
A profile assessment's valid answer rates each offered element whose name the person's text
mentions (any case), quoting the sentence that does."""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

PATH = re.compile(r"^/v1beta/models/(?P<model>[^/:]+):generateContent$")
USAGE = {"promptTokenCount": 900, "candidatesTokenCount": 700, "totalTokenCount": 1600}


@dataclass
class Call:
    model: str
    headers: dict
    body: dict
    kind: str  # assessment, analysis or profile_assessment, from the response schema's title
    code: str | None  # the occupation assessed, or the one held; None for a profile assessment
    element_ids: list[str]
    valid: dict  # the valid answer to this call

    @property
    def prompt(self) -> str:
        return self.body["contents"][0]["parts"][0]["text"]

    @property
    def person_text(self) -> str:
        """A profile assessment's text, as the prompt holds it."""
        return self.prompt.split("<<<\n", 1)[1].rsplit("\n>>>", 1)[0]

    @property
    def element_names(self) -> dict[str, str]:
        return dict(re.findall(r"^- (\S+) ([^:]+):", self.prompt.split("<<<", 1)[0], re.MULTILINE))


def default_level(code: str, element_id: str) -> float:
    """A level in 0-7 that differs by occupation and skill, always the same for the pair."""
    digest = hashlib.sha256(f"{code} {element_id}".encode()).digest()
    return int.from_bytes(digest[:2], "big") % 701 / 100


KINDS = {"Assessment": "assessment", "ProfileAssessment": "profile_assessment"}


class FakeGemini:
    def __init__(self, server: HTTPServer):
        self.server = server
        self.calls: list[Call] = []
        self.levels: Callable[[str, str], float] = default_level
        self._replies: list[tuple[str | None, str | None, Callable[[Call], Response]]] = []
        self._lock = threading.Lock()
        self._in_flight = 0
        self.most_in_flight = 0
        server.expect_request(PATH, method="POST").respond_with_handler(self._handle)

    @property
    def base_url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def queue(self, *replies: Callable[[Call], Response], kind: str | None = None, code: str | None = None) -> None:
        """Replies for the next calls (of this `kind`, about this occupation `code`), in order; after
        them, valid answers again."""
        with self._lock:
            self._replies.extend((kind, code, reply) for reply in replies)

    def _handle(self, request: Request) -> Response:
        body = request.get_json()
        schema = body.get("generationConfig", {}).get("responseSchema", {})
        prompt = body["contents"][0]["parts"][0]["text"]
        kind = KINDS.get(schema.get("title"), "analysis")
        held = re.search(r"(?:Occupation|The person holds): (\d{2}-\d{4}\.\d{2})", prompt)
        code = held.group(1) if held else None
        call = Call(
            model=PATH.match(request.path).group("model"),
            headers=dict(request.headers),
            body=body,
            kind=kind,
            code=code,
            # (a profile assessment's own text, after "<<<", may have lines like these)
            element_ids=re.findall(r"^- (\S+) ", prompt.split("<<<", 1)[0], re.MULTILINE),
            valid={},
        )
        call.valid = self.valid_answer(call)
        with self._lock:
            self.calls.append(call)
            queued = next(
                (i for i, (k, c, _) in enumerate(self._replies) if k in (None, kind) and c in (None, code)), None
            )
            reply = self._replies.pop(queued)[2] if queued is not None else None
            self._in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self._in_flight)
        try:
            return (reply or answer())(call)
        finally:
            with self._lock:
                self._in_flight -= 1

    def valid_answer(self, call: Call) -> dict:
        if call.kind == "profile_assessment":
            return {"levels": mentioned(call)}
        if call.kind == "assessment":
            return {
                "skills": [
                    {"element_id": e, "level": self.levels(call.code, e), "justification": f"Needed for {e}."}
                    for e in call.element_ids
                ]
            }
        return {
            "summary": "The move asks for more judgment and less programming.",
            "gaps": [{"element_id": e, "how_to_close": f"Practise {e}."} for e in call.element_ids[:2]],
            "transferable_strengths": [{"element_id": call.element_ids[-1], "why": "It carries over."}],
        }


def mentioned(call: Call) -> list[dict]:
    """Each offered element the text names, at a level of its own, with the sentence naming it."""
    text = call.person_text
    sentences = re.findall(r"[^.!?]+[.!?]?", text)
    levels = []
    for element_id, name in call.element_names.items():
        sentence = next((s.strip() for s in sentences if name.lower() in s.lower()), None)
        if sentence:
            levels.append({"element_id": element_id, "level": default_level("profile", element_id), "quote": sentence})
    return levels


def gemini_response(text: str, finish_reason: str = "STOP") -> Response:
    body = {
        "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": finish_reason}],
        "usageMetadata": USAGE,
        "modelVersion": "fake",
    }
    return Response(json.dumps(body), status=200, content_type="application/json")


def answer(
    change: Callable[[dict, Call], dict | None] | None = None,
    text: Callable[[str], str] | None = None,
    finish_reason: str = "STOP",
) -> Callable[[Call], Response]:
    """A reply built from the valid answer, `change`d as data or as `text`."""

    def reply(call: Call) -> Response:
        data = json.loads(json.dumps(call.valid))
        if change is not None:
            data = change(data, call) or data
        rendered = json.dumps(data)
        return gemini_response(text(rendered) if text else rendered, finish_reason)

    return reply


def error(status: int, message: str, retry_delay: str | None = None) -> Callable[[Call], Response]:
    """An error as Google's API writes it; with `retry_delay` (e.g. "0.2s"), a RetryInfo hint."""
    names = {400: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}
    details = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": retry_delay}] if retry_delay else []
    body = {"error": {"code": status, "message": message, "status": names.get(status, "UNKNOWN"), "details": details}}

    def reply(call: Call) -> Response:
        return Response(json.dumps(body), status=status, content_type="application/json")

    return reply


def slow(seconds: float) -> Callable[[Call], Response]:
    """A valid answer that comes after `seconds`."""

    def reply(call: Call) -> Response:
        time.sleep(seconds)
        return answer()(call)

    return reply
