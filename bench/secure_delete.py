"""What SQLite's secure_delete costs on Amity-like writes: prints rows updated per second
with secure_delete OFF, FAST and ON (GDPR erasure turns it ON for its own transaction).

    .venv/bin/python bench/secure_delete.py [ROWS]
"""

from __future__ import annotations

import sqlite3
import sys
import tempfile
import time
from pathlib import Path


def run(mode: str, rows: int, directory: Path) -> float:
    """Updates per second of `rows` rows (each rewritten with a longer value) in WAL mode."""
    path = directory / f"bench-{mode}.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"PRAGMA secure_delete={mode}")
    conn.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT, notes TEXT)")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO contacts VALUES (?, ?, ?)",
        ((i, f"person{i}@example.org", "x" * 200) for i in range(rows)),
    )
    conn.execute("COMMIT")
    started = time.perf_counter()
    for start in range(0, rows, 100):  # transactions of 100 updates, like busy group commits
        conn.execute("BEGIN")
        conn.executemany(
            "UPDATE contacts SET email = ?, notes = ? WHERE id = ?",
            ((f"new.person{i}@example.org", "y" * 300, i) for i in range(start, start + 100)),
        )
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return rows / elapsed


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    with tempfile.TemporaryDirectory() as directory:
        for mode in ("OFF", "FAST", "ON"):
            rate = run(mode, rows, Path(directory))
            print(f"secure_delete={mode:<4} {rate:>10,.0f} updates/s ({rows:,} rows)")


if __name__ == "__main__":
    main()
