"""`make bench`: run every benchmark in its own process and print a table.

Each benchmark module prints, as the last line of its standard output, one JSON object:
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
    ["bench.review"],
]


def _row(args: list[str]) -> dict:
    proc = subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True)  # noqa: S603
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {
            "benchmark": " ".join(args),
            "config": "",
            "figures": {"failed": tail},
            "target": "",
            "met": None,
        }
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    chosen = [args for args in BENCHMARKS if not argv or any(name in args[0] for name in argv)]
    print(
        f"# {datetime.now():%Y-%m-%d %H:%M} on {platform.node()} "
        f"({platform.machine()}, Python {platform.python_version()})"
    )
    print("| benchmark | config | figures | target | met |")
    print("|---|---|---|---|---|")
    for args in chosen:
        row = _row(args)
        figures = ", ".join(f"{label} {value}" for label, value in row["figures"].items())
        met = {True: "yes", False: "NO", None: "–"}[row.get("met")]
        print(f"| {row['benchmark']} | {row['config']} | {figures} | {row['target']} | {met} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
