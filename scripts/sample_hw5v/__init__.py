"""Sample class of hw5v (machine vision, homework 5); see scripts/make_sample_class.py."""
