"""Unit tests of the batching models (docs/costs.md, "Batching") and of AWS's event source rules."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from mockupaws.errors import ValidationFailed
from mockupaws.pricing.batching import (
    Batching,
    WindowHistogram,
    batch_calls,
    effective_window_s,
    epoch_second,
    full_batches,
    histogram_from_event_times,
    windowed_batches,
)
from mockupaws.scenarios.models import PipelineSettings, PipelineSettingsPatch

T0 = datetime(2026, 3, 1, 9, 59, 58, tzinfo=UTC)  # two seconds before an hour ends


def simulate(event_times: list[datetime], window_s: int, batch_size: int) -> tuple[int, int]:
    """Brute force, straight from the definition: every log goes into the epoch-aligned window of its
    event time; each window is cut into batches of batch_size; each batch takes ceil(m/10) calls."""
    width = max(1, window_s)
    windows: dict[int, list[datetime]] = {}
    for t in sorted(event_times):
        start = math.floor((t - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() // width)
        windows.setdefault(start, []).append(t)
    invocations = calls = 0
    for logs in windows.values():
        for i in range(0, len(logs), batch_size):
            batch = logs[i : i + batch_size]
            invocations += 1
            calls += math.ceil(len(batch) / 10)
    return invocations, calls


@pytest.mark.parametrize(
    ("logs", "batch_size", "expected"),
    [
        (0, 10, (0, 0)),
        (1, 10, (1, 1)),
        (10, 10, (1, 1)),
        (11, 10, (2, 2)),
        (250, 100, (3, 25)),
        (9, 4, (3, 3)),
    ],
)
def test_batch_calls(logs: int, batch_size: int, expected: tuple[int, int]) -> None:
    assert batch_calls(logs, batch_size) == expected


def test_full_batches_is_the_best_case() -> None:
    assert full_batches(1050, 100) == Batching("full_batches", None, 1050, 11, 105, 105)
    rng = random.Random(3)
    times = [T0 + timedelta(seconds=rng.uniform(0, 600)) for _ in range(500)]
    for window in (0, 1, 20, 300):
        for batch in (1, 10, 100):
            windowed = windowed_batches(histogram_from_event_times(times, window), batch, window)
            assert windowed.invocations >= full_batches(500, batch).invocations


@pytest.mark.parametrize("window_s", [0, 1, 2, 7, 60, 299, 300])
@pytest.mark.parametrize("batch_size", [1, 3, 10, 100, 10_000])
def test_windowed_model_equals_brute_force_from_raw_event_times(window_s: int, batch_size: int) -> None:
    rng = random.Random(window_s * 10_007 + batch_size)
    # bursts and sparse logs, across an hour boundary, in random (out of) order, with microseconds
    times = [T0 + timedelta(microseconds=rng.randrange(0, 7_200 * 10**6)) for _ in range(800)]
    times += [T0 + timedelta(seconds=1, microseconds=rng.randrange(10**6)) for _ in range(300)]  # a burst
    rng.shuffle(times)
    histogram = histogram_from_event_times(times, window_s)
    batching = windowed_batches(histogram, batch_size, window_s)
    assert (batching.invocations, batching.receive_calls) == simulate(times, window_s, batch_size)
    assert batching.delete_calls == batching.receive_calls
    assert batching.logs == histogram.logs == len(times)


def test_windows_are_aligned_to_the_epoch_and_straddle_hours() -> None:
    hour = datetime(2026, 3, 1, 10, 0, 0, tzinfo=UTC)
    before, after = hour - timedelta(milliseconds=1500), hour + timedelta(milliseconds=3200)
    # windows that divide an hour end with it: the two logs are in two windows
    for width in (5, 10, 60, 300):
        assert histogram_from_event_times([before, after], width).windows == {1: 2}
    # a window that does not divide 3,600 s straddles the hour: its start is k * W seconds since 1970
    s = epoch_second(hour)
    width = next(w for w in range(7, 301) if 2 <= s % w <= w - 4)
    start = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=s - s % width)
    assert start < before < hour < after < start + timedelta(seconds=width)
    assert histogram_from_event_times([before, after], width).windows == {2: 1}


def test_epoch_second_floors_before_1970() -> None:
    assert epoch_second(datetime(1970, 1, 1, tzinfo=UTC)) == 0
    assert epoch_second(datetime(1970, 1, 1, 0, 0, 1, 500_000, tzinfo=UTC)) == 1
    assert epoch_second(datetime(1969, 12, 31, 23, 59, 59, 900_000, tzinfo=UTC)) == -1


def test_window_zero_is_modelled_as_one_second() -> None:
    assert effective_window_s(0) == 1
    assert effective_window_s(300) == 300
    times = [T0, T0 + timedelta(milliseconds=300), T0 + timedelta(seconds=1)]
    assert histogram_from_event_times(times, 0) == histogram_from_event_times(times, 1)
    with pytest.raises(ValueError, match="histogram is for"):
        windowed_batches(WindowHistogram(2, {1: 1}), 10, 1)


def test_histogram_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="window_s must be >= 1"):
        WindowHistogram(0, {})
    with pytest.raises(ValueError, match="n >= 1"):
        WindowHistogram(5, {0: 3})


# --------------------------------------------------------------------------------------------
# AWS's rules for SQS event sources
# --------------------------------------------------------------------------------------------


def test_fifo_defaults_to_batches_of_ten_and_refuses_more() -> None:
    assert PipelineSettings.model_validate({"sqs_queue_type": "fifo"}).lambda_batch_size == 10
    assert PipelineSettings.model_validate({}).lambda_batch_size == 100
    with pytest.raises(ValidationError, match="FIFO event source takes at most 10"):
        PipelineSettings.model_validate({"sqs_queue_type": "fifo", "lambda_batch_size": 11})


def test_standard_batch_over_ten_needs_a_window_of_one_second() -> None:
    with pytest.raises(ValidationError, match="at least 1 second"):
        PipelineSettings.model_validate({"lambda_batch_size": 11, "lambda_batching_window_s": 0})
    assert PipelineSettings.model_validate({"lambda_batch_size": 10, "lambda_batching_window_s": 0})
    assert PipelineSettings.model_validate({"lambda_batch_size": 100, "lambda_batching_window_s": 1})
    # unset: the best case, accepted with any batch size
    assert PipelineSettings.model_validate({"lambda_batch_size": 10_000}).lambda_batching_window_s is None


@pytest.mark.parametrize("bad", [-1, 301, True, "5", 1.5])
def test_window_range(bad: object) -> None:
    with pytest.raises(ValidationError):
        PipelineSettings.model_validate({"lambda_batching_window_s": bad})


def test_stored_settings_that_predate_the_rules_are_read_as_they_are() -> None:
    stored = {"sqs_queue_type": "fifo", "lambda_batch_size": 100}
    assert PipelineSettings.from_stored(stored).lambda_batch_size == 100
    with pytest.raises(ValidationError):
        PipelineSettings.model_validate(stored)


def test_patches_are_checked_as_new_input() -> None:
    current = PipelineSettings()
    with pytest.raises(ValidationFailed) as info:
        PipelineSettingsPatch(sqs_queue_type="fifo").apply_to(current)  # batch 100 stays: refused
    assert "FIFO" in info.value.message
    assert info.value.details
    assert info.value.details[0]["loc"][:2] == ["body", "pipeline"]
    fifo = PipelineSettingsPatch(sqs_queue_type="fifo", lambda_batch_size=10).apply_to(current)
    assert fifo.lambda_batch_size == 10
    windowed = PipelineSettingsPatch(lambda_batching_window_s=20).apply_to(current)
    assert windowed.lambda_batching_window_s == 20
    unset = PipelineSettingsPatch.model_validate({"lambda_batching_window_s": None}).apply_to(windowed)
    assert unset.lambda_batching_window_s is None
    untouched = PipelineSettingsPatch(lambda_memory_mb=512).apply_to(windowed)
    assert untouched.lambda_batching_window_s == 20
