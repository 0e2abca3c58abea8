// "Send logs": ready-to-paste producer configurations with this scenario's id and this deployment's
// URL filled in, the same shapes as docs/send-logs.md and docs/ingest.md. Each ingest route is used
// only when the deployment's /openapi.json has it (the header form, POST /ingest, always exists).
import { deploymentUrl, getApiKey, openapi } from "../api.js";
import { copyButton, h, unavailable } from "../dom.js";

function snippet(id, title, text, note) {
  return h("div", { class: "snippet", "data-snippet": id },
    h("h3", {}, title), note ? h("p", { class: "card-note" }, note) : null,
    copyButton(() => text), h("pre", { tabindex: "0" }, h("code", {}, text)));
}

async function routes() {
  const document = await openapi();
  const has = (path) => Boolean(document.paths && document.paths[path] && document.paths[path].post);
  return { pathScenario: has("/ingest/{scenario_id}"), bulk: has("/ingest/_bulk"), otlp: has("/v1/logs") };
}

export async function renderSnippets(holder, scenario) {
  const id = scenario.id;
  const have = await routes();
  const ingest = deploymentUrl("ingest");
  const byPath = deploymentUrl(`ingest/${id}`);
  const base = deploymentUrl("").href.replace(/\/$/, "");
  const keyed = Boolean(getApiKey()) || ingest.protocol === "https:";
  const keyHeader = keyed ? ` -H "x-api-key: $MOCKUPAWS_API_KEY"` : "";
  const https = ingest.protocol === "https:";
  const port = ingest.port || (https ? "443" : "80");
  const target = have.pathScenario ? byPath : ingest;
  const parts = [];

  parts.push(h("p", { class: "card-note" },
    `Logs are accepted while the scenario is running (it is ${scenario.status} now). `,
    keyed ? "Export MOCKUPAWS_API_KEY with the API key first. " : "Locally no API key is needed. ",
    "What each body becomes, and the limits, are in the project's docs (ingest and send-logs pages)."));

  parts.push(snippet("curl", "curl", [
    `# one JSON log (the reply is the stored log, PII redacted)`,
    `curl -s -X POST '${ingest}' -H 'X-Scenario-ID: ${id}'${keyHeader} \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d '{"message": "user login ok", "source": "app"}'`,
    ``,
    `# a whole log file, one message per line`,
    `curl -s -X POST '${ingest}' -H 'X-Scenario-ID: ${id}'${keyHeader} \\`,
    `  -H 'Content-Type: text/plain' -H 'X-Log-Source: app.log' --data-binary @app.log`,
    ``,
    `# NDJSON, gzip-compressed`,
    `gzip -c app.ndjson | curl -s -X POST '${ingest}' -H 'X-Scenario-ID: ${id}'${keyHeader} \\`,
    `  -H 'Content-Type: application/x-ndjson' -H 'Content-Encoding: gzip' --data-binary @-`,
  ].join("\n")));

  parts.push(have.otlp
    ? snippet("otel", "OpenTelemetry SDK (OTLP/HTTP logs)", [
      `export OTEL_EXPORTER_OTLP_ENDPOINT=${base}      # the SDK appends /v1/logs`,
      `export OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf   # or http/json; gRPC is not served`,
      `export OTEL_EXPORTER_OTLP_HEADERS="X-Scenario-ID=${id}${keyed ? ",x-api-key=$MOCKUPAWS_API_KEY" : ""}"`,
      `export OTEL_SERVICE_NAME=checkout-api             # becomes each log's source`,
      `export OTEL_LOGS_EXPORTER=otlp`,
      `export OTEL_PYTHON_LOGGING_AUTO_INSTRUMENTATION_ENABLED=true   # Python: opentelemetry-instrument python app.py`,
    ].join("\n"), "Every language's SDK and auto-instrumentation reads these variables.")
    : h("div", { class: "snippet", "data-snippet": "otel" }, h("h3", {}, "OpenTelemetry (OTLP/HTTP logs)"),
      unavailable("OTLP ingest", " This deployment has no POST /v1/logs route; use one of the other producers.")));

  parts.push(snippet("fluent-bit", "Fluent Bit (http output)", [
    `[OUTPUT]`,
    `    Name              http`,
    `    Match             *`,
    `    Host              ${target.hostname}`,
    `    Port              ${port}`,
    `    URI               ${target.pathname}`,
    `    Format            json_lines`,
    `    Json_Date_Key     timestamp`,
    `    Json_Date_Format  iso8601`,
    have.pathScenario ? null : `    Header            X-Scenario-ID ${id}`,
    keyed ? `    Header            x-api-key \${MOCKUPAWS_API_KEY}` : null,
    `    Header            X-Log-Source fluent-bit`,
    `    compress          gzip`,
    `    tls               ${https ? "On" : "Off"}`,
    https ? `    tls.verify        On` : null,
    `    Retry_Limit       5`,
  ].filter((line) => line !== null).join("\n"), "Each record's message is its log (tail input) or message field."));

  parts.push(snippet("vector", "Vector (http sink)", [
    `[sinks.mockupaws]`,
    `type = "http"`,
    `inputs = ["app_logs"]`,
    `uri = "${target}"`,
    `method = "post"`,
    `compression = "gzip"`,
    `encoding.codec = "json"`,
    `framing.method = "newline_delimited"`,
    `batch.max_events = 5000          # <= 10,000 records per request`,
    `batch.max_bytes = 4000000        # <= 6 MiB per request after decompression`,
    have.pathScenario ? null : `request.headers.X-Scenario-ID = "${id}"`,
    keyed ? `request.headers.x-api-key = "\${MOCKUPAWS_API_KEY}"` : null,
    `request.headers.X-Log-Source = "vector"`,
  ].filter((line) => line !== null).join("\n")));

  if (have.bulk) {
    parts.push(snippet("rsyslog", "rsyslog (omelasticsearch, the bulk API)", [
      `module(load="omelasticsearch")`,
      `template(name="mockupaws" type="list") {`,
      `  constant(value="{\\"@timestamp\\":\\"")  property(name="timereported" dateFormat="rfc3339")`,
      `  constant(value="\\",\\"host\\":\\"")      property(name="hostname")`,
      `  constant(value="\\",\\"severity\\":\\"")  property(name="syslogseverity-text")`,
      `  constant(value="\\",\\"source\\":\\"")    property(name="programname" format="json")`,
      `  constant(value="\\",\\"message\\":\\"")   property(name="msg" format="json")`,
      `  constant(value="\\"}")`,
      `}`,
      `action(type="omelasticsearch" server="${base}/ingest/" template="mockupaws"`,
      `       searchIndex="${id}" bulkmode="on" esVersion.major="8"`,
      `       errorfile="/var/log/rsyslog-mockupaws-errors.json")`,
    ].join("\n"), keyed
      ? "Debian's rsyslog-elasticsearch package. It cannot send the x-api-key header: deploy with ApiKeyRequired=false or put a proxy that adds it in front."
      : "Debian's rsyslog-elasticsearch package; the scenario is the index."));
  } else {
    parts.push(snippet("rsyslog", "rsyslog (omhttp)", [
      `module(load="omhttp")`,
      `template(name="mockupaws" type="list" option.jsonf="on") {`,
      `  property(outname="message" name="msg" format="jsonf")`,
      `  property(outname="timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")`,
      `  property(outname="source" name="programname" format="jsonf")`,
      `}`,
      `action(type="omhttp" server="${ingest.hostname}" serverport="${port}" usehttps="${https ? "on" : "off"}"`,
      `       restpath="${ingest.pathname.replace(/^\//, "")}" template="mockupaws"`,
      `       batch="on" batch.format="jsonarray" batch.maxsize="1000"`,
      `       httpheaders=["X-Scenario-ID: ${id}"${keyed ? `, "x-api-key: <API key>"` : ""}])`,
    ].join("\n"), "From rsyslog's omhttp documentation (a JSON array of records per request): check the first request."));
  }

  holder.replaceChildren(...parts);
}
