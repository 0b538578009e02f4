"""handouts: localized, printable medication handouts for patients."""

__version__ = "0.1.0"
