"""The versioned JSON API (/api/v1/): the responders' side for agency systems and scripts."""
