"""The error family of the camera model, named after the ONVIF fault codes.

The model raises these with the spec's subcodes and a reason for humans;
it knows nothing of SOAP.  `soap/faults.py` is the one place that turns them
into SOAP 1.2 / 1.1 faults (env code, ter: subcodes, HTTP status).

    raise InvalidArgVal("NoProfile", "no profile with token 'x'")

renders as env:Sender / ter:InvalidArgVal / ter:NoProfile.
"""

from __future__ import annotations


class OnvifError(Exception):
    """A failure the ONVIF specs name.

    `receiver` selects env:Receiver (the device failed) over env:Sender (the
    request was wrong).  `generic` is the first-level ter: subcode; `detail`,
    when given, the second-level one.
    """

    receiver = False
    generic = "InvalidArgVal"
    title = "Argument Value Invalid"  # the Core spec's normative Reason for the generic code

    def __init__(self, detail: str | None = None, reason: str = "") -> None:
        self.detail = detail
        # The normative Reason first (clients such as onveef match on it), then the particulars.
        self.reason = f"{self.title}: {reason}" if reason else self.title
        super().__init__(self.reason)

    @property
    def code(self) -> str:
        """The SOAP env: fault code."""
        return "Receiver" if self.receiver else "Sender"

    @property
    def subcodes(self) -> tuple[str, ...]:
        """The ter: subcode chain, outermost first."""
        return (self.generic, self.detail) if self.detail else (self.generic,)


class InvalidArgVal(OnvifError):
    generic = "InvalidArgVal"


class InvalidArgs(OnvifError):
    generic = "InvalidArgs"
    title = "Invalid Args"


class OperationProhibited(OnvifError):
    generic = "OperationProhibited"
    title = "Operation not Permitted"


class NotAuthorized(OnvifError):
    generic = "NotAuthorized"
    title = "Sender not Authorized"


class WellFormed(OnvifError):
    generic = "WellFormed"
    title = "Well-formed Error"


class TagMismatch(OnvifError):
    generic = "TagMismatch"
    title = "Tag Mismatch"


class ActionNotSupported(OnvifError):
    receiver = True
    generic = "ActionNotSupported"
    title = "Optional Action Not Implemented"


class ActionFailed(OnvifError):
    receiver = True
    generic = "Action"
    title = "Action Failed"


class ActionRefused(ActionFailed):
    """ter:Action under env:Sender: the request asked for something the device never does
    (the Media specs use it for DeletionOfFixedProfile)."""

    receiver = False


class OutofMemory(OnvifError):
    receiver = True
    generic = "OutofMemory"
    title = "Out of Memory"


class CriticalError(OnvifError):
    receiver = True
    generic = "CriticalError"
    title = "Critical Error"
