"""The manual-grading loop: export essay answers to a sheet, import the scores a person gave."""
from grader.manual.loop import ManualSheetError, apply_saved, export_sheet, import_sheet, refuse_unimported
from grader.manual.store import load_scores

__all__ = ["ManualSheetError", "apply_saved", "export_sheet", "import_sheet", "load_scores", "refuse_unimported"]
