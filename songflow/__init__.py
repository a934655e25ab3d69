"""songflow: song in, music video out."""

__version__ = "0.1.0"
