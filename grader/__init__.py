"""grader: grade deep-learning notebooks against reference answers, report in Persian and English."""

__version__ = "0.1.0"
