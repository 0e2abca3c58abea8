"""SQL of the batching-window model (docs/costs.md, "Batching"): window counts and their histogram.

For a scenario whose pipeline has a batching window (effective length W = max(1, setting) seconds), two
rollups are kept by the same transactions as the hourly ones (:mod:`mockupaws.store.rollups`), so in any
snapshot they cover exactly the logs with ``id <= last_log_id``:

``scenario_batch_windows``
    Logs per epoch-aligned window ``[start, start + W)`` that holds any.
``scenario_window_histogram``
    How many windows hold exactly n logs: a few dozen rows however many logs there are, so the metrics
    read it in well under a millisecond.

A batch of logs moves each window it touches from its old count (read from ``scenario_batch_windows``
in the same statement's snapshot, before the batch is added) to its new one: windows that straddle
hours, and a late log joining an old window, are counted exactly. The metrics add the tail of logs not
rolled up yet the same way at read time (:func:`read_histogram`). When the setting changes, the scenario
update rebuilds both from the rolled-up logs (:func:`rebuild`) while it holds the scenario row ``FOR
UPDATE``, which the rollup's ``FOR KEY SHARE`` waits for. Any other window length (what-if estimates)
is computed from the logs themselves (:func:`window_histogram`).
"""

from __future__ import annotations

import uuid
from typing import Final

from mockupaws.pricing.batching import WindowHistogram
from mockupaws.store.db import Cursor

__all__ = ["read_histogram", "rebuild", "roll_up_windows", "window_histogram"]

# The whole Unix second of an event time (floor, also before 1970: date_trunc keeps the instant's
# second, and the epoch of a whole second is an exact integer in double precision), and the start of
# its W-second window.
_SECOND: Final = "date_part('epoch', date_trunc('second', event_time, 'UTC'))::bigint"
_START: Final = "(second - mod(mod(second, %(w)s) + %(w)s, %(w)s))"


def _seconds(where: str) -> str:
    """The event seconds of the scenario's logs that match ``where``, as a subquery with column
    ``second``."""
    return (
        f"(SELECT {_SECOND} AS second FROM scenario_logs "
        f"WHERE scenario_id = %(scenario_id)s AND {where}) AS s"
    )


# The windows the logs (after, hi] touch, with the count each had among the rolled-up logs, and the
# histogram moves that adding them makes (-1 at the old count, +1 at the new one).
_MOVES: Final = f"""
    moved AS (
        SELECT {_START} AS start, count(*) AS added
        FROM {_seconds("id > %(after)s AND id <= %(hi)s")}
        GROUP BY 1
    ),
    before AS (
        SELECT moved.start, moved.added, COALESCE(w.logs, 0) AS old
        FROM moved
        LEFT JOIN scenario_batch_windows w
            ON w.scenario_id = %(scenario_id)s AND w.window_s = %(w)s AND w.start = moved.start
    ),
    deltas AS (
        SELECT old AS logs, -1 AS windows FROM before WHERE old > 0
        UNION ALL
        SELECT old + added, 1 FROM before
    )
"""

# One statement: every part sees the snapshot from before it, so `before` reads the old counts.
_ROLL_UP_SQL: Final = f"""
    WITH {_MOVES},
    counted AS (
        INSERT INTO scenario_batch_windows AS w (scenario_id, window_s, start, logs)
        SELECT %(scenario_id)s, %(w)s, start, added FROM before
        ON CONFLICT (scenario_id, window_s, start) DO UPDATE SET logs = w.logs + EXCLUDED.logs
    ),
    summed AS (
        SELECT logs, sum(windows)::bigint AS windows FROM deltas GROUP BY logs HAVING sum(windows) <> 0
    )
    INSERT INTO scenario_window_histogram AS h (scenario_id, window_s, logs, windows)
    SELECT %(scenario_id)s, %(w)s, logs, windows FROM summed
    ON CONFLICT (scenario_id, window_s, logs) DO UPDATE SET windows = h.windows + EXCLUDED.windows
"""

_DROP_EMPTY_SQL: Final = """
    DELETE FROM scenario_window_histogram WHERE scenario_id = %(scenario_id)s AND windows = 0
"""

_READ_SQL: Final = f"""
    WITH {_MOVES}
    SELECT logs, sum(windows)::bigint AS windows
    FROM (SELECT logs, windows FROM scenario_window_histogram
          WHERE scenario_id = %(scenario_id)s AND window_s = %(w)s
          UNION ALL
          SELECT logs, windows FROM deltas) AS parts
    GROUP BY logs
    HAVING sum(windows) <> 0
"""

_FROM_LOGS_SQL: Final = f"""
    SELECT n AS logs, count(*) AS windows
    FROM (SELECT {_START} AS start, count(*) AS n FROM {_seconds("id <= %(hi)s")} GROUP BY 1) AS w
    GROUP BY n
"""

_REBUILD_WINDOWS_SQL: Final = f"""
    INSERT INTO scenario_batch_windows (scenario_id, window_s, start, logs)
    SELECT %(scenario_id)s, %(w)s, {_START}, count(*)
    FROM {_seconds("id <= %(hi)s")}
    GROUP BY 3
"""

_REBUILD_HISTOGRAM_SQL: Final = """
    INSERT INTO scenario_window_histogram (scenario_id, window_s, logs, windows)
    SELECT %(scenario_id)s, %(w)s, logs, count(*)
    FROM scenario_batch_windows WHERE scenario_id = %(scenario_id)s AND window_s = %(w)s
    GROUP BY logs
"""

_ALL_LOGS: Final = 2**63 - 1


def _histogram(cur: Cursor, window_s: int) -> WindowHistogram:
    return WindowHistogram(window_s, {int(r["logs"]): int(r["windows"]) for r in cur.fetchall()})


def roll_up_windows(cur: Cursor, scenario_id: uuid.UUID, after: int, hi: int, window_s: int | None) -> None:
    """Add the logs ``(after, hi]`` to the window counts and histogram of the scenario's effective window
    ``window_s`` (nothing when the scenario has none). Call in the rollup batch's transaction."""
    if window_s is None:
        return
    params = {"scenario_id": scenario_id, "after": after, "hi": hi, "w": window_s}
    cur.execute(_ROLL_UP_SQL, params)
    cur.execute(_DROP_EMPTY_SQL, params)


def rebuild(cur: Cursor, scenario_id: uuid.UUID, last_log_id: int, window_s: int | None) -> None:
    """Replace the scenario's window counts and histogram by those of the effective window ``window_s``
    (none when ``None``) over its rolled-up logs (``id <= last_log_id``). Call while holding the
    scenario row ``FOR UPDATE`` (no rollup runs meanwhile)."""
    cur.execute("DELETE FROM scenario_batch_windows WHERE scenario_id = %s", (scenario_id,))
    cur.execute("DELETE FROM scenario_window_histogram WHERE scenario_id = %s", (scenario_id,))
    if window_s is not None:
        params = {"scenario_id": scenario_id, "hi": last_log_id, "w": window_s}
        cur.execute(_REBUILD_WINDOWS_SQL, params)
        cur.execute(_REBUILD_HISTOGRAM_SQL, params)


def read_histogram(cur: Cursor, scenario_id: uuid.UUID, last_log_id: int, window_s: int) -> WindowHistogram:
    """The histogram of the scenario's own effective window over all its logs: the stored one plus the
    tail after ``last_log_id``. Call in the same REPEATABLE READ snapshot as the other rollups."""
    params = {"scenario_id": scenario_id, "after": last_log_id, "hi": _ALL_LOGS, "w": window_s}
    cur.execute(_READ_SQL, params)
    return _histogram(cur, window_s)


def window_histogram(cur: Cursor, scenario_id: uuid.UUID, window_s: int) -> WindowHistogram:
    """The histogram of any effective window length straight from every log's event time: the reference
    the rollups must equal, and what-if estimates of another window. Reads every log of the scenario."""
    cur.execute(_FROM_LOGS_SQL, {"scenario_id": scenario_id, "hi": _ALL_LOGS, "w": window_s})
    return _histogram(cur, window_s)
