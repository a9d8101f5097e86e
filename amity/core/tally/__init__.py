"""Tally objects (quotes, orders, invoices, ...): numbering, the totals engine, the
whole-object service behind /tally, conversion from one kind to the next, and printing."""
