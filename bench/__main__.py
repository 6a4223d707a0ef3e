"""`make bench`: run every benchmark in its own process and print a table."""

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
]


def main() -> None:
    rows = []
    for args in BENCHMARKS:
        proc = subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True)  # noqa: S603
        if proc.returncode != 0:
            rows.append({"benchmark": " ".join(args), "error": proc.stderr.strip().splitlines()[-1:]})
            continue
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print(
        f"# {datetime.now():%Y-%m-%d %H:%M} on {platform.node()} ({platform.machine()}, Python {platform.python_version()})"
    )
    print(
        f"| {'benchmark':<24} | {'db':<11} | {'median/s':>9} | {'min/s':>7} | {'max/s':>7} | runs × items | audit ok |"
    )
    print(f"|{'-' * 26}|{'-' * 13}|{'-' * 11}|{'-' * 9}|{'-' * 9}|{'-' * 14}|{'-' * 13}|")
    for row in rows:
        if "error" in row:
            print(f"| {row['benchmark']:<24} | failed: {row['error']}")
            continue
        print(
            f"| {row['benchmark']:<24} | {row['db'] + ' ×' + str(row['clients']):<11} | {row['items_per_s_median']:>9} | {row['items_per_s_min']:>7} "
            f"| {row['items_per_s_max']:>7} | {row['runs']} × {row['items_per_run']:<8} | {str(row['audit_chain_ok']):<8} |"
        )


if __name__ == "__main__":
    main()
