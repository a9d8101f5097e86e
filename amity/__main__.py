"""`python -m amity` runs the command line."""

from amity.cli import main

raise SystemExit(main())
