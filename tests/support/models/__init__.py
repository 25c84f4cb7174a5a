"""A small assignment for the model check: one question per saved-model format, on tiny datasets."""
