"""Placements from and to CSV.

An import is all or nothing: every row is validated (with the same form staff use on the
page) before anything is written; one bad row rejects the whole file with a list of
row-level errors. The file has a size and row limit so a mistake cannot stall the server.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from safepath.accounts.models import Organization, Unit, User
from safepath.core.spreadsheets import spreadsheet_safe
from safepath.placements.forms import LANGUAGE_FIELDS, PlacementForm
from safepath.placements.models import MAX_LANGUAGES, Placement, SiteType
from safepath.placements.services import placement_create

IMPORT_COLUMNS = [
    "public_name",
    "site_type",
    "unit",
    "address",
    "latitude",
    "longitude",
    "languages",
    "installed_on",
    "last_checked_on",
    "internal_notes",
]
EXPORT_COLUMNS = ["code", "status", *IMPORT_COLUMNS]

TEMPLATE_ROWS = [
    {
        "public_name": "Main bus station, restroom by gate 4",
        "site_type": SiteType.RESTROOM,
        "unit": "",
        "address": "100 Main Street, Riverside",
        "latitude": "38.581572",
        "longitude": "-121.494400",
        "languages": "en es",
        "installed_on": "2026-01-15",
        "last_checked_on": "",
        "internal_notes": "Inside the stall door, at eye level.",
    },
]


@dataclass
class ImportResult:
    created: list[Placement] = field(default_factory=list)
    # (row number as a spreadsheet shows it, message)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def template_csv() -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=IMPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(TEMPLATE_ROWS)
    return out.getvalue()


def export_csv(placements: Iterable[Placement]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for p in placements:
        writer.writerow(
            {
                "code": p.code,
                "status": p.status,
                "public_name": spreadsheet_safe(p.public_name),
                "site_type": p.site_type,
                "unit": p.unit.slug if p.unit else "",
                "address": spreadsheet_safe(p.address),
                "latitude": "" if p.latitude is None else str(p.latitude),
                "longitude": "" if p.longitude is None else str(p.longitude),
                "languages": " ".join(p.languages),
                "installed_on": p.installed_on.isoformat() if p.installed_on else "",
                "last_checked_on": p.last_checked_on.isoformat() if p.last_checked_on else "",
                "internal_notes": spreadsheet_safe(p.internal_notes),
            }
        )
    return out.getvalue()


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(
            _(
                "The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8” "
                "and try again."
            )
        ) from None


# Python's csv module refuses cells over 128 KB by raising; a placement's longest field is
# far shorter, so anything near that is a broken file (a quote that never closes).
MAX_CELL_CHARS = 10_000


def _read_rows(text: str) -> list[list[str]]:
    """Every row of the file as cells, or ValueError with a message a person can act on.

    Line endings may be Windows (CR LF), Unix (LF) or old Mac (CR alone, Excel's "CSV
    (Macintosh)"). Parsing is strict: a quote that never closes, or text after a closing
    quote, refuses the file instead of importing garbage placements.
    """
    reader = csv.reader(io.StringIO(text, newline=None), strict=True)
    rows: list[list[str]] = []
    try:
        for cells in reader:
            if any(len(cell) > MAX_CELL_CHARS for cell in cells):
                raise ValueError(
                    _("Row %(row)s has a cell longer than %(chars)s characters.")
                    % {"row": reader.line_num, "chars": MAX_CELL_CHARS}
                )
            rows.append(cells)
            if len(rows) > settings.PLACEMENT_IMPORT_MAX_ROWS + 1:
                break  # the row limit below says so
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise ValueError(
                _("Row %(row)s has a cell longer than %(chars)s characters.")
                % {"row": reader.line_num, "chars": MAX_CELL_CHARS}
            ) from None
        raise ValueError(
            _(
                'The file is not valid CSV near line %(line)s: check for a quote (") that '
                "is not closed, or text right after a closing quote."
            )
            % {"line": reader.line_num}
        ) from None
    return rows


def _as_record(header: list[str], cells: list[str]) -> dict[str | None, str]:
    """A row as {column: value}; cells beyond the header go under None, as DictReader does."""
    record: dict[str | None, str] = dict(zip(header, cells, strict=False))
    if len(cells) > len(header):
        record[None] = ",".join(cells[len(header) :])
    return record


def _form_data(
    row: dict[str | None, str], units: dict[str, Unit]
) -> tuple[dict[str, str], list[str]]:
    problems: list[str] = []
    data = {name: (row.get(name) or "").strip() for name in IMPORT_COLUMNS}
    unit_slug = data.pop("unit")
    data["unit"] = ""
    if unit_slug:
        unit = units.get(unit_slug)
        if unit is None:
            problems.append(
                _("unit: no unit “%(slug)s” in your organization") % {"slug": unit_slug}
            )
        else:
            data["unit"] = str(unit.pk)
    languages = data.pop("languages").replace(",", " ").replace(";", " ").split() or ["en"]
    if len(languages) > MAX_LANGUAGES:
        problems.append(_("languages: at most three"))
    for name, value in zip(LANGUAGE_FIELDS, languages, strict=False):
        data[name] = value.lower()
    if not data["site_type"]:
        data["site_type"] = SiteType.OTHER
    return data, problems


def placements_import_csv(
    *, organization: Organization, actor: User | None, data: bytes
) -> ImportResult:
    """Validate every row, then create them all in one transaction, or none."""
    result = ImportResult()
    if len(data) > settings.PLACEMENT_IMPORT_MAX_BYTES:
        limit_kb = settings.PLACEMENT_IMPORT_MAX_BYTES // 1024
        result.errors.append(
            (
                0,
                _("The file is larger than %(kb)s KB. Split it into smaller files.")
                % {"kb": limit_kb},
            )
        )
        return result
    try:
        text = _decode(data)
    except ValueError as error:
        result.errors.append((0, str(error)))
        return result
    try:
        rows = _read_rows(text)
    except ValueError as error:
        result.errors.append((0, str(error)))
        return result
    if not rows:
        header: list[str] = []
    else:
        header = [name.strip() for name in rows[0]]
    duplicates = sorted({name for name in header if name and header.count(name) > 1})
    if duplicates:
        result.errors.append(
            (1, _("Columns named twice: %(names)s") % {"names": ", ".join(duplicates)})
        )
        return result
    if "public_name" not in header:
        result.errors.append(
            (
                1,
                _(
                    "The first row must name the columns; “public_name” is required. "
                    "Download the template to start from."
                ),
            )
        )
        return result
    unknown = sorted(set(header) - set(IMPORT_COLUMNS) - {"code", "status"})
    if unknown:
        result.errors.append((1, _("Unknown columns: %(names)s") % {"names": ", ".join(unknown)}))
        return result
    units = {unit.slug: unit for unit in Unit.objects.filter(organization=organization)}
    valid: list[dict[str, object]] = []
    records = (_as_record(header, cells) for cells in rows[1:])
    for number, row in enumerate(records, start=2):
        if number - 1 > settings.PLACEMENT_IMPORT_MAX_ROWS:
            result.errors = [
                (
                    0,
                    _("The file has more than %(rows)s rows. Split it into smaller files.")
                    % {"rows": settings.PLACEMENT_IMPORT_MAX_ROWS},
                )
            ]
            return result
        if None in row:
            result.errors.append((number, _("more cells than columns")))
            continue
        if not any((value or "").strip() for value in row.values()):
            continue  # a blank line at the end of a spreadsheet export
        if (row.get("code") or "").strip():
            result.errors.append(
                (
                    number,
                    _(
                        "has a code: the import only creates new placements; "
                        "change existing ones on their page"
                    ),
                )
            )
            continue
        form_data, problems = _form_data(row, units)
        form = PlacementForm(data=form_data, organization=organization)
        if not form.is_valid():
            for name, messages in form.errors.items():
                label = "languages" if name.startswith("language_") else name
                problems.extend(f"{label}: {message}" for message in messages)
        if problems:
            result.errors.extend((number, problem) for problem in problems)
            continue
        valid.append(form.placement_details())
    if result.errors:
        return result
    if not valid:
        result.errors.append((0, _("The file has no placements in it.")))
        return result
    with transaction.atomic():
        for details in valid:
            result.created.append(
                placement_create(
                    organization=organization,
                    public_name=str(details["public_name"]),
                    actor=actor,
                    details=details,
                    imported=True,
                )
            )
    return result
