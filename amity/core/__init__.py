"""Services: records, relations, auth. Every call takes the acting user."""
