"""tiktoken cl100k_base from the shipped file, with no network."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from mockupaws.tokens import counter as tokens


def test_counts_match_published_cl100k_base_values(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given no network at all (a Lambda in a VPC)
    def no_network(*args: Any, **kwargs: Any) -> None:
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "create_connection", no_network)
    # Then the counts are cl100k_base's: known token ids/lengths
    assert tokens.encoding().encode_ordinary("hello world") == [15339, 1917]
    assert tokens.count_tokens("tiktoken is great!") == 6
    assert tokens.count_tokens("") == 0


def test_special_tokens_are_plain_text() -> None:
    # "<|endoftext|>" is one special token id 100257 when allowed; as plain text it is several tokens
    assert tokens.count_tokens("<|endoftext|>") > 1
    assert 100257 not in tokens.encoding().encode_ordinary("<|endoftext|>")


def test_encoding_file_ships_with_the_package() -> None:
    path = tokens.encoding_file()
    assert path.is_file()
    assert path.stat().st_size > 1_000_000


def test_batch_count_equals_single_counts() -> None:
    texts = ["a", "emoji 🎉 and ünïcode", "x" * 1000]
    assert tokens.count_tokens_many(texts) == [tokens.count_tokens(t) for t in texts]
