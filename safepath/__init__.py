"""SafePath: a silent way to reach help, routed to the right responders, with training."""
