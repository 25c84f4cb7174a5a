"""Helpers shared by the test modules: the repository's paths, classes built in a temporary folder,
the hostile corpus, the model-check assignment, a local Ray cluster, the portal's fixtures."""
