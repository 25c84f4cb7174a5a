"""Pull-request mode: grade what a pull request changes."""
from grader.apps.ci.commands import add_commands

__all__ = ["add_commands"]
