"""One redaction for all text that leaves the process: the screen, the audit journal, `check`, notifications.

Secrets get out by being echoed back: a 500 page that prints the request's headers, a control endpoint that
repeats its URL, a command that prints its environment, a copy cut short in an 80-character snippet. So the
redactor does not trust where text came from; it replaces
- every secret the config names (the values of token_env, key_env, password_env and basic_password_env, the
  values of auth-like headers, ${VAR} expansions of secret-looking names or inside headers, control, command and
  env, passwords and tokens in configured URLs) and the dashboard's own secret-named environment variables, in
  any letter case and any copy cut to 8 characters or more;
- credential shapes in any text: `Authorization:`-like header lines, `Bearer x`, `user:password@` in URLs,
  token and key query parameters, well-known key formats (sk-..., ghp_..., AKIA...).
A whole secret from an environment variable shows as `${NAME}` (the operator sees which one), anything else as
`***`. The pattern is compiled once per config; a typical reason costs a few microseconds (see
benchmarks/redact_cost.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from probes.config import FleetConfig, ServiceConfig

MASK = "***"
MIN_SECRET = 4  # shorter values would redact half the screen; nothing that short is a real secret
PREFIX_MIN = 8  # a cut copy this long (or longer) of a secret is redacted too
MAX_DEPTH = 10  # containers nested deeper than this in a value are shown as "…"
PREFIX_MAX = 200  # deeper than this the rest of a very long secret is matched whole, not char by char

SECRET_NAME = re.compile(
    r"(?i)(token|secret|passw(or)?d|pwd|api_?key|apikey|(^|_)key$|master_?key|access_?key|private_?key|"
    r"credential|cookie|signature|session_?key|auth_?key)"
)
_NOT_SECRET_NAME = re.compile(r"(?i)_(sock|socket|path|file|dir|url|host|port|id|type|user|name|timeout)$")
_AUTH_HEADER = re.compile(r"(?i)(auth|token|key|secret|cookie|session|signature|passw)")
_SCHEME = re.compile(r"(?i)^(bearer|basic|token|digest|apikey|key)\s+")
_SECRET_PLACES = re.compile(r"\.(headers|control|command|env)(\.|\[|$)")
_URL_SECRET_PARAMS = re.compile(r"(?i)^(access_token|refresh_token|id_token|auth_token|token|api_key|apikey|api-key|"
                                r"key|secret|client_secret|password|passwd|pwd|auth|sig|signature)$")  # fmt: skip

_SHAPES = r"""
(?P<hdr>\b(?:proxy-authorization|authorization|x-api-key|api-key|x-auth-token|x-access-token
     |x-[a-z0-9-]*(?:token|secret|key))(?:\\?["'])?\s*[:=]\s*(?:\\?["'])?
     (?:(?:bearer|basic|token|digest|apikey|key)\s+)?)[^\s"'\\,;}<>&]+
|(?P<cookie>\b(?:set-)?cookie(?:\\?["'])?\s*[:=]\s*(?:\\?["'])?)[^\r\n"'\\}<>]+
|(?P<bearer>\bbearer\s+)[A-Za-z0-9._~+/=\-]{6,}
|(?P<userinfo>\b[a-z][a-z0-9+.\-]*://)(?:[^/\s@?#"'<>:]*:[^/\s@?#"'<>]*|[^/\s@?#"'<>:]{16,})@
|(?P<query>[?&;](?:access_token|refresh_token|id_token|auth_token|token|api_key|apikey|api-key|key|secret
     |client_secret|password|passwd|pwd|auth|sig|signature|x-amz-signature|x-amz-security-token)=)[^&\s#"'<>]+
|(?P<shape>\b(?:sk-[a-z0-9_\-]{16,}|gh[pousr]_[a-z0-9]{20,}|github_pat_[a-z0-9_]{20,}|xox[abprs]-[a-z0-9\-]{10,}
     |akia[0-9a-z]{16}))
"""


_END, _REST = "<end>", "<rest>"  # trie keys longer than one character cannot clash with a secret's characters


# Substrings (lower case) without which no credential shape can match: most text has none, and a few `in` tests
# cost far less than running the pattern over it.
_SHAPE_TRIGGERS = (
    "authorization", "api-key", "x-", "cookie", "bearer", "@", "token=", "key=", "secret=", "password=",
    "passwd=", "pwd=", "auth=", "sig=", "signature=", "sk-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_",
    "xox", "akia",
)  # fmt: skip


def _trie_pattern(secrets: Iterable[str]) -> str:
    """One regex matching any secret whole or any prefix of it of PREFIX_MIN characters or more.

    Built as a trie so secrets sharing their first characters still match in full (an alternation would stop at
    the first secret whose 8-character prefix matched, leaving the rest of another one visible)."""
    root: dict[str, Any] = {}
    for s in secrets:
        node = root
        for ch in s[:PREFIX_MAX]:
            node = node.setdefault(ch, {})
        node[_END] = True
        if len(s) > PREFIX_MAX:
            node.setdefault(_REST, []).append(s[PREFIX_MAX:])  # the rest of a very long secret, matched whole

    def walk(node: dict[str, Any], depth: int) -> str:
        branches = [re.escape(ch) + walk(child, depth + 1) for ch, child in node.items() if len(ch) == 1]
        branches += [re.escape(rest) for rest in node.get(_REST, ())]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        optional = depth >= PREFIX_MIN or _END in node  # a match may stop here: a cut copy, or a whole secret
        return f"(?:{body})?" if optional else body

    return walk(root, 0)


class Redactor:
    """Callable: `redact(text)` returns the text with every secret and credential shape replaced."""

    def __init__(self, secrets: Mapping[str, str]) -> None:
        """`secrets` maps each secret value to what replaces it whole (`${NAME}` or `***`)."""
        labels: dict[str, str] = {}
        for value, label in secrets.items():
            key = value.lower()
            if len(key) >= MIN_SECRET and (key not in labels or labels[key] == MASK):
                labels[key] = label
        self._labels = labels
        parts = []
        if labels:
            parts.append("(?P<secret>" + _trie_pattern(sorted(labels, key=len, reverse=True)) + ")")
        parts.append(_SHAPES)
        self._pattern = re.compile("|".join(parts), re.IGNORECASE | re.VERBOSE)
        # A match of a secret holds its first PREFIX_MIN characters (or all of a shorter one).
        self._triggers = tuple(sorted({*_SHAPE_TRIGGERS, *(k[:PREFIX_MIN] for k in labels)}))

    @property
    def secret_count(self) -> int:
        return len(self._labels)

    def _replace(self, m: re.Match[str]) -> str:
        secret = m.group("secret") if self._labels else None
        if secret:
            return self._labels.get(secret.lower(), MASK)
        for group in ("hdr", "cookie", "bearer", "userinfo", "query"):
            head = m.group(group)
            if head is not None:
                return head + MASK + ("@" if group == "userinfo" else "")
        return MASK

    def _triggered(self, text: str) -> bool:
        low = text.lower()
        for trigger in self._triggers:  # noqa: SIM110 (a plain loop: any() over a generator costs half as much again)
            if trigger in low:
                return True
        return False

    def __call__(self, text: str) -> str:
        if text and self._triggered(text):
            return self._pattern.sub(self._replace, text)
        return text

    def value(self, obj: Any) -> Any:
        """A decoded JSON-like value with every string in it (keys too) redacted; other values kept, containers
        nested deeper than MAX_DEPTH shown as "…". The value itself when nothing in it needs redacting (one test
        over all its strings joined: a health answer's fields cost a few microseconds)."""
        strings: list[str] = []
        if not _strings(obj, strings, 0) and not self._triggered("\n".join(strings)):
            return obj
        return self._walk(obj, 0)

    def _walk(self, obj: Any, depth: int) -> Any:
        if isinstance(obj, str):
            return self(obj)
        if isinstance(obj, (dict, list, tuple)) and depth > MAX_DEPTH:
            return "…"
        if isinstance(obj, dict):
            return {self(k) if isinstance(k, str) else k: self._walk(v, depth + 1) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return type(obj)(self._walk(v, depth + 1) for v in obj)
        return obj


def _strings(obj: Any, out: list[str], depth: int) -> bool:
    """Collect the strings of a JSON-like value into `out`; True when it nests deeper than MAX_DEPTH."""
    if isinstance(obj, str):
        out.append(obj)
    elif isinstance(obj, (dict, list, tuple)):
        if depth > MAX_DEPTH:
            return True
        items = [x for kv in obj.items() for x in kv] if isinstance(obj, dict) else obj
        return any([_strings(x, out, depth + 1) for x in items])  # a list: every string collected, no short cut
    return False


def is_secret_name(name: str) -> bool:
    """An environment variable or key whose name says it holds a secret (API_KEY, X_TOKEN, DB_PASSWORD...)."""
    return bool(SECRET_NAME.search(name)) and not _NOT_SECRET_NAME.search(name) and name not in ("PWD", "OLDPWD")


def _env_fields(svc: ServiceConfig) -> list[str | None]:
    """The names of the environment variables a service's sources read secrets from."""
    out: list[str | None] = []
    for src in (svc.health, svc.metrics, svc.control, svc.prometheus):
        out.append(getattr(src, "token_env", None))
    out.append(svc.prometheus.basic_password_env if svc.prometheus else None)
    out.append(svc.queue.password_env if svc.queue else None)
    out.append(svc.litellm.key_env if svc.litellm else None)
    return out


def _urls(svc: ServiceConfig) -> list[str]:
    found = [
        svc.health.url if svc.health else None,
        svc.metrics.url if svc.metrics else None,
        svc.control.base_url if svc.control else None,
        svc.queue.redis_url if svc.queue else None,
        svc.prometheus.url if svc.prometheus else None,
        svc.litellm.url if svc.litellm else None,
        svc.docker.host if svc.docker else None,
    ]
    return [u for u in found if u]


def url_secrets(url: str) -> list[str]:
    """The password (or a token used as user name) and the token-like query values of a URL."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    out = [v for k, v in parse_qsl(parts.query) if _URL_SECRET_PARAMS.match(k)]
    if parts.password:
        out.append(parts.password)
    elif parts.username and len(parts.username) >= 16:
        out.append(parts.username)
    return out


def config_secrets(cfg: FleetConfig, environ: Mapping[str, str]) -> dict[str, str]:
    """Every secret value the config names or reaches, mapped to what replaces it (see the module doc)."""
    found: dict[str, str] = {}

    def add(value: str | None, label: str) -> None:
        if value and len(value) >= MIN_SECRET and found.get(value, MASK) == MASK:
            found[value] = label

    for name, value in environ.items():
        if is_secret_name(name) and len(value) >= PREFIX_MIN:
            add(value, f"${{{name}}}")
    for path, name, value in cfg.expansions:
        if is_secret_name(name) or _SECRET_PLACES.search(path):
            add(value, f"${{{name}}}")
    fleet_prom = cfg.prometheus
    env_names = [fleet_prom.token_env, fleet_prom.basic_password_env] if fleet_prom else []
    urls = [fleet_prom.url] if fleet_prom and fleet_prom.url else []
    for svc in cfg.services:
        env_names += _env_fields(svc)
        urls += _urls(svc)
        for src in (svc.health, svc.metrics):
            for header, value in (src.headers if src else {}).items():
                if _AUTH_HEADER.search(header):
                    add(_SCHEME.sub("", value), MASK)
        for name, value in (svc.command.env if svc.command else {}).items():
            if is_secret_name(name):
                add(value, MASK)
    for var in env_names:
        if var:
            add(environ.get(var), f"${{{var}}}")
    for url in urls:
        for secret in url_secrets(url):
            add(secret, MASK)
    return found


def redactor_for(cfg: FleetConfig, environ: Mapping[str, str]) -> Redactor:
    """The redactor of one config and environment (build it once; it compiles one pattern)."""
    return Redactor(config_secrets(cfg, environ))


PLAIN = Redactor({})
"""The credential shapes alone, for text written where no config is known."""
