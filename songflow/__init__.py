"""songflow: song in, music video out. Its parts: command/ (the `songflow` command), listening/,
words/, pictures/ (the run's pictures) and core/ (config, errors, output store, atomic writes)."""

__version__ = "0.1.0"
