"""Placements: the printed codes an organization puts up, their QR codes and scan counts."""
