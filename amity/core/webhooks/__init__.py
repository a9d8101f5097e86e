"""Webhooks: the 1CRM /webhooks API, its filters, and reliable, signed delivery."""
