"""Listening: reading audio and lyrics, beat trackers, sections, energy and voice, stage 1's measurement, and the generated songs."""
