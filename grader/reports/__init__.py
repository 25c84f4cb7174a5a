"""PDF reports of the grader: one bilingual (Persian/English) report per student and a
class summary, rendered from Jinja2 templates with WeasyPrint."""

from .render import html_for_student, html_for_summary, render_student_report, render_summary

__all__ = ["html_for_student", "html_for_summary", "render_student_report", "render_summary"]
