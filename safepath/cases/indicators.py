"""The observations checklist for cases, built from public indicator lists.

Each item is an observation a person can make, worded neutrally. No item, and no number of
items, is proof of trafficking: the checklist records what was seen, when and by whom, and
never computes a score. Sources: DHS Blue Campaign indicators; Polaris / National Human
Trafficking Hotline categories; HHS SOAR (healthcare); U.S. Department of Education guide.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Indicator:
    code: str
    category: str
    text: str | Promise
    source: str


CATEGORIES: dict[str, str | Promise] = {
    "work_living": _("Work and living conditions"),
    "behaviour": _("Mental health and behaviour"),
    "physical": _("Physical health"),
    "control": _("Lack of control"),
    "other": _("Other"),
    "site": _("The place"),
}

INDICATORS: tuple[Indicator, ...] = (
    Indicator("WL-01", "work_living", _("Not free to come and go as they wish"), "Polaris"),
    Indicator("WL-02", "work_living", _("A minor involved in commercial sex"), "DHS Blue Campaign"),
    Indicator("WL-03", "work_living", _("Paid nothing, very little, or only in tips"), "Polaris"),
    Indicator(
        "WL-04", "work_living", _("Very long or unusual working hours, no breaks"), "Polaris"
    ),
    Indicator(
        "WL-05",
        "work_living",
        _("Owes a large or growing debt to an employer or recruiter"),
        "Polaris",
    ),
    Indicator(
        "WL-06", "work_living", _("Recruited with promises that turned out false"), "Polaris"
    ),
    Indicator(
        "WL-07",
        "work_living",
        _("Heavy security at the workplace or home (locks, cameras, guards)"),
        "Polaris",
    ),
    Indicator(
        "WL-08",
        "work_living",
        _("Lives where they work, or in crowded housing the employer provides"),
        "Polaris",
    ),
    Indicator("BE-01", "behaviour", _("Fearful, anxious or submissive"), "Polaris"),
    Indicator("BE-02", "behaviour", _("Becomes alarmed when police are mentioned"), "Polaris"),
    Indicator("BE-03", "behaviour", _("Avoids eye contact"), "Polaris"),
    Indicator("BE-04", "behaviour", _("Story seems scripted or changes"), "Polaris"),
    Indicator(
        "BE-05", "behaviour", _("Cut off from family, friends or community"), "DHS Blue Campaign"
    ),
    Indicator(
        "PH-01", "physical", _("Signs of physical abuse, restraint or confinement"), "Polaris"
    ),
    Indicator(
        "PH-02", "physical", _("Untreated injuries or illness; no access to care"), "HHS SOAR"
    ),
    Indicator(
        "PH-03", "physical", _("Signs of being denied food, water or sleep"), "DHS Blue Campaign"
    ),
    Indicator("CO-01", "control", _("Someone else holds their identity documents"), "Polaris"),
    Indicator("CO-02", "control", _("Has no control of their own money"), "Polaris"),
    Indicator(
        "CO-03", "control", _("A companion insists on speaking or translating for them"), "HHS SOAR"
    ),
    Indicator("CO-04", "control", _("Few or no personal possessions"), "Polaris"),
    Indicator("CO-05", "control", _("Monitored when talking to others"), "Polaris"),
    Indicator(
        "OT-01",
        "other",
        _("Does not know where they are staying or which city they are in"),
        "Polaris",
    ),
    Indicator("OT-02", "other", _("Has lost track of time"), "Polaris"),
    Indicator("OT-03", "other", _("A child who has stopped attending school"), "DHS Blue Campaign"),
    Indicator(
        "SI-01",
        "site",
        _("The same person brings different people in to cash checks and takes the money"),
        "DHS Blue Campaign",
    ),
    Indicator(
        "SI-02",
        "site",
        _("Many people coming and going from one room or address at odd hours"),
        "Polaris",
    ),
)

INDICATORS_BY_CODE = {indicator.code: indicator for indicator in INDICATORS}

NOT_PROOF = _(
    "These are observations, not conclusions. No single sign, and no number of signs, proves "
    "trafficking. Record what was seen, when and by whom; decisions follow your protocol."
)
