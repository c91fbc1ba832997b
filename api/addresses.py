"""Where webhooks may go: never to private, loopback, link-local or otherwise reserved addresses,
unless an admin allowed that subscription's host. The address checked is the address connected to."""

import ipaddress
import socket
from urllib.parse import urlsplit

from flask_babel import gettext


class AddressRefusedError(ValueError):
    """The URL is not one webhooks are sent to."""


class HostNotFoundError(ValueError):
    """The host name does not resolve now (it may later)."""


def check_url(url: str, allow_private: bool = False) -> str:
    """The address to connect to for url, or AddressRefusedError/HostNotFoundError saying why not."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        raise AddressRefusedError(
            gettext("only web addresses (http or https) without a user name or password")
        )
    addresses = _addresses(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    if not allow_private:
        for address in addresses:
            if not address.is_global or address.is_multicast:
                raise AddressRefusedError(
                    gettext("%(host)s is a private, loopback or link-local address", host=parts.hostname)
                )
    return str(sorted(addresses, key=lambda a: (a.version, int(a)))[0])


def _addresses(host: str, port: int) -> set[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise HostNotFoundError(
            gettext("%(host)s cannot be found (the name does not resolve)", host=host)
        ) from error
    found = set()
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        # An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it is.
        mapped = getattr(address, "ipv4_mapped", None)
        found.add(mapped or address)
    return found
