"""The desktop app (PySide6): Qt views and item models over the Workspace, background ops, themes."""
