"""SMS text: templates with placeholders, GSM-7 or UCS-2 encoding, segment count and cost."""

import math
import re
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext

# GSM 03.38 default alphabet; the extension characters cost two septets (escape + char).
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
PLACEHOLDERS = {
    "name": lazy_gettext("the contact's name"),
    "district": lazy_gettext("the contact's district"),
    "title": lazy_gettext("the title of the campaign's lesson or story"),
    "line": lazy_gettext("the Chaupal phone number"),
}


@dataclass(frozen=True)
class SmsSize:
    encoding: str  # "GSM-7" or "UCS-2"
    characters: int
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int

    def cost(self, price_per_segment: Decimal) -> Decimal:
        return price_per_segment * self.segments


def is_gsm7(text: str) -> bool:
    """True if every character is in the GSM-7 alphabet (basic or extension)."""
    return all(char in GSM_BASIC or char in GSM_EXTENDED for char in text)


def measure(text: str) -> SmsSize:
    """Encoding and segment count: 160/153 septets for GSM-7, 70/67 code units for UCS-2."""
    if is_gsm7(text):
        units = sum(2 if char in GSM_EXTENDED else 1 for char in text)
        single, part, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part, encoding = 70, 67, "UCS-2"
    segments = 1 if units <= single else math.ceil(units / part)
    return SmsSize(encoding, len(text), units, segments if text else 0)


def unknown_placeholders(template: str) -> list[str]:
    """Placeholders in the template that cannot be filled."""
    return sorted({name for name in PLACEHOLDER.findall(template) if name not in PLACEHOLDERS})


def render(template: str, values: dict[str, str]) -> str:
    """Fill {name}-style placeholders; unknown ones are left as written (refused at save time)."""
    return PLACEHOLDER.sub(lambda m: str(values.get(m[1], m[0])), template).strip()
