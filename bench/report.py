"""The results file's rows: their check (CI asserts the run wrote well-formed rows) and table."""

from .measure import ROW_KEYS

NUMBER_KEYS = ("median_ms", "p95_ms", "rps", "floor", "ratio", "p99_ms")
# Rows every run must produce (names that carry a size start with these).
EXPECTED = (
    "floor: page",
    "floor: API",
    "page: dashboard",
    "page: plan",
    "page: assessment grid",
    "page: missions list",
    "api: missions list",
    "api: scores, page of 50",
    "api: comments, page of 50",
    "api: readiness",
    "api: readiness history",
    "api: feedback results",
    "api: public form POST",
    "floor: readiness raw SQL",
    "readiness: large mission",
    "import: ",
)
EXPECTED_LOAD = (
    "load: floor: page",
    "load: floor: API",
    "load: dashboard",
    "load: api scores, page of 50",
    "load: public form POST",
)


def check_rows(rows: list[dict], *, load: bool, complete: bool = True) -> list[str]:
    """What is wrong with ``rows`` (empty when they are well formed and complete)."""
    problems = []
    if not isinstance(rows, list) or not rows:
        return ["the results are not a non-empty list of rows"]
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            problems.append(f"row {index} is not an object")
            continue
        missing = [k for k in ROW_KEYS if k not in row]
        if missing:
            problems.append(f"row {index} lacks {', '.join(missing)}")
            continue
        name = row["name"]
        if not isinstance(name, str) or not name:
            problems.append(f"row {index} has no name")
        for key in NUMBER_KEYS:
            value = row.get(key)
            if value is not None and (not isinstance(value, int | float) or value < 0):
                problems.append(f"{name}: {key} is {value!r}, not a number ≥ 0 or null")
        if row["queries"] is not None and not isinstance(row["queries"], int):
            problems.append(f"{name}: queries is {row['queries']!r}")
        if row["met"] is not None and not isinstance(row["met"], bool):
            problems.append(f"{name}: met is {row['met']!r}")
        if row["met"] is not None and row["target"] is None:
            problems.append(f"{name}: met without a target")
        if row["median_ms"] is None and row["rps"] is None:
            problems.append(f"{name}: neither a time nor a throughput")
    names = [r.get("name", "") for r in rows if isinstance(r, dict)]
    for prefix in (EXPECTED + (EXPECTED_LOAD if load else ())) if complete else ():
        if not any(isinstance(n, str) and n.startswith(prefix) for n in names):
            problems.append(f"no row for {prefix.strip()}")
    return problems


def _fmt(value, digits=1) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def table(rows: list[dict]) -> str:
    header = ["name", "median ms", "p95 ms", "p99 ms", "rps", "queries", "floor", "ratio", "met"]
    lines = [header]
    for r in rows:
        queries = _fmt(r["queries"])
        if r.get("queries_small") is not None:
            queries += f" ({r['queries_small']})"
        lines.append(
            [
                r["name"],
                _fmt(r["median_ms"]),
                _fmt(r["p95_ms"]),
                _fmt(r.get("p99_ms")),
                _fmt(r["rps"]),
                queries,
                _fmt(r["floor"]),
                _fmt(r["ratio"], 2),
                _fmt(r["met"]),
            ]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for n, line in enumerate(lines):
        cells = [line[0].ljust(widths[0])]
        cells += [c.rjust(w) for c, w in zip(line[1:], widths[1:], strict=True)]
        out.append("  ".join(cells))
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    out.append("queries: (n) = the same page or endpoint on a small mission; floor: its floor's")
    out.append("median ms, or rps for load rows; ratio: median ÷ floor, or rps ÷ floor rps.")
    targets = [f"  {r['name']}: {r['target']}" + (f" ({r['notes']})" if r.get("notes") else "")
               for r in rows if r["target"]]  # fmt: skip
    if targets:
        out.append("targets:")
        out.extend(targets)
    return "\n".join(out)
