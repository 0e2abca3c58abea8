"""The web console in a real browser (headless Debian Chromium) against the local server.

One story, as a user would live it: create a scenario (an invalid setting first: the API's own error
appears next to the field), start it, send logs over HTTP and watch the totals move without reloading,
stop it, read the charts' data, try a what-if and the model ranking, compare two scenarios, export,
print the report, delete. No console errors along the way. Screenshots of the main pages are written
to ``test-artifacts/console/`` (git-ignored) for a reviewer to look at.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mockupaws_local.server import ServerHandle
from mockupaws_testkit.browser import missing_browser, start_chromium
from tests.e2e.conftest import Http

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "console"
OPENAPI = json.loads((ROOT / "functions" / "docs" / "openapi.json").read_text())
DAY = (datetime.now(UTC) - timedelta(hours=8)).replace(minute=0, second=0, microsecond=0)
WAIT_S = 40


def _has_route(method: str, path: str) -> bool:
    return method in OPENAPI["paths"].get(path, {})


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    reason = missing_browser()
    assert reason is None, reason
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    downloads = tmp_path_factory.mktemp("downloads")
    driver = start_chromium(tmp_path_factory.mktemp("profile"), downloads)
    yield driver, downloads
    driver.quit()


class Console:
    """The browser and the page, in the words of the test."""

    def __init__(self, driver: Any, base_url: str, downloads: Path) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver = driver
        self.base_url = base_url
        self.downloads = downloads
        self.by = By
        self._wait = WebDriverWait
        self.unexpected_errors: list[str] = []

    def open(self, fragment: str = "/") -> None:
        self.driver.get(f"{self.base_url}/#{fragment}")

    def wait(self, condition: Callable[[], Any], what: str, timeout: float = WAIT_S) -> Any:
        return self._wait(self.driver, timeout, poll_frequency=0.2).until(lambda _d: condition(), what)

    def find(self, css: str) -> Any:
        return self.wait(lambda: self._visible(css), f"{css} visible")

    def _visible(self, css: str) -> Any:
        for element in self.driver.find_elements(self.by.CSS_SELECTOR, css):
            if element.is_displayed():
                return element
        return None

    def exists(self, css: str) -> bool:
        return bool(self.driver.find_elements(self.by.CSS_SELECTOR, css))

    def text(self, css: str) -> str:
        return str(self.find(css).text)

    def wait_text(self, css: str, expected: str) -> None:
        self.wait(
            lambda: self._visible(css) is not None and self._visible(css).text == expected,
            f"{css} == {expected!r}",
        )

    def type(self, css: str, value: str) -> None:
        element = self.find(css)
        element.clear()
        element.send_keys(value)

    def click(self, css: str) -> None:
        self.find(css).click()

    def confirm(self) -> None:
        self.find("#confirm-dialog[open] #confirm-ok").click()
        self.wait(lambda: not self.exists("#confirm-dialog[open]"), "dialog closed")

    def script(self, source: str) -> Any:
        return self.driver.execute_script(source)

    def chart(self, name: str) -> dict[str, Any]:
        data: dict[str, Any] = self.script(
            "const c = Chart.getChart(document.querySelector('canvas[data-chart=\"" + name + "\"]'));"
            "return c ? {labels: c.data.labels,"
            " datasets: c.data.datasets.map(d => ({label: d.label, data: d.data}))} : null;"
        )
        assert data is not None, f"no chart {name}"
        return data

    def shot(self, name: str, width: int = 1366) -> Path:
        self.script("window.scrollTo(0, 0); document.activeElement && document.activeElement.blur();")
        height = int(self.script("return document.documentElement.scrollHeight"))
        self.driver.set_window_size(width, min(max(height, 700), 6000))
        path = SCREENSHOTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        self.driver.set_window_size(1366, 900)
        return path

    def rows(self, css: str) -> list[Any]:
        return list(self.driver.find_elements(self.by.CSS_SELECTOR, css))

    def downloaded(self, suffix: str) -> Path:
        def done() -> Path | None:
            found = [p for p in self.downloads.iterdir() if p.name.endswith(suffix)]
            return found[0] if found else None

        path: Path = self.wait(done, f"a download ending in {suffix}")
        return path

    def garbage(self) -> list[str]:
        """Words on the page that only a rendering bug would show."""
        text = str(
            self.script(
                "const m = document.querySelector('main').cloneNode(true);"
                "m.querySelectorAll('.hint').forEach(e => e.remove());"  # the API's own field descriptions
                "return m.textContent;"
            )
        )
        return re.findall(r"\b(?:undefined|null|NaN)\b|\[object", text)

    def unlabelled(self) -> list[str]:
        """Visible controls a screen reader could not name (no label, aria-label or text)."""
        found: list[str] = self.script(
            "return [...document.querySelectorAll('input, select, textarea, button, a[href]')]"
            ".filter(e => e.offsetParent !== null && e.type !== 'hidden')"
            ".filter(e => !((e.labels && e.labels.length) || e.getAttribute('aria-label')"
            " || e.getAttribute('aria-labelledby') || (e.textContent || '').trim() || e.title))"
            ".map(e => e.outerHTML.slice(0, 120));"
        )
        return found

    def errors(self, allowed: Callable[[str], bool] = lambda _m: False) -> list[str]:
        """SEVERE browser-console entries since the last call that ``allowed`` does not excuse."""
        severe = [e["message"] for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]
        return [m for m in severe if not allowed(m)]


@pytest.fixture
def console(browser: tuple[Any, Path], live_server: ServerHandle) -> Console:
    page = Console(browser[0], live_server.url, browser[1])
    page.errors(lambda _m: True)  # start clean
    return page


def _logs(
    hours: list[int], pii_every: int, salt: str
) -> tuple[list[dict[str, Any]], Counter[int], Counter[int]]:
    """Records with event times in the given hours of DAY; every ``pii_every``-th carries an e-mail."""
    records = []
    per_hour: Counter[int] = Counter()
    pii_per_hour: Counter[int] = Counter()
    for i, hour in enumerate(hours):
        at = DAY + timedelta(hours=hour, minutes=(i * 7) % 60, seconds=i % 60)
        has_pii = i % pii_every == 0
        message = f"order {salt}-{i} paid" + (f" by user{i}@example.com" if has_pii else " ok")
        records.append(
            {"message": message, "timestamp": at.isoformat(), "source": ["cart", "billing"][i % 2]}
        )
        per_hour[hour] += 1
        pii_per_hour[hour] += has_pii
    return records, per_hour, pii_per_hour


def _ingest(http: Http, scenario_id: str, records: list[dict[str, Any]]) -> None:
    body = "\n".join(json.dumps(r) for r in records).encode()
    reply = http(
        "POST",
        "/ingest",
        data=body,
        headers={"X-Scenario-ID": scenario_id, "Content-Type": "application/x-ndjson"},
    )
    assert reply.status == 202, reply.raw
    assert reply.json["accepted"] == len(records)


def _hour_label(hour: int) -> str:
    return (DAY + timedelta(hours=hour)).strftime("%m-%d %H:00")


def _is_expected_422(message: str) -> bool:
    """The browser logs each 4xx fetch; the ones the test provokes on purpose are these."""
    return ("/api/v1/scenarios " in message or "/estimates " in message) and "status of 422" in message


def test_the_whole_story_in_a_browser(console: Console, http: Http, live_server: ServerHandle) -> None:
    # -- the list ---------------------------------------------------------------------------------
    console.open("/")
    console.find("#new-scenario")
    console.wait(lambda: console.exists("#scenarios-table") or console.exists(".empty"), "list loaded")
    console.shot("01-scenarios")
    assert console.unlabelled() == []
    assert console.garbage() == []

    # -- create: the API's validation error next to its field, then a valid scenario ---------------
    console.click("#new-scenario")
    console.find("#scenario-form")
    name = f"console-{uuid.uuid4().hex[:8]}"
    console.type("#f-body-name", name)
    console.type("#f-body-region", "eu-west-1")
    console.type("#f-body-tags", "browser, e2e")
    console.type("#f-body-pipeline-prompt_tokens_per_invocation", "400")
    console.type("#f-body-pipeline-lambda_batch_size", "0")
    console.click("#save-scenario")
    error = console.find("#f-body-pipeline-lambda_batch_size-error")
    console.wait(lambda: error.text != "", "the batch size error shown")
    assert "greater than or equal to 1" in error.text
    field = console.find("#f-body-pipeline-lambda_batch_size")
    assert field.get_attribute("aria-invalid") == "true"
    assert console.driver.switch_to.active_element == field  # focus moved to the first bad field
    assert console.driver.current_url.endswith("#/new")
    assert name not in [s["name"] for s in http("GET", "/api/v1/scenarios?page_size=100").json["items"]]
    console.shot("02-create-with-api-error")
    assert console.unlabelled() == []
    assert console.garbage() == []
    assert console.errors(_is_expected_422) == []

    console.type("#f-body-pipeline-lambda_batch_size", "50")
    console.click("#save-scenario")
    console.wait(
        lambda: re.search(r"#/scenarios/[0-9a-f-]{36}$", console.driver.current_url), "scenario page"
    )
    scenario_id = console.driver.current_url.rsplit("/", 1)[1]
    console.wait_text("#scenario-status", "draft")
    stored = http("GET", f"/api/v1/scenarios/{scenario_id}").json
    assert (stored["name"], stored["region"], stored["tags"]) == (name, "eu-west-1", ["browser", "e2e"])
    assert stored["pipeline"]["lambda_batch_size"] == 50
    assert stored["pipeline"]["prompt_tokens_per_invocation"] == 400

    # -- start (with confirmation), then logs arrive and the totals move by themselves ------------
    console.click("[data-action=start]")
    console.confirm()
    console.wait_text("#scenario-status", "running")
    console.find("#live-flag")
    console.wait_text("#kpi-requests", "0")

    first, per_hour, pii_per_hour = _logs([0] * 40 + [1] * 25 + [3] * 55, pii_every=4, salt="a")
    _ingest(http, scenario_id, first)
    console.wait_text("#kpi-requests", "120")
    second, more, more_pii = _logs([1] * 30 + [2] * 50, pii_every=5, salt="b")
    _ingest(http, scenario_id, second)
    console.wait_text("#kpi-requests", "200")
    per_hour.update(more)
    pii_per_hour.update(more_pii)

    # -- "Send logs": the curl snippet, as pasted, reaches this scenario ---------------------------
    console.click("[data-tab=send]")
    snippet = console.text("[data-snippet=curl] pre")
    assert scenario_id in snippet
    assert f"{live_server.url}/ingest" in snippet
    for tool in ("fluent-bit", "vector", "rsyslog", "otel"):
        block = console.find(f"[data-snippet={tool}]")
        if tool == "otel" and not _has_route("post", "/v1/logs"):
            assert "not available" in block.text
        else:
            assert scenario_id in block.text, tool
    url = re.search(r"curl -s -X POST '([^']+)'", snippet)
    headers = dict(re.findall(r"-H '([^:']+): ([^']+)'", snippet.split("\n\n")[0]))
    body = re.search(r"-d '(\{.*\})'", snippet)
    assert url, snippet
    assert body, snippet
    reply = http(
        "POST", url.group(1).removeprefix(live_server.url), data=body.group(1).encode(), headers=headers
    )
    assert reply.status == 202, reply.raw
    console.click("[data-tab=overview]")
    console.wait_text("#kpi-requests", "201")
    # (that log has no timestamp: its event time is its arrival, in an hour of its own)
    console.shot("03-scenario-running")

    # -- stop; the page shows exactly what the metrics API says ----------------------------------
    console.click("[data-action=stop]")
    console.confirm()
    console.wait_text("#scenario-status", "completed")
    console.wait(
        lambda: console.script("return document.getElementById('live-flag').hidden"), "live flag off"
    )
    metrics = http("GET", f"/api/v1/scenarios/{scenario_id}/metrics").json
    summary = metrics["summary"]
    assert summary["total_requests"] == 201
    assert console.text("#kpi-requests") == "201"
    assert console.find("#kpi-cost").get_attribute("title") == f"exact: {summary['total_cost_usd']} USD"
    assert console.text("#kpi-pii") == f"{summary['pii_violations']:,}"
    assert console.find("#projection-monthly").get_attribute("title") == (
        f"exact: {metrics['projection']['monthly_cost_usd']} USD"
    )

    # the charts' data: hourly logs and PII logs per hour as sent; tokens and cost as the API says
    logs_chart = console.chart("hourly-logs")
    series = {(p["timestamp"], p["metric_type"]): p["value"] for p in metrics["timeseries"]}
    # every hour from the first to the last, those without logs at zero
    stamps = sorted(
        datetime.fromisoformat(p["timestamp"].replace("Z", "+00:00")) for p in metrics["timeseries"]
    )
    span = int((stamps[-1] - stamps[0]).total_seconds() // 3600)
    all_hours = [stamps[0] + timedelta(hours=i) for i in range(span + 1)]
    expected_labels = [at.strftime("%m-%d %H:00") for at in all_hours]
    assert logs_chart["labels"] == expected_labels
    for hour, count in per_hour.items():
        index = expected_labels.index(_hour_label(hour))
        assert logs_chart["datasets"][0]["data"][index] == count, hour
        assert logs_chart["datasets"][1]["data"][index] == pii_per_hour[hour], hour
    assert sum(logs_chart["datasets"][0]["data"]) == 201
    tokens_chart = console.chart("hourly-tokens")
    by_hour = {(datetime.fromisoformat(t.replace("Z", "+00:00")), kind): v for (t, kind), v in series.items()}
    assert tokens_chart["datasets"][0]["data"] == [by_hour.get((at, "tokens"), 0) for at in all_hours]
    assert sum(tokens_chart["datasets"][0]["data"]) == sum(
        v for (_t, k), v in series.items() if k == "tokens"
    )
    cost_chart = console.chart("cost-by-service")
    lines = {line["service"]: line["cost_usd"] for line in metrics["cost_breakdown"]}
    assert cost_chart["labels"] == [line["service"] for line in metrics["cost_breakdown"]]
    assert cost_chart["datasets"][0]["data"] == [float(Decimal(lines[s])) for s in cost_chart["labels"]]
    cost_rows = console.driver.find_elements(console.by.CSS_SELECTOR, "#cost-table tbody tr.line")
    assert [r.get_attribute("data-service") for r in cost_rows] == cost_chart["labels"]
    item_rows = console.driver.find_elements(console.by.CSS_SELECTOR, "#cost-table tbody tr.item")
    assert len(item_rows) == sum(len(line.get("items") or []) for line in metrics["cost_breakdown"])
    console.shot("04-scenario-completed")
    assert console.unlabelled() == []
    assert console.garbage() == []

    # -- edit: the form opens with the stored values; the change is stored --------------------------
    console.click("[data-action=edit]")
    console.wait(lambda: console.find("#f-body-name").get_attribute("value") == name, "the stored name")
    assert console.find("#f-body-pipeline-lambda_batch_size").get_attribute("value") == "50"
    console.type("#f-body-description", "replayed by the browser test")
    console.click("#save-scenario")
    console.wait(
        lambda: console.driver.current_url.endswith(f"#/scenarios/{scenario_id}"), "back on the page"
    )
    edited = http("GET", f"/api/v1/scenarios/{scenario_id}").json
    assert edited["description"] == "replayed by the browser test"
    assert edited["pipeline"] == stored["pipeline"]
    console.wait_text("#kpi-requests", "201")
    console.wait(lambda: console.exists("canvas[data-chart=hourly-cost]"), "the charts again")

    # hourly cost: the API's exact share of each hour, on the chart's hours
    hourly_rows = http("GET", f"/api/v1/scenarios/{scenario_id}/hourly").json["rows"]
    cost_by_hour = {
        datetime.fromisoformat(r["hour"].replace("Z", "+00:00")): r["cost_usd"] for r in hourly_rows
    }
    cost_per_hour = console.chart("hourly-cost")
    assert cost_per_hour["labels"] == expected_labels
    assert cost_per_hour["datasets"][0]["data"] == [
        float(Decimal(cost_by_hour.get(at, "0"))) for at in all_hours
    ]
    # PII by type: every type found, with its count
    pii_chart = console.chart("pii-by-type")
    found = {row["pii_type"]: row["logs"] for row in metrics["pii_by_type"] if row["logs"]}
    assert sum(pii_chart["datasets"][0]["data"]) == sum(found.values())
    assert len(pii_chart["labels"]) == len(found)
    source_rows = console.rows("#sources-table tbody tr")
    assert [r.find_element(console.by.CSS_SELECTOR, "th").text for r in source_rows] == [
        row["source"] for row in metrics["by_source"] if not row["other"]
    ]

    # -- what-if: arm64 with half the memory; the page shows the API's estimate and the exact move --
    console.click("[data-tab=whatif]")
    console.find("#whatif-form")
    architecture = console.find("#f-body-variants-new-pipeline-lambda_architecture")
    from selenium.webdriver.support.ui import Select

    Select(architecture).select_by_value("arm64")
    console.type("#f-body-variants-new-pipeline-lambda_memory_mb", "512")
    console.click("#whatif-run")
    console.find("#whatif-table tr[data-variant='1']")
    expected = http(
        "POST",
        f"/api/v1/scenarios/{scenario_id}/estimates",
        json_body={"variants": [{"pipeline": {"lambda_architecture": "arm64", "lambda_memory_mb": 512}}]},
    ).json
    base_month = expected["baseline"]["projection"]["monthly_cost_usd"]
    variant_month = expected["variants"][0]["projection"]["monthly_cost_usd"]
    cells = console.rows("#whatif-table td[data-monthly]")
    assert [c.get_attribute("data-monthly") for c in cells] == [base_month, variant_month]
    moved = console.find("#whatif-table tr[data-variant='1'] [data-delta]").get_attribute("data-delta")
    assert Decimal(moved) == Decimal(variant_month) - Decimal(base_month)
    assert Decimal(moved) < 0  # arm64 and less memory: Lambda costs less
    whatif_chart = console.chart("whatif-monthly")
    assert whatif_chart["labels"] == ["Current settings", "Variant 1"]
    # a refused variant: the API's message next to the field, nothing added
    console.type("#f-body-variants-new-pipeline-lambda_memory_mb", "64")
    console.click("#whatif-run")
    memory_error = console.find("#f-body-variants-new-pipeline-lambda_memory_mb-error")
    console.wait(lambda: memory_error.text != "", "the memory error shown")
    assert "128" in memory_error.text
    assert len(console.rows("#whatif-table tbody tr")) == 2
    assert console.errors(_is_expected_422) == []
    console.shot("05-whatif")
    assert console.unlabelled() == []
    assert console.garbage() == []

    # -- the model ranking: the API's figures, the current choice marked, sortable ----------------
    console.click("[data-tab=models]")
    console.find("#ranking-table")
    ranking = http("GET", f"/api/v1/scenarios/{scenario_id}/estimates/models").json["options"]
    shown = [c.get_attribute("data-monthly") for c in console.rows("#ranking-table td [data-monthly]")]
    assert shown == [o["monthly_cost_usd"] for o in ranking]  # cheapest first, as the API ranks
    current_rows = console.rows("#ranking-table tr.current")
    assert len(current_rows) == 1
    assert stored["pipeline"]["bedrock_model"] in current_rows[0].text
    console.click("#ranking-table th[data-key=monthly] button")  # now most expensive first
    resorted = [c.get_attribute("data-monthly") for c in console.rows("#ranking-table td [data-monthly]")]
    assert [Decimal(v) for v in resorted] == sorted((Decimal(v) for v in shown), reverse=True)
    assert console.find("#ranking-table th[data-key=monthly]").get_attribute("aria-sort") == "descending"
    console.shot("06-model-ranking")

    # -- the stored logs: redacted, filtered, paged ------------------------------------------------
    console.click("[data-tab=logs]")
    console.find("#logs-table tbody tr")
    console.wait_text("#logs-count", "50 logs shown")
    console.click("#logs-more")
    console.wait_text("#logs-count", "100 logs shown")
    Select(console.find("#logs-has-pii")).select_by_value("true")
    console.click("#logs-filters button[type=submit]")
    console.wait_text("#logs-count", f"{summary['pii_violations']} logs shown (all)")
    previews = [r.text for r in console.rows("#logs-table .log-preview")]
    assert previews
    assert all("@example.com" not in p for p in previews)
    assert all("[EMAIL]" in p for p in previews)
    console.shot("07-logs")
    assert console.unlabelled() == []
    assert console.garbage() == []

    # -- compare with a second scenario (the cheapest other model of the ranking, the same logs) -----
    others = [o for o in ranking if o["bedrock_model"] != stored["pipeline"]["bedrock_model"]]
    cheaper = next((o for o in others if "embed" not in o["bedrock_model"]), others[0])
    other_pipeline = {**stored["pipeline"], "bedrock_model": cheaper["bedrock_model"]}
    if "bedrock_inference" in stored["pipeline"]:
        other_pipeline["bedrock_inference"] = cheaper["bedrock_inference"]
    reply = http(
        "POST",
        "/api/v1/scenarios",
        json_body={"name": f"{name}-other", "region": "eu-west-1", "pipeline": other_pipeline},
    )
    assert reply.status == 201, reply.raw
    other = reply.json
    http("POST", f"/api/v1/scenarios/{other['id']}/start")
    _ingest(http, other["id"], first + second)
    http("POST", f"/api/v1/scenarios/{other['id']}/stop")

    console.open("/")
    console.find(f"tr[data-scenario-id='{scenario_id}'] input[type=checkbox]").click()
    console.find(f"tr[data-scenario-id='{other['id']}'] input[type=checkbox]").click()
    console.click("#compare-selected")
    console.find("#compare-table")
    comparison = http("GET", f"/api/v1/scenarios/compare?ids={scenario_id},{other['id']}").json
    months = [s["projection"]["monthly_cost_usd"] for s in comparison["scenarios"]]
    monthly = console.rows("#compare-table tr[data-row=monthly] td")
    assert [c.get_attribute("title") for c in monthly] == [f"exact: {m} USD" for m in months]
    delta = monthly[1].find_element(console.by.CSS_SELECTOR, "[data-delta]").get_attribute("data-delta")
    assert delta == comparison["differences"][0]["monthly_cost_usd_delta"]
    assert Decimal(delta) == Decimal(months[1]) - Decimal(months[0])
    model_cells = console.rows("#compare-table tr[data-row=setting-bedrock_model] td")
    assert [c.text for c in model_cells] == [stored["pipeline"]["bedrock_model"], cheaper["bedrock_model"]]
    compare_chart = console.chart("compare-monthly")
    assert compare_chart["labels"] == [name, f"{name}-other"]
    console.shot("08-compare")
    assert console.unlabelled() == []
    assert console.garbage() == []

    # -- CSV downloads: the API's own exports, saved as files ----------------------------------------
    console.open(f"/scenarios/{scenario_id}")
    console.click("#csv-hourly")
    hourly_file = console.downloaded("-hourly.csv")
    expected_csv = http("GET", f"/api/v1/scenarios/{scenario_id}/hourly?format=csv").raw
    console.wait(lambda: hourly_file.read_bytes() == expected_csv, "the CSV saved byte for byte")
    header, *csv_rows = hourly_file.read_text().splitlines()
    assert header.startswith("hour,logs,")
    assert sum(int(r.split(",")[1]) for r in csv_rows) == 201
    console.click("#csv-sources")
    sources_file = console.downloaded("-sources.csv")
    console.wait(lambda: sources_file.stat().st_size > 0, "the sources CSV saved")
    assert sources_file.read_text().splitlines()[0].startswith("source,")
    console.click("#open-report")
    console.find("#report-settings")
    console.wait(lambda: console.exists("canvas[data-chart=hourly-logs]"), "report charts")
    assert console.chart("hourly-logs")["labels"] == expected_labels
    console.shot("09-report")
    assert console.garbage() == []
    console.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert (
        console.script("return getComputedStyle(document.querySelector('.page-head .actions')).display")
        == "none"
    )
    assert console.script("return getComputedStyle(document.querySelector('.topbar')).display") == "none"
    assert (
        console.script("return getComputedStyle(document.querySelector('.report-head')).display") == "block"
    )
    console.shot("10-report-print")
    console.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})

    # -- a phone ----------------------------------------------------------------------------------
    console.open(f"/scenarios/{scenario_id}")
    console.wait_text("#kpi-requests", "201")
    console.driver.set_window_size(390, 844)
    overflow = console.script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, "the page scrolls sideways on a phone"
    console.shot("11-phone-scenario", width=390)

    # -- delete (with confirmation) ---------------------------------------------------------------
    console.open(f"/scenarios/{other['id']}")
    console.click("[data-action=delete]")
    console.confirm()
    console.wait(lambda: console.driver.current_url.endswith("#/"), "back to the list")
    assert http("GET", f"/api/v1/scenarios/{other['id']}").status == 404

    assert console.errors() == []
