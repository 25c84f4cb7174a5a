"""Homework 4 (Deep Learning, series 4): computed answers for questions 5 and 6.

The questions are reconstructed from a student's answer document; every public function
returns plain JSON-able Python so that rubrics can store and compare the values.
"""
