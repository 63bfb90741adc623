"""Routing: who receives a report, and the durable deliveries that tell them."""
