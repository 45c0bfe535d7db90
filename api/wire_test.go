package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/jsorc/jsorc/api/types"
)

// TestNumbersAndKeywordsThroughTheAPI: actions_call and app runs keep the
// literal of every number (1.0 stays 1.0, 9007199254740993 stays exact),
// and actions_call places keys as Jaseci's client did, naming the ones it
// dropped.
func TestNumbersAndKeywordsThroughTheAPI(t *testing.T) {
	f := newFixture(t)
	if a := f.admin(t, "jsorc_actions_load", `{"name":"echo","mode":"module"}`); a.code != 200 {
		t.Fatalf("load: %s", a.raw)
	}
	const value = `[1.0,9007199254740993,0.10,-0.0]`
	a := f.admin(t, "actions_call", `{"name":"echo.echo","ctx":{"value":`+value+`,"bogus":1}}`)
	if a.code != 200 || !strings.Contains(a.raw, `"result":`+value) || !strings.Contains(a.raw, `"ignored_keys":["bogus"]`) {
		t.Errorf("actions_call answered %d %s, want the value as sent and bogus ignored", a.code, a.raw)
	}
	if a := f.admin(t, "app_config", mustJSON(t, map[string]any{"config": "pipe:\n  steps:\n    - action: echo.echo\n      args: {value: $ctx.v}\n"})); a.code != 200 {
		t.Fatalf("app_config: %s", a.raw)
	}
	a = f.do(t, http.MethodPost, "/js/app_run", `{"name":"pipe","ctx":{"v":`+value+`}}`)
	if a.code != 200 || !strings.Contains(a.raw, `"result":`+value) {
		t.Errorf("app_run answered %d %s, want the value as sent", a.code, a.raw)
	}
	ans, err := types.Call(t.Context(), f.client, types.ActionsCall, types.CallParams{Name: "echo.echo", Ctx: map[string]any{"value": json.Number("9007199254740993")}})
	if got := ans.Result; err != nil || got != json.Number("9007199254740993") {
		t.Errorf("client Call: %#v %v", ans.Result, err)
	}
}
