"""Redaction-first PII rules: each rule's positive next to the look-alike it must leave alone.

A leak cannot be taken back while a false positive costs a few characters of preview, so a value in
a strong shape (separators, parentheses, "+" and a country code, an extension, an SSN context word)
is redacted even where a numbering plan reserves it; bare digit runs keep strict validation.
"""

from __future__ import annotations

import pytest

from mockupaws.pii.detector import scan


def kinds(text: str) -> tuple[str, ...]:
    return scan(text).types


# Each case: (positive, its look-alike, type). The positive's value is fully redacted; the
# look-alike is not reported as that type.
PAIRS = [
    # Phones: an extension goes with the number; glued to a word (not an extension), it is an id.
    ("call 415-555-0132x12 now", "call 415-555-0132abc now", "phone"),
    ("call (415)555-0132x1234 now", "call (415)555-0132abc now", "phone"),
    ("call +1-415-555-0132x12 now", "call +1-415-555-0132abc now", "phone"),
    ("call 523-222-8888EXT623 now", "call 523-222-8888EXTRA now", "phone"),
    ("call (523)222-8888 ext 527 now", "call 222-8888 ext 527 now", "phone"),
    ("call 312-515-2239 ext. 12 now", "call 515-2239 ext. 12 now", "phone"),
    # Country code in parentheses; a parenthesised number that is not a country code is not one.
    ("call (+41) 22 730 5989 now", "call (+0) 22 730 5989 now", "phone"),
    ("call (+44) 20 7946 0958 now", "call (+283) 20 7946 0958 now", "phone"),
    # Reserved/unassigned NANP codes in a strong shape are phones; bare runs keep the plan's rules.
    ("call 212-911-0100 now", "call 2129110100 now", "phone"),
    ("call (291) 555-0100 now", "count 2915550100 now", "phone"),
    ("call 123-456-7890 now", "order 123-456-78901 now", "phone"),
    ("call +1 123 456 7890 now", "call +11234567890 now", "phone"),
    ("call 911.555.0100 now", "version 911.555.0100.1 now", "phone"),
    # E-mail with a punycode or IDN TLD; a punycode-looking label without "@" is a host name.
    ("mail x@example.xn--p1ai ok", "host example.xn--p1ai ok", "email"),
    ("mail a@xn--d1acufc.xn--p1ai ok", "mail a@xn--d1acufc ok", "email"),
    ("mail user@пример.рф ok", "mail user@пример.р ok", "email"),  # noqa: RUF001 (Cyrillic on purpose)
    # Cards grouped with dots; a dotted run that fails Luhn is not one.
    ("card 4111.1111.1111.1111 ok", "card 4111.1111.1111.1112 ok", "credit_card"),
    ("card 5555.5555.5555.4444 ok", "card 5555.5555.5555.4444.1 ok", "credit_card"),
    # Live Luhn brands outside the old issuer list; a Luhn-valid number of no brand stays.
    ("maestro 6759649826438453 ok", "account 1234567812345670 ok", "credit_card"),
    ("maestro 5018 0000 0000 0009 ok", "serial 7018 0000 0000 0005 ok", "credit_card"),
    ("dankort 5019717010103742 ok", "dankort 5019717010103743 ok", "credit_card"),
    ("mir 2200 0000 0000 0004 ok", "ids 2100 0000 0000 0009 ok", "credit_card"),
    ("uatp 122000000000003 ok", "epoch_ms 1748503543012 ok", "credit_card"),
    ("troy 9792 0000 0000 0003 ok", "ids 9791 0000 0000 0004 ok", "credit_card"),
    # SSN with spaces needs an SSN context word near; dotted ones stand alone.
    ("ssn 078 05 1120 on file", "sizes 078 05 1120 on file", "ssn"),
    ("Social Security Number: 078 05 1120", "status 200 05 1120 bytes", "ssn"),
    ("id 078 05 1120 (SSN)", "id 078 05 1120 (ssh)", "ssn"),
    ("ssn=078.05.1120 ok", "ssn=078.05.11200 ok", "ssn"),
    ("ssn 078.05.1120", "ssn 078.00.1120", "ssn"),
]


@pytest.mark.parametrize(("positive", "look_alike", "kind"), PAIRS)
def test_positive_is_redacted_and_its_look_alike_is_not(positive: str, look_alike: str, kind: str) -> None:
    # When the positive is scanned, it is reported and no digit or address of the value survives
    result = scan(positive)
    assert kind in result.types, (positive, result)
    value = positive.split(" ", 1)[1].rsplit(" ", 1)[0] if positive.count(" ") >= 2 else positive
    assert f"[{kind.upper()}]" in result.redacted, result.redacted
    assert not any(part in result.redacted for part in value.split() if any(c.isdigit() for c in part)), (
        value,
        result.redacted,
    )
    # And the look-alike is not reported as that type
    assert kind not in kinds(look_alike), (look_alike, scan(look_alike))


def test_bare_digit_runs_keep_strict_validation() -> None:
    # Epoch milliseconds, order ids and counters stay untouched
    for text in (
        "ts=1709820131482 ok",
        "order_id=98765432109876543",
        "counter=4155550132",
        "delta +1234567",
        "took 1705312345678 ms",
        "imei 490154203237518",
    ):
        assert scan(text).types == (), text


def test_extension_is_redacted_with_the_number() -> None:
    assert scan("call 415-555-0132x12, then").redacted == "call [PHONE], then"
    assert scan("call 312-515-2239 ext. 12 now").redacted == "call [PHONE] now"
    assert scan("(523)222-8888 x 623").redacted == "[PHONE]"


def test_spaced_ssn_context_is_near_not_anywhere() -> None:
    # A context word 48+ characters away does not make a spaced group an SSN
    far = "ssn check passed " + "x" * 60 + " sizes 078 05 1120"
    assert "ssn" not in scan(far).types
    assert scan("SSN 078 05 1120").redacted == "SSN [SSN]"


# --------------------------------------------------------------------------------------------------
# Secrets
# --------------------------------------------------------------------------------------------------
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2"
    "MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
# (positive, the value that must not survive, look-alike): the look-alike reports no secret.
SECRET_PAIRS = [
    # AWS access key id, and the secret key next to it; a lower-case or short one, a sha1 are not.
    ("aws key AKIAZ7VRSQ5TKAB2XY4N used", "AKIAZ7VRSQ5TKAB2XY4N", "aws key akiaz7vrsq5tkab2xy4n used"),
    ("sts ASIAZ7VRSQ5TKAB2XY4N ok", "ASIAZ7VRSQ5TKAB2XY4N", "sts ASIAZ7VRSQ ok"),
    (
        "creds AKIAZ7VRSQ5TKAB2XY4N Kq9uV2bT/7xWnR4pLz0sYdE3fH8jM6cA1gN5oQ+i",
        "Kq9uV2bT/7xWnR4pLz0sYdE3fH8jM6cA1gN5oQ+i",
        "commit 3f786850e387550fdab836ed7e6dc881de23001b pushed",
    ),
    # Provider tokens with documented prefixes; the same shape without the prefix is an id.
    (
        "token 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 ok",
        "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx",
        "token foo_wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx ok",
    ),
    (
        "ci gho_16C7e42F292c6912E7710c838347Ae178B4a used",
        "16C7e42F292c6912E7710c838347Ae178B4a",
        "ci ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx used",
    ),
    (
        "pat github_pat_11ABCDEFG0abcdefghijklm_"
        + "N" * 20
        + "o1p2q3r4s5t6u7v8w9x0y1z2A3B4C5D6E7F8G9H0I1J2K3L",
        "N" * 20,
        "branch github_pat_rotation_plan merged",
    ),
    ("gitlab glpat-hellOworld380_testin ok", "hellOworld380_testin", "gitlab glpat-hellOWorld380 testin ok"),
    ("slack xoxb-34532454-e039d02840a0b9379c ok", "e039d02840a0b9379c", "slack xoxb-12345-abcd234 ok"),
    (
        "stripe sk_live_ReTllpYQYfIZu2Jnf2lAPFjD ok",
        "ReTllpYQYfIZu2Jnf2lAPFjD",
        "stripe pk_live_j5krY8XTgIcDaHDb3YrsAfCl ok",
    ),
    ("stripe rk_live_5TcWfjKmJgpql9hjpRnwRXbT ok", "5TcWfjKmJgpql9hjpRnwRXbT", "stripe sk_live_ ok"),
    (
        "openai sk-proj-Xi8tdMjHV6pmbBbwilTeT3BlbkFJ3UDnpdEwNNm6wVBpYM0o ok",
        "Xi8tdMjHV6pmbBbwilTeT3BlbkFJ3UDnpdEwNNm6wVBpYM0o",
        "pod sk-worker-7d9f8b6c5d-x2k4p-abcdefgh ok",
    ),
    (
        "anthropic sk-ant-api03-" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9f" + "AA ok",
        "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9f",
        "task-ant-api03 queue drained ok",
    ),
    (
        "maps key=AIzaSyD3asb-2pEZVqMkmL6M9N6nHZRR_znhrh0 ok",
        "AIzaSyD3asb-2pEZVqMkmL6M9N6nHZRR_znhrh0",
        "maps AIza" + "x" * 35 + " ok",
    ),
    (
        "npm npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8 ok",
        "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
        "npm npm_install_finished_in_12s ok",
    ),
    # JWTs (signature optional); a base64 blob or a header alone is not one.
    (f"jwt {JWT} ok", JWT.split(".")[1], "blob eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9 ok"),
    (
        "t eyJ0eXAiOiJKV1QiLA0KImFsZyI6IkhTMjU2In0.eyJzdWIiOiIxMjM0NTY3ODkwIn0 ok",
        "eyJzdWIiOiIxMjM0NTY3ODkwIn0",
        "b bm90X3ZhbGlkX2pzb25fYXRfYWxs.bm90X3ZhbGlkX2pzb25fYXRfYWxs.SflKxwRJSMeKKF2QT4fwpMeJf36 ok",
    ),
    # PEM private key blocks (cut or whole); a certificate or public key is not secret.
    (
        "key -----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\n-----END RSA PRIVATE KEY----- done",
        "MIIEpAIBAAKCAQEA7",
        "cert -----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE\n-----END CERTIFICATE----- done",
    ),
    (
        "key -----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXktdjEAAAAA",
        "b3BlbnNzaC1rZXktdjEAAAAA",
        "key -----BEGIN PUBLIC KEY-----\\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE",
    ),
    # Passwords in URLs; a user without a password, a port, a template are not.
    (
        "dsn postgres://app:s3cr3tPw@db.internal:5432/app",
        "s3cr3tPw",
        "dsn postgres://app@db.internal:5432/app",
    ),
    ("redis redis://:hunter2pw@cache:6379/0", "hunter2pw", "redis http://localhost:5000/<%= @variable %>"),
    # Key-value pairs and JSON fields named as secrets; empty, null, masked or templated values are not.
    ("login password=hunter2 user=bob", "hunter2", "login password= user=bob"),
    ('{"password": "p@ss w0rd", "user": "x"}', "p@ss w0rd", '{"password": null, "user": "x"}'),
    ('{"client_secret":"9f8e7d6c5b4a"}', "9f8e7d6c5b4a", '{"secret_name":"prod/db/creds"}'),
    ("db DB_PASS: Tr0ub4dor&3 ok", "Tr0ub4dor", "db DB_PASS: ******** ok"),
    ("cfg passwd=correcthorse ok", "correcthorse", "cfg passwd=${DB_PASSWORD} ok"),
    ("cfg pwd=letmein99 ok", "letmein99", "env PWD=/srv/app ok"),
    ("cfg api_key=0123abcd4567 ok", "0123abcd4567", "cfg cache_key=0123abcd4567 ok"),
    ("hdr X-Api-Key: 7d9f8b6c5d ok", "7d9f8b6c5d", "hdr X-Request-Id: 7d9f8b6c5d ok"),
    ("oauth access_token=ya29.a0AfH6SMBx ok", "ya29.a0AfH6SMBx", "llm max_tokens=256 token_count=42 ok"),
    ("cfg secret: s3kr1t-value ok", "s3kr1t-value", "cfg token_type: Bearer ok"),
    (
        "npmrc //registry.npmjs.org/:_authToken=743b294a-cd03-11ec-9d64-0242ac120002",
        "743b294a",
        "npmrc //registry.npmjs.org/:_authToken=${NPM_TOKEN}",
    ),
    # Authorization headers: the credentials after the scheme; the scheme alone is not a secret.
    (
        "req Authorization: Bearer abcdefghijklmnop1234 ok",
        "abcdefghijklmnop1234",
        "resp WWW-Authenticate: Bearer realm=api ok",
    ),
    ('req "Authorization": "Basic dXNlcjpwYXNzd29yZA=="', "dXNlcjpwYXNzd29yZA", 'req "auth_scheme": "Basic"'),
    (
        "curl -H 'authorization: token 0a1b2c3d4e5f' x",
        "0a1b2c3d4e5f",
        "docs: authorization is checked per request",
    ),
]


@pytest.mark.parametrize(("positive", "value", "look_alike"), SECRET_PAIRS)
def test_secret_is_redacted_and_its_look_alike_is_not(positive: str, value: str, look_alike: str) -> None:
    result = scan(positive)
    assert "secret" in result.types, (positive, result)
    assert "[SECRET]" in result.redacted
    assert value not in result.redacted, result.redacted
    assert "secret" not in kinds(look_alike), (look_alike, scan(look_alike))


def test_entropy_alone_is_not_a_secret() -> None:
    # Trace ids, UUIDs, hashes and base64 payloads carry no credential by their shape
    for text in (
        "trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7",
        "request 550e8400-e29b-41d4-a716-446655440000 done",
        "sha256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "payload=SGVsbG8sIFdvcmxkIQ==SGVsbG8sIFdvcmxkIQ==SGVsbG8sIFdvcmxkIQ==",
        'etag W/"5d8c72a5edda8d6a9a0e4b4c7f1e2d3c" ok',
    ):
        assert scan(text).types == (), text


def test_documentation_placeholders_are_redacted() -> None:
    # Decision (docs/pii.md): AWS's documentation key pair is redacted like any key; redaction first
    result = scan(
        "aws_access_key_id=AKIAIOSFODNN7EXAMPLE "
        "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    )
    assert result.redacted == "aws_access_key_id=[SECRET] aws_secret_access_key=[SECRET]"


def test_url_password_keeps_the_host_and_is_not_an_email() -> None:
    result = scan("connect https://bob:pa55word@example.com/x")
    assert result.redacted == "connect https://[SECRET]@example.com/x"
    assert result.types == ("secret",)


def test_secret_value_and_key_redaction_shapes() -> None:
    assert scan('{"password": "hunter2"}').redacted == '{"password": "[SECRET]"}'
    assert scan("Authorization: Bearer abc.def-123456789012").redacted == "Authorization: Bearer [SECRET]"
    assert scan('{\\"token\\":\\"abc123\\"}').redacted == '{\\"token\\":\\"[SECRET]\\"}'
    assert (
        scan("a -----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY----- b").redacted
        == "a [SECRET] b"
    )
