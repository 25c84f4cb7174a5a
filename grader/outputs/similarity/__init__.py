"""Similar submissions, for a person to judge (plagiarism hints; never changes a score).

Two kinds of evidence: code that two students share and (almost) nobody else has, after
renaming variables and dropping comments; and identical wrong answers that few others gave.
"""
from .report import SIMILARITY_JSON, load_similarity, similarity_report, write_similarity

__all__ = ["SIMILARITY_JSON", "load_similarity", "similarity_report", "write_similarity"]
