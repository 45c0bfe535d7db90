package store_test

import (
	"testing"
)

func TestPolicy(t *testing.T) {
	s, _ := openTemp(t)
	if name, params, err := s.Policy(); err != nil || name != "" || params != nil {
		t.Fatalf("Policy() before SetPolicy = %q, %q, %v", name, params, err)
	}
	tests := []struct {
		name       string
		setName    string
		setParams  []byte
		wantName   string
		wantParams []byte
	}{
		{"name only", "default", nil, "default", nil},
		{"with params", "evaluation", []byte(`{"eval_phase":10,"perf_phase":100}`), "evaluation", []byte(`{"eval_phase":10,"perf_phase":100}`)},
		{"params dropped", "evaluation", nil, "evaluation", nil},
		{"empty params are none", "mine", []byte{}, "mine", nil},
		{"params again", "mine", []byte(`{"window":4}`), "mine", []byte(`{"window":4}`)},
		{"empty name clears", "", []byte(`{"ignored":1}`), "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.SetPolicy(tt.setName, tt.setParams); err != nil {
				t.Fatalf("SetPolicy: %v", err)
			}
			name, params, err := s.Policy()
			if err != nil {
				t.Fatalf("Policy: %v", err)
			}
			if name != tt.wantName || (params == nil) != (tt.wantParams == nil) || string(params) != string(tt.wantParams) {
				t.Errorf("Policy() = %q, %q; want %q, %q", name, params, tt.wantName, tt.wantParams)
			}
		})
	}
}
