"""Signals the Report's owner sends for other apps to act on, inside the same transaction.

They are sent synchronously, before the write commits, so what another app does in answer
(routing a new report, re-routing after a changed fact, stopping escalation) is part of the
reporter's or responder's own transaction: a crash between commit and a post-commit hook can
no longer lose it. Receivers write rows only (no network); the worker does the rest.

- ``report_started``: report=<Report>. Routing records who receives it.
- ``report_facts_changed``: report=<Report>, changed=<set of field names, e.g. {"priority"}>,
  when an answer changes what routing depends on (priority, the reporter's choice).
- ``report_acknowledged``: report=<Report>, user=<User>. Routing stops escalation.
- ``report_reporter_wrote``: report=<Report>, reopened=<bool>, when the reporter writes on a
  closed or quiet report. Routing tells every recipient again, like a new report.
- ``placement_recipients_wanted``: placement=<Placement>. Asked (not told) by the reporter's
  landing page: routing's receiver returns who would receive a report from the place, so
  the page says it truthfully without the reports app importing routing.
"""

from django.dispatch import Signal

report_started = Signal()
report_facts_changed = Signal()
report_acknowledged = Signal()
report_reporter_wrote = Signal()
placement_recipients_wanted = Signal()
