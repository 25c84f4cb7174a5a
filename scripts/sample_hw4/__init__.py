"""The hw4 sample class: answer cells per student (see scripts/make_sample_class.py)."""
