"""Grading engines: the plan shared by a run, one submission's grading, and the local runner."""
