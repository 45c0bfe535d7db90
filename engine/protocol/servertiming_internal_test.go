package protocol

import (
	"testing"
	"time"
)

func TestParseServerTiming(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"action;dur=1.234", 1234 * time.Microsecond, true},
		{formatServerTiming(2500 * time.Microsecond), 2500 * time.Microsecond, true},
		{`db;dur=53, action;desc="run";dur=0.5`, 500 * time.Microsecond, true},
		{`Action;DUR="7"`, 7 * time.Millisecond, true},
		{"action;dur=0", 0, true},
		{"action", 0, false},
		{"action;desc=x", 0, false},
		{"db;dur=3", 0, false},
		{"action;dur=-1", 0, false},
		{"action;dur=NaN", 0, false},
		{"action;dur=1e300", 0, false},
		{"action;dur=abc", 0, false},
		{"", 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := parseServerTiming(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("parseServerTiming(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}
