"""The ways people use grader: the command line (`cli`), the portal (`portal`), pull requests
(`ci`), the students' own check (`selfcheck`) and the run's progress on the terminal (`progress`)."""
