"""Reference for jsorc's argument coercion: what pydantic 1.x, the validator
of Jaseci's action server, makes of a value for an annotated parameter.

Reads JSON lines {"type": "int"|"float"|"str"|"bool"|"list"|"dict"|"any",
"value": <JSON text>} on stdin; writes one JSON line per case: {"ok": <the
value the function receives, as JSON text>} or {"msg": ..., "type": ...}
for a refusal; {"ok": null, "nonjson": true} when the value has no JSON
form (NaN, infinities), which Jaseci's server failed to answer.
"""
import json
import sys
from typing import Any

import pydantic
from pydantic import ValidationError, validate_arguments

assert pydantic.VERSION.startswith("1."), pydantic.VERSION

ANNOTATIONS = {"int": int, "float": float, "str": str, "bool": bool,
               "list": list, "dict": dict, "any": Any}


def receiver(annotation):
    def receive(v):
        return v
    receive.__annotations__ = {"v": annotation}
    return validate_arguments(config={"extra": "forbid"})(receive)


RECEIVERS = {name: receiver(a) for name, a in ANNOTATIONS.items()}


def encode(value):
    # Keys as json.dumps writes them, then sorted, compact, UTF-8 kept.
    value = json.loads(json.dumps(value))
    return json.dumps(value, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, allow_nan=False)


for line in sys.stdin:
    case = json.loads(line)
    value = json.loads(case["value"])
    try:
        got = RECEIVERS[case["type"]](v=value)
    except ValidationError as e:
        err = e.errors()[0]
        print(json.dumps({"msg": err["msg"], "type": err["type"]}))
        continue
    try:
        print(json.dumps({"ok": encode(got)}))
    except ValueError:
        print(json.dumps({"ok": None, "nonjson": True}))
    sys.stdout.flush()
