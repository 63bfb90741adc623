"""Signals the reporter's side sends for other apps to act on.

``report_facts_changed`` is sent (after commit) when an answer changes what routing depends
on: the report's priority or the reporter's choice of who should receive it. Routing listens
to it; the reporter's side does not need to know what routing does.
"""

from django.dispatch import Signal

# Sent with: report=<Report>, changed=<set of field names, e.g. {"priority"}>
report_facts_changed = Signal()
