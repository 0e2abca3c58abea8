"""How the SQS event source groups logs into Lambda invocations (docs/costs.md, "Batching").

Two models, both pure:

``full_batches`` (``lambda_batching_window_s`` unset): every invocation but the last carries a full
batch, ``invocations = ceil(logs / batch size)``. It is the *best case*: the fewest invocations any
arrival pattern can give.

``batching_window`` (``lambda_batching_window_s`` = W): the event times are cut into windows of W
seconds aligned to the Unix epoch (``[k·W, (k+1)·W)``; W = 0 is modelled as 1-second windows), and a
window holding n logs costs ``ceil(n / batch size)`` invocations. So only how many logs each window
holds matters: the model reads a :class:`WindowHistogram` ("h windows held exactly n logs"), which is
what the store keeps per scenario, and which is independent of the batch size.

SQS consumer calls: the poller reads a batch with ReceiveMessage calls of at most 10 messages and
deletes it with DeleteMessageBatch calls of at most 10 entries, so a batch of n messages costs
``ceil(n / 10)`` of each.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal

__all__ = [
    "MAX_MESSAGES_PER_CALL",
    "Batching",
    "BatchingModel",
    "WindowHistogram",
    "batch_calls",
    "effective_window_s",
    "epoch_second",
    "full_batches",
    "histogram_from_event_times",
    "windowed_batches",
]

MAX_MESSAGES_PER_CALL: Final = 10
"""ReceiveMessage returns at most 10 messages; DeleteMessageBatch takes at most 10 entries."""

BatchingModel = Literal["full_batches", "batching_window"]


def effective_window_s(window_s: int) -> int:
    """The window length the model uses: the setting, with 0 read as 1 s (the model's resolution)."""
    if window_s < 0:
        raise ValueError(f"a batching window cannot be negative, got {window_s}")
    return max(1, window_s)


@dataclass(frozen=True, slots=True)
class WindowHistogram:
    """How many epoch-aligned windows of ``window_s`` seconds held exactly n logs (n ≥ 1).

    ``windows`` maps n -> number of windows; empty windows are not counted (they cost nothing).
    """

    window_s: int
    windows: Mapping[int, int]

    def __post_init__(self) -> None:
        if self.window_s < 1:
            raise ValueError(f"window_s must be >= 1 (an effective window), got {self.window_s}")
        for n, h in self.windows.items():
            if n < 1 or h < 1:
                raise ValueError(f"a histogram entry needs n >= 1 and windows >= 1, got {n}: {h}")

    @property
    def logs(self) -> int:
        return sum(n * h for n, h in self.windows.items())

    @property
    def window_count(self) -> int:
        return sum(self.windows.values())


@dataclass(frozen=True, slots=True)
class Batching:
    """The invocations and SQS consumer calls of some logs under one model."""

    model: BatchingModel
    window_s: int | None  # the setting (None for full_batches)
    logs: int
    invocations: int
    receive_calls: int  # ReceiveMessage calls (<= 10 messages each)
    delete_calls: int  # DeleteMessageBatch calls (<= 10 entries each)


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def batch_calls(logs: int, batch_size: int) -> tuple[int, int]:
    """``(invocations, consumer calls)`` for ``logs`` read together (one window, or all logs).

    ``logs // batch_size`` full batches, then one batch with the rest; each batch of m messages
    takes ``ceil(m / 10)`` ReceiveMessage calls (and as many DeleteMessageBatch calls).
    """
    if logs < 0 or batch_size < 1:
        raise ValueError(f"need logs >= 0 and batch_size >= 1, got {logs}, {batch_size}")
    full, rest = divmod(logs, batch_size)
    invocations = full + (rest > 0)
    calls = full * _ceil_div(batch_size, MAX_MESSAGES_PER_CALL) + _ceil_div(rest, MAX_MESSAGES_PER_CALL)
    return invocations, calls


def full_batches(logs: int, batch_size: int) -> Batching:
    """The best case: every batch full but the last."""
    invocations, calls = batch_calls(logs, batch_size)
    return Batching("full_batches", None, logs, invocations, calls, calls)


def windowed_batches(histogram: WindowHistogram, batch_size: int, window_s: int) -> Batching:
    """The batching-window model from the window histogram of the logs.

    ``window_s`` is the setting; the histogram must be for its effective window.
    """
    if histogram.window_s != effective_window_s(window_s):
        raise ValueError(f"histogram is for {histogram.window_s}-second windows, the setting is {window_s} s")
    invocations = calls = 0
    for n, h in histogram.windows.items():
        i, c = batch_calls(n, batch_size)
        invocations += h * i
        calls += h * c
    return Batching("batching_window", window_s, histogram.logs, invocations, calls, calls)


_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_second(t: datetime) -> int:
    """The whole Unix second holding ``t`` (floor, also before 1970)."""
    delta = t - _EPOCH
    return delta.days * 86_400 + delta.seconds  # timedelta normalises: seconds in [0, 86400)


def histogram_from_event_times(event_times: Iterable[datetime], window_s: int) -> WindowHistogram:
    """The reference computation straight from raw event times (tests and docs use it)."""
    width = effective_window_s(window_s)
    per_window = Counter(epoch_second(t) // width for t in event_times)
    return WindowHistogram(width, dict(Counter(per_window.values())))
