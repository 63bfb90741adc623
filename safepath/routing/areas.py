"""Jurisdiction areas: GeoJSON polygons parsed and checked with shapely (no hand-written geometry).

An import accepts a GeoJSON FeatureCollection, a Feature, or a bare Polygon/MultiPolygon, in
longitude/latitude (WGS 84). Anything else is refused with a message a person can act on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_FEATURES = 500


@dataclass(frozen=True)
class ParsedArea:
    name: str
    geometry: dict[str, Any]
    shape: BaseGeometry


def _geometry(raw: Any, label: str) -> BaseGeometry:
    if not isinstance(raw, dict) or raw.get("type") not in {"Polygon", "MultiPolygon"}:
        raise ValidationError(
            _("%(label)s: only Polygon and MultiPolygon areas can be imported.") % {"label": label}
        )
    try:
        geometry = shape(raw)
    except Exception as error:
        raise ValidationError(
            _("%(label)s: the coordinates are not a polygon (%(error)s).")
            % {"label": label, "error": error}
        ) from None
    if geometry.is_empty:
        raise ValidationError(_("%(label)s: the polygon is empty.") % {"label": label})
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    if min_lon < -180 or max_lon > 180 or min_lat < -90 or max_lat > 90:
        raise ValidationError(
            _("%(label)s: coordinates must be longitude, latitude in degrees (WGS 84).")
            % {"label": label}
        )
    if not geometry.is_valid:
        raise ValidationError(
            _("%(label)s: the polygon is not valid (%(why)s).")
            % {"label": label, "why": explain_validity(geometry)}
        )
    return geometry


def _clean_name(raw: Any) -> str:
    """An area's name as plain text: no NUL or other control characters, at most 200."""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        return ""
    text = "".join(ch for ch in str(raw) if ch.isprintable() or ch == " ")
    return " ".join(text.split())[:200]


def mapping_of(geometry: BaseGeometry) -> dict[str, Any]:
    """GeoJSON for a shapely geometry, with lists (not tuples) so it round-trips as JSON."""
    result: dict[str, Any] = json.loads(json.dumps(mapping(geometry)))
    return result


def parse_areas(text: str | bytes) -> list[ParsedArea]:
    """Every area in a GeoJSON document, validated; raises ValidationError on any problem."""
    if len(text) > MAX_IMPORT_BYTES:
        raise ValidationError(_("The file is larger than 5 MB."))
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise ValidationError(_("The file is not valid JSON.")) from None
    except RecursionError:
        raise ValidationError(_("The file is nested too deeply to be GeoJSON.")) from None
    if not isinstance(document, dict):
        raise ValidationError(_("The file is not a GeoJSON object."))
    kind = document.get("type")
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            raise ValidationError(_("The FeatureCollection has no list of features."))
    elif kind == "Feature":
        features = [document]
    else:
        features = [{"type": "Feature", "properties": {}, "geometry": document}]
    if not features:
        raise ValidationError(_("The file contains no area."))
    if len(features) > MAX_FEATURES:
        raise ValidationError(_("The file contains more than %(n)s areas.") % {"n": MAX_FEATURES})
    parsed = []
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise ValidationError(_("Item %(n)s is not a GeoJSON Feature.") % {"n": number})
        properties = feature.get("properties")
        if properties is None:
            properties = {}
        if not isinstance(properties, dict):
            raise ValidationError(
                _('Item %(n)s: “properties” must be an object, like {"name": "…"}.') % {"n": number}
            )
        name = _clean_name(properties.get("name")) or str(_("Area %(n)s") % {"n": number})
        geometry = _geometry(feature.get("geometry"), _("Area “%(name)s”") % {"name": name})
        # Store the geometry as shapely read it: type and coordinates, nothing else the file
        # carried (extra members, deep nesting, strings no database column can hold).
        parsed.append(ParsedArea(name=name, geometry=mapping_of(geometry), shape=geometry))
    return parsed
