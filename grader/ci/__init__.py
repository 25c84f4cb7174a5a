"""Pull-request mode: grade what a pull request changes."""
from grader.ci.commands import add_commands

__all__ = ["add_commands"]
