package actions

import (
	"maps"
	"sort"
	"strings"
)

// PlaceKeywords maps keyword arguments onto an action's spec (its parameter
// names as the spec endpoint lists them) the way Jaseci's client did before
// posting a call: a key naming a parameter is sent under its name; the
// other keys go as one object under the spec's "**name" parameter when it
// has one (nulls inside it kept), and are dropped otherwise; nulls given
// for declared parameters are left out so the server's defaults apply. A variadic parameter may also be addressed by
// its plain or its spec name ("rest", "*rest"), as jsorc's server reads
// both. Keys given directly win over the same keys inside an object the
// caller passed for "**name".
//
// It returns kw itself when nothing moves (without allocating) and the
// sorted names of the keys it dropped.
func PlaceKeywords(spec []string, kw map[string]any) (map[string]any, []string) {
	moves := false
	for k, v := range kw {
		if v == nil || !declared(spec, k) {
			moves = true
			break
		}
	}
	if !moves {
		return kw, nil
	}
	optsKey := ""
	for _, p := range spec {
		if strings.HasPrefix(p, "**") {
			optsKey = p
		}
	}
	out := make(map[string]any, len(kw))
	var extra map[string]any
	var dropped []string
	for k, v := range kw {
		switch {
		case declared(spec, k):
			if v != nil {
				out[k] = v
			}
		case optsKey != "":
			if extra == nil {
				extra = make(map[string]any)
			}
			extra[k] = v
		default:
			dropped = append(dropped, k)
		}
	}
	if extra != nil {
		key, merged := optsKey, map[string]any{}
		for _, given := range []string{optsKey, optsKey[2:]} {
			if obj, ok := out[given].(map[string]any); ok {
				key, merged = given, maps.Clone(obj)
			}
		}
		maps.Copy(merged, extra)
		out[key] = merged
	}
	sort.Strings(dropped)
	return out, dropped
}

// declared reports whether key names a parameter of spec, by its spec name
// or, for a variadic one, by its plain name.
func declared(spec []string, key string) bool {
	for _, p := range spec {
		if p == key || strings.TrimLeft(p, "*") == key {
			return true
		}
	}
	return false
}
