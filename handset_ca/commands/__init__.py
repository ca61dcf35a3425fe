"""Subcommand groups of the headless CLI, one module each."""
