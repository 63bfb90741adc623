"""The responders' side: live inbox and report view."""
