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


def test_o200k_base_ships_offline_for_gpt_oss(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: Any, **kwargs: Any) -> None:
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "create_connection", no_network)
    # o200k_base's published ids (the file's SHA-256 is checked when it is loaded)
    assert tokens.encoding("o200k_base").encode_ordinary("hello world") == [24912, 2375]
    assert tokens.count_tokens("tiktoken is great!", "o200k_base") == 6  # [83, 8251, 2488, 382, 2212, 0]
    assert tokens.encoding_file("o200k_base").name == "o200k_base.tiktoken.gz"
    texts = ["a", "emoji 🎉 and ünïcode", "x" * 1000]
    assert tokens.count_tokens_many(texts, "o200k_base") == [
        tokens.count_tokens(t, "o200k_base") for t in texts
    ]


def test_unknown_encoding_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown encoding"):
        tokens.encoding("r50k_base")


def test_a_tampered_file_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    fake = tmp_path / "cl100k_base.tiktoken"
    fake.write_bytes(b"aGVsbG8= 0\n")
    source = tokens.SOURCES["cl100k_base"]
    monkeypatch.setattr(type(source), "file", lambda self: fake)
    with pytest.raises(RuntimeError, match="is not the cl100k_base encoding"):
        tokens._load_ranks("cl100k_base")


def test_every_model_family_names_its_tokenizer() -> None:
    from mockupaws.tokens.families import tokenizer_for

    gpt = tokenizer_for("gpt_oss_120b")
    assert (gpt.encoding, gpt.exact) == ("o200k_base", True)
    for model, family in [
        ("claude_haiku_4_5", "Anthropic Claude"),
        ("nova_pro", "Amazon Nova / Titan"),
        ("llama3_3_70b", "Meta Llama"),
        ("mistral_large_2407", "Mistral"),
        ("deepseek_r1", "DeepSeek"),
        ("something_new", "other"),
    ]:
        choice = tokenizer_for(model)
        assert (choice.family, choice.encoding, choice.exact) == (family, "cl100k_base", False), model
        assert choice.note
        assert choice.encoding in tokens.SOURCES
