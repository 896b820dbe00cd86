"""The password policy: long enough, not the user name, and not a breached password (a shipped list of the
19,646 commonest, also with digits or symbols added to one of them). Length beats composition rules (NIST SP
800-63B), so there are none of the latter."""

from __future__ import annotations

import gzip
import string
from functools import cache

from repcompanion.domain.errors import HubError
from repcompanion.resources import resource_path

MIN_LENGTH = 12
MAX_LENGTH = 256
BREACHED_LIST = ("security", "common-passwords.txt.gz")
#: a breached password with these added at either end is still that password to an attacker's word list
_DECORATION = string.digits + string.punctuation + " "


class WeakPasswordError(HubError):
    hint = f"Choose a passphrase of at least {MIN_LENGTH} characters, e.g. four unrelated words; nothing was changed."


@cache
def breached_passwords() -> frozenset[str]:
    """The shipped list of breached passwords (lower case)."""
    with gzip.open(resource_path(*BREACHED_LIST), "rt", encoding="utf-8") as handle:
        return frozenset(line.strip().lower() for line in handle if line.strip())


def check_password(password: str, *, user: str = "") -> None:
    """Raise WeakPasswordError saying why ``password`` may not be used (by ``user``)."""
    if len(password) < MIN_LENGTH:
        raise WeakPasswordError(f"The password has {len(password)} characters; it needs at least {MIN_LENGTH}.")
    if len(password) > MAX_LENGTH:
        raise WeakPasswordError(f"The password has {len(password)} characters; at most {MAX_LENGTH} are accepted.")
    if not password.strip():
        raise WeakPasswordError("The password is only spaces.")
    lowered = password.lower()
    if len(set(lowered)) < 4:
        raise WeakPasswordError("The password repeats the same few characters.")
    if user and user.lower() in lowered:
        raise WeakPasswordError("The password contains the user name.")
    common = breached_passwords()
    if lowered in common:
        raise WeakPasswordError("The password is on the list of breached passwords attackers try first.")
    core = lowered.strip(_DECORATION)
    if len(core) >= 6 and core in common:
        raise WeakPasswordError(
            f"The password is a breached password ('{core[:2]}…') with digits or symbols added; attackers try "
            "those too."
        )


__all__ = ["MIN_LENGTH", "WeakPasswordError", "breached_passwords", "check_password"]
