"""Amity: a self-hosted CRM server speaking the 1CRM REST API."""

__version__ = "0.1.0"
