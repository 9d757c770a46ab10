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

// TestTextCandidates: the number of candidates past which the first rows
// of a search are read from the table grows as the square root of the rows
// wanted, within bounds.
func TestTextCandidates(t *testing.T) {
	for _, c := range []struct {
		rows int64
		want int
	}{{1, 1000}, {8, 2064}, {80, 6529}, {100, 7300}, {10000, 20000}} {
		if got := textCandidates(c.rows); got != c.want {
			t.Errorf("textCandidates(%d) = %d, want %d", c.rows, got, c.want)
		}
	}
}
