"""Canonical form and hash of an audit event. What is hashed is exactly what is stored."""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

HASHED_FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_repr",
    "organization_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "data",
    "ip_address",
)


def canonical_json(value: Any) -> str:
    return json.dumps(
        value,
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        cls=DjangoJSONEncoder,
        allow_nan=False,
    )


def _integral_floats_to_int(value: Any) -> Any:
    # PostgreSQL's jsonb stores numbers as numeric and prints 1e+20 back as 100000000000000000000 (an int
    # once loaded), so integral floats are stored as ints to read back as what was hashed.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral_floats_to_int(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral_floats_to_int(v) for v in value]
    return value


def normalise_data(data: dict | None) -> dict:
    """Round-trip through JSON: dates, decimals, UUIDs... become the strings the database gives back."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise TypeError("Audit event data must be a dict.")
    return _integral_floats_to_int(json.loads(canonical_json(data)))


def format_timestamp(value: datetime.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("Audit timestamps must be timezone-aware.")
    return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def payload(event) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "created_at": format_timestamp(event.created_at),
        "actor_id": event.actor_id,
        "actor_repr": event.actor_repr,
        "organization_id": event.organization_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "data": event.data,
        "ip_address": event.ip_address,
    }


def compute_hash(event, prev_hash: str | None = None) -> str:
    """sha256(prev_hash + canonical JSON of the event's hashed fields), hex."""
    prev = event.prev_hash if prev_hash is None else prev_hash
    return hashlib.sha256((prev + canonical_json(payload(event))).encode("utf-8")).hexdigest()
