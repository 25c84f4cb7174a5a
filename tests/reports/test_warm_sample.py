"""The warm-up report touches every part of a student report, so that forked renders inherit warm caches."""

from __future__ import annotations

from grader.core.result import LABEL
from grader.outputs.reports.render import html_for_student, warm_up
from grader.outputs.reports.warm_sample import warm_result


def test_warm_report_has_every_status_and_every_kind_of_block():
    html = html_for_student(warm_result())
    for status in LABEL:  # a badge each, but a question awaiting its teaching assistant says so instead
        assert 'class="c-points"><div class="awaiting">' in html if status.value == "manual" \
            else f'class="badge st-{status.value}"' in html, status
    for part in ('class="alert"', 'class="note"', 'class="review-item"', 'class="assumptions"',
                 'class="compare"', 'class="details"', 'class="detail-diagnosis"', 'class="diagnosis"',
                 'class="error-out"', 'class="hidden"', 'class="runinfo"',
                 'class="ltr whole"'):
        assert part in html, part


def test_warm_up_renders_it():
    warm_up()  # raises if the sample no longer renders
