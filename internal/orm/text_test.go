package orm

import (
	"strings"
	"testing"
)

// TestTextMatch: the FTS5 query of a searched text is its trigrams,
// quoted and ANDed, at most eight of them spread over a long text with the
// first and the last kept; shorter than three characters there is none.
func TestTextMatch(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"", "", false},
		{"ab", "", false},
		{"ăș", "", false},
		{"abc", `"abc"`, true},
		{"Ștefan", `"Ște" AND "tef" AND "efa" AND "fan"`, true},
		{`a"bc`, `"a""b" AND """bc"`, true},
		{"aaaaa", `"aaa"`, true},
		{"100%", `"100" AND "00%"`, true},
		{"abcdefghijklmnopqrst", `"abc" AND "def" AND "ghi" AND "jkl" AND "mno" AND "pqr" AND "rst"`, true},
	}
	for _, c := range cases {
		got, ok := textMatch(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("textMatch(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
		if n := strings.Count(got, " AND ") + 1; ok && n > 9 {
			t.Errorf("textMatch(%q): %d trigrams", c.in, n)
		}
	}
}
