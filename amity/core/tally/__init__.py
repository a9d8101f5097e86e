"""Tally objects (quotes, orders, invoices, ...): the pure computation of their amounts."""
