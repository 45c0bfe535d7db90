package ui

import (
	"regexp"
	"strings"
)

// filterExpr is a `/` filter: a case-insensitive regular expression, or
// its negation when it starts with `!` (k9s's convention). A pattern that
// is not a valid expression matches as plain text.
type filterExpr struct {
	text    string
	re      *regexp.Regexp
	invert  bool
	literal bool
}

// parseFilter compiles a filter; "" matches everything.
func parseFilter(text string) filterExpr {
	f := filterExpr{text: text}
	pat := text
	if strings.HasPrefix(pat, "!") {
		f.invert, pat = true, pat[1:]
	}
	if pat == "" {
		return filterExpr{text: text, invert: f.invert}
	}
	re, err := regexp.Compile("(?i)" + pat)
	if err != nil {
		re = regexp.MustCompile("(?i)" + regexp.QuoteMeta(pat))
		f.literal = true
	}
	f.re = re
	return f
}

// match reports whether s passes the filter.
func (f filterExpr) match(s string) bool {
	if f.re == nil {
		return true
	}
	return f.re.MatchString(s) != f.invert
}
