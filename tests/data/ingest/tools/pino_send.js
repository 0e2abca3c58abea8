// pino + pino-http-send at a capture server. usage: node pino_send.js URL json|ndjson
const pino = require('pino');
const { createWriteStream } = require('pino-http-send');
const [url, bodyType] = process.argv.slice(2);
const stream = createWriteStream({ url, method: 'POST', bodyType, batchSize: 3, timeout: 1000, retries: 0,
  headers: { 'X-Scenario-ID': '11111111-2222-4333-8444-555555555555' } });
const logger = pino({ base: { service: 'checkout-web' } }, stream);
logger.info('order 8812 created: 3 items, total 42.50 EUR');
logger.warn('payment retry for customer jane.doe@example.com (card declined)');
logger.error({ statusCode: 504 }, 'inventory service timeout after 2500 ms');
setTimeout(() => process.exit(0), 3000);
