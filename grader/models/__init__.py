"""Saved models: loading a student's model file without running its code, and evaluating it on held-out data in
a process of its own."""
