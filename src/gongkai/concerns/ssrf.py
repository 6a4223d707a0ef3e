"""The SSRF guard of 舆情 sources and group robots; it lives in `gongkai.core.ssrf` (shared with the
link checker of item bodies, review/links.py) and is re-exported here for the concerns app's imports."""

from gongkai.core.ssrf import (
    BlockedAddress,
    GuardedAsyncBackend,
    GuardedBackend,
    IPAddress,
    check_addresses,
    guarded_async_client,
    guarded_async_transport,
    guarded_client,
    guarded_transport,
    internal_address_problem,
    literal_address,
    private_allowed,
    refusal_kind,
    resolve,
)

__all__ = [
    "BlockedAddress",
    "GuardedAsyncBackend",
    "GuardedBackend",
    "IPAddress",
    "check_addresses",
    "guarded_async_client",
    "guarded_async_transport",
    "guarded_client",
    "guarded_transport",
    "internal_address_problem",
    "literal_address",
    "private_allowed",
    "refusal_kind",
    "resolve",
]
