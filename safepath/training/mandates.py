"""Real training mandates, seeded as the library of requirements (rows with no organization).

Each row comes from the mandate table in the project's training-requirements reference, with
its public source. ``VERIFIED_ON`` is the date the rows were checked against that table, not
against the statute itself: laws change, so re-verify each row against the official text
before SafePath claims compliance for anyone. Not legal advice.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from safepath.training.recurrence import Recurrence

VERIFIED_ON = date(2026, 11, 22)

MANDATES: tuple[dict[str, Any], ...] = (
    {
        "code": "ca-sb970-hotel-staff",
        "title": "California hotel and motel staff (SB 970)",
        "jurisdiction": "US-CA",
        "audience": "Hotel and motel employees likely to interact with victims: reception, "
        "housekeeping, bell staff, drivers",
        "course": "hospitality-transport",
        "minimum_minutes": 20,
        "recurrence": Recurrence.FROM_COMPLETION,
        "interval_months": 24,
        "initial_days": 183,  # new hires within six months
        "source_url": "https://www.californiaworkplacelawblog.com/2018/10/articles/workplace-training/california-enacts-new-laws-to-combat-human-trafficking/",
        "notes": "Gov. Code §12950.3: at least 20 minutes, every 2 years; new hires within 6 "
        "months.",
    },
    {
        "code": "ny-gbl205-lodging-staff",
        "title": "New York lodging staff (Gen. Bus. Law §205)",
        "jurisdiction": "US-NY",
        "audience": "Lodging-facility employees likely to interact with guests",
        "course": "hospitality-transport",
        "recurrence": Recurrence.ONCE,
        "initial_days": 60,
        "source_url": "https://nysenate.gov/legislation/laws/GBS/205",
        "notes": "New hires within 60 days; on premises and paid time; keep records for the "
        "length of employment plus one year. The cited text has no refresher.",
    },
    {
        "code": "fl-509096-lodging-staff",
        "title": "Florida public lodging staff (§509.096)",
        "jurisdiction": "US-FL",
        "audience": "Housekeeping and front-desk/reception staff",
        "course": "hospitality-transport",
        "recurrence": Recurrence.FROM_COMPLETION,
        "interval_months": 12,
        "initial_days": 60,
        "source_url": "http://leg.state.fl.us/STATUTES/index.cfm?App_mode=Display_Statute&URL=0500-0599/0509/Sections/0509.096.html",
        "notes": "Annual; new hires within 60 days; signed and dated acknowledgment from each "
        "employee. (The reference cites this source over http.)",
    },
    {
        "code": "md-15-210-innkeeper-staff",
        "title": "Maryland innkeepers' employees (Bus. Reg. §15-210)",
        "jurisdiction": "US-MD",
        "audience": "Innkeepers' employees",
        "course": "hospitality-transport",
        "recurrence": Recurrence.ANNIVERSARY,
        "interval_months": 12,
        "initial_days": 90,
        "anniversary_month": 10,
        "anniversary_day": 1,
        "source_url": "https://lawserver.com/law/state/maryland/md-laws/maryland_laws_business_regulation_15-210",
        "notes": "Annual; new hires within 90 days; the innkeeper certifies each 1 October.",
    },
    {
        "code": "mi-333-16148-health",
        "title": "Michigan health professionals (MCL 333.16148)",
        "jurisdiction": "US-MI",
        "audience": "Health professionals licensed or registered under Article 15",
        "course": "healthcare",
        "recurrence": Recurrence.ONCE,
        "initial_days": 365,
        "source_url": "https://www.law.cornell.edu/regulations/michigan/Mich-Admin-Code-R-338-7202",
        "notes": "One-time; keep a certificate with date, provider, training name and name.",
    },
    {
        "code": "ca-pc13519-14-peace-officers",
        "title": "California peace officers (Penal Code §13519.14)",
        "jurisdiction": "US-CA",
        "audience": "Officers assigned field or investigative duties",
        "course": "law-enforcement",
        "minimum_minutes": 120,
        "recurrence": Recurrence.ONCE,
        "initial_days": 183,
        "source_url": "https://onebread.org/california-legislation-cal-pen-code-1351914",
        "notes": "At least 2 hours, one-time.",
    },
    {
        "code": "tn-38-6-114-officers",
        "title": "Tennessee law enforcement officers (TCA §38-6-114)",
        "jurisdiction": "US-TN",
        "audience": "Officers with field or investigative duties",
        "course": "law-enforcement",
        "minimum_minutes": 120,
        "recurrence": Recurrence.ONCE,
        "initial_days": 183,
        "source_url": "http://print.casetext.com/statute/tennessee-code/title-38-prevention-and-detection-of-crime/chapter-6-tennessee-bureau-of-investigation/part-1-general-provisions/section-38-6-114-course-of-instruction-concerning-human-trafficking",
        "notes": "At least 2 hours, within 6 months of employment.",
    },
)
