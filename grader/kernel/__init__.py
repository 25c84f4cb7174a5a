"""Running a student's notebook in its own kernel and asking it for answers."""
