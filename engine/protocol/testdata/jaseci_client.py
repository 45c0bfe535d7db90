"""Calls one action the way Jaseci's client (v1.4.2.x, the requests-based
remote action hook) did, to check that jsorc's action server answers it as
Jaseci's server did.

Usage: jaseci_client.py URL MODULE.ACTION < kwargs.json
Prints {"result": <the action's result as the hook returned it>} or
{"raised": "<exception class>: <message>"} when the hook raised.

What the hook does, as documented in jsorc's notes on the Jaseci wire:
it reads the spec, sends declared keywords under their names, folds the
rest into the spec's "**name" parameter or drops them, removes top-level
None values, posts JSON to URL/<short name> without a trailing slash on a
new connection, never looks at the status, and returns res.json().
"""
import json
import re
import sys

import requests

VAR_KWARGS = re.compile(r"^\*\*[^*]")


def place(param_names, kwargs):
    params = {}
    for name in param_names:
        if VAR_KWARGS.match(name):
            if kwargs:
                params[name] = kwargs
            break
        if name in kwargs:
            params[name] = kwargs.pop(name)
    return {k: v for k, v in params.items() if v is not None}


def main():
    url, action = sys.argv[1], sys.argv[2]
    kwargs = json.load(sys.stdin)
    headers = {"content-type": "application/json"}
    spec = requests.get(url.rstrip("/") + "/jaseci_actions_spec/", headers=headers).json()
    params = place(list(spec[action]), dict(kwargs))
    target = f"{url.rstrip('/')}/{action.split('.')[-1]}"
    res = requests.post(target, headers=headers, json=params)
    try:
        result = res.json()
    except ValueError as e:
        print(json.dumps({"raised": f"{type(e).__name__}: {e}"}))
        return
    print(json.dumps({"result": result}))


main()
