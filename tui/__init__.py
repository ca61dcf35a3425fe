"""The Textual app: draws core's models, turns keys into core calls."""
