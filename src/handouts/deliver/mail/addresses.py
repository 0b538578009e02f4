"""Email addresses: checking one, and keeping every address out of what is shown or logged."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from handouts.errors import UsageError, shown


class AddressError(UsageError):
    pass


def check_address(address: str, field: str = "email") -> str:
    """A syntactically valid address (no DNS lookup), normalized; the error never repeats it."""
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError as err:
        reason = str(err).replace(address.strip(), "the address")
        # the reason may quote a piece of the address (a domain label, an address literal): never shown
        local, _, domain = address.strip().rpartition("@")
        pieces = {local, domain, domain.strip("[]"), *domain.strip("[]").split(".")}
        for piece in sorted(pieces, key=len, reverse=True):
            if len(piece) >= 4:
                reason = reason.replace(piece, "...")
        reason = shown(scrub(reason), 200)
        raise AddressError(f"{field}: not a valid email address ({reason.rstrip('.')}); fix it") from None


#: a domain: an [address literal], or a name that starts with neither "-" nor "." ("the @-sign" is no address)
_DOMAIN = r"""(?:\[[^\]\s]*\]|[^\s<>()\[\]@,;:"\\.-][^\s<>()\[\]@,;:"\\]*)"""
#: anything shaped like an address, angle brackets included: a local part (plain or quoted), "@"
#: and a domain, or either side alone with its "@"
_ADDRESS = re.compile(rf"""<?(?:(?:"[^"]*"|[^\s<>()\[\]@,;:"\\]+)@{_DOMAIN}?|@{_DOMAIN})>?""")


def scrub(text: str, to: str = "") -> str:
    """A server's reply with every address-shaped part, and the recipient's local part as a
    word of its own (three characters or more), replaced by ``<address>``."""
    text = _ADDRESS.sub("<address>", text)
    local = to.rpartition("@")[0]
    if len(local) >= 3:
        text = re.sub(rf"(?<![\w.+-]){re.escape(local)}(?![\w+-]|\.\w)", "<address>", text, flags=re.I)
    return text
