"""`flask --app service llm-assess`: the model's skill assessment of many occupations, stored for
the endpoint and the dbt marts. Occupations already assessed by the same model and prompt version
on the same data are skipped, so a stopped run resumes where it stopped."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from service.llm.analyst import Analyst
from service.llm.gemini import ModelCallError
from service.llm.prompts import InvalidAnswer


def occupation_codes(reference, occupations: str) -> list[str]:
    rated = sorted(code for code, row in reference.occupations.items() if row["has_skills"])
    if occupations.strip().lower() == "all":
        return rated
    codes = list(dict.fromkeys(c.strip() for c in occupations.split(",") if c.strip()))
    for code in codes:
        row = reference.occupations.get(code)
        if row is None:
            raise click.BadParameter(f"no occupation has the code {code!r}", param_hint="--occupations")
        if not row["has_skills"]:
            raise click.BadParameter(f"{code} ({row['title']}) has no skills ratings", param_hint="--occupations")
    if not codes:
        raise click.BadParameter("name occupation codes, comma-separated, or 'all'", param_hint="--occupations")
    return codes


def command(analyst: Callable[[], Analyst], reference: Callable[[], Any]) -> click.Command:
    """The `llm-assess` command: `analyst()` gives the app's analyst, `reference()` the release and
    its occupations."""

    @click.command("llm-assess")
    @click.option("--occupations", required=True, help="O*NET-SOC codes, comma-separated, or 'all'.")
    @click.option(
        "--concurrency", type=click.IntRange(1, 32), default=4, show_default=True, help="Model calls at once."
    )
    def llm_assess(occupations: str, concurrency: int) -> None:
        """Assess the skill levels of occupations with the model; skip those already stored."""
        assess(analyst(), reference(), occupations, concurrency)

    return llm_assess


def assess(analyst: Analyst, reference: Any, occupations: str, concurrency: int) -> None:
    if not analyst.configured:
        raise click.UsageError("GEMINI_API_KEY is not set: the model cannot be asked.")
    release = reference.release["onet_release"]
    codes = occupation_codes(reference, occupations)
    prepared = [analyst.assessment(analyst.db.occupation(code), analyst.skill_ratings(code), release) for code in codes]
    stored = analyst.stored(prepared)
    todo = [p for p, result in zip(prepared, stored, strict=True) if result is None]
    report = _Report(len(codes), len(codes) - len(todo), analyst.model)
    # The report tells of every occupation; the store keeps each call's tokens and latency.
    calls_log = logging.getLogger("service.api.analysis")
    level = calls_log.level
    calls_log.setLevel(logging.WARNING)
    try:
        with report, ThreadPoolExecutor(max_workers=concurrency) as pool:
            futures = {pool.submit(analyst.ask, p): p for p in todo}
            for future in as_completed(futures):
                code = futures[future].subject.onetsoc_code
                try:
                    result = future.result()
                except (ModelCallError, InvalidAnswer) as exc:
                    report.failed(code, getattr(exc, "problem", None) or exc.code, exc.message)
                else:
                    report.assessed(code, result.call_id)
    finally:
        calls_log.setLevel(level)
    if report.failures:
        sys.exit(1)


class _Report:
    """Progress: a bar on a terminal, one line per occupation elsewhere; a summary at the end."""

    def __init__(self, total: int, skipped: int, model: str):
        self.total, self.skipped, self.model = total, skipped, model
        self.done = self.failures = 0
        self.started = time.monotonic()
        self.progress = (
            Progress(
                TextColumn("assessing"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[last]}"),
                console=Console(stderr=True),
            )
            if sys.stderr.isatty()
            else None
        )

    def __enter__(self):
        click.echo(
            f"llm-assess: {self.total} occupations with {self.model}; {self.skipped} already stored, skipped",
            err=True,
        )
        if self.progress:
            self.progress.start()
            self.task = self.progress.add_task("assess", total=self.total - self.skipped, last="")
        return self

    def __exit__(self, *exc_info):
        if self.progress:
            self.progress.stop()
        click.echo(
            f"llm-assess: {self.done} assessed, {self.failures} failed, {self.skipped} skipped"
            f" in {time.monotonic() - self.started:.1f} s",
            err=True,
        )

    def _line(self, text: str) -> None:
        position = self.done + self.failures
        if self.progress:
            self.progress.update(self.task, advance=1, last=text)
            if text.startswith("FAILED"):
                self.progress.console.print(text)
        else:
            click.echo(f"[{position}/{self.total - self.skipped}] {text}", err=True)

    def assessed(self, code: str, call_id: int) -> None:
        self.done += 1
        self._line(f"{code} assessed (call {call_id})")

    def failed(self, code: str, problem: str, message: str) -> None:
        self.failures += 1
        self._line(f"FAILED {code}: {problem}: {message}")
