"""The one error the loader reports to people: what was wrong, and where."""

from __future__ import annotations


class LoadError(Exception):
    """A release that cannot be loaded; nothing already stored was changed."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None, column: str | None = None):
        self.file, self.line, self.column = file, line, column
        where = ", ".join(
            part
            for part in (
                file,
                f"line {line}" if line is not None else None,
                f"column '{column}'" if column else None,
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)

    @classmethod
    def combine(cls, errors: list[LoadError]) -> LoadError:
        """One error whose message lists every problem, located at the first."""
        if len(errors) == 1:
            return errors[0]
        first = errors[0]
        combined = cls("", first.file, first.line, first.column)
        combined.args = ("\n".join(str(e) for e in errors),)
        return combined

    def __str__(self) -> str:
        return self.args[0]
