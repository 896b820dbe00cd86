"""Extra `repcompanion-hub` subcommands: each module here has ``register(sub, command)`` and is found at start.

``command(name, help)`` makes a subparser that already takes ``--db``; a module sets ``func`` on what it adds.
"""
