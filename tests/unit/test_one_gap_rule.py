"""The gap rule is stated once: no module of the service but service/gap_rule.py sorts gaps or
subtracts levels (read from the source, no import)."""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

SERVICE = Path(__file__).resolve().parents[2] / "service"
RULE = SERVICE / "gap_rule.py"
SORTS = {"sorted", "sort", "argsort", "lexsort", "nlargest", "nsmallest"}
GAP_WORDS = ("gap", "difference", "importance")


def _words(node: ast.AST) -> Iterator[str]:
    """The names, attributes, parameters and strings (subscript keys) written in `node`."""
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            yield child.id
        elif isinstance(child, ast.Attribute):
            yield child.attr
        elif isinstance(child, ast.arg):
            yield child.arg
        elif isinstance(child, ast.Constant) and isinstance(child.value, str):
            yield child.value


def _names(target: ast.AST) -> Iterator[str]:
    """The plain names an assignment binds (`a`, `a, b`), not attributes or items."""
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, ast.Tuple | ast.List | ast.Starred):
        for element in target.elts if not isinstance(target, ast.Starred) else [target.value]:
            yield from _names(element)


def _definitions(tree: ast.Module) -> dict[str, list[ast.AST]]:
    """What each name of the module is bound to: assigned values and function bodies (all scopes
    together, so a sort key built in a variable or a function is read through its name)."""
    bound: dict[str, list[ast.AST]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                for name in _names(target):
                    bound.setdefault(name, []).append(node.value)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and node.value is not None:
            for name in _names(node.target):
                bound.setdefault(name, []).append(node.value)
        elif isinstance(node, ast.FunctionDef):
            # A docstring is words about the function, not a value it computes.
            body = node.body[1:] if ast.get_docstring(node, clean=False) is not None else node.body
            bound.setdefault(node.name, []).extend(body)
    return bound


def _mentions(node: ast.AST, words: tuple[str, ...], bound: dict[str, list[ast.AST]]) -> bool:
    """Whether `node`, or what the names in it are bound to, mentions one of `words`."""
    seen: set[str] = set()
    pending = [node]
    while pending:
        for word in _words(pending.pop()):
            if any(w in word.lower() for w in words):
                return True
            if word in bound and word not in seen:
                seen.add(word)
                pending.extend(bound[word])
    return False


def _callee(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def violations(source: str, filename: str = "<snippet>") -> list[str]:
    """`file:line: what` for each sort of gaps and each subtraction of levels in `source`."""
    tree = ast.parse(source, filename)
    bound = _definitions(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _callee(node) in SORTS:
            sorted_ = [*node.args, *(k.value for k in node.keywords)]
            if isinstance(node.func, ast.Attribute):
                sorted_.append(node.func.value)
            if any(_mentions(part, GAP_WORDS, bound) for part in sorted_):
                found.append((node.lineno, node.col_offset, f"sorts gaps ({_callee(node)})"))
        elif isinstance(node, ast.BinOp | ast.AugAssign) and isinstance(node.op, ast.Sub):
            operands = (node.left, node.right) if isinstance(node, ast.BinOp) else (node.target, node.value)
            if any(_mentions(operand, ("level",), {}) for operand in operands):
                found.append((node.lineno, node.col_offset, "subtracts levels"))
        elif (
            isinstance(node, ast.Call)
            and _callee(node) == "subtract"
            and any(_mentions(arg, ("level",), {}) for arg in node.args)
        ):
            found.append((node.lineno, node.col_offset, "subtracts levels (subtract)"))
    return [f"{filename}:{line}: {what}" for line, _, what in sorted(found)]


def test_no_module_but_the_gap_rule_sorts_gaps_or_subtracts_levels():
    modules = sorted(path for path in SERVICE.rglob("*.py") if path != RULE)
    assert len(modules) > 30, "the walk should see every module of the service"
    found = [
        problem
        for path in modules
        for problem in violations(path.read_text(encoding="utf-8"), str(path.relative_to(SERVICE.parent)))
    ]
    assert found == [], "gaps are ordered and levels subtracted in service/gap_rule.py only:\n" + "\n".join(found)


# Each way the service once had its own gap rule, as it was written.
PATTERNS = {
    "gap index: its sort": (
        'rows.sort(key=lambda row: (-row["difference"], -(row["importance"] or 0)))',
        ["sorts gaps (sort)"],
    ),
    "gap index: its differences": (
        'row = {"difference": (to.level - from_.level) / 100}',
        ["subtracts levels"],
    ),
    "Database.gaps: its sort": (
        """
        rows = self._fetch(sql, tuple(args))
        rows.sort(key=lambda row: (-row["difference"], -(row["importance"] or 0), row["element_id"]))
        """,
        ["sorts gaps (sort)"],
    ),
    "transition ranking: its differences and sort key": (
        """
        difference = self.level[targets] - self.level[source]
        importance = self.importance[targets]
        key = ((-difference) * 1000 - importance) * len(self.elements) + self.element_rank
        top = np.argsort(key, axis=1, kind="stable")[:, :TOP_GAPS]
        """,
        ["subtracts levels", "sorts gaps (argsort)"],
    ),
    "compare page: its differences": (
        """
        from_level, to_level = float(rating["effective_level"]), float(other["effective_level"])
        row = {"difference": round(to_level - from_level, 2)}
        """,
        ["subtracts levels"],
    ),
    "compare page: its sort": (
        'context["gaps"].sort(key=lambda g: (-g["difference"], -g["importance"], g["element_id"]))',
        ["sorts gaps (sort)"],
    ),
    "LLM analysis: its differences": (
        """
        gap = {
            "difference": row["to_level"] - row["from_level"],
            "llm_difference": round(theirs["level"] - mine["level"], 2),
        }
        """,
        ["subtracts levels", "subtracts levels"],
    ),
    "LLM analysis: its sort": (
        'gaps.sort(key=lambda g: (-g["llm_difference"], -g["difference"], -g["importance"], g["element_id"]))',
        ["sorts gaps (sort)"],
    ),
    "a sort key as a function": (
        """
        def _order(row):
            return -row["difference"]

        listed = sorted(rows, key=_order)
        """,
        ["sorts gaps (sorted)"],
    ),
    "a sort key from a function with a docstring": (
        """
        def key(row):
            \"\"\"How rows are listed.\"\"\"
            return -row["difference"]

        rows.sort(key=key)
        """,
        ["sorts gaps (sort)"],
    ),
    "numpy's subtract, a subtraction in place": (
        """
        difference = np.subtract(self.level[targets], self.level[source])
        to_level -= from_level
        """,
        ["subtracts levels (subtract)", "subtracts levels"],
    ),
}


@pytest.mark.parametrize(("snippet", "expected"), PATTERNS.values(), ids=PATTERNS.keys())
def test_the_check_finds_a_gap_rule_of_its_own(snippet, expected):
    found = violations(textwrap.dedent(snippet))
    assert [problem.split(": ", 1)[1] for problem in found] == expected
    assert all(problem.startswith("<snippet>:") for problem in found)


def test_the_check_names_the_line():
    assert violations("codes = sorted(codes)\n\nrows.sort(key=lambda r: r['difference'])\n", "x.py") == [
        "x.py:3: sorts gaps (sort)"
    ]


@pytest.mark.parametrize(
    "snippet",
    [
        "codes = sorted({row['onetsoc_code'] for row in ratings})",
        "order = candidates[np.argsort(-self.similarity[i, candidates], kind='stable')]",
        "self.element_rank = np.argsort(np.argsort([e.element_id for e in self.elements], kind='stable'))",
        "rows = gap_rule.in_order(self._fetch(sql, tuple(args)))",
        "difference, is_gap = gap_rule.by_level(self.level[source], self.level[targets])",
        "remaining = deadline - time.monotonic()",
        "width = round(from_level / LEVEL_MAX * 100, 2)",
        # A name bound to a function whose docstring (and only that) speaks of gaps.
        'def get(self):\n    """The gap of a move."""\n    return self.db\n\n'
        "reference = get(x)\nids = sorted(reference)",
    ],
)
def test_the_check_passes_what_is_not_a_gap_rule(snippet):
    assert violations(snippet) == []
