"""Which tokenizer counts a model's tokens (docs/costs.md, "Tokenizers"). Pure: imports no tokenizer.

A model family whose own tokenizer ships in a registry package for offline use is counted with it
(:mod:`mockupaws.tokens.counter`); every other model with ``cl100k_base``, and the metrics say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["DEFAULT_ENCODING", "TokenizerChoice", "tokenizer_for"]

DEFAULT_ENCODING: Final = "cl100k_base"


@dataclass(frozen=True, slots=True)
class TokenizerChoice:
    """The encoding that counts a model's tokens; ``exact``: it is the model family's own tokenizer."""

    family: str
    encoding: str
    exact: bool
    note: str


_OWN: Final[tuple[tuple[tuple[str, ...], TokenizerChoice], ...]] = (
    (
        ("gpt_oss",),
        TokenizerChoice(
            "OpenAI gpt-oss",
            "o200k_base",
            True,
            "gpt-oss uses o200k_harmony: o200k_base plus chat-format special tokens, so plain text counts "
            "the same.",
        ),
    ),
)

_APPROXIMATED: Final[tuple[tuple[tuple[str, ...], str, str], ...]] = (
    (
        ("llama",),
        "Meta Llama",
        "Meta's Llama 3 and 4 tokenizers ship in the llama-models package, but its dependencies "
        "(huggingface-hub, Pillow, rich, httpx) conflict with the project's pins and would bloat the "
        "layer, so it is not installed. Llama 3's tokenizer is cl100k_base's 100,000 tokens plus 28,000 "
        "more for other languages: on the repository's 513 sample log lines Llama 3 counts 0.03% and "
        "Llama 4 0.5% fewer tokens than cl100k_base.",
    ),
    (
        ("claude", "anthropic"),
        "Anthropic Claude",
        "Anthropic publishes no offline tokenizer for Claude 3 and later (counts are only available "
        "online, e.g. Bedrock's CountTokens API); cl100k_base is an approximation whose error depends "
        "on the text.",
    ),
    (
        ("nova", "titan", "amazon"),
        "Amazon Nova / Titan",
        "Amazon publishes no tokenizer for Nova or Titan; cl100k_base is an approximation.",
    ),
    (
        ("mistral", "mixtral", "pixtral", "ministral", "magistral", "devstral", "voxtral"),
        "Mistral",
        "Mistral's tokenizers ship in the mistral-common package (SentencePiece for the older models, "
        "Tekken for the newer ones) but are not wired in here; cl100k_base is an approximation.",
    ),
    (
        ("deepseek",),
        "DeepSeek",
        "DeepSeek's tokenizer is published in Hugging Face format; no registry package ships the one "
        "of the models on Bedrock; cl100k_base is an approximation.",
    ),
    (
        ("cohere", "command", "embed"),
        "Cohere",
        "Cohere's tokenizers are not shipped for offline use; cl100k_base is an approximation.",
    ),
    (
        ("qwen",),
        "Qwen",
        "Qwen's tokenizer is published in Hugging Face format only; cl100k_base is an approximation.",
    ),
)


def tokenizer_for(model: str) -> TokenizerChoice:
    """The tokenizer that counts ``model``'s tokens (a catalogue key such as ``claude_haiku_4_5``)."""
    key = model.lower()
    for prefixes, choice in _OWN:
        if key.startswith(prefixes):
            return choice
    for prefixes, family, note in _APPROXIMATED:
        if key.startswith(prefixes):
            return TokenizerChoice(family, DEFAULT_ENCODING, False, note)
    return TokenizerChoice(
        "other",
        DEFAULT_ENCODING,
        False,
        "No tokenizer of this model ships for offline use; cl100k_base is an approximation.",
    )
