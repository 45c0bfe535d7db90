package protocol_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/actions"
	"github.com/jsorc/jsorc/engine/protocol"
)

// fuzzModules are the built-ins FuzzActionServer serves.
var fuzzModules = []string{"echo", "textenc"}

// FuzzActionServer posts arbitrary bodies to arbitrary paths of action
// servers of the built-in modules: the answer is always JSON in the Jaseci
// shape, with a status the protocol allows (a 500 only for an action's own
// failure, never a panic).
func FuzzActionServer(f *testing.F) {
	reg := actions.NewRegistry()
	var handlers []http.Handler
	for _, m := range fuzzModules {
		b, err := reg.Lookup(m)
		if err != nil {
			f.Fatal(err)
		}
		inst, err := b.New(nil)
		if err != nil {
			f.Fatal(err)
		}
		handlers = append(handlers, protocol.NewHandler(m, inst, protocol.HandlerOptions{}))
	}
	f.Add(uint8(0), "echo", []byte(`{"value": [1, {"a": null}]}`))
	f.Add(uint8(1), "topk/", []byte(`{"query": "q", "candidates": ["a"], "k": -1}`))
	f.Fuzz(func(t *testing.T, which uint8, path string, body []byte) {
		h := handlers[int(which)%len(handlers)]
		req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/", bytes.NewReader(body))
		if err != nil {
			return
		}
		req.URL.Path = "/" + path
		req.Header.Set("Content-Type", "application/json")
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req.WithContext(ctx))
		switch rec.Code {
		case http.StatusOK, http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusRequestEntityTooLarge,
			http.StatusUnprocessableEntity, http.StatusBadRequest, http.StatusInternalServerError:
		default:
			t.Fatalf("POST /%s %q: HTTP %d", path, body, rec.Code)
		}
		if rec.Code == http.StatusInternalServerError {
			// Plain text, as Jaseci's server answered a raising action.
			if class := rec.Header().Get(protocol.ErrorClassHeader); class != protocol.ClassAction ||
				!strings.HasPrefix(rec.Body.String(), protocol.InternalErrorText) {
				t.Fatalf("POST /%s %q: HTTP 500 of class %q: %s", path, body, class, rec.Body)
			}
			return
		}
		var ans any
		if err := json.Unmarshal(rec.Body.Bytes(), &ans); err != nil {
			t.Fatalf("POST /%s %q: answer %q is not JSON", path, body, rec.Body)
		}
	})
}
