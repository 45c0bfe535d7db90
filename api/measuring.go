package api

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jsorc/jsorc/engine/measure"
)

// noParams adapts an endpoint that takes no parameters: any parameter is an
// error, as everywhere else.
func (s *Server) noParams(f func() (map[string]any, error)) endpoint {
	return func(_ context.Context, body []byte) (map[string]any, error) {
		if err := decode(body, &struct{}{}); err != nil {
			return nil, err
		}
		return f()
	}
}

// benchmarkReport answers JSORC's report: the request types are the
// answer's top-level keys, beside "success".
func (s *Server) benchmarkReport() (map[string]any, error) {
	r, err := s.e.BenchmarkReport()
	if err != nil {
		return nil, err
	}
	return reportFields(r), nil
}

// BenchmarkStopParams are jsorc_benchmark_stop's parameters: report=false
// stops without answering the report (JSORC's default is true).
type BenchmarkStopParams struct {
	Report *bool `json:"report,omitempty"`
}

func (s *Server) benchmarkStop(_ context.Context, body []byte) (map[string]any, error) {
	var p BenchmarkStopParams
	if err := decode(body, &p); err != nil {
		return nil, err
	}
	r, err := s.e.BenchmarkStop()
	if err != nil {
		return nil, err
	}
	if p.Report != nil && !*p.Report {
		return nil, nil
	}
	return reportFields(r), nil
}

func reportFields(r measure.Report) map[string]any {
	out := make(map[string]any, len(r))
	for k, v := range r {
		out[k] = v
	}
	return out
}

// ReportsParams are jsorc_reports's parameters: the kind of stored report
// (benchmark, trackact, tracksys, loadtest) and how many of the newest.
type ReportsParams struct {
	Kind  string `json:"kind"`
	Limit int    `json:"limit,omitempty"`
}

func (s *Server) reports(_ context.Context, body []byte) (map[string]any, error) {
	var p ReportsParams
	if err := decode(body, &p); err != nil {
		return nil, err
	}
	if err := required("kind", p.Kind); err != nil {
		return nil, err
	}
	if err := p.Check(); err != nil {
		return nil, err
	}
	rs, err := s.e.Reports(p.Kind, p.Limit)
	if err != nil {
		return nil, err
	}
	return map[string]any{"reports": rs}, nil
}

// trackactStop answers the history under "history": JSORC answered the
// bare list, which cannot carry "success".
func (s *Server) trackactStop() (map[string]any, error) {
	h, err := s.e.TrackActStop()
	if err != nil {
		return nil, err
	}
	if h == nil {
		h = []measure.Entry{}
	}
	return map[string]any{"history": h}, nil
}

func (s *Server) tracksysReport() (map[string]any, error) {
	return structFields(s.e.TrackSysReport())
}

func (s *Server) tracksysStop() (map[string]any, error) {
	r, err := s.e.TrackSysStop()
	if err != nil {
		return nil, err
	}
	return structFields(r)
}

// structFields turns a JSON object answer into the fields of an API answer.
func structFields(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding the answer: %w", err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("encoding the answer: %w", err)
	}
	return out, nil
}
