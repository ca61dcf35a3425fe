"""The entry layer: argument parsing, the headless commands, and "no command opens the app".

The only package that imports both core (the headless engine) and tui (the
Textual app); core never imports this package or tui.
"""
