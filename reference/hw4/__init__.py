"""Homework 4 (Deep Learning, series 4): computed answers for questions 5, 6 and 7, and reference runs.

The questions are reconstructed from a student's answer document; every public function
returns plain JSON-able Python so that rubrics can store and compare the values. The reference
runs (`train_q1c_tuner`, `train_q7_grad_cam`) write the records under `records/` that the
rubric's model checks read.
"""
