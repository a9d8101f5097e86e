"""Storage: SQL built from metadata with SQLAlchemy Core. No SQL lives outside this package."""
