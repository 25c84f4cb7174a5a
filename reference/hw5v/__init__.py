"""Homework 5 (Machine Vision, series 5): computed answers for question 2.

The source is a student's answer document; the figure of question 2 is lost, so the networks
are reconstructed from the answers (see rubrics/hw5v.yaml). Every public function returns
plain JSON-able Python so that the rubric can store and compare the values.
"""
