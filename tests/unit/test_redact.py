"""The one redaction: configured secrets in any case and cut copies, credential shapes, ${VAR} labels."""

from __future__ import annotations

from probes.config.load import parse_config
from probes.text.redact import MASK, PLAIN, Redactor, config_secrets, is_secret_name, redactor_for

TOKEN = "ctl-SUPERSECRET-0123456789abcdef"


def test_a_secret_whole_lowercased_uppercased_or_cut_is_redacted() -> None:
    r = Redactor({TOKEN: "${AGENT_TOKEN}"})
    assert r(f"got {TOKEN}.") == "got ${AGENT_TOKEN}."
    assert r(f"got {TOKEN.lower()} and {TOKEN.upper()}") == "got ${AGENT_TOKEN} and ${AGENT_TOKEN}"
    assert r(f"was {TOKEN[:10]}… then {TOKEN[:8]}") == f"was {MASK}… then {MASK}"
    assert r(f"short {TOKEN[:7]} stays") == f"short {TOKEN[:7]} stays"  # 7 characters say nothing of the secret
    assert r(f"{TOKEN}{TOKEN}") == "${AGENT_TOKEN}${AGENT_TOKEN}"


def test_secrets_sharing_a_prefix_each_match_in_full() -> None:
    r = Redactor({"sk-proj-AAAAAAAAAAAAAAAA": "${A}", "sk-proj-BBBBBBBBBBBBBBBB": "${B}"})
    assert r("x sk-proj-BBBBBBBBBBBBBBBB y sk-proj-AAAAAAAAAAAAAAAA") == "x ${B} y ${A}"
    assert r("cut sk-proj-BBBBB…") == f"cut {MASK}…"


def test_a_short_secret_matches_only_whole_and_a_very_long_one_whole_or_cut() -> None:
    r = Redactor({"q7z!": "${PIN}", "L" * 300: MASK, "abc": "${TOO_SHORT}"})
    assert r("pin q7z! and q7z") == "pin ${PIN} and q7z"
    assert r("abc stays") == "abc stays"
    assert r("L" * 300) == MASK and r("L" * 40 + "…") == MASK + "…"


def test_credential_shapes_are_redacted_without_any_config() -> None:
    cases = {
        "denied Authorization: Bearer abc.def-123": f"denied Authorization: Bearer {MASK}",
        '{"authorization": "Basic dXNlcjpwYXNz", "x": 1}': f'{{"authorization": "Basic {MASK}", "x": 1}}',
        "X-Api-Key: k3y-v4lue other": f"X-Api-Key: {MASK} other",
        "x-custom-token=abcd1234&next": f"x-custom-token={MASK}&next",
        "Cookie: session=abc; theme=dark": f"Cookie: {MASK}",
        "sent bearer eyJhbGciOiJIUzI1NiJ9.e30": f"sent bearer {MASK}",
        "redis://:hunter22@db:6379/0 and http://u:p@h/x": f"redis://{MASK}@db:6379/0 and http://{MASK}@h/x",
        "https://ghp_AAAAAAAAAAAAAAAAAAAAAAAA@github.com/x": f"https://{MASK}@github.com/x",
        "GET /x?token=abc&page=2&api_key=zz#f": f"GET /x?token={MASK}&page=2&api_key={MASK}#f",
        "key sk-ant-api03-abcdefghijklmnop and AKIAIOSFODNN7EXAMPLE": f"key {MASK} and {MASK}",
    }
    for text, expected in cases.items():
        assert PLAIN(text) == expected, text
    for plain in ("authorization failed", "the bearer of bad news", "ssh://git@github.com/x", "p95 1.2s; 3% errors"):
        assert PLAIN(plain) == plain


def test_json_values_are_redacted_keys_and_all() -> None:
    r = Redactor({TOKEN: "${T}"})
    value = {"checks": {TOKEN: [f"auth {TOKEN.lower()}", 3, None]}, "ok": True}
    assert r.value(value) == {"checks": {"${T}": ["auth ${T}", 3, None]}, "ok": True}
    clean = {"db": True, "model": "gpt-4o", "nested": [{"a": "b"}]}
    assert r.value(clean) is clean  # nothing to redact: the very same object, no copy
    deep: object = [TOKEN]
    for _ in range(30):
        deep = [deep]
    assert TOKEN not in repr(r.value(deep)) and "…" in repr(r.value(deep))


def test_the_config_names_its_secrets_and_only_those() -> None:
    env = {
        "AGENT_TOKEN": TOKEN, "ADMIN_PATH": "adm-9c1f2e7d", "HOST": "127.0.0.1", "REDIS_PASSWORD": "redis-pw-1",
        "HDR": "hdrvalue-77", "LITELLM_MASTER_KEY": "sk-master-1234", "PWD": "/home/ops/work", "USER": "ops",
        "SSH_AUTH_SOCK": "/tmp/ssh-x/agent.1", "DB_PASSWORD_FILE": "/run/secrets/db",
    }  # fmt: skip
    text = """
services:
  - name: a
    health: {url: 'http://${HOST}:8101/health?api_key=q-lit3ral-key', token_env: AGENT_TOKEN,
             headers: {X-Auth: 'Bearer literal-hdr-secret', X-Tenant: acme-tenant-name, X-Other: '${HDR}'}}
    control: {base_url: 'http://ops:s3cretpw@127.0.0.1:9', restart: {path: '/admin/${ADMIN_PATH}/restart'}}
    queue: {redis_url: 'redis://127.0.0.1:6379/0', keys: [q], password_env: REDIS_PASSWORD}
    command: {drain: [agentctl, drain], env: {API_TOKEN: lit-cmd-token, MODE: verbose-mode}}
"""
    cfg, _ = parse_config(text, "s.yaml", env)
    found = config_secrets(cfg, env)
    assert found[TOKEN] == "${AGENT_TOKEN}"
    assert found["adm-9c1f2e7d"] == "${ADMIN_PATH}"  # in a control path: a secret whatever its name
    assert found["hdrvalue-77"] == "${HDR}"  # in a header
    assert found["redis-pw-1"] == "${REDIS_PASSWORD}" and found["sk-master-1234"] == "${LITELLM_MASTER_KEY}"
    assert found["literal-hdr-secret"] == MASK and found["q-lit3ral-key"] == MASK and found["s3cretpw"] == MASK
    assert found["lit-cmd-token"] == MASK
    for not_secret in ("127.0.0.1", "acme-tenant-name", "verbose-mode", "/home/ops/work", "ops", "/tmp/ssh-x/agent.1",
                       "/run/secrets/db"):  # fmt: skip
        assert not_secret not in found, not_secret
    r = redactor_for(cfg, env)
    assert (
        r("POST http://127.0.0.1:9/admin/adm-9c1f2e7d/restart") == "POST http://127.0.0.1:9/admin/${ADMIN_PATH}/restart"
    )


def test_secret_names() -> None:
    for name in ("OPENAI_API_KEY", "LITELLM_MASTER_KEY", "AGENT_TOKEN", "DB_PASSWORD", "AWS_SECRET_ACCESS_KEY", "KEY"):
        assert is_secret_name(name), name
    for name in ("PWD", "OLDPWD", "SSH_AUTH_SOCK", "TOKEN_FILE", "KEYBOARD", "PATH", "HOME", "MONKEY_BUSINESS"):
        assert not is_secret_name(name), name
