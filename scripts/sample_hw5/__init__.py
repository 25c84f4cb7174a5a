"""The sample class of homework 5 (see scripts/make_sample_class.py)."""
