package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
)

// decodeNumbers decodes one JSON value with its numbers as json.Number, so
// that they keep their literal both ways through jsorc, as they did through
// Jaseci's Python. A body that is not exactly one JSON value gives the
// error json.Unmarshal gives (a *json.SyntaxError with its offset).
func decodeNumbers(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	if err == nil && len(bytes.TrimSpace(body[dec.InputOffset():])) == 0 {
		return v, nil
	}
	var probe any
	if uerr := json.Unmarshal(body, &probe); uerr != nil {
		return nil, uerr
	}
	if err == nil {
		err = errors.New("trailing data after the JSON value")
	}
	return nil, err
}
