package actions

// This file holds Python's number syntax and formatting, as far as Jaseci's
// action server applied them to arguments: int() and float() of a string,
// str() of a float, int() of a float. Numbers travel as json.Number so that
// their literal survives (9007199254740993 stays exact, 1.0 stays 1.0).

import (
	"encoding/json"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"
)

// maxIntStringLen is the longest string pydantic v1 would hand to int():
// longer ones are refused outright (CPython's int max_str_digits guard).
const maxIntStringLen = 4300

// isIntLiteral reports whether a JSON number literal is an integer (no
// fraction, no exponent): Python's json decodes those as int, the others as
// float.
func isIntLiteral(n json.Number) bool {
	return !strings.ContainsAny(string(n), ".eE")
}

// pyStrip trims what Python's str.strip() trims.
func pyStrip(s string) string { return strings.TrimFunc(s, unicode.IsSpace) }

// digitsWithUnderscores reports whether s is one or more ASCII digits,
// with single underscores allowed between two digits, as Python's number
// syntax has it.
func digitsWithUnderscores(s string) bool {
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
		case c == '_' && s[i-1] != '_':
		default:
			return false
		}
	}
	return true
}

// pyParseInt is Python's int(s) for a string in base 10: it returns the
// canonical decimal literal, or false where Python raises ValueError.
func pyParseInt(s string) (json.Number, bool) {
	if len(s) > maxIntStringLen {
		return "", false
	}
	s = pyStrip(s)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if !digitsWithUnderscores(s) {
		return "", false
	}
	return canonicalInt(neg, strings.ReplaceAll(s, "_", "")), true
}

// canonicalInt writes digits (ASCII, possibly with leading zeros) as Python
// prints an int: no leading zeros, no sign on zero.
func canonicalInt(neg bool, digits string) json.Number {
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		return "0"
	}
	if neg {
		return json.Number("-" + digits)
	}
	return json.Number(digits)
}

// pyParseFloat is Python's float(s): surrounding white space, an optional
// sign, a decimal literal with optional underscores between digits, or
// inf, infinity and nan in any case. Out-of-range literals become ±Inf or
// 0, as in Python.
func pyParseFloat(s string) (float64, bool) {
	s = pyStrip(s)
	body := s
	if body != "" && (body[0] == '+' || body[0] == '-') {
		body = body[1:]
	}
	switch strings.ToLower(body) {
	case "inf", "infinity":
		if s[0] == '-' {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	case "nan":
		return math.NaN(), true
	}
	if !pyFloatSyntax(body) {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}

// pyFloatSyntax checks an unsigned decimal float literal:
// (digits [. [digits]] | . digits) [(e|E) [sign] digits].
func pyFloatSyntax(s string) bool {
	mant, exp := s, ""
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant, exp = s[:i], s[i+1:]
		if exp != "" && (exp[0] == '+' || exp[0] == '-') {
			exp = exp[1:]
		}
		if !digitsWithUnderscores(exp) {
			return false
		}
	}
	whole, frac, dot := strings.Cut(mant, ".")
	switch {
	case !dot:
		return digitsWithUnderscores(whole)
	case whole == "":
		return digitsWithUnderscores(frac)
	case frac == "":
		return digitsWithUnderscores(whole)
	default:
		return digitsWithUnderscores(whole) && digitsWithUnderscores(frac)
	}
}

// pyFloatRepr formats f as Python's repr(float) (and so json.dumps) does:
// the shortest digits that read back to f, positional between 1e-4 and
// 1e16 with at least one decimal ("5.0"), else scientific with a signed
// two-digit exponent ("1e+16", "1.5e-05").
func pyFloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	var b strings.Builder
	if s[0] == '-' {
		b.WriteByte('-')
		s = s[1:]
	}
	mant, expS, _ := strings.Cut(s, "e")
	digits := strings.Replace(mant, ".", "", 1)
	exp, _ := strconv.Atoi(expS)
	point := exp + 1 // digits[:point] is the integer part
	switch {
	case point > -4 && point <= 16 && point <= 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -point))
		b.WriteString(digits)
	case point > -4 && point <= 16 && point >= len(digits):
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", point-len(digits)))
		b.WriteString(".0")
	case point > -4 && point <= 16:
		b.WriteString(digits[:point])
		b.WriteByte('.')
		b.WriteString(digits[point:])
	default:
		b.WriteString(digits[:1])
		if len(digits) > 1 {
			b.WriteByte('.')
			b.WriteString(digits[1:])
		}
		e := point - 1
		b.WriteByte('e')
		if e < 0 {
			b.WriteByte('-')
			e = -e
		} else {
			b.WriteByte('+')
		}
		if e < 10 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.Itoa(e))
	}
	return b.String()
}

// pyTrunc is Python's int(f) for a float: the exact integer toward zero, as
// a literal; false for NaN and infinities (Python raises).
func pyTrunc(f float64) (json.Number, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", false
	}
	f = math.Trunc(f)
	if math.Abs(f) < 1<<53 {
		return json.Number(strconv.FormatInt(int64(f), 10)), true
	}
	i, _ := new(big.Float).SetFloat64(f).Int(nil)
	return json.Number(i.String()), true
}

// numberFloat reads a JSON number literal as Python's json reads a float
// literal (out of range: ±Inf). ok is false only for a malformed literal.
func numberFloat(n json.Number) (float64, bool) {
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		if ne, isNum := err.(*strconv.NumError); isNum && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}

// numberStr is Python's str() of a decoded JSON number: an int literal as
// its canonical digits, a float literal as repr of its float.
func numberStr(n json.Number) (string, bool) {
	if isIntLiteral(n) {
		s := string(n)
		neg := strings.HasPrefix(s, "-")
		return string(canonicalInt(neg, strings.TrimPrefix(s, "-"))), true
	}
	f, ok := numberFloat(n)
	if !ok {
		return "", false
	}
	return pyFloatRepr(f), true
}
