"""warmgate: a safety regression gate for warm, empathetic fine-tunes."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("warmgate")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+src"

__all__ = ["__version__"]
