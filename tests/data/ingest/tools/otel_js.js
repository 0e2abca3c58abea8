// Drive the real OpenTelemetry JS SDK (sdk-logs + exporter-logs-otlp-http, JSON) at a capture server.
const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { OTLPLogExporter } = require('@opentelemetry/exporter-logs-otlp-http');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { SeverityNumber } = require('@opentelemetry/api-logs');
const base = process.argv[2];
const exporter = new OTLPLogExporter({ url: base + '/v1/logs', headers: { 'X-Scenario-ID': '11111111-2222-4333-8444-555555555555' } });
const provider = new LoggerProvider({
  resource: resourceFromAttributes({ 'service.name': 'checkout-web' }),
  processors: [new BatchLogRecordProcessor({ exporter })],
});
const logger = provider.getLogger('checkout');
logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'order 8812 created: 3 items, total 42.50 EUR' });
logger.emit({ severityNumber: SeverityNumber.WARN, severityText: 'WARN', body: 'payment retry for customer jane.doe@example.com (card declined)' });
logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: 'inventory service timeout after 2500 ms', attributes: { 'http.status_code': 504 } });
provider.shutdown().then(() => console.log('otel js done'));
