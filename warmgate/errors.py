"""The one exception type users see: bad input, named with where it came from and how to fix it."""


class WarmgateError(Exception):
    """A user-facing error: the CLI prints it as one line and exits 2; pytest shows it as is."""
