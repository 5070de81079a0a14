package sqlparse

import (
	"fmt"
	"strconv"
)

// Int64 returns the value of an Int as an int64. It fails for other kinds
// and for integers that do not fit in 64 bits (Raw keeps their exact text).
// Hexadecimal integers (SQLite's and PostgreSQL's 0x1F) are accepted.
func (v Value) Int64() (int64, error) {
	if v.Kind != Int {
		return 0, fmt.Errorf("sqlparse: %v value is not an integer", v.Kind)
	}
	s := v.Raw
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	// Fast path without allocating: up to 18 decimal digits always fit.
	if len(s) > 0 && len(s) <= 18 {
		var n int64
		for _, c := range s {
			if c < '0' || c > '9' {
				goto slow
			}
			n = n*10 + int64(c-'0')
		}
		if neg {
			n = -n
		}
		return n, nil
	}
slow:
	return strconv.ParseInt(string(v.Raw), 0, 64)
}

// Float64 returns the value of an Int or Number as the nearest float64.
func (v Value) Float64() (float64, error) {
	if v.Kind != Int && v.Kind != Number {
		return 0, fmt.Errorf("sqlparse: %v value is not a number", v.Kind)
	}
	if v.Kind == Int && len(v.Raw) > 2 && v.Raw[0] == '0' && (v.Raw[1] == 'x' || v.Raw[1] == 'X') {
		n, err := strconv.ParseInt(string(v.Raw), 0, 64)
		return float64(n), err
	}
	return strconv.ParseFloat(string(v.Raw), 64)
}
