"""The data directory: where Amity keeps the files it generates that hold secrets.

AMITY_DATA_DIR, else the SQLite database's directory, else ./amity-data (PostgreSQL); never
the source tree unless the database is there. A directory Amity creates gets mode 0700,
and each secret file is created with mode 0600 (never briefly readable by others).
"""

from __future__ import annotations

import os
from pathlib import Path

from amity.config import Settings, sqlite_file

POSTGRESQL_DATA_DIR = "amity-data"


def data_dir(settings: Settings) -> Path:
    """AMITY_DATA_DIR, else beside the SQLite database, else ./amity-data."""
    if settings.data_dir:
        return Path(settings.data_dir)
    database = sqlite_file(settings.database_url)
    return database.parent if database is not None else Path(POSTGRESQL_DATA_DIR)


def make_private_dir(directory: Path) -> None:
    """Create `directory` (and its parents) with mode 0700 when it does not exist."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path`, which only its owner may read (mode 0600)."""
    make_private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(path, 0o600)  # a file that existed keeps its mode through os.open
