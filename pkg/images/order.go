package images

import (
	"strings"
)

// naturalLess orders strings with digit runs compared as numbers, so that
// "build-9" < "build-10" and "1.9" < "1.10". Ties fall back to plain comparison.
func naturalLess(a, b string) bool {
	if c := naturalCompare(a, b); c != 0 {
		return c < 0
	}
	return a < b
}

func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		ad, bd := isDigit(a[0]), isDigit(b[0])
		switch {
		case ad && bd:
			ra, rb := digitRun(a), digitRun(b)
			if c := compareDigits(ra, rb); c != 0 {
				return c
			}
			a, b = a[len(ra):], b[len(rb):]
		case ad != bd:
			// A number sorts before text ("1" < "a"), as in most version schemes.
			if ad {
				return -1
			}
			return 1
		default:
			ra, rb := textRun(a), textRun(b)
			if c := strings.Compare(ra, rb); c != 0 {
				return c
			}
			a, b = a[len(ra):], b[len(rb):]
		}
	}
	return len(a) - len(b)
}

// compareDigits compares two decimal digit strings of any length numerically.
func compareDigits(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

// compareNumbers compares decimal numbers exactly: an optional sign, digits of any
// length, and an optional fraction ("20240101000000000001", "-1.5"). ok is false when
// either is not such a number: exponents, "inf" and "nan" have no exact place in a total
// order (float comparison would make 1 < 2 while "nan" equals both).
func compareNumbers(a, b string) (c int, ok bool) {
	da, okA := parseDecimal(a)
	db, okB := parseDecimal(b)
	if !okA || !okB {
		return 0, false
	}
	if da.sign != db.sign {
		return da.sign - db.sign, true
	}
	c = compareDigits(da.integer, db.integer)
	if c == 0 {
		c = strings.Compare(da.fraction, db.fraction) // as digit strings: .5 > .45, .5 == .50
	}
	return c * da.sign, true
}

// decimal is a parsed decimal number: sign -1, 0 (the number is zero) or 1, the integer
// digits without leading zeros and the fraction digits without trailing zeros.
type decimal struct {
	sign              int
	integer, fraction string
}

func parseDecimal(s string) (decimal, bool) {
	d := decimal{sign: 1}
	switch {
	case strings.HasPrefix(s, "-"):
		d.sign, s = -1, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	integer, fraction, dot := strings.Cut(s, ".")
	if !isUint(integer) || dot && !isUint(fraction) {
		return decimal{}, false
	}
	d.integer, d.fraction = strings.TrimLeft(integer, "0"), strings.TrimRight(fraction, "0")
	if d.integer == "" && d.fraction == "" {
		d.sign = 0
	}
	return d, true
}

func isNumber(s string) bool {
	_, ok := parseDecimal(s)
	return ok
}

func isUint(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func digitRun(s string) string {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return s[:i]
}

func textRun(s string) string {
	i := 0
	for i < len(s) && !isDigit(s[i]) {
		i++
	}
	return s[:i]
}
