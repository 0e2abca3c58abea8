"""Capture HTTP server: records every request (method, path, headers, raw body) and answers
what log shippers need (ES root/version document, ES bulk reply, OTLP 200, HEAD 200).

usage: python capture.py PORT OUTDIR
Each request N is written as OUTDIR/NNN.request.txt (request line + headers, as received) and
OUTDIR/NNN.body.<ext> (raw bytes; .bin for protobuf/gzip, else .json/.ndjson/.txt).
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PORT = int(sys.argv[1])
OUT = Path(sys.argv[2])
OUT.mkdir(parents=True, exist_ok=True)
_lock = threading.Lock()
_counter = [0]

ES_ROOT = {
    "name": "capture",
    "cluster_name": "capture",
    "cluster_uuid": "capture",
    "version": {
        "number": "8.11.0",
        "build_flavor": "default",
        "lucene_version": "9.8.0",
        "minimum_wire_compatibility_version": "7.17.0",
        "minimum_index_compatibility_version": "7.0.0",
    },
    "tagline": "You Know, for Search",
}


def _ext(ctype: str, body: bytes) -> str:
    c = ctype.lower()
    if "protobuf" in c or body[:2] == b"\x1f\x8b":
        return "bin"
    if "x-www-form-urlencoded" in c:
        return "form.txt"
    if "ndjson" in c or "x-ndjson" in c:
        return "ndjson"
    if "json" in c:
        return "json"
    return "txt"


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _record(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            body = b"".join(chunks)
        else:
            body = self.rfile.read(length) if length else b""
        with _lock:
            _counter[0] += 1
            n = _counter[0]
        head = f"{self.command} {self.path} {self.request_version}\n" + "".join(
            f"{k}: {v}\n" for k, v in self.headers.items()
        )
        (OUT / f"{n:03d}.request.txt").write_text(head)
        if body:
            (OUT / f"{n:03d}.body.{_ext(self.headers.get('Content-Type', ''), body)}").write_bytes(body)
        return body

    def _send(self, status: int, payload: bytes, ctype: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        if ctype.startswith("application/json"):
            self.send_header("X-elastic-product", "Elasticsearch")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def do_HEAD(self) -> None:
        self._record()
        self._send(200, b"")

    def do_GET(self) -> None:
        self._record()
        p = self.path.split("?")[0].rstrip("/")
        if p.endswith("_license"):
            self._send(200, json.dumps({"license": {"status": "active", "type": "basic"}}).encode())
        elif p.endswith("_template") or "_index_template" in p or "_ilm" in p:
            self._send(404, b"{}")
        else:
            self._send(200, json.dumps(ES_ROOT).encode())

    def do_PUT(self) -> None:
        self._record()
        self._send(200, b'{"acknowledged":true}')

    def do_POST(self) -> None:
        body = self._record()
        path = self.path.split("?")[0]
        ctype = self.headers.get("Content-Type", "")
        if path.endswith("/v1/logs"):
            if "protobuf" in ctype:
                self._send(200, b"", "application/x-protobuf")
            else:
                self._send(200, b"{}", "application/json")
            return
        if path.endswith("_bulk"):
            import gzip

            raw = gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body
            lines = [ln for ln in raw.split(b"\n") if ln.strip()]
            items = []
            i = 0
            while i < len(lines):
                action = json.loads(lines[i])
                (kind, meta), = action.items()
                i += 1 if kind == "delete" else 2
                items.append(
                    {kind: {"_index": meta.get("_index", "x"), "_id": f"id{i}", "status": 201,
                            "result": "created", "_version": 1,
                            "_shards": {"total": 1, "successful": 1, "failed": 0}}}
                )
            self._send(200, json.dumps({"took": 1, "errors": False, "items": items}).encode())
            return
        self._send(200, b"{}")


if __name__ == "__main__":
    srv = ThreadingHTTPServer(("127.0.0.1", PORT), H)
    print(f"capture on {PORT} -> {OUT}", flush=True)
    srv.serve_forever()
