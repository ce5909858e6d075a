"""The collectors of agentops-tui (no Textual): they poll, parse and judge; agentops_tui draws and acts."""

PROJECT = "agentops-tui"
"""Marks this `probes` as agentops-tui's: an unrelated PyPI project is also named `probes`, and the command line
checks this before anything else (agentops_tui.cli.identity) so that one shadowing ours is named, not crashed on."""
