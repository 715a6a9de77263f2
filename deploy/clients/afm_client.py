#!/usr/bin/env python3
"""A client of the afm-flink model server (docs/serving.md), standard library only.

    python3 afm_client.py --url http://127.0.0.1:8080 events.jsonl      # one JSON answer per event
    python3 afm_client.py --url http://127.0.0.1:8080 --explain events.jsonl
    python3 afm_client.py --url http://127.0.0.1:8080 --health

As a library:

    client = AfmClient("http://127.0.0.1:8080")
    client.ready()                                  # True once the server holds a full snapshot
    client.score([{"id": "imp-1", "features": {"user": "u42", "ad": "a7"}}])
    # -> [{"id": "imp-1", "prediction": 0.031, "version": 12}]

Events are the input topic's JSON events (docs/events.md); only "features" is required. An event
the server cannot use comes back as {"id", "error": "<reason>: <detail>"} in its place, with the
others scored (HTTP 400); a request over the server's limits raises AfmError with the reason.
"""
import argparse
import json
import sys
import urllib.error
import urllib.request

BATCH = 1000  # the server's default --max-events


class AfmError(Exception):
    """The server refused a request: HTTP status and its reason."""

    def __init__(self, status, reason):
        super().__init__("HTTP %d: %s" % (status, reason))
        self.status = status
        self.reason = reason


class AfmClient:
    def __init__(self, url, timeout=10.0):
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _request(self, method, path, body=None):
        data = None if body is None else body.encode("utf-8")
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                return r.status, json.loads(r.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            text = e.read().decode("utf-8")
            try:
                return e.code, json.loads(text)
            except ValueError:
                return e.code, {"error": text}

    def ready(self):
        status, _ = self._request("GET", "/health")
        return status == 200

    def model(self):
        status, body = self._request("GET", "/v1/model")
        if status != 200:
            raise AfmError(status, body.get("error", body))
        return body

    def score(self, events, explain=False):
        """One answer per event, in order; batches of BATCH events per request."""
        out = []
        for start in range(0, len(events), BATCH):
            chunk = events[start:start + BATCH]
            body = "\n".join(json.dumps(e) for e in chunk)
            status, answer = self._request("POST", "/v1/score?explain=" + ("true" if explain else "false"), body)
            if isinstance(answer, list):  # 200, or 400 with a per-event error among the answers
                out.extend(answer)
            else:
                raise AfmError(status, answer.get("error", answer))
        return out


def main(argv):
    p = argparse.ArgumentParser(description="score JSON events with an afm-flink model server")
    p.add_argument("--url", default="http://127.0.0.1:8080")
    p.add_argument("--explain", action="store_true", help="attention and contribution per field pair")
    p.add_argument("--health", action="store_true", help="exit 0 if the server holds a model, 1 if not")
    p.add_argument("events", nargs="?", help="a file of JSON events, one per line (- for stdin)")
    a = p.parse_args(argv)
    client = AfmClient(a.url)
    if a.health:
        return 0 if client.ready() else 1
    if not a.events:
        p.error("give a file of events (or --health)")
    f = sys.stdin if a.events == "-" else open(a.events, encoding="utf-8")
    with f:
        events = [json.loads(line) for line in f if line.strip()]
    try:
        answers = client.score(events, explain=a.explain)
    except AfmError as e:
        print("afm_client: %s" % e, file=sys.stderr)
        return 1
    for r in answers:
        print(json.dumps(r))
    return 1 if any("error" in r for r in answers) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
