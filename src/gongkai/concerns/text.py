"""Keys and fingerprints of a mention's text: the normalised URL, the content hash and the MinHash signature.

- **URL**: ``normalise_url`` lowercases the scheme and host, drops ``www.``, user info, default ports, the
  fragment (except ``#!`` routes), a trailing slash and the tracking parameters (``utm_*``, ``spm``,
  ``from``, share ids, WeChat session parameters…), and sorts the query. ``url_key`` is the SHA-1 of that
  URL without its scheme, so the http and https addresses of a page are one page.
- **Content**: ``normalise`` is the search index's normalisation (NFKC, lower case, letters and digits
  only), so punctuation, spaces, full-width forms and line breaks never make two copies differ.
  ``content_hash`` is the SHA-1 of the normalised title followed by the normalised text.
- **Signature**: the MinHash of the set of character 3-grams of the normalised content, by one permutation
  hashing with optimal densification (Shrivastava, ICML 2017): each 3-gram (three code points, packed into
  63 bits, so no two collide) is mixed with SplitMix64; the top 7 bits pick one of 128 bins and the bin
  keeps its smallest value; an empty bin takes the value of the first non-empty bin in its own fixed
  random order of the bins. Two signatures agree in a bin with probability equal to the Jaccard
  similarity of the two 3-gram sets, like 128 independent permutations, for one sort of the 3-grams
  instead of 128 passes (≈ 20–40 µs for a news article instead of ≈ 300 µs; bench/RESULTS.md).
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

import numpy as np

from gongkai.search.text import normalize

__all__ = [
    "BINS",
    "MAX_SIGNATURE_CHARS",
    "content_hash",
    "normalise",
    "normalise_url",
    "signature",
    "signature_bytes",
    "signature_from_bytes",
    "similarity",
    "url_key",
]

normalise = normalize

# --- URLs --------------------------------------------------------------------------------------------

DEFAULT_PORTS = {"http": 80, "https": 443}
# Query parameters that say how a reader arrived, not what they read (compared in lower case). Only
# well-known ones: dropping a parameter that does name the content would merge two pages into one key.
TRACKING_PARAMETERS = frozenset(
    (
        "spm",
        "spm_id_from",
        "from",
        "fromsource",
        "from_source",
        "share_id",
        "shareid",
        "share_token",
        "sharetoken",
        "share_from",
        "share_source",
        "share_medium",
        "share_plat",
        "share_session_id",
        "share_tag",
        "share_app_id",
        "share_type",
        "sharer_shareid",
        "sharer_sharetime",
        "sharer_shareinfo",
        "sharer_shareinfo_first",
        "scene",
        "subscene",
        "ascene",
        "clicktime",
        "enterid",
        "sessionid",
        "pass_ticket",
        "wx_header",
        "nettype",
        "devicetype",
        "exportkey",
        "isappinstalled",
        "wxfrom",
        "xhsshare",
        "app_platform",
        "appuid",
        "u_atoken",
        "u_asig",
        "tt_from",
        "vd_source",
        "bd_vid",
        "fbclid",
        "gclid",
        "yclid",
        "msclkid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "ref",
        "ref_src",
        "chksm",
        "mpshare",
        "srcid",
        "wfr",
        "fr",
        "isfromapp",
        "is_from_app",
        "shareuid",
        "shareplatform",
    )
)
TRACKING_PREFIXES = ("utm_", "share_", "sharer_", "_hs")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_SAFE_PATH = "/:@!$&'()*+,;=-._~"
_SAFE_QUERY = ":@!$'()*+,;/?-._~"


def _tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


def normalise_url(url: str) -> str:
    """The canonical form of a link (``""`` for nothing). A path alone (``/xxgk/…``) stays a path."""
    url = (url or "").strip()
    if not url:
        return ""
    if url.startswith("//"):
        url = "http:" + url
    elif not _SCHEME.match(url) and not url.startswith("/"):
        url = "http://" + url  # "www.example.com/a" as typed by a person
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not a number, a broken IPv6 host: keep the text as it is
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    netloc = host
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{port}"
    path = quote(unquote(parts.path), safe=_SAFE_PATH)
    path = re.sub(r"/{2,}", "/", path)
    if len(path) > 1:
        path = path.rstrip("/")
    if host and not path:
        path = "/"
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _tracking(k)]
    query = urlencode(sorted(pairs), quote_via=quote, safe=_SAFE_QUERY)
    fragment = parts.fragment if parts.fragment.startswith(("!", "/")) else ""  # hash routes name pages
    return urlunsplit((scheme, netloc, path, query, fragment))


def url_key(url: str) -> str:
    """SHA-1 (hex) of the normalised URL without its scheme; ``""`` when there is no URL."""
    normal = normalise_url(url)
    if not normal:
        return ""
    without_scheme = _SCHEME.sub("", normal)
    return hashlib.sha1(without_scheme.encode("utf-8"), usedforsecurity=False).hexdigest()


# --- content -----------------------------------------------------------------------------------------


def content(title: str, text: str) -> str:
    """The normalised content of a mention: title then text."""
    return normalise(title or "") + normalise(text or "")


def content_hash(normalised_content: str) -> str:
    """SHA-1 (hex) of already normalised content (``content(title, text)``)."""
    return hashlib.sha1(normalised_content.encode("utf-8"), usedforsecurity=False).hexdigest()


# --- MinHash signatures ------------------------------------------------------------------------------

BINS = 128
_BIN_BITS = 7  # 2**7 bins
_VALUE_SHIFT = np.uint64(64 - _BIN_BITS - 32)  # the 32 bits just below the bin number
_BIN_SHIFT = np.uint64(64 - _BIN_BITS)
_BIN_STARTS = np.arange(BINS, dtype=np.uint64) << _BIN_SHIFT
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
# Each bin's own fixed order of the other bins, for densification (seeded: signatures must stay comparable).
_ORDER = np.array([np.random.default_rng(20261126 + i).permutation(BINS) for i in range(BINS)], dtype=np.intp)
MAX_SIGNATURE_CHARS = 20_000  # of normalised content; beyond it a text is the same matter anyway


def _shingle_hashes(normalised_content: str) -> np.ndarray:
    """SplitMix64 of each character 3-gram (a text shorter than 3 characters is one padded 3-gram)."""
    text = normalised_content[:MAX_SIGNATURE_CHARS]
    if len(text) < 3:
        text = text + "\x00" * (3 - len(text))
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    x = (codes[:-2] << np.uint64(42)) | (codes[1:-1] << np.uint64(21)) | codes[2:]
    x ^= x >> np.uint64(30)
    x *= _MIX1
    x ^= x >> np.uint64(27)
    x *= _MIX2
    x ^= x >> np.uint64(31)
    return x


def signature(normalised_content: str) -> np.ndarray | None:
    """The 128 MinHash values (uint32) of the content's 3-grams; None for empty content."""
    if not normalised_content:
        return None
    hashes = np.sort(_shingle_hashes(normalised_content))
    first = np.searchsorted(hashes, _BIN_STARTS)  # index of the smallest hash in each bin, if any
    present = first < len(hashes)
    smallest = hashes[np.minimum(first, len(hashes) - 1)]
    present &= (smallest >> _BIN_SHIFT) == np.arange(BINS, dtype=np.uint64)
    values = ((smallest >> _VALUE_SHIFT) & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    if not present.all():
        # Optimal densification: an empty bin copies the first non-empty bin in its own order.
        empty = np.flatnonzero(~present)
        orders = _ORDER[empty]
        chosen = orders[np.arange(len(empty)), np.argmax(present[orders], axis=1)]
        values[empty] = values[chosen]
    return values


def signature_bytes(values: np.ndarray | None) -> bytes | None:
    return None if values is None else values.astype("<u4").tobytes()


def signature_from_bytes(data: bytes | memoryview | None) -> np.ndarray | None:
    if not data:
        return None
    values = np.frombuffer(bytes(data), dtype="<u4")
    return values if len(values) == BINS else None


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the two 3-gram sets (share of bins that agree)."""
    return float(np.count_nonzero(a == b)) / BINS
