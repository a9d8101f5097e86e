"""The web dashboard under /app: pages rendered on the server from templates, over the same
services, access rules and audit as the API (its writes are marked with source `ui`)."""

from amity.web.dialect import DIALECT
from amity.web.routes import routes

__all__ = ["DIALECT", "routes"]
