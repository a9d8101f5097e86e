"""Webhooks: subscriptions to record writes, their filters and their delivery."""
