#!/usr/bin/env python3
"""A Jaseci-style action server for test_module, with Python's standard
library only: what `uvicorn jaseci_ai_kit.test_module:serv_actions` served
for JSORC's API tests, as jsorc's notes on the Jaseci wire (v1.4.2.x)
describe it, so that jsorc can be tried against a real Python server where
Jaseci itself cannot be installed.

    python3 test_module.py --host 127.0.0.1 --port 8000

The wire, as Jaseci's FastAPI server answered:
  GET  /jaseci_actions_spec/  {"test_module.call": ["a"]}, the readiness probe
  POST /call/                 {"a": <str>} -> "test module received <a>."
  POST /call                  307 to /call/ (FastAPI's trailing-slash redirect)
  GET  /                      307 to /docs
  a missing, extra or mistyped argument: 422 {"detail": [{"loc", "msg", "type"}]}
  a body that is not JSON: 422 value_error.jsondecode; not UTF-8: 400
  an unknown path: 404 {"detail": "Not Found"}; a wrong method: 405
  an action that raises: 500, text/plain "Internal Server Error"
"""
import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODULE = "test_module"


def call(a):
    return f"test module received {a}."


# name -> (function, [(parameter, annotation)]), as Jaseci's spec lists them.
ACTIONS = {"call": (call, [("a", str)])}


class ValidationError(Exception):
    def __init__(self, errors):
        super().__init__("invalid arguments")
        self.errors = errors


def validate(params, body):
    """pydantic 1.x's model of the parameters, for str and extra keys."""
    errors = []
    names = [p for p, _ in params]
    out = {}
    for name, annotation in params:
        if name not in body:
            errors.append({"loc": ["body", name], "msg": "field required", "type": "value_error.missing"})
            continue
        value = body[name]
        if annotation is str:
            if isinstance(value, (int, float)):  # bools too: str(True) is "True"
                value = str(value)
            elif not isinstance(value, str):
                errors.append({"loc": ["body", name], "msg": "str type expected", "type": "type_error.str"})
                continue
        out[name] = value
    for key in body:
        if key not in names:
            errors.append({"loc": ["body", key], "msg": "extra fields not permitted", "type": "value_error.extra"})
    if errors:
        raise ValidationError(errors)
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "uvicorn"

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.address_string(), fmt % args))

    def answer(self, code, body, content_type="application/json", headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def redirect(self, location):
        self.answer(307, b"", content_type="text/plain", headers=[("location", location)])

    def do_GET(self):
        if self.path == "/jaseci_actions_spec/":
            spec = {f"{MODULE}.{name}": [p for p, _ in params] for name, (_, params) in ACTIONS.items()}
            return self.answer(200, spec)
        if self.path == "/jaseci_actions_spec":
            return self.redirect("/jaseci_actions_spec/")
        if self.path == "/":
            return self.redirect("/docs")
        if self.path.strip("/") in ACTIONS:
            return self.answer(405, {"detail": "Method Not Allowed"})
        return self.answer(404, {"detail": "Not Found"})

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        name = self.path.strip("/")
        if name not in ACTIONS:
            return self.answer(404, {"detail": "Not Found"})
        if not self.path.endswith("/"):
            return self.redirect(self.path + "/")
        func, params = ACTIONS[name]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return self.answer(400, {"detail": "There was an error parsing the body"})
        try:
            body = json.loads(text) if text.strip() else {}
        except json.JSONDecodeError as e:
            return self.answer(422, {"detail": [{"loc": ["body", e.pos], "msg": e.msg, "type": "value_error.jsondecode"}]})
        if not isinstance(body, dict):
            return self.answer(422, {"detail": [{"loc": ["body"], "msg": "value is not a valid dict", "type": "type_error.dict"}]})
        try:
            result = func(**validate(params, body))
        except ValidationError as e:
            return self.answer(422, {"detail": e.errors})
        except Exception:  # Starlette's error middleware: plain text, no detail
            return self.answer(500, b"Internal Server Error", content_type="text/plain; charset=utf-8")
        return self.answer(200, result)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    args = ap.parse_args()
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    print(f"serving {MODULE} on http://{args.host}:{args.port}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
