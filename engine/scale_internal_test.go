package engine

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

// TestRestoreReplicas: a stored count comes back pinned while the config
// allows it; the autoscaler's comes back clamped to the config's range
// now, and a clamp or a dropped count is said in the log. A record
// written before auto_replicas existed reads as none stored.
func TestRestoreReplicas(t *testing.T) {
	tests := []struct {
		name         string
		rec          string
		rng          *ReplicaRange
		want         int // m.replicas
		pinned, auto bool
		log          string // a phrase the log holds ("": nothing at info)
	}{
		{"an old record: nothing stored", `{"mode":"remote"}`, &ReplicaRange{Min: 1, Max: 4}, 0, false, false, ""},
		{"pinned within the range", `{"mode":"remote","replicas":3}`, &ReplicaRange{Min: 1, Max: 4}, 3, true, false, ""},
		{"pinned outside the range now", `{"mode":"remote","replicas":5}`, &ReplicaRange{Min: 1, Max: 4}, 0, false, false, "outside the module's config"},
		{"the autoscaler's within the range", `{"mode":"remote","auto_replicas":3}`, &ReplicaRange{Min: 1, Max: 4}, 3, false, true, ""},
		{"the autoscaler's above max now", `{"mode":"remote","auto_replicas":6}`, &ReplicaRange{Min: 1, Max: 4}, 4, false, true, "clamped"},
		{"the autoscaler's below min now", `{"mode":"remote","auto_replicas":2}`, &ReplicaRange{Min: 3, Max: 5}, 3, false, true, "clamped"},
		{"the autoscaler's without a range now", `{"mode":"remote","auto_replicas":3}`, nil, 0, false, false, "no range"},
		{"the autoscaler's with min = max now", `{"mode":"remote","auto_replicas":3}`, &ReplicaRange{Min: 2, Max: 2}, 0, false, false, "no range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			e := &Engine{log: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))}
			m := newModule(e, "m", ConfiguredAction{ActionConfig: ActionConfig{Replicas: tc.rng}})
			var d desiredRecord
			if err := json.Unmarshal([]byte(tc.rec), &d); err != nil {
				t.Fatal(err)
			}
			m.restoreReplicas(d)
			if m.replicas != tc.want || m.pinned != tc.pinned || m.auto != tc.auto {
				t.Errorf("replicas %d pinned %v auto %v, want %d %v %v", m.replicas, m.pinned, m.auto, tc.want, tc.pinned, tc.auto)
			}
			switch {
			case tc.log == "" && buf.Len() > 0:
				t.Errorf("logged %q, want nothing", buf.String())
			case tc.log != "" && !strings.Contains(buf.String(), tc.log):
				t.Errorf("logged %q, want it to say %q", buf.String(), tc.log)
			}
		})
	}
}
