"""Where webhooks may go: never to private, loopback, link-local or otherwise reserved addresses,
unless an admin allowed that subscription's host."""

import ipaddress
import socket
from urllib.parse import urlsplit


class AddressRefusedError(ValueError):
    """The URL is not one webhooks are sent to."""


def check_url(url: str, allow_private: bool = False) -> None:
    """Raise AddressRefusedError unless url is http(s) to a host that resolves only to public addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise AddressRefusedError("only http(s) URLs without credentials")
    if allow_private:
        return
    for address in _addresses(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)):
        if not address.is_global or address.is_multicast:
            raise AddressRefusedError(f"{parts.hostname} is a private, loopback or link-local address")


def _addresses(host: str, port: int) -> set[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise AddressRefusedError(f"{host} does not resolve") from error
    found = set()
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        # An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it is.
        mapped = getattr(address, "ipv4_mapped", None)
        found.add(mapped or address)
    return found
