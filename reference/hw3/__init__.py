"""Homework 3 (Deep Learning, series 3): computed answers for exercises 1, 3, 7, 11 and 12.

Every public function returns plain JSON-able Python so that rubrics can store and
compare the values without knowing about numpy or torch.
"""
