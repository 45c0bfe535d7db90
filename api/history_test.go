package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jsorc/jsorc/api/types"
)

// TestHistoryEndpoint: jsorc_history answers the engine's graph history
// (it grows each second), a module's (none for one never active), refuses
// an unknown module and a span beyond what the engine keeps.
func TestHistoryEndpoint(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var a types.SeriesAnswer
	deadline := time.Now().Add(10 * time.Second)
	for len(a.Points) < 2 && time.Now().Before(deadline) {
		var err error
		if a, err = types.Call(ctx, f.client, types.History, types.HistoryParams{}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(a.Points) < 2 {
		t.Fatalf("after 10 s the engine's history has %d points", len(a.Points))
	}
	last := a.Points[len(a.Points)-1].TS
	since, err := types.Call(ctx, f.client, types.History, types.HistoryParams{Since: last})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range since.Points {
		if !p.TS.After(last) {
			t.Errorf("a point at %v is not after since %v", p.TS, last)
		}
	}
	mod, err := types.Call(ctx, f.client, types.History, types.HistoryParams{Module: "echo"})
	if err != nil || mod.Module != "echo" || len(mod.Points) != 0 {
		t.Errorf("echo never called: %+v, %v; want no points", mod, err)
	}
	for _, tc := range []struct {
		body string
		code int
		want string
	}{
		{`{"module": "nope"}`, 404, "nope"},
		{`{"span_s": 1e9}`, 400, "span_s"},
		{`{"span_s": -1}`, 400, "negative"},
	} {
		r := f.do(t, "POST", types.History.Path(), tc.body)
		if r.code != tc.code || !strings.Contains(r.errorsText(), tc.want) {
			t.Errorf("%s: %d %q; want %d naming %q", tc.body, r.code, r.errorsText(), tc.code, tc.want)
		}
	}
}

// TestRecentEventsEndpoint: jsorc_events answers the kept events with the
// engine's run and latest number; limit keeps the newest.
func TestRecentEventsEndpoint(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := types.Call(ctx, f.client, types.PolicySet, types.PolicySetParams{PolicyName: "evaluation"}); err != nil {
		t.Fatal(err)
	}
	if _, err := types.Call(ctx, f.client, types.PolicySet, types.PolicySetParams{PolicyName: "default"}); err != nil {
		t.Fatal(err)
	}
	all, err := types.Call(ctx, f.client, types.RecentEvents, types.EventsParams{})
	if err != nil {
		t.Fatal(err)
	}
	if all.Boot != f.e.EventBoot() || all.Seq != f.e.EventSeq() || !all.Complete || len(all.Events) == 0 {
		t.Fatalf("answer %+v; want boot %s, seq %d, complete", all, f.e.EventBoot(), f.e.EventSeq())
	}
	one, err := types.Call(ctx, f.client, types.RecentEvents, types.EventsParams{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Events) != 1 || one.Events[0].Seq != all.Events[len(all.Events)-1].Seq {
		t.Errorf("limit 1: %+v; want the newest event", one.Events)
	}
	got := one.Events[0]
	if got.Type != types.EventPolicy || got.Name != "default" {
		t.Errorf("newest event %+v; want the policy set to default", got)
	}
	if r := f.do(t, "POST", types.RecentEvents.Path(), `{"limit": 5000}`); r.code != 400 {
		t.Errorf("limit 5000: %d; want 400", r.code)
	}
}
