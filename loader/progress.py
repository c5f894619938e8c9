"""Progress: rich on a terminal, one plain line per event elsewhere, nothing with --quiet."""

from __future__ import annotations

import sys
import threading
import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .inspect import FileInfo


class Reporter:
    def __init__(self, quiet: bool = False, console: Console | None = None, started: float | None = None):
        self.quiet = quiet
        self.console = console or Console(stderr=True, log_path=False)
        self.rich = not quiet and self.console.is_terminal
        self._progress: Progress | None = None
        self._task = None
        self._started = self._lap = started or time.perf_counter()
        self._lock = threading.Lock()
        self.phases: dict[str, float] = {}

    def log(self, message: str) -> None:
        if self.quiet:
            return
        if self.rich:
            self.console.log(message)
        else:
            print(f"loader: {message}", file=sys.stderr, flush=True)

    def phase_done(self, phase: str) -> None:
        """Close `phase` (inspect, load, validate, swap): it took the time since the last one closed."""
        now = time.perf_counter()
        self.phases[phase] = now - self._lap
        self._lap = now

    def start_files(self, total: int) -> None:
        if self.rich:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("staging", total=total)

    def table_staged(self, infos: list[FileInfo], seconds: float) -> None:
        """Called from the staging threads, once per landing table with the files staged into it."""
        files = " + ".join(i.spec.file_name for i in infos)
        with self._lock:
            if self._progress:
                self._progress.update(self._task, advance=1, description=f"staged {files}")
            elif not self.quiet:
                rows = sum(i.rows for i in infos)
                self.log(f"staged {files}: {rows} rows into {infos[0].spec.table} in {seconds:.2f} s")

    def end_files(self) -> None:
        if self._progress:
            self._progress.stop()
            self._progress = None

    def summary(self, release: str, load_id: int, counts: list[tuple[str, str, int | None]]) -> None:
        """Per-file row counts on stdout; None means the release has no such file."""
        if self.quiet:
            return
        elapsed = time.perf_counter() - self._started
        phases = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in self.phases.items())
        title = f"O*NET {release} loaded (load {load_id}) in {elapsed:.2f} s: {phases}"
        if self.rich:
            table = Table(title=title)
            for name in ("file", "table", "rows"):
                table.add_column(name, justify="right" if name == "rows" else "left")
            for file_name, table_name, rows in counts:
                table.add_row(file_name, table_name, "not in release" if rows is None else f"{rows:,}")
            Console().print(table)
            return
        print(title)
        for file_name, table_name, rows in counts:
            print(f"{file_name}\t{table_name}\t{'not in release' if rows is None else rows}")
