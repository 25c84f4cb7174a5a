"""Homework 11 (deep learning): computed answers and reference runs.

Question 1: the two-branch Keras model's table. Question 2: the word2vec tutorial's context pairs
(`q2_pairs`) and the embedding training (`train_q2_embeddings`). Question 3: Grad-CAM (`q3_grad_cam`,
shared with homework 4) and the MNIST CNN whose record the model check reads (`train_q3_grad_cam`).
"""
