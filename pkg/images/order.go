package images

import (
	"strconv"
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

// compareNumbers compares decimal numbers (integers of any length, or floats).
// ok is false when either is not a number.
func compareNumbers(a, b string) (c int, ok bool) {
	if isUint(a) && isUint(b) {
		return compareDigits(a, b), true
	}
	fa, err1 := strconv.ParseFloat(a, 64)
	fb, err2 := strconv.ParseFloat(b, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	switch {
	case fa < fb:
		return -1, true
	case fa > fb:
		return 1, true
	}
	return 0, true
}

func isNumber(s string) bool {
	if isUint(s) {
		return true
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
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
