"""stdlib logging.handlers.HTTPHandler (POST) and python-json-logger + requests at a capture server.
usage: python py_logging.py httphandler|jsonlogger PORT"""
import logging, logging.handlers, sys
import requests
mode, port = sys.argv[1], int(sys.argv[2])
SCENARIO = "11111111-2222-4333-8444-555555555555"
log = logging.getLogger("checkout")
log.setLevel(logging.INFO)
if mode == "httphandler":
    log.addHandler(logging.handlers.HTTPHandler(f"127.0.0.1:{port}", f"/ingest/{SCENARIO}", method="POST"))
else:
    from pythonjsonlogger.json import JsonFormatter

    class RequestsHandler(logging.Handler):
        def emit(self, record):
            requests.post(f"http://127.0.0.1:{port}/ingest", data=self.format(record).encode(),
                          headers={"Content-Type": "application/json", "X-Scenario-ID": SCENARIO}, timeout=5)

    h = RequestsHandler()
    h.setFormatter(JsonFormatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    log.addHandler(h)
log.info("order %d created: %d items, total %.2f EUR", 8812, 3, 42.5)
log.warning("payment retry for customer %s (card declined)", "jane.doe@example.com")
log.error("inventory service timeout after 2500 ms")
