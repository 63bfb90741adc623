"""Session reminders: before an instructor-led session, everyone signed up gets one email
through the training reminder rows the worker sends, delivered to a real SMTP server."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from safepath.accounts.models import Membership, Organization, Role, User
from safepath.training import services
from safepath.training.models import Course, Reminder, ReminderKind, Session

pytestmark = pytest.mark.django_db


def member(org: Organization, email: str, role: str = Role.RESPONDER) -> User:
    user = User.objects.create_user(email, None)
    Membership.objects.create(user=user, organization=org, role=role)
    return user


def schedule(org: Organization, course: Course, admin: User, hours: float, title: str) -> Session:
    return services.session_create(
        organization=org,
        course=course,
        title=title,
        starts_at=timezone.now() + timedelta(hours=hours),
        minutes=120,
        capacity=10,
        instructor=admin,
        place="Room B, 2 Main Street",
        actor=admin,
    )


def test_signed_up_learners_get_one_reminder_email_before_a_session(
    mail_server: Any, riverside: Organization, alice: User, courses: dict[str, Course]
) -> None:
    course = courses["law-enforcement"]
    tomorrow = schedule(riverside, course, alice, 10, "Roll-call training")
    next_week = schedule(riverside, course, alice, 24 * 7, "Next week's training")
    carl, dee = member(riverside, "carl@riverside.test"), member(riverside, "dee@riverside.test")
    services.session_sign_up(session=tomorrow, user=carl)
    services.session_sign_up(session=next_week, user=dee)

    services.reminders_queue()
    sent = services.reminders_send_due()
    [body] = mail_server.wait_for("carl@riverside.test")
    services.reminders_queue()
    again = services.reminders_send_due()

    assert sent == 1 and again == 0
    assert "Roll-call training" in body and "Room B, 2 Main Street" in body
    assert f"/training/sessions/{tomorrow.pk}/" in body
    assert mail_server.bodies_to("dee@riverside.test") == []  # a week away: not yet
    assert len(mail_server.bodies_to("carl@riverside.test")) == 1
    reminder = Reminder.objects.get(kind=ReminderKind.SESSION_SOON)
    assert reminder.sent_at is not None and reminder.seat is not None
    assert reminder.seat.user == carl


def test_no_reminder_for_a_session_that_has_started(
    mail_server: Any, riverside: Organization, alice: User, courses: dict[str, Course]
) -> None:
    started = schedule(riverside, courses["law-enforcement"], alice, -1, "Already running")
    services.session_sign_up(session=started, user=member(riverside, "erin@riverside.test"))

    services.reminders_queue()
    services.reminders_send_due()

    assert not Reminder.objects.filter(kind=ReminderKind.SESSION_SOON).exists()
    assert mail_server.messages == []
