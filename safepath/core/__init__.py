"""What every SafePath app shares: privacy middleware, live-update publishing, small helpers."""
