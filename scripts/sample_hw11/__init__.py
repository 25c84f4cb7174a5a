"""The hw11 sample class: answer cells of invented students (see make_sample_class.py)."""
