package api

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// JSORC's server read only the keys its functions named and ignored the
// rest, and its clients rely on that: every body of JSORC's own tests
// carries "op" (the API's name), they send "do_check" to endpoints that
// have no such parameter, and Jaseci's views add "_req_ctx" and
// "_raw_req_ctx" to every body. jsorc stays strict on every other key (a
// misspelt parameter is an error, not a silent default), so it drops
// exactly these.
var jsorcKeys = []string{"op", "do_check", "_req_ctx", "_raw_req_ctx"}

// dictParams are the parameters JSORC typed dict, which it also took as a
// JSON string holding the object ("" for {}): jsctl sends them so.
var dictParams = []string{"policy_params", "ctx"}

// jsorcBody returns body without JSORC's ignored keys and with its dict
// parameters given as strings replaced by their objects; a body that has
// neither is returned as it is, without being decoded here.
func jsorcBody(body []byte) ([]byte, error) {
	if !mentionsAny(body, jsorcKeys) && !mentionsAny(body, dictParams) {
		return body, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		// Not an object: the strict decoder says what is wrong with it.
		return body, nil
	}
	changed := false
	for _, k := range jsorcKeys {
		if _, ok := obj[k]; ok {
			delete(obj, k)
			changed = true
		}
	}
	for _, k := range dictParams {
		raw, ok := obj[k]
		if !ok || len(raw) == 0 || raw[0] != '"' {
			continue
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("%s: %v", k, err)
		}
		if len(bytes.TrimSpace([]byte(s))) == 0 {
			s = "{}"
		}
		if !json.Valid([]byte(s)) || bytes.TrimSpace([]byte(s))[0] != '{' {
			return nil, fmt.Errorf("%s: the string %q is not a JSON object: give an object, or its JSON text", k, truncate(s, 80))
		}
		obj[k] = json.RawMessage(s)
		changed = true
	}
	if !changed {
		return body, nil
	}
	return json.Marshal(obj)
}

// mentionsAny reports whether body holds any of the keys as a quoted
// string: a cheap test before decoding.
func mentionsAny(body []byte, keys []string) bool {
	for _, k := range keys {
		if bytes.Contains(body, []byte(`"`+k+`"`)) {
			return true
		}
	}
	return false
}

// truncate shortens s to n bytes for a message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
