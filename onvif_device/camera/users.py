"""The camera's user accounts: GetUsers, CreateUsers, DeleteUsers, SetUser.

Every change is validated as a whole before any of it is applied, so a
request with one bad user changes nothing.  The administrator from the
configuration is fixed: it can get a new password but cannot be deleted or
demoted, so a client can never lock everybody out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from onvif_device.camera.errors import ActionFailed, InvalidArgVal, OperationProhibited
from onvif_device.camera.state import UserState

MAX_USERS = 16
MAX_USERNAME = 32
MAX_PASSWORD = 64
LEVELS = ("Administrator", "Operator", "User")


@dataclass(frozen=True, slots=True)
class UserSpec:
    """One user as a request states it (password None: leave unchanged / not given)."""

    username: str
    password: str | None
    level: str


class UserStore:
    def __init__(self, users: list[UserState], on_change: Callable[[], None]) -> None:
        self._users = users
        self._on_change = on_change

    def get_users(self) -> list[UserState]:
        return list(self._users)

    def find(self, username: str) -> UserState | None:
        return next((u for u in self._users if u.username == username), None)

    def password_of(self, username: str) -> str | None:
        user = self.find(username)
        return None if user is None else user.password

    def create_users(self, specs: list[UserSpec]) -> None:
        names = [s.username for s in specs]
        for spec in specs:
            _check_username(spec.username)
            if self.find(spec.username) is not None or names.count(spec.username) > 1:
                raise OperationProhibited("UsernameClash", f"user {spec.username!r} already exists")
            _check_password(spec.password or "")
            _check_level(spec.level)
        if len(self._users) + len(specs) > MAX_USERS:
            raise ActionFailed("TooManyUsers", f"the camera holds at most {MAX_USERS} users")
        self._users.extend(UserState(username=s.username, password=s.password or "", level=s.level) for s in specs)
        self._on_change()

    def delete_users(self, usernames: list[str]) -> None:
        for name in usernames:
            user = self.find(name)
            if user is None:
                raise InvalidArgVal("UsernameMissing", f"no user {name!r}")
            if user.fixed:
                raise InvalidArgVal("FixedUser", f"user {name!r} is fixed and cannot be deleted")
        self._users[:] = [u for u in self._users if u.username not in usernames]
        self._on_change()

    def set_user(self, specs: list[UserSpec]) -> None:
        for spec in specs:
            user = self.find(spec.username)
            if user is None:
                raise InvalidArgVal("UsernameMissing", f"no user {spec.username!r}")
            if spec.password is not None:
                _check_password(spec.password)
            _check_level(spec.level)
            if user.fixed and spec.level != user.level:
                raise OperationProhibited("FixedUser", f"the level of user {user.username!r} cannot change")
        for spec in specs:
            user = self.find(spec.username)
            assert user is not None
            user.level = spec.level
            if spec.password is not None:
                user.password = spec.password
        self._on_change()


def _check_username(name: str) -> None:
    if not name:
        raise OperationProhibited("UsernameTooShort", "the username is empty")
    if len(name) > MAX_USERNAME:
        raise OperationProhibited("UsernameTooLong", f"usernames are at most {MAX_USERNAME} characters")
    # A colon would break HTTP Basic and Digest; control characters break logs and headers.
    if ":" in name or any(ord(c) < 32 or c == "\x7f" for c in name):
        raise InvalidArgVal(reason=f"username {name!r} contains ':' or a control character")


def _check_password(password: str) -> None:
    if len(password) > MAX_PASSWORD:
        raise OperationProhibited("PasswordTooLong", f"passwords are at most {MAX_PASSWORD} characters")


def _check_level(level: str) -> None:
    if level == "Anonymous":
        raise OperationProhibited("AnonymousNotAllowed", "users cannot be given the Anonymous level")
    if level not in LEVELS:
        raise InvalidArgVal(reason=f"user level {level!r} is not supported (Extended users are not)")
