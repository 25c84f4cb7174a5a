"""Homework 11 (deep learning): computed answers for question 1, the two-branch Keras model.

Questions 2 (word embeddings on Reuters) and 3 (Grad-CAM on MNIST) are experiments graded by a
person, so they have no reference here.
"""
