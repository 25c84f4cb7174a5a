"""Homework 5 (neural networks): computed answers for the convolution by hand (q1e), the LeNet-like
memory/parameter table (q2e) and the layer table of the Keras transfer-learning network (q4).

Every public function returns plain JSON-able Python so that rubrics can store and compare the
values without knowing about numpy, torch or Keras.
"""
