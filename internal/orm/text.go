package orm

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kanso-crm/kanso/internal/db"
)

// TextIndex is a model's SQLite FTS5 table of trigrams over some of its
// text fields (tokenize='trigram', detail='none', the model's table as
// external content), kept by triggers written in a migration. On
// PostgreSQL a pg_trgm GIN index over the same columns serves ILIKE by
// itself and the compiler does nothing.
type TextIndex struct {
	Table  string
	Fields []string
	// MaxCandidates overrides textCandidates (tests).
	MaxCandidates int
}

// textCandidates is the number of rows holding every trigram of a
// searched text past which a search that wants its first n rows in order
// leaves the text index aside and reads the table in that order. Reading
// the table finds a common text quickly (name_search's eighth lead holding
// "mar" comes after a few hundred leads in order) and a rare one slowly
// (a million leads: 1.3-2 s); the index finds either in about 3 µs per row
// holding its trigrams. At about 1.6 µs per row read, with N rows and M
// holding the text, the table costs 1.6·N·n/M µs and the index 3·M µs:
// for N = 1,000,000 they break even at M ≈ 730·√n (2,000 for
// name_search's 8, 6,500 for a list page's 80). Counting the candidates stops there, so asking
// costs at most a few milliseconds. A search of all its rows (counts,
// read_group, the rows of a subquery) always uses the index: reading the
// table costs more whatever M.
func textCandidates(n int64) int {
	c := int(730 * math.Sqrt(float64(n)))
	return min(max(c, 1000), 20000)
}

// textMatch is the FTS5 query for the rows that hold every trigram of s:
// the text's three-character windows, quoted, joined by AND (detail=none
// keeps no positions, so no phrase). The tokenizer folds case on both
// sides. At most maxTrigrams windows are kept, spread over the text: a
// long text is selective enough with a few. ok is false when s is shorter
// than three characters (no trigram: the index cannot help).
func textMatch(s string) (match string, ok bool) {
	r := []rune(s)
	if len(r) < 3 {
		return "", false // no trigram
	}
	const maxTrigrams = 8
	var starts []int
	step := 1
	if n := len(r) - 2; n > maxTrigrams {
		step = (n + maxTrigrams - 1) / maxTrigrams
	}
	for i := 0; i+3 <= len(r); i += step {
		starts = append(starts, i)
	}
	if last := len(r) - 3; starts[len(starts)-1] != last {
		starts = append(starts, last)
	}
	seen := map[string]bool{}
	var b strings.Builder
	for _, i := range starts {
		t := string(r[i : i+3])
		if seen[t] {
			continue
		}
		seen[t] = true
		if b.Len() > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString(`"` + strings.ReplaceAll(t, `"`, `""`) + `"`)
	}
	return b.String(), true
}

// textFilter narrows a positive like/ilike of the literal text s on the
// given fields of m (one of them holding s is enough) to the rows its text
// index names, when they are few: it returns "alias.id IN (SELECT rowid
// FROM index WHERE index MATCH ?)", to be ANDed with the LIKE itself
// (the index only names candidates), or "" when the index does not apply
// or would not pay.
func (q *sqlq) textFilter(m *Model, alias string, fields []string, s string) (string, error) {
	ti := m.TextIndex
	if q.noText || ti == nil || q.env.Dialect != db.SQLite {
		return "", nil
	}
	for _, f := range fields {
		if !slices.Contains(ti.Fields, f) {
			return "", nil
		}
	}
	match, ok := textMatch(s)
	if !ok {
		return "", nil
	}
	key := ti.Table + "\x00" + match
	use, known := q.textUse[key]
	if q.rows == 0 || alias != "t0" {
		use, known = true, true // all the rows: see textCandidates
	}
	if !known {
		most := textCandidates(q.rows)
		if ti.MaxCandidates > 0 {
			most = ti.MaxCandidates
		}
		var n int
		err := q.env.QueryRow("SELECT count(*) FROM (SELECT 1 FROM "+db.Quote(ti.Table)+" WHERE "+db.Quote(ti.Table)+
			" MATCH ? LIMIT ?)", match, most+1).Scan(&n)
		if err != nil {
			return "", fmt.Errorf("orm: text index %s: %w", ti.Table, err)
		}
		use = n <= most
		if q.textUse == nil {
			q.textUse = map[string]bool{}
		}
		q.textUse[key] = use
	}
	if !use {
		return "", nil
	}
	if alias == "t0" {
		q.textDriven = true
	}
	return alias + ".id IN (SELECT rowid FROM " + db.Quote(ti.Table) + " WHERE " + db.Quote(ti.Table) + " MATCH " + q.arg(match) + ")", nil
}

// textOr compiles an OR of like/ilike leaves of the text s on fields of m
// with one look in the text index for all of them, not one per field.
func (q *sqlq) textOr(m *Model, alias string, leaves Or, fields []string, s string) (string, error) {
	noText := q.noText
	q.noText = true
	expr, err := q.compile(m, alias, leaves)
	q.noText = noText
	if err != nil {
		return "", err
	}
	tf, err := q.textFilter(m, alias, fields, s)
	if err != nil || tf == "" {
		return expr, err
	}
	return "((" + expr + ") AND " + tf + ")", nil
}

// compileOr compiles the branches of an OR (nested ORs flattened), the
// like/ilike leaves of one text on text-indexed fields together (textOr):
// the pipeline's search looks for its text in a lead's name, customer,
// contact, e-mail and partner, and SQLite read every lead for an OR of
// five branches each with its own look in the index (1.5-3 s at a million
// leads), where two branches take milliseconds.
func (q *sqlq) compileOr(m *Model, alias string, x Or) (string, error) {
	flat := flattenOr(x, nil)
	type group struct {
		leaves Or
		fields []string
		text   string
		done   bool
	}
	groups := map[string]*group{}
	keyOf := func(c Domain) string {
		l, ok := c.(Leaf)
		ti := m.TextIndex
		if !ok || ti == nil || q.noText || q.env.Dialect != db.SQLite || (l.Op != "like" && l.Op != "ilike") || !slices.Contains(ti.Fields, l.Path) {
			return ""
		}
		s, ok := l.Value.(string)
		if !ok {
			return ""
		}
		return l.Op + "\x00" + s
	}
	keys := make([]string, len(flat))
	for i, c := range flat {
		keys[i] = keyOf(c)
		if k := keys[i]; k != "" {
			g := groups[k]
			if g == nil {
				g = &group{text: c.(Leaf).Value.(string)}
				groups[k] = g
			}
			g.leaves = append(g.leaves, c)
			g.fields = append(g.fields, c.(Leaf).Path)
		}
	}
	var parts []string
	for i, c := range flat {
		var s string
		var err error
		if g := groups[keys[i]]; g != nil && len(g.leaves) > 1 {
			if g.done {
				continue
			}
			g.done = true
			s, err = q.textOr(m, alias, g.leaves, g.fields, g.text)
		} else {
			// PostgreSQL combines the branches of an OR through their
			// indexes (BitmapOr) only when none is a sub-query: the
			// targets of a many2one searched by text go in as an array
			// (the pipeline's search of a text no lead holds read every
			// lead, 1.2-2 s at a million; 3 ms so)
			q.anyArray = len(flat) > 1 && q.textTargets(m, c)
			s, err = q.compile(m, alias, c)
			q.anyArray = false
		}
		if err != nil {
			return "", err
		}
		parts = append(parts, "("+s+")")
	}
	return strings.Join(parts, " OR "), nil
}

// flattenOr appends the branches of x to out, those of nested ORs in
// their place.
func flattenOr(x Or, out []Domain) []Domain {
	for _, c := range x {
		if o, ok := c.(Or); ok {
			out = flattenOr(o, out)
		} else {
			out = append(out, c)
		}
	}
	return out
}

// textTargets tells whether c searches the targets of a many2one of m by a
// text their text index can look up (PostgreSQL).
func (q *sqlq) textTargets(m *Model, c Domain) bool {
	l, ok := c.(Leaf)
	if !ok || q.env.Dialect != db.Postgres || (l.Op != "like" && l.Op != "ilike") {
		return false
	}
	s, ok := l.Value.(string)
	f := m.Field(l.Path)
	if !ok || f == nil || f.Type != Many2one || utf8.RuneCountInString(s) < 3 {
		return false
	}
	co := q.env.Reg.Model(f.Relation)
	return co != nil && co.TextIndex != nil
}
