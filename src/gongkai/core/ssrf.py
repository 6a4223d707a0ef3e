"""Outbound requests to addresses that people type in (舆情 sources, group robots, links in item bodies)
never reach the platform's own network (SSRF).

`guarded_client()` is an httpx client, `guarded_async_client()` its asyncio twin, whose connections go
through `GuardedBackend` / `GuardedAsyncBackend`: the host name is resolved once, every address it
resolves to must be a public (global unicast) one, and the socket is opened to exactly the address that
was checked, while the URL, the Host header and the TLS server name (SNI and certificate check) stay the
name. So:

- every redirect hop is checked (each new host is a new connection through the same backend);
- DNS rebinding cannot swap the address between the check and the connection (there is one lookup);
- the numeric forms of an address (``http://2130706433/``, ``0x7f.1``, ``0177.0.0.1``), IPv4-mapped,
  6to4 and NAT64 IPv6 addresses are judged by the IPv4 address they stand for.

Refused: loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16 with the cloud
metadata address, fe80::/10), shared (100.64/10), unspecified (0.0.0.0, ::), multicast, reserved and
documentation ranges — anything `ipaddress` does not call global. A name with one such address among
others is refused as a whole. A refusal is a `BlockedAddress` (not an httpx error) with a Chinese message.

`settings.GONGKAI_FETCH_ALLOW_PRIVATE` (default False) turns the address check off, for a deployment that
must read intranet sources and for the suite's local test servers; the scheme check stays. Guarded
clients connect directly: HTTP(S)_PROXY variables are not used (a proxy would resolve the name itself).

`internal_address_problem(url)` is the quick check for forms: literal internal addresses and
``localhost`` names, without any DNS lookup (the fetch itself checks what the name resolves to).

`gongkai.concerns.ssrf` re-exports these names (the concerns app's fetcher and robots came first).
"""

from __future__ import annotations

import ipaddress
import socket
import typing
import urllib.parse

import anyio
import anyio.to_thread
import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fec0::/10")
)
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


class BlockedAddress(Exception):
    """A connection to a non-public address was refused; the message is Chinese.

    `host` is the name (or address) that was to be connected to, `what` the Chinese description of the
    refused address without the surrounding sentence ("10.0.0.1 是内网地址", "a.cn 解析为 ::1 是本机回环
    地址"), for callers that word the refusal themselves."""

    def __init__(self, message: str, *, host: str = "", what: str = ""):
        super().__init__(message)
        self.host = host
        self.what = what or message


def private_allowed() -> bool:
    """settings.GONGKAI_FETCH_ALLOW_PRIVATE; False when Django is not configured."""
    try:
        from django.conf import settings

        return bool(getattr(settings, "GONGKAI_FETCH_ALLOW_PRIVATE", False))
    except Exception:  # settings not configured: the safe answer
        return False


# --- addresses ---------------------------------------------------------------------------------------


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (IPv4-mapped, 6to4, NAT64, IPv4-compatible)."""
    if address.version != 6:
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if int(address) >> 32 == 0 and int(address) > 1:  # ::a.b.c.d (deprecated IPv4-compatible)
        return ipaddress.IPv4Address(int(address))
    return None


def refusal_kind(address: IPAddress) -> str:
    """Why an address may not be reached, in Chinese ('' when it is a public address)."""
    inner = _embedded_ipv4(address)
    if inner is not None:
        kind = refusal_kind(inner)
        if kind:
            return kind
    if address.is_unspecified:
        return "未指定地址"
    if address.is_loopback:
        return "本机回环地址"
    if address.is_link_local:
        return "链路本地地址(含云服务器元数据地址)"
    if address.is_multicast:
        return "组播地址"
    if any(address in network for network in _PRIVATE_NETWORKS):
        return "内网地址"
    if address.is_private or address.is_reserved or not address.is_global:
        return "保留或非公网地址"
    return ""


def _inet_aton(text: str) -> ipaddress.IPv4Address | None:
    """An IPv4 address in any form inet_aton() accepts (1 to 4 parts, each decimal, octal with a
    leading 0 or hexadecimal with 0x, the last part filling the remaining bytes), else None."""
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values = []
    for part in parts:
        lowered = part.lower()
        if lowered.startswith("0x"):
            digits, base = lowered[2:], 16
            valid = all(c in "0123456789abcdef" for c in digits)
        elif len(part) > 1 and part.startswith("0"):
            digits, base = part[1:], 8
            valid = all(c in "01234567" for c in digits)
        else:
            digits, base = part, 10
            valid = digits.isascii() and digits.isdigit()
        if not digits and base == 16:
            digits, valid = "0", True
        if not valid or not digits:
            return None
        values.append(int(digits, base))
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        return None
    number = 0
    for value in head:
        number = number * 256 + value
    number = (number << (8 * (4 - len(head)))) | last
    return ipaddress.IPv4Address(number)


def literal_address(host: str) -> IPAddress | None:
    """The address a host written as a number stands for (any IPv4 form, IPv6 with or without
    brackets and zone), else None."""
    host = (host or "").strip().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host.split("%", 1)[0])
        except ValueError:
            return None
    return _inet_aton(host)


def _blocked(host: str, address: str, kind: str) -> BlockedAddress:
    literal = literal_address(host)
    if literal is not None:  # the address itself, maybe in another notation
        meant = str(_embedded_ipv4(literal) or literal)
        shown = host if meant == host else f"{host}(即 {meant})"
    else:
        shown = f"{host} 解析为 {address}"
    what = f"{shown[:200]} 是{kind}"
    return BlockedAddress(
        f"已拒绝访问:{what},只能访问互联网上的公开地址(防止访问内部网络)。", host=host, what=what
    )


def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to for TCP, in the resolver's order, each once."""
    found: list[str] = []
    for *_ignored, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = str(sockaddr[0]).split("%", 1)[0]
        if address not in found:
            found.append(address)
    return found


def check_addresses(host: str, addresses: typing.Iterable[str]) -> None:
    """Raise BlockedAddress unless every address is public."""
    for address in addresses:
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            raise _blocked(host, address, "无法识别的地址") from None
        kind = refusal_kind(parsed)
        if kind:
            raise _blocked(host, address, kind)


def internal_address_problem(url: str) -> str:
    """For forms: why `url` obviously points inside (a literal internal address or a localhost name),
    in Chinese; '' otherwise or when GONGKAI_FETCH_ALLOW_PRIVATE is on. No DNS lookup."""
    if private_allowed():
        return ""
    try:
        host = (urllib.parse.urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:
        return ""
    if not host:
        return ""
    if host in _LOCAL_NAMES or host.endswith(".localhost"):
        return f"地址 {host} 指向本机,只能填写互联网上的公开地址。"
    address = literal_address(host)
    if address is not None:
        kind = refusal_kind(address)
        if kind:
            meant = _embedded_ipv4(address) or address
            shown = host if str(meant) == host else f"{host}(即 {meant})"
            return f"地址 {shown[:100]} 是{kind},只能填写互联网上的公开地址。"
    return ""


# --- the connection ----------------------------------------------------------------------------------


def _vetted(host: str, addresses: list[str], allow_private: bool) -> list[str]:
    """The addresses to connect to, in order; ConnectError when there are none, BlockedAddress when
    one is not public (unless private addresses are allowed)."""
    if not addresses:
        raise httpcore.ConnectError(f"{host!r} has no address")
    if not allow_private:
        check_addresses(host, addresses)
    return addresses


class GuardedBackend(httpcore.SyncBackend):
    """Resolves the host once, refuses non-public addresses, connects to the checked address."""

    def __init__(self, *, allow_private: bool = False):
        self.allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        literal = literal_address(host)  # every numeric notation, judged without the resolver
        try:
            addresses = [str(literal)] if literal is not None else resolve(host, port)
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host!r}: {exc}") from exc
        failure: Exception | None = None
        for address in _vetted(host, addresses, self.allow_private):
            try:
                return super().connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure  # type: ignore[misc]


class GuardedAsyncBackend(httpcore.AnyIOBackend):
    """GuardedBackend for async clients: the lookup runs in a worker thread (the event loop keeps
    serving the other requests) within the connect time-out."""

    def __init__(self, *, allow_private: bool = False):
        self.allow_private = allow_private

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        literal = literal_address(host)
        if literal is not None:
            addresses = [str(literal)]
        else:
            try:
                with anyio.fail_after(timeout):
                    addresses = await anyio.to_thread.run_sync(resolve, host, port, abandon_on_cancel=True)
            except TimeoutError as exc:
                raise httpcore.ConnectTimeout(f"resolving {host!r} timed out") from exc
            except (OSError, UnicodeError) as exc:
                raise httpcore.ConnectError(f"cannot resolve {host!r}: {exc}") from exc
        failure: Exception | None = None
        for address in _vetted(host, addresses, self.allow_private):
            try:
                return await super().connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure  # type: ignore[misc]


def _install(pool: typing.Any, pool_class: type, backend: typing.Any) -> None:
    if not isinstance(pool, pool_class) or not hasattr(pool, "_network_backend"):
        raise RuntimeError("httpx/httpcore changed: the address guard cannot be installed")
    pool._network_backend = backend


def guarded_transport(*, allow_private: bool | None = None, **kwargs) -> httpx.HTTPTransport:
    """An httpx transport whose connections go through GuardedBackend."""
    transport = httpx.HTTPTransport(**kwargs)
    allow = private_allowed() if allow_private is None else allow_private
    _install(transport._pool, httpcore.ConnectionPool, GuardedBackend(allow_private=allow))
    return transport


def guarded_async_transport(*, allow_private: bool | None = None, **kwargs) -> httpx.AsyncHTTPTransport:
    """An httpx async transport whose connections go through GuardedAsyncBackend."""
    transport = httpx.AsyncHTTPTransport(**kwargs)
    allow = private_allowed() if allow_private is None else allow_private
    _install(transport._pool, httpcore.AsyncConnectionPool, GuardedAsyncBackend(allow_private=allow))
    return transport


def guarded_client(*, allow_private: bool | None = None, verify: typing.Any = True, **kwargs) -> httpx.Client:
    """An httpx.Client (same keyword arguments) that only reaches public addresses unless
    GONGKAI_FETCH_ALLOW_PRIVATE (or `allow_private`) says otherwise."""
    return httpx.Client(transport=guarded_transport(allow_private=allow_private, verify=verify), **kwargs)


def guarded_async_client(
    *, allow_private: bool | None = None, verify: typing.Any = True, **kwargs
) -> httpx.AsyncClient:
    """guarded_client() for asyncio: an httpx.AsyncClient (same keyword arguments)."""
    transport = guarded_async_transport(allow_private=allow_private, verify=verify)
    return httpx.AsyncClient(transport=transport, **kwargs)
