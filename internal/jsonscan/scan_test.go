package jsonscan_test

import (
	"strings"
	"testing"

	"github.com/jsorc/jsorc/internal/jsonscan"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		depth     int
		values    int
		wantInErr string // "" when the body passes
	}{
		{"plain", `{"a":[1,2,{"b":"c"}]}`, 3, 10, ""},
		{"brackets inside strings do not count", `{"a":"[[[[\"{{{{"}`, 1, 10, ""},
		{"too deep", `[[[1]]]`, 2, 10, "deeper than 2"},
		{"too many values", `[1,2,3,4]`, 5, 3, "more than 3"},
		{"no bound on values", "[" + strings.Repeat("1,", 1000) + "1]", 5, 0, ""},
		{"invalid UTF-8", "{\"a\":\"\xff\"}", 5, 10, "not valid UTF-8 (first bad byte at offset 6)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := jsonscan.Check([]byte(tc.body), tc.depth, tc.values)
			switch {
			case tc.wantInErr == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.wantInErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantInErr)):
				t.Errorf("error %v, want one containing %q", err, tc.wantInErr)
			}
		})
	}
}
