"""Metadata: models, fields, links and filters, as pure data every layer may read."""
