"""Drive the real OpenTelemetry Python SDK (stdlib logging bridge) at a capture server.
usage: python otel_py.py ENDPOINT_BASE proto|json [gzip]"""
import logging, sys, time
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.resources import Resource

base, enc = sys.argv[1], sys.argv[2]
gzip_on = len(sys.argv) > 3 and sys.argv[3] == "gzip"
if enc == "proto":
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http import Compression
else:
    from opentelemetry.exporter.otlp.json.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.common.http import Compression
provider = LoggerProvider(resource=Resource.create({"service.name": "checkout-api", "deployment.environment": "capture"}))
exporter = OTLPLogExporter(endpoint=base + "/v1/logs", headers={"X-Scenario-ID": "11111111-2222-4333-8444-555555555555"},
                           compression=Compression.Gzip if gzip_on else None)
provider.add_log_record_processor(BatchLogRecordProcessor(exporter))
handler = LoggingHandler(level=logging.INFO, logger_provider=provider)
log = logging.getLogger("checkout")
log.setLevel(logging.INFO)
log.addHandler(handler)
log.info("order 8812 created: 3 items, total 42.50 EUR")
log.warning("payment retry for customer jane.doe@example.com (card declined)")
log.error("inventory service timeout after 2500 ms", extra={"http.status_code": 504})
provider.shutdown()
