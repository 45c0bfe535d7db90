package store_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jsorc/jsorc/store"
)

// benchValue is the size of a typical action config or benchmark report.
func benchValue() []byte {
	v := []byte(`{"mode":"remote","remote":{"url":"http://127.0.0.1:8000","status":"READY"},"local_mem_requirement":3998,"pad":"`)
	for len(v) < 510 {
		v = append(v, 'x')
	}
	return append(v, `"}`...)
}

func BenchmarkPut(b *testing.B) {
	s, _ := openTemp(b)
	v := benchValue()
	i := 0
	for b.Loop() {
		if err := s.Put(store.ActionConfigs, fmt.Sprintf("module-%d", i%100), v); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkPutParallel shows what many writers get: DB.Update serialises
// them, one fsync each.
func BenchmarkPutParallel(b *testing.B) {
	s, _ := openTemp(b)
	v := benchValue()
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.Put(store.Modes, fmt.Sprintf("module-%d", n.Add(1)%100), v); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkAppendReport(b *testing.B) {
	s, _ := openTemp(b)
	v := benchValue()
	ts := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		ts = ts.Add(time.Second)
		if err := s.AppendReport("benchmark", ts, v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReports reads the 100 reports after a point in a series of 2000.
func BenchmarkReports(b *testing.B) {
	s, _ := openTemp(b)
	v := benchValue()
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 2000 {
		if err := s.AppendReport("benchmark", start.Add(time.Duration(i)*time.Second), v); err != nil {
			b.Fatal(err)
		}
	}
	since := start.Add(1000 * time.Second)
	for b.Loop() {
		reps, err := s.Reports("benchmark", since, 100)
		if err != nil {
			b.Fatal(err)
		}
		if len(reps) != 100 {
			b.Fatalf("got %d reports", len(reps))
		}
	}
}
