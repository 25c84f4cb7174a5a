"""The download portal: per-student access codes (`grader tokens`) and the web app (`grader serve`)."""
from grader.apps.portal.commands import add_commands

__all__ = ["add_commands"]
