// "Send logs": ready-to-paste producer configurations with this scenario's id and this deployment's
// URL filled in (the same shapes as the README). Routes that a deployment lacks are said so.
import { deploymentUrl, getApiKey, openapi } from "../api.js";
import { copyButton, h, unavailable } from "../dom.js";

function endpoint(path) {
  return deploymentUrl(path);
}

function snippet(id, title, text, note) {
  return h("div", { class: "snippet", "data-snippet": id },
    h("h3", {}, title), note ? h("p", { class: "card-note" }, note) : null,
    copyButton(() => text), h("pre", { tabindex: "0" }, h("code", {}, text)));
}

async function hasPath(method, path) {
  const document = await openapi();
  return Boolean(document.paths && document.paths[path] && document.paths[path][method]);
}

export async function renderSnippets(holder, scenario) {
  const id = scenario.id;
  const ingest = endpoint("ingest");
  const base = deploymentUrl("");
  const keyed = Boolean(getApiKey()) || base.protocol === "https:";
  const keyHeader = keyed ? ` -H "x-api-key: $MOCKUPAWS_API_KEY"` : "";
  const https = ingest.protocol === "https:";
  const port = ingest.port || (https ? "443" : "80");
  const parts = [];

  parts.push(h("p", { class: "card-note" },
    `Logs are accepted while the scenario is running (it is ${scenario.status} now). `,
    keyed ? "Export MOCKUPAWS_API_KEY with the API key first." : "Locally no API key is needed."));

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

  if (await hasPath("post", "/v1/logs")) {
    parts.push(snippet("otel", "OpenTelemetry (OTLP/HTTP logs)", [
      `export OTEL_EXPORTER_OTLP_LOGS_ENDPOINT='${endpoint("v1/logs")}'`,
      `export OTEL_EXPORTER_OTLP_LOGS_PROTOCOL=http/protobuf`,
      `export OTEL_EXPORTER_OTLP_LOGS_HEADERS='X-Scenario-ID=${id}${keyed ? ",x-api-key=$MOCKUPAWS_API_KEY" : ""}'`,
      `export OTEL_LOGS_EXPORTER=otlp`,
      `export OTEL_SERVICE_NAME=my-app   # becomes the logs' source`,
    ].join("\n"), "Any OpenTelemetry SDK or Collector with the OTLP/HTTP logs exporter."));
  } else {
    parts.push(h("div", { class: "snippet", "data-snippet": "otel" }, h("h3", {}, "OpenTelemetry (OTLP/HTTP logs)"),
      unavailable("OTLP ingest", " This deployment has no /v1/logs route yet; use one of the other producers.")));
  }

  parts.push(snippet("fluent-bit", "Fluent Bit (http output)", [
    `[OUTPUT]`,
    `    Name              http`,
    `    Match             *`,
    `    Host              ${ingest.hostname}`,
    `    Port              ${port}`,
    `    URI               ${ingest.pathname}`,
    `    Format            json_lines`,
    `    Json_Date_Key     timestamp`,
    `    Json_Date_Format  iso8601`,
    `    Header            X-Scenario-ID ${id}`,
    keyed ? `    Header            x-api-key \${MOCKUPAWS_API_KEY}` : null,
    `    Header            X-Log-Source fluent-bit`,
    `    compress          gzip`,
    `    tls               ${https ? "On" : "Off"}`,
    https ? `    tls.verify        On` : null,
    `    Retry_Limit       5`,
  ].filter((line) => line !== null).join("\n")));

  parts.push(snippet("vector", "Vector (http sink)", [
    `[sinks.mockupaws]`,
    `type = "http"`,
    `inputs = ["app_logs"]`,
    `uri = "${ingest}"`,
    `method = "post"`,
    `compression = "gzip"`,
    `encoding.codec = "json"`,
    `framing.method = "newline_delimited"`,
    `batch.max_events = 5000          # <= 10,000 records per request`,
    `batch.max_bytes = 4000000        # <= 6 MiB per request after decompression`,
    `request.headers.X-Scenario-ID = "${id}"`,
    keyed ? `request.headers.x-api-key = "\${MOCKUPAWS_API_KEY}"` : null,
    `request.headers.X-Log-Source = "vector"`,
  ].filter((line) => line !== null).join("\n")));

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
  ].join("\n"), "A JSON array of records per request (batch.format=\"jsonarray\"), each with its message, time and program."));

  holder.replaceChildren(...parts);

}
