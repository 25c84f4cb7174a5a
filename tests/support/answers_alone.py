"""The `alone` assignment: five questions of one answer each (an array, a function, a count, a table,
another array), its reference package, its rubric (answer time limit 2 s) and the honest notebook.
Each test puts them in a temporary course and replaces one answer of the honest notebook."""

REFERENCE = '''
import numpy as np

def a1():
    return [1.0, 2.0, 3.0]

def draw(seed):
    return {"x": np.random.default_rng(seed).normal(size=4)}

def double(x):
    return 2 * np.asarray(x)

def count():
    return 1568

def shapes():
    return {"columns": ["layer", "kind", "shape", "params"], "key": "layer",
            "rows": [[1, "conv", [96, 55, 55], 34944], [2, "maxpool", [96, 27, 27], 0]],
            "ask": [[0, "shape"], [0, "params"], [1, "kind"], [1, "shape"], [1, "params"]]}

def b5():
    return [4.0, 5.0]
'''

RUBRIC = """
assignment: alone
title: {fa: "تکلیف آزمون", en: "Test assignment"}
course: {fa: "درس آزمون", en: "Test course"}
reference: alone_ref
limits: {cell_timeout_s: 10, total_timeout_s: 90, answer_timeout_s: 2, max_answer_mib: 8, memory_gib: 2}
questions:
  - id: q1
    title: {fa: "آرایه", en: "An array"}
    points: 2
    answers: [{name: a1, check: array, points: 2, reference: a1, prompt: {fa: "آرایه", en: "the array"}}]
  - id: q2
    title: {fa: "تابع", en: "A function"}
    points: 2
    answers: [{name: double, check: function, points: 2, reference: double, options: {inputs: draw, trials: 2},
               prompt: {fa: "تابع", en: "the function"}}]
  - id: q3
    title: {fa: "شمارش", en: "A count"}
    points: 1
    answers: [{name: count, check: numeric, points: 1, reference: count, tolerance: {rtol: 0, atol: 0},
               prompt: {fa: "تعداد", en: "the count"}}]
  - id: q4
    title: {fa: "جدول", en: "A table"}
    points: 5
    answers: [{name: shapes, check: table, points: 5, reference: shapes, tolerance: {rtol: 0, atol: 0},
               prompt: {fa: "جدول", en: "the table"}}]
  - id: q5
    title: {fa: "آرایه دوم", en: "Another array"}
    points: 1
    answers: [{name: b5, check: array, points: 1, reference: b5, prompt: {fa: "آرایه", en: "the array"}}]
"""

HONEST = """
import numpy as np
a1 = [1.0, 2.0, 3.0]

def double(x):
    return 2 * x

count = 1568
shapes = [{"layer": 1, "kind": "conv", "shape": (96, 55, 55), "params": 34944},
          {"layer": 2, "kind": "maxpool", "shape": (96, 27, 27), "params": 0}]
b5 = [4.0, 5.0]
"""
