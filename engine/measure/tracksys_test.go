package measure_test

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jsorc/jsorc/engine/measure"
)

func TestSysTrackerLifecycle(t *testing.T) {
	tests := []struct {
		name string
		run  func(s *measure.SysTracker) error
		want error
	}{
		{"tick before start", func(s *measure.SysTracker) error {
			return s.Tick(t0, nil, nil, measure.SourceProc)
		}, measure.ErrNotStarted},
		{"stop before start", func(s *measure.SysTracker) error {
			_, err := s.Stop(t0)
			return err
		}, measure.ErrNotStarted},
		{"start twice", func(s *measure.SysTracker) error {
			if err := s.Start(t0); err != nil {
				return err
			}
			return s.Start(t0)
		}, measure.ErrAlreadyStarted},
		{"tick after stop", func(s *measure.SysTracker) error {
			if err := s.Start(t0); err != nil {
				return err
			}
			if _, err := s.Stop(t0); err != nil {
				return err
			}
			return s.Tick(t0, nil, nil, measure.SourcePrometheus)
		}, measure.ErrNotStarted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run(measure.NewSysTracker(0))
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), "jsorc tracksys") {
				t.Errorf("error %q does not say what to do", err)
			}
		})
	}
	s := measure.NewSysTracker(0)
	if err := s.Start(t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Tick(t0, nil, nil, "guess"); err == nil || !strings.Contains(err.Error(), "guess") {
		t.Errorf("unknown source: %v", err)
	}
}

func TestSysTrackerReport(t *testing.T) {
	s := measure.NewSysTracker(0)
	if r := s.Report(); r.Active || len(r.States) != 0 {
		t.Fatalf("report of a tracker never started: %+v", r)
	}
	if js, _ := json.Marshal(s.Report()); string(js) != `{"active":false,"states":[]}` {
		t.Fatalf("empty report %s", js)
	}
	if err := s.Start(t0); err != nil {
		t.Fatal(err)
	}
	actions := map[string]string{"use_qa": "remote"}
	stats := map[string]measure.ProcStats{"use_qa": {CPUCores: 0.5, MemBytes: 1 << 30, NetRecvBytes: 10, NetTranBytes: 20}}
	if err := s.Tick(t0, actions, stats, measure.SourcePrometheus); err != nil {
		t.Fatal(err)
	}
	actions["use_qa"] = "module" // the caller's maps are not retained
	stats["use_qa"] = measure.ProcStats{}
	r := s.Report()
	if !r.Active || r.Source != measure.SourcePrometheus || r.Note != "" || len(r.States) != 1 {
		t.Fatalf("report %+v", r)
	}
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	ts, _ := json.Marshal(unix(t0))
	want := `{"active":true,"source":"prometheus","states":[{"ts":` + string(ts) +
		`,"actions":{"use_qa":{"mode":"remote"}},"prometheus":{"use_qa":{"cpu_utilization_cores":0.5,` +
		`"mem_utilization_bytes":1073741824,"network_recv_bytes":10,"network_tran_bytes":20}},"source":"prometheus"}]}`
	if string(js) != want {
		t.Fatalf("got  %s\nwant %s", js, want)
	}

	if err := s.Tick(t0.Add(time.Second), actions, nil, measure.SourceProc); err != nil {
		t.Fatal(err)
	}
	final, err := s.Stop(t0.Add(2 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if final.Active || final.Source != measure.SourceProc || final.Note == "" || len(final.States) != 2 {
		t.Fatalf("final %+v", final)
	}
	if final.States[1].Prometheus == nil {
		t.Error("nil stats map would marshal as null")
	}
	// After Stop, Report shows the last run, inactive.
	if r := s.Report(); r.Active || len(r.States) != 2 {
		t.Fatalf("report after stop %+v", r)
	}
	// A new run starts empty.
	if err := s.Start(t0); err != nil {
		t.Fatal(err)
	}
	if r := s.Report(); !r.Active || len(r.States) != 0 {
		t.Fatalf("report of a new run %+v", r)
	}
}

func TestSysTrackerRing(t *testing.T) {
	tests := []struct {
		capacity, ticks, want int
	}{
		{4, 3, 3},
		{4, 4, 4},
		{4, 11, 4},
		{1, 3, 1},
	}
	for _, tt := range tests {
		s := measure.NewSysTracker(tt.capacity)
		if err := s.Start(t0); err != nil {
			t.Fatal(err)
		}
		for i := range tt.ticks {
			if err := s.Tick(t0.Add(time.Duration(i)*time.Second), nil, nil, measure.SourceProc); err != nil {
				t.Fatal(err)
			}
		}
		r := s.Report()
		if len(r.States) != tt.want || s.Evicted() != uint64(tt.ticks-tt.want) {
			t.Fatalf("cap %d, %d ticks: %d states, %d evicted", tt.capacity, tt.ticks, len(r.States), s.Evicted())
		}
		for i, st := range r.States {
			if want := unix(t0.Add(time.Duration(tt.ticks-tt.want+i) * time.Second)); st.TS != want {
				t.Errorf("cap %d: state %d ts %v, want %v", tt.capacity, i, st.TS, want)
			}
		}
	}
}

func TestSysTrackerConcurrent(t *testing.T) {
	s := measure.NewSysTracker(16)
	if err := s.Start(t0); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range 200 {
				_ = s.Tick(t0.Add(time.Duration(i)), map[string]string{"m": "module"},
					map[string]measure.ProcStats{"m": {CPUCores: 1}}, measure.SourceProc)
				_ = s.Report()
			}
		})
	}
	wg.Wait()
	if r, err := s.Stop(t0); err != nil || len(r.States) != 16 {
		t.Fatalf("%d states, %v", len(r.States), err)
	}
}
