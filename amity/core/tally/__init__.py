"""Tally objects (quotes, orders, invoices, ...): numbering, totals, the whole-object
service behind /tally, and conversion from one kind to the next."""
