"""Real training mandates, seeded as the library of requirements (rows with no organization).

Each row names its official source (the legislature's or agency's own text where one is
published), the body that must approve a course (``approval_body``: when set, SafePath's
own online course never satisfies the mandate; only a session or an external record that
carries that approval does), the statute's required topics, and what the first deadline is
counted from (``deadline_basis``: hire, or each person's licence renewal). ``VERIFIED_ON`` is
the date the rows were last checked against the project's reference and review, not a legal
opinion: laws change, so re-verify each row against the official text before SafePath claims
compliance for anyone. Not legal advice.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from safepath.training.recurrence import Recurrence

VERIFIED_ON = date(2026, 11, 28)

CA_CODES = "https://leginfo.legislature.ca.gov/faces/codes_displaySection.xhtml"
TX_STATUTES = "https://statutes.capitol.texas.gov/Docs"
TX_TAC = "https://texreg.sos.state.tx.us/public/readtac$ext.TacPage"
FL_STATUTES = "https://www.flsenate.gov/Laws/Statutes/2024"

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
        "required_topics": [
            "definition of human trafficking and commercial sexual exploitation of children",
            "who is most at risk",
            "labor versus sex trafficking in the hotel sector",
            "the employee's role in reporting and responding",
            "contacts: National Human Trafficking Hotline and local law enforcement",
        ],
        "source_url": f"{CA_CODES}?lawCode=GOV&sectionNum=12950.3",
        "notes": "Gov. Code §12950.3: at least 20 minutes, classroom or other effective "
        "interactive training, every 2 years; new hires within 6 months.",
    },
    {
        "code": "ca-civ52-6-transit-staff",
        "title": "California transit station staff (Civil Code §52.6, AB 2034)",
        "jurisdiction": "US-CA",
        "audience": "Employees of intercity rail, light-rail and bus stations who may interact "
        "with or receive reports from the public",
        "course": "hospitality-transport",
        "minimum_minutes": 20,
        "recurrence": Recurrence.ONCE,
        "initial_days": 183,
        "required_topics": [
            "definition of sex and labor trafficking",
            "myths and misconceptions",
            "physical and mental signs",
            "who is at risk",
            "how to report: hotlines and local law enforcement",
            "the employer's on-the-job reporting protocol",
        ],
        "source_url": f"{CA_CODES}?lawCode=CIV&sectionNum=52.6",
        "notes": "At least 20 minutes; existing staff by 1 Jan 2021, new hires within 6 months.",
    },
    {
        "code": "ny-gbl205-lodging-staff",
        "title": "New York lodging staff (Gen. Bus. Law §205)",
        "jurisdiction": "US-NY",
        "audience": "Lodging-facility employees likely to interact with guests",
        "course": "hospitality-transport",
        "recurrence": Recurrence.ONCE,
        "initial_days": 60,
        "approval_body": "New York DCJS and OTDA",
        "required_topics": [
            "the nature of human trafficking",
            "the legal definition",
            "identifying victims",
            "whom to contact",
        ],
        "source_url": "https://www.nysenate.gov/legislation/laws/GBS/205",
        "notes": "A program approved by DCJS and OTDA; new hires within 60 days; on premises "
        "and paid time; keep records for the length of employment plus one year. The cited "
        "text has no refresher.",
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
        "approval_body": "Florida DBPR",
        "required_topics": [
            "definition of human trafficking",
            "sex versus labor trafficking",
            "indicators",
            "how to report",
        ],
        "source_url": f"{FL_STATUTES}/509.096",
        "notes": "A DBPR-approved curriculum, annually; new hires within 60 days; a signed and "
        "dated acknowledgment from each employee.",
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
        "approval_body": "Maryland GOCPP and the Department of Labor (with the required video)",
        "required_topics": [
            "child exploitation and human trafficking defined",
            "recognizing victims",
            "hotel-specific labor versus sex trafficking",
            "associated activities",
            "the employee's reporting role",
        ],
        "source_url": "https://mgaleg.maryland.gov/mgawebsite/Laws/StatuteText?article=gbr&section=15-210",
        "notes": "An approved program including a video; annual; new hires within 90 days; "
        "the innkeeper certifies each 1 October.",
    },
    {
        "code": "nj-2c13-12-hotel-staff",
        "title": "New Jersey hotel and motel staff (N.J.S.A. 2C:13-12, N.J.A.C. 5:10-29.1)",
        "jurisdiction": "US-NJ",
        "audience": "Hotel and motel management, front desk, housekeeping and security staff",
        "course": "hospitality-transport",
        "recurrence": Recurrence.ONCE,
        "initial_days": 183,
        "approval_body": "New Jersey (the state's training video)",
        "required_topics": ["recognizing human trafficking", "reporting human trafficking"],
        "source_url": "https://www.nj.gov/dca/codes/",
        "notes": "In force since 16 Jan 2018 (not a proposal): the state's video, new hires "
        "within 6 months; the hotel keeps a list (name, position, date) and the owner "
        "certifies it with the inspection application.",
    },
    {
        "code": "tx-hb390-lodging-staff",
        "title": "Texas hotel staff (Bus. & Com. Code §114.0051, HB 390)",
        "jurisdiction": "US-TX",
        "audience": "Directly employed staff of hotels with 10 or more rooms",
        "course": "hospitality-transport",
        "minimum_minutes": 20,
        "recurrence": Recurrence.FROM_COMPLETION,
        "interval_months": 12,
        "initial_days": 90,
        "approval_body": "Texas Attorney General",
        "required_topics": ["the Attorney General's training standards (1 TAC ch. 54)"],
        "source_url": f"{TX_STATUTES}/BC/htm/BC.114.htm",
        "notes": "An OAG-approved course of at least 20 minutes, annually; new hires within "
        "90 days; a certificate per employee.",
    },
    {
        "code": "tx-hb2059-health",
        "title": "Texas health care practitioners (Occ. Code ch. 116, HB 2059)",
        "jurisdiction": "US-TX",
        "audience": "Licensed health care practitioners who give direct patient care",
        "course": "healthcare",
        "recurrence": Recurrence.FROM_COMPLETION,
        "interval_months": 24,
        "initial_days": 0,
        "deadline_basis": "licence",
        "approval_body": "Texas HHSC",
        "required_topics": [
            "types of human trafficking and definitions",
            "vulnerability factors",
            "health impact",
            "identification",
            "assessment",
            "response",
            "resources",
        ],
        "source_url": f"{TX_STATUTES}/OC/htm/OC.116.htm",
        "notes": "An HHSC-approved course at each licence renewal (renewal periods differ by "
        "board; two years is the common one). The licensee keeps the certificate.",
    },
    {
        "code": "tx-ed38-0041-school-staff",
        "title": "Texas new school staff (Education Code §38.0041)",
        "jurisdiction": "US-TX",
        "audience": "New school district and open-enrollment charter school employees",
        "course": "schools",
        "recurrence": Recurrence.ONCE,
        "initial_days": 30,
        # Course topic tags the training must teach. SafePath's schools course teaches the
        # first three; the statute also covers sexual abuse and other maltreatment beyond
        # trafficking and risk-reduction techniques, which it does not, so the course alone
        # never makes anyone compliant: the district records the training that covers them.
        "topics": ["indicators", "reporting", "disabilities", "sexual-abuse", "risk-reduction"],
        "required_topics": [
            "risk factors and warning signs of sexual abuse and human trafficking",
            "internal procedures for seeking help (referral to a counselor or social worker)",
            "students with significant cognitive disabilities",
            "prevention and risk-reduction techniques",
        ],
        "source_url": f"{TX_STATUTES}/ED/htm/ED.38.htm",
        "notes": "At new-employee orientation (the 30 days here is SafePath's default; set "
        "your district's orientation window). No approving body is named in the statute "
        "text we rely on: the district's policy sets the training. Districts keep the name "
        "of each staff member trained. SafePath's schools course covers trafficking, "
        "disabilities and reporting, not sexual abuse in general: record the district's "
        "own training as an external record.",
    },
    {
        "code": "tx-19tac61-1051-existing-school-staff",
        "title": "Texas existing school staff (Education Code §38.0041; 19 TAC §61.1051)",
        "jurisdiction": "US-TX",
        "audience": "Existing school district and open-enrollment charter school employees, "
        "on the schedule the Texas Education Agency sets until all are trained",
        "course": "schools",
        "recurrence": Recurrence.ONCE,
        "initial_days": 365,
        "topics": ["indicators", "reporting", "disabilities", "sexual-abuse", "risk-reduction"],
        "required_topics": [
            "risk factors and warning signs of sexual abuse and human trafficking",
            "internal procedures for seeking help (referral to a counselor or social worker)",
            "students with significant cognitive disabilities",
            "prevention and risk-reduction techniques",
        ],
        # The Secretary of State's Texas Administrative Code viewer (title 19, part 2 = TEA).
        "source_url": f"{TX_TAC}?sl=R&app=9&p_dir=&p_rloc=&p_tloc=&p_ploc=&pg=1&p_tac="
        "&ti=19&pt=2&ch=61&rl=1051",
        "notes": "The agency rule that schedules training for staff already employed. Our "
        "reference gives no date for existing staff, so the 365 days here is SafePath's "
        "default: set the schedule your district follows. Same topics and records as for "
        "new staff; the schools course alone cannot satisfy it.",
    },
    {
        "code": "mi-333-16148-health",
        "title": "Michigan health professionals (MCL 333.16148)",
        "jurisdiction": "US-MI",
        "audience": "Health professionals licensed or registered under Article 15",
        "course": "healthcare",
        "recurrence": Recurrence.ONCE,
        "initial_days": 0,
        "deadline_basis": "licence",
        "approval_body": "The licensing board's accepted providers (R 338.7202 and each "
        "board's rules)",
        "required_topics": [
            "types and venues of human trafficking in Michigan and the United States",
            "identifying victims in health care settings",
            "warning signs for adults and minors",
            "resources for reporting",
        ],
        "source_url": "https://www.legislature.mi.gov/Laws/MCL?objectName=mcl-333-16148",
        "notes": "One-time, due by the person's first licence renewal after the rule took "
        "effect or at initial licensure, board by board; only certain providers and formats "
        "qualify. Keep a certificate with date, provider, training name and name, or a "
        "self-certification with the same fields.",
    },
    {
        "code": "fl-464-013-nurses",
        "title": "Florida nurses (§464.013(3)(c))",
        "jurisdiction": "US-FL",
        "audience": "All RNs, LPNs and APRNs",
        "course": "healthcare",
        "minimum_minutes": 120,
        "recurrence": Recurrence.FROM_COMPLETION,
        "interval_months": 24,
        "initial_days": 0,
        "deadline_basis": "licence",
        "approval_body": "Florida Board of Nursing (approved CE provider)",
        "required_topics": [
            "types and extent of human trafficking",
            "risk factors",
            "social services and hotlines",
            "validated assessment tools and general indicators",
            "sharing information with patients",
            "legal and social referral",
        ],
        "source_url": f"{FL_STATUTES}/464.013",
        "notes": "2 hours within the biennial CE. The Board's FAQ says every biennium; some "
        "providers say one-time: confirm with the Board.",
    },
    {
        "code": "fl-456-0341-health-licensees",
        "title": "Florida health care licensees (§456.0341)",
        "jurisdiction": "US-FL",
        "audience": "Licensees of the medicine, osteopathic, chiropractic, podiatric, "
        "optometry, pharmacy, dentistry and other boards the statute lists",
        "course": "healthcare",
        "minimum_minutes": 60,
        "recurrence": Recurrence.ONCE,
        "initial_days": 0,
        "deadline_basis": "licence",
        "approval_body": "The licensee's Florida board (approved CE provider)",
        "required_topics": [
            "sex and labor trafficking",
            "identifying victims",
            "how to report",
            "resources for victims",
        ],
        "source_url": f"{FL_STATUTES}/456.0341",
        "notes": "1 hour of board-approved CE; also post the required sign at the workplace.",
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
        "approval_body": "California POST",
        "required_topics": [
            "dynamics of human trafficking",
            "identifying and communicating with victims",
            "documentation for the federal law-enforcement declaration (T visa)",
            "collaboration with federal law enforcement",
            "therapeutically appropriate investigative techniques",
            "civil and immigration remedies",
            "victim protection",
        ],
        "source_url": f"{CA_CODES}?lawCode=PEN&sectionNum=13519.14",
        "notes": "At least 2 hours through a POST-certified course, one-time. SafePath's "
        "law-enforcement course (90 minutes, not POST-certified) cannot satisfy it; record "
        "the POST course as external training.",
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
        "approval_body": "Tennessee TBI (with POST)",
        "required_topics": [
            "dynamics of human trafficking",
            "identifying and communicating with victims",
            "documentation",
            "collaboration with federal law enforcement",
            "investigative techniques",
            "civil and immigration remedies",
            "victim protection",
        ],
        "source_url": "https://www.tn.gov/tbi/divisions/criminal-investigation-division/human-trafficking.html",
        "notes": "At least 2 hours through the course TBI develops, within 6 months of "
        "employment. The statute's text is published in the Tennessee Code (LexisNexis public "
        "access). SafePath's 90-minute course cannot satisfy it.",
    },
    {
        "code": "oh-109-745-peace-officers",
        "title": "Ohio peace officers (ORC §109.745)",
        "jurisdiction": "US-OH",
        "audience": "Peace officers in basic training, and re-appointees after a break",
        "course": "law-enforcement",
        "recurrence": Recurrence.ONCE,
        "initial_days": 183,
        "approval_body": "Ohio Peace Officer Training Commission (OPOTA)",
        "required_topics": [
            "identifying human trafficking",
            "victims' rights",
            "working with victim service organizations",
        ],
        "source_url": "https://codes.ohio.gov/ohio-revised-code/section-109.745",
        "notes": "Part of basic training (a condition of the basic-training certificate); "
        "continuing professional training is annual under ORC §109.803.",
    },
)
