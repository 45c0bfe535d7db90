package actions

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// String returns args[name] as a string, or def when it is absent or null.
func String(args map[string]any, name, def string) (string, error) {
	v, ok := args[name]
	if !ok || v == nil {
		return def, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s: want a string, got %T", name, v)
	}
	return s, nil
}

// Int returns args[name] as an int, or def when it is absent or null.
func Int(args map[string]any, name string, def int) (int, error) {
	v, ok := args[name]
	if !ok || v == nil {
		return def, nil
	}
	if n, ok := v.(json.Number); ok {
		if i, err := strconv.Atoi(string(n)); err == nil {
			return i, nil
		}
	}
	f, ok := toFloat(v)
	if !ok || f != float64(int(f)) {
		return 0, fmt.Errorf("%s: want an integer, got %v", name, v)
	}
	return int(f), nil
}

// Float returns args[name] as a float64, or def when it is absent or null.
func Float(args map[string]any, name string, def float64) (float64, error) {
	v, ok := args[name]
	if !ok || v == nil {
		return def, nil
	}
	f, ok := toFloat(v)
	if !ok {
		return 0, fmt.Errorf("%s: want a number, got %v", name, v)
	}
	return f, nil
}
