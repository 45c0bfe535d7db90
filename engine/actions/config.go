package actions

// This file holds the small argument and config helpers shared by the
// built-in modules.

import (
	"fmt"
	"slices"
	"sort"
)

// checkConfigKeys returns an error naming the first (in sorted order) key of
// params that is not one of known.
func checkConfigKeys(module string, params map[string]any, known ...string) error {
	var unknown []string
	for k := range params {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	if len(known) == 0 {
		return fmt.Errorf("%s config: unknown key %q (the module takes no config)", module, unknown[0])
	}
	return fmt.Errorf("%s config: unknown key %q (known: %v)", module, unknown[0], known)
}

// stringList returns v as a list of strings; v must be a []string or a []any
// holding only strings.
func stringList(v any) ([]string, error) {
	switch l := v.(type) {
	case []string:
		return l, nil
	case []any:
		out := make([]string, len(l))
		for i, x := range l {
			s, ok := x.(string)
			if !ok {
				return nil, fmt.Errorf("item %d: want a string, got %T", i, x)
			}
			out[i] = s
		}
		return out, nil
	case nil:
		return nil, fmt.Errorf("want a list of strings, got null")
	default:
		return nil, fmt.Errorf("want a list of strings, got %T", v)
	}
}
