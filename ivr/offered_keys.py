"""The keys a menu offered, carried in its signed key URL, so answering a key needs no rebuild of the screen.

Only a menu whose every way on is a plain Go (no effect to run, no typed number) is carried: the main
menu and the spoken lists. Twilio signs the URL with the key's request, so what comes back is what we
offered; the caller's key is answered by what they heard, and the screen is built once, when it speaks.

The options travel as base64url of compact JSON: letters, digits, "-" and "_" only. Percent-encoded
JSON ("%7B%22o%22%3A...") is decoded back by HTTP clients and proxies that normalise URLs, and a URL
that reaches us other than as it was signed fails Twilio's signature check.
"""

import base64
import binascii
import json

from ivr.screen_types import Action, Go, Menu, clean_args

ARG = "keys"  # the key URL's argument that carries them


def carried(menu: Menu) -> str:
    """The menu's options, back and silence, URL-safe; '' when one of them is not a plain Go."""
    ways = [*menu.options.values(), menu.back, menu.on_silence]
    if menu.digits != 1 or menu.number is not None or not all(w is None or isinstance(w, Go) for w in ways):
        return ""
    found = {
        "o": {key: _go_data(go) for key, go in menu.options.items()},
        "b": _go_data(menu.back),
        "s": _go_data(menu.on_silence),
    }
    text = json.dumps(found, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def offered(text: str) -> Menu | None:
    """The options carried by a key URL, as a menu without lines; None when the URL carries none."""
    if not text:
        return None
    try:
        found = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        options: dict[str, Action] = {str(key): _go(data) for key, data in found["o"].items()}
        return Menu([], options, back=_maybe_go(found["b"]), on_silence=_maybe_go(found["s"]))
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
        return None  # not ours (the URL is signed, so an older release's): build the screen instead


def _go_data(go) -> list | None:
    return None if go is None else [go.screen, clean_args(go.args), list(go.notice)]


def _maybe_go(data) -> Go | None:
    return None if data is None else _go(data)


def _go(data) -> Go:
    screen, args, notice = data
    return Go(str(screen), {str(k): str(v) for k, v in args.items()}, tuple(str(n) for n in notice))
