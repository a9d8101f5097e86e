"""HTTP layer: parse and check parameters, authenticate, call services, render JSON."""
