"""Requests recorded from real log shippers (tests/data/ingest, see its README)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "ingest"
RECORDED_SCENARIO = "11111111-2222-4333-8444-555555555555"
# The three records every client sent, in order.
MESSAGES = (
    "order 8812 created: 3 items, total 42.50 EUR",
    "payment retry for customer jane.doe@example.com (card declined)",
    "inventory service timeout after 2500 ms",
)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def recorded(client: str) -> list[RecordedRequest]:
    """Every request recorded for ``client`` (a directory under tests/data/ingest), in order."""
    directory = DATA / client
    requests = []
    for head in sorted(directory.glob("*.request.txt")):
        number = head.name.split(".")[0]
        request_line, *header_lines = head.read_text().splitlines()
        method, path, _ = request_line.split(" ")
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        bodies = list(directory.glob(f"{number}.body.*"))
        body = bodies[0].read_bytes() if bodies else b""
        requests.append(RecordedRequest(method, path, headers, body))
    assert requests, f"no recorded requests under {directory}"
    return requests
