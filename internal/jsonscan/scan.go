package jsonscan

import (
	"fmt"
	"unicode/utf8"
)

// Check bounds what decoding body will cost, in one pass that allocates
// nothing: the body must be valid UTF-8 (the decoder would silently replace
// bad bytes), nest at most maxDepth arrays and objects, and hold at most
// maxValues values (no bound when maxValues is 0). Syntax is left to the
// decoder.
func Check(body []byte, maxDepth, maxValues int) error {
	if !utf8.Valid(body) {
		return fmt.Errorf("the body is not valid UTF-8 (first bad byte at offset %d)", firstInvalidUTF8(body))
	}
	depth, values := 0, 1
	inString := false
	for i := 0; i < len(body); i++ {
		c := body[i]
		if inString {
			switch c {
			case '\\':
				i++ // the escaped byte cannot end the string
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '[', '{':
			depth++
			if depth > maxDepth {
				return fmt.Errorf("the body nests arrays and objects deeper than %d levels (at offset %d)", maxDepth, i)
			}
		case ']', '}':
			depth--
		case ',':
			values++
			if maxValues > 0 && values > maxValues {
				return fmt.Errorf("the body holds more than %d JSON values (at offset %d); send less per request", maxValues, i)
			}
		}
	}
	return nil
}

// firstInvalidUTF8 returns the offset of the first byte that does not start
// a valid UTF-8 sequence.
func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}
