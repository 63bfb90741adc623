"""The reporter's side: landing page, live report, help page; the Report model."""
