"""RepCompanion: the offline companion for pharmaceutical field reps."""

__version__ = "0.1.0"
