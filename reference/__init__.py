"""Reference solutions: the expected answers the rubrics compare student notebooks with."""
