"""Access classes and the Core spec's default access policy.

Each operation belongs to one access class; a user level is granted the
classes marked for it in the default policy table.  Anonymous callers are
granted PRE_AUTH only.
"""

from __future__ import annotations

import enum


class AccessClass(enum.Enum):
    PRE_AUTH = "PRE_AUTH"
    READ_SYSTEM = "READ_SYSTEM"
    READ_SYSTEM_SENSITIVE = "READ_SYSTEM_SENSITIVE"
    READ_SYSTEM_SECRET = "READ_SYSTEM_SECRET"
    WRITE_SYSTEM = "WRITE_SYSTEM"
    UNRECOVERABLE = "UNRECOVERABLE"
    READ_MEDIA = "READ_MEDIA"
    ACTUATE = "ACTUATE"


_A = AccessClass
DEFAULT_POLICY: dict[str, frozenset[AccessClass]] = {
    "Administrator": frozenset(AccessClass),
    "Operator": frozenset(
        {_A.PRE_AUTH, _A.READ_SYSTEM, _A.READ_SYSTEM_SENSITIVE, _A.READ_MEDIA, _A.ACTUATE}
    ),
    "User": frozenset({_A.PRE_AUTH, _A.READ_SYSTEM, _A.READ_MEDIA}),
    "Anonymous": frozenset({_A.PRE_AUTH}),
}


def allowed(level: str, access: AccessClass) -> bool:
    return access in DEFAULT_POLICY.get(level, frozenset())
