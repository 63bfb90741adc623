"""Template helpers for training pages."""
