"""Reference answers of the benchmark assignment `cmp` (bench/compare), one function per answer.

The given data live here too, so the notebooks' setup cell, nbgrader's and Otter's literal
expected values and grader's rubric all come from one place.
"""
