"""A RestfulApi call read from its URL: path segments (`Accounts/3/<token>`,
`Accounts/start/0/length/2/<token>`, `auth/LOGIN/PASSWORD`) or `index.php` with query
parameters. Shared by the authenticator (which needs the token) and the endpoints."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from amity.errors import BadRequest

PREFIX = "/modules/RestfulApi"
PAIR_KEYS = frozenset({"start", "length", "order", "criteria", "picklist", "picklistdep"})
QUERY_KEYS = PAIR_KEYS | {"module", "id", "token", "login", "password", "key"}
MAX_PARAM = 4000


@dataclass(frozen=True)
class Call:
    module: str = ""
    params: dict[str, str] | None = None  # id, token, start, ... as given

    def get(self, name: str) -> str | None:
        return (self.params or {}).get(name)

    @property
    def is_login(self) -> bool:
        return self.module == "Auth" or self.module == "auth"


def query_params(query_string: bytes) -> dict[str, str]:
    """The query string's known parameters (the first of each); 400 for bad encodings."""
    try:
        text = query_string.decode("ascii")
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("Malformed query string", "percent-encode UTF-8 text") from None
    out: dict[str, str] = {}
    for name, value in pairs:
        if name in QUERY_KEYS and name not in out:
            out[name] = checked(name, value)
    return out


def checked(name: str, value: str) -> str:
    if len(value) > MAX_PARAM or "\x00" in value:
        raise BadRequest("Invalid value for parameter {name}", name=name)
    return value


def parse_call(path: str, query_string: bytes) -> Call:
    """The call a path under /modules/RestfulApi stands for; 400 for one it cannot be."""
    rest = path[len(PREFIX) :].strip("/")
    segments = rest.split("/") if rest else []
    if not segments or segments == ["index.php"]:
        given = query_params(query_string)
        return Call(given.pop("module", ""), given)
    if segments[0] == "auth":
        if len(segments) == 2:
            return Call("Auth", {"key": checked("key", segments[1])})
        if len(segments) == 3:
            login, password = segments[1], segments[2]
            return Call(
                "Auth",
                {"login": checked("login", login), "password": checked("password", password)},
            )
        raise BadRequest("Log in with auth/LOGIN/PASSWORD or auth/KEY")
    module, middle = segments[0], segments[1:]
    params: dict[str, str] = {}
    if middle:
        params["token"] = checked("token", middle.pop())
    if len(middle) % 2:
        params["id"] = checked("id", middle.pop(0))
    for i in range(0, len(middle), 2):
        name, value = middle[i], middle[i + 1]
        if name not in PAIR_KEYS:
            raise BadRequest(
                "Unknown parameter {name}",
                "path parameters are start, length, order, criteria, picklist and picklistdep",
                name=name[:100],
            )
        params[name] = checked(name, value)
    return Call(module, params)


def call_token(path: str, query_string: bytes) -> str | None:
    """The token a call carries (None for a login or a call without one); None too for a
    call that does not parse (its endpoint answers the 400)."""
    try:
        call = parse_call(path, query_string)
    except BadRequest:
        return None
    if call.is_login:
        return None
    return call.get("token") or None
