"""Offline intelligence: scoring, next-best action, day planning and note safety screening."""
