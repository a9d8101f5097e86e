"""The database handle: writes on the driver's own cursor fail as SQLAlchemy writes do."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from amity.core.services import Services
from tests.conftest import User


def test_a_repeated_key_on_the_prepared_insert_path_is_an_integrity_error(
    services: Services, admin: User
) -> None:
    """Prepared inserts run on the raw DBAPI cursor; the API answers IntegrityError with a
    409, so a driver's own exception (psycopg's UniqueViolation) must not reach it raw."""
    records, model = services.records, services.db.registry.model("Account")
    record_id = records.create(admin.actor, "Account", {"name": "Once"})
    with services.db.read() as conn:
        row = records.writer.current(conn, model, record_id)
    assert row is not None
    with pytest.raises(IntegrityError), services.db.write() as conn:
        records.writer.insert(conn, model, row)
    assert records.get(admin.actor, "Account", record_id)["name"] == "Once"
