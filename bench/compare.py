"""Two versions of Amity in one run: the same load.py scenarios against a checkout of an
older commit and against this tree, alternating, on the same database.

    .venv/bin/python bench/compare.py --before ff99529 \\
        --database-url sqlite:///bench/data/bench100k.db --only get create --rounds 3

Makes (once) a git worktree of `--before` under bench/data/tree-<rev> with its own venv,
then runs load.py's measurement `--rounds` times for each version in turn (before, this
tree, before, ...), and prints each scenario's median requests/s and p50 for both and the
ratio this-tree / before. Alternating spreads the machine's noise over both versions.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

import load

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def tree_of(rev: str) -> Path:
    """A worktree of `rev` with an installed venv (made on first use)."""
    sha = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", rev],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    tree = BENCH / "data" / f"tree-{sha}"
    if not (tree / ".venv" / "bin" / "amity").exists():
        if not tree.exists():
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), sha], check=True
            )
        subprocess.run(["make", "-C", str(tree), ".venv/.installed"], check=True)
    return tree


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", required=True, help="the older commit (any git revision)")
    parser.add_argument("--rounds", type=int, default=3)
    args, rest = parser.parse_known_args(argv)
    before = tree_of(args.before)
    runs: dict[str, list[list[load.Result]]] = {"before": [], "after": []}
    for round_no in range(args.rounds):
        for name, tree in (("before", before), ("after", ROOT)):
            print(f"== round {round_no + 1}: {name} ({tree})", file=sys.stderr, flush=True)
            load_args = load.parse_args([*rest, "--amity-tree", str(tree)])
            runs[name].append(load.measure(load_args))
    print(f"\n{args.rounds} rounds each, medians; after = this tree, before = {args.before}")
    print(
        "| scenario | before req/s | after req/s | after / before | before p50 ms | after p50 ms |"
    )
    print("|---|--:|--:|--:|--:|--:|")
    names = [r.scenario.name for r in runs["after"][0]]
    for i, scenario in enumerate(names):
        rate = {k: statistics.median(run[i].rate for run in v) for k, v in runs.items()}
        p50 = {k: statistics.median(run[i].p50_ms for run in v) for k, v in runs.items()}
        print(
            f"| {scenario} | {rate['before']:,.0f} | {rate['after']:,.0f} | "
            f"{rate['after'] / rate['before']:.2f} | {p50['before']:.2f} | {p50['after']:.2f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
