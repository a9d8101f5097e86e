"""Authentication: passwords, personal access tokens, and turning credentials into an Actor."""
