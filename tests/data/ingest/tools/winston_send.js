// winston Http transport at a capture server. usage: node winston_send.js PORT PATH single|batch
const winston = require('winston');
const [port, path, mode] = process.argv.slice(2);
const opts = { host: '127.0.0.1', port: Number(port), path, headers: { 'X-Scenario-ID': '11111111-2222-4333-8444-555555555555' } };
if (mode === 'batch') Object.assign(opts, { batch: true, batchCount: 3, batchInterval: 1000 });
const logger = winston.createLogger({
  level: 'info',
  format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
  defaultMeta: { service: 'checkout-web' },
  transports: [new winston.transports.Http(opts)],
});
logger.on('warn', (w) => console.error('winston warn:', w && w.message));
logger.info('order 8812 created: 3 items, total 42.50 EUR');
logger.warn('payment retry for customer jane.doe@example.com (card declined)');
logger.error('inventory service timeout after 2500 ms', { statusCode: 504 });
setTimeout(() => process.exit(0), 2500);
