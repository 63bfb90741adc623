"""The plain-text form an administrator edits a routing policy's tiers in.

One tier per line, in order: acknowledgement minutes, a slash, the minutes when urgent, a
colon, then the recipients separated by commas::

    15/5: st-brigid/social-work
    15/5: st-brigid/security, @police
    60/10: metro-task-force

A recipient is an organization's slug, ``slug/unit-slug`` for a team inside it, ``@police``
(the law-enforcement agency whose area contains the place) or ``@task-force`` (the task force
whose area contains it). Parsing refuses, with the line it is about, an unknown name, a tier
without a recipient, and a recipient named in two tiers (a loop back to someone already told).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from safepath.accounts.models import Organization, Unit
from safepath.routing.models import RoutingPolicy, TargetKind

MAX_TIERS = 10
MAX_MINUTES = 7 * 24 * 60
LINE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*:\s*(.*)$")
SYMBOLS = {"@police": TargetKind.LOCAL_POLICE, "@task-force": TargetKind.TASK_FORCE}


@dataclass(frozen=True)
class RecipientSpec:
    kind: str
    organization: Organization | None
    unit: Unit | None


@dataclass(frozen=True)
class TierSpec:
    minutes: int
    urgent_minutes: int
    recipients: tuple[RecipientSpec, ...]


def parse_tiers(text: str) -> list[TierSpec]:
    lines = [
        line for line in text.splitlines() if line.strip() and not line.strip().startswith("#")
    ]
    if not lines:
        raise ValidationError(_("A routing policy needs at least one tier with a recipient."))
    if len(lines) > MAX_TIERS:
        raise ValidationError(_("A routing policy has at most %(n)s tiers.") % {"n": MAX_TIERS})
    tiers: list[TierSpec] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        match = LINE.match(line)
        if not match:
            raise ValidationError(
                _("Tier %(n)s: write it as “minutes/urgent minutes: recipient, recipient”.")
                % {"n": number}
            )
        minutes, urgent = int(match[1]), int(match[2])
        if not (1 <= minutes <= MAX_MINUTES and 1 <= urgent <= MAX_MINUTES):
            raise ValidationError(
                _("Tier %(n)s: minutes must be between 1 and %(max)s.")
                % {"n": number, "max": MAX_MINUTES}
            )
        names = [name.strip().lower() for name in match[3].split(",") if name.strip()]
        if not names:
            raise ValidationError(_("Tier %(n)s has no recipient.") % {"n": number})
        recipients = []
        for name in names:
            if name in seen:
                raise ValidationError(
                    _(
                        "Tier %(n)s names “%(name)s” again (already in tier %(m)s): a policy "
                        "cannot loop back to someone already told."
                    )
                    % {"n": number, "name": name, "m": seen[name]}
                )
            seen[name] = number
            recipients.append(_recipient(name, number))
        tiers.append(TierSpec(minutes, urgent, tuple(recipients)))
    return tiers


def _recipient(name: str, number: int) -> RecipientSpec:
    if name in SYMBOLS:
        return RecipientSpec(SYMBOLS[name], None, None)
    org_slug, _slash, unit_slug = name.partition("/")
    organization = Organization.objects.filter(slug=org_slug).first()
    if organization is None:
        raise ValidationError(
            _("Tier %(n)s: there is no organization “%(slug)s”.") % {"n": number, "slug": org_slug}
        )
    unit = None
    if unit_slug:
        unit = Unit.objects.filter(organization=organization, slug=unit_slug).first()
        if unit is None:
            raise ValidationError(
                _("Tier %(n)s: %(org)s has no team “%(unit)s”.")
                % {"n": number, "org": organization.name, "unit": unit_slug}
            )
    return RecipientSpec(TargetKind.ORGANIZATION, organization, unit)


def tiers_as_text(policy: RoutingPolicy) -> str:
    symbols: dict[str, str] = {str(kind): symbol for symbol, kind in SYMBOLS.items()}
    lines = []
    for tier in policy.tiers.all():
        names = []
        for recipient in tier.recipients.all():
            if recipient.kind in symbols:
                names.append(symbols[recipient.kind])
            elif recipient.unit is not None:
                names.append(f"{recipient.unit.organization.slug}/{recipient.unit.slug}")
            elif recipient.organization is not None:
                names.append(recipient.organization.slug)
        lines.append(
            f"{tier.acknowledge_minutes}/{tier.urgent_acknowledge_minutes}: {', '.join(names)}"
        )
    return "\n".join(lines)
