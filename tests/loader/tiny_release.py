"""A tiny synthetic O*NET text release, written in O*NET's layout (CRLF, tabs, `n/a`)."""

from __future__ import annotations

from pathlib import Path

RATING_HEADER = (
    "O*NET-SOC Code\tElement ID\tElement Name\tScale ID\tData Value\tN\tStandard Error\tLower CI Bound\t"
    "Upper CI Bound\tRecommend Suppress\tNot Relevant\tDate\tDomain Source"
)


def _rating(code: str, element: str, name: str, scale: str, value: str, not_relevant: str = "N") -> str:
    flag = "n/a" if scale == "IM" else not_relevant
    return f"{code}\t{element}\t{name}\t{scale}\t{value}\t8\t0.1250\t3.8800\t4.3700\tN\t{flag}\t08/2023\tAnalyst"


FILES: dict[str, list[str]] = {
    "Occupation Data.txt": [
        "O*NET-SOC Code\tTitle\tDescription",
        "11-1011.00\tChief Executives\tDetermine and formulate policies.",
        "15-1252.00\tSoftware Developers\tResearch, design, and develop computer applications.",
        '29-1141.00\tRegistered Nurses\tAssess patient health problems and needs ("RN").',
    ],
    "Scales Reference.txt": [
        "Scale ID\tScale Name\tMinimum\tMaximum",
        "IM\tImportance\t1\t5",
        "LV\tLevel\t0\t7",
    ],
    "Content Model Reference.txt": [
        "Element ID\tElement Name\tDescription",
        "1.A.1.a.1\tOral Comprehension\tThe ability to listen to and understand information.",
        "2.A.1.a\tReading Comprehension\tUnderstanding written sentences.",
        "2.A.1.b\tActive Listening\tGiving full attention to what other people are saying.",
        "2.B.1.a\tSocial Perceptiveness\tBeing aware of others' reactions.",
        "4.A.1.a.1\tGetting Information\tObserving, receiving, and otherwise obtaining information.",
    ],
    "Skills.txt": [
        RATING_HEADER,
        _rating("11-1011.00", "2.A.1.a", "Reading Comprehension", "IM", "4.12"),
        _rating("11-1011.00", "2.A.1.a", "Reading Comprehension", "LV", "4.62"),
        _rating("11-1011.00", "2.A.1.b", "Active Listening", "IM", "4.00"),
        _rating("11-1011.00", "2.A.1.b", "Active Listening", "LV", "4.88"),
        _rating("29-1141.00", "2.A.1.a", "Reading Comprehension", "IM", "3.75"),
        _rating("29-1141.00", "2.A.1.a", "Reading Comprehension", "LV", "3.88"),
        _rating("29-1141.00", "2.A.1.b", "Active Listening", "IM", "4.12"),
        _rating("29-1141.00", "2.A.1.b", "Active Listening", "LV", "0.00", not_relevant="Y"),
    ],
    "Abilities.txt": [
        RATING_HEADER,
        _rating("11-1011.00", "1.A.1.a.1", "Oral Comprehension", "IM", "4.50"),
        _rating("11-1011.00", "1.A.1.a.1", "Oral Comprehension", "LV", "5.12"),
    ],
    "Work Activities.txt": [
        RATING_HEADER,
        _rating("29-1141.00", "4.A.1.a.1", "Getting Information", "IM", "4.70"),
        _rating("29-1141.00", "4.A.1.a.1", "Getting Information", "LV", "4.90"),
    ],
}


FILES["Technology Skills.txt"] = [
    "O*NET-SOC Code\tExample\tCommodity Code\tCommodity Title\tHot Technology\tIn Demand",
    "11-1011.00\tAdobe Acrobat\t43232202\tDocument management software\tY\tN",
    "11-1011.00\tMicrosoft Excel\t43232110\tSpreadsheet software\tY\tY",
    "29-1141.00\tMicrosoft Excel\t43232110\tSpreadsheet software\tY\tN",
]

TITLES_HEADER = "O*NET-SOC Code\t{title}\tShort Title\tSource(s)"
TITLES = ["11-1011.00\tAgency Owner\tn/a\t10", "29-1141.00\tRegistered Nurse (RN)\tRN\t04,06"]

# The same release in the layout of O*NET 30.3 and later: skills in two files, titles renamed.
CURRENT_LAYOUT_FILES: dict[str, list[str]] = {
    **{name: lines for name, lines in FILES.items() if name not in ("Skills.txt", "Technology Skills.txt")},
    # From 30.3 on, the software categories are content-model elements.
    "Content Model Reference.txt": [
        *FILES["Content Model Reference.txt"],
        "2.E.4.i\tSpreadsheet software\tSoftware for spreadsheets.",
        "2.E.5.b\tDocument management software\tSoftware for documents.",
    ],
    "Software Skills.txt": [
        "O*NET-SOC Code\tWorkplace Example\tElement ID\tElement Name\tHot Technology\tIn Demand",
        "11-1011.00\tAdobe Acrobat\t2.E.5.b\tDocument management software\tY\tN",
        "11-1011.00\tMicrosoft Excel\t2.E.4.i\tSpreadsheet software\tY\tY",
    ],
    "Essential Skills.txt": FILES["Skills.txt"],
    "Transferable Skills.txt": [
        RATING_HEADER,
        _rating("11-1011.00", "2.B.1.a", "Social Perceptiveness", "IM", "4.12"),
        _rating("11-1011.00", "2.B.1.a", "Social Perceptiveness", "LV", "4.25"),
    ],
    "Job Titles.txt": [TITLES_HEADER.format(title="Job Title"), *TITLES],
}


def write_release(folder: Path, files: dict[str, list[str]] | None = None) -> Path:
    """Write the release (or `files`) into `folder`, created if needed; returns `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in (files or FILES).items():
        (folder / name).write_bytes("".join(line + "\r\n" for line in lines).encode("utf-8"))
    return folder
