"""`make bench`: run every benchmark in its own process and print a table.

Each benchmark module prints, on lines of their own, one JSON object per row (usually one):
``{"benchmark": str, "config": str, "figures": {label: value}, "target": str, "met": bool | null}``.
``python -m bench NAME...`` runs only the benchmarks whose module name contains one of the NAMEs.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from datetime import datetime

BENCHMARKS = [
    ["bench.search", "--db", "sqlite"],
    ["bench.search", "--db", "postgres"],
    ["bench.publishing", "--db", "sqlite"],
    ["bench.publishing", "--db", "sqlite", "--workers", "2"],
    ["bench.publishing", "--db", "postgres"],
    ["bench.publishing", "--db", "postgres", "--workers", "2"],
    ["bench.publishing", "--db", "postgres", "--workers", "3"],
    ["bench.publishing", "--db", "postgres", "--workers", "4"],
    ["bench.web", "--db", "sqlite", "--mode", "item"],
    ["bench.web", "--db", "postgres", "--mode", "item"],
    ["bench.web", "--db", "postgres", "--mode", "static"],
    ["bench.web", "--db", "sqlite", "--mode", "mixed"],
    ["bench.web", "--db", "postgres", "--mode", "mixed"],
    ["bench.web", "--db", "sqlite", "--mode", "incident", "--via", "nginx"],
    ["bench.web", "--db", "postgres", "--mode", "incident", "--via", "nginx"],
    ["bench.web", "--db", "postgres", "--mode", "incident"],
    ["bench.review"],
    ["bench.concerns", "--db", "sqlite", "--part", "ingest"],
    ["bench.concerns", "--db", "sqlite", "--part", "ingest", "--batch", "200"],
    ["bench.concerns", "--db", "postgres", "--part", "ingest"],
    ["bench.concerns", "--db", "sqlite", "--part", "dedupe"],
]


def _rows(args: list[str]) -> list[dict]:
    """The JSON rows a benchmark printed (each on a line starting with "{"; most print one)."""
    proc = subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True)  # noqa: S603
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        failed = {
            "benchmark": " ".join(args),
            "config": "",
            "figures": {"failed": tail},
            "target": "",
            "met": None,
        }
        return [failed]
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


def main(argv: list[str]) -> None:
    chosen = [args for args in BENCHMARKS if not argv or any(name in args[0] for name in argv)]
    print(
        f"# {datetime.now():%Y-%m-%d %H:%M} on {platform.node()} "
        f"({platform.machine()}, Python {platform.python_version()})"
    )
    print("| benchmark | config | figures | target | met |")
    print("|---|---|---|---|---|")
    for row in (row for args in chosen for row in _rows(args)):
        figures = ", ".join(f"{label} {value}" for label, value in row["figures"].items())
        met = {True: "yes", False: "NO", None: "–"}[row.get("met")]
        print(f"| {row['benchmark']} | {row['config']} | {figures} | {row['target']} | {met} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
