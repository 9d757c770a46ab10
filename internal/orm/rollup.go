package orm

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/kanso-crm/kanso/internal/db"
)

// Rollup describes a table that database triggers keep equal, in the same
// transaction as every write, to the count and sums of a model's rows
// grouped by some of its fields (for crm.lead: migration 0011). ReadGroup
// reads it instead of the model's table when the whole query (the domain,
// the record rules, the active test, the group-bys and the measures) only
// involves those fields, so a dashboard sums a few thousand rows instead
// of a million while its figures stay those of the live records.
type Rollup struct {
	Table string
	// Dims are fields stored as they are.
	Dims []string
	// Months are datetime fields stored as the first instant of their
	// month (or of their year, with Trunc "year"): they group by month,
	// quarter or year (by year only), and filter with >= and < on the
	// first day of a month (of a year), or on being (un)set. (A date field
	// would compare its own text form with the month's on SQLite: not
	// supported.)
	Months []string
	// Trunc is "month" (the default) or "year".
	Trunc string
	// Sums are number fields: column X holds the sum of X, column X__n
	// the number of rows where X is set (for AVG, and for SUM's NULL
	// when no row has a value).
	Sums []string
}

// ContextNoRollup is the context key that, set to false, makes ReadGroup
// read the model's own table (tests compare the two).
const ContextNoRollup = "read_group_rollup"

// rollupFor returns the first of the model's rollups ReadGroup may read
// for this query, or nil.
func (e *Env) rollupFor(m *Model, d Domain, groupby []GroupBy, aggs []Aggregate) *Rollup {
	if len(m.Rollups) == 0 {
		return nil
	}
	if v, ok := e.Context[ContextNoRollup].(bool); ok && !v {
		return nil
	}
	var rule Domain
	ruled := false
	for _, r := range m.Rollups {
		if !r.takes(e, m, groupby, aggs) {
			continue
		}
		if !ruled {
			var err error
			if rule, err = e.ruleDomain(m, PermRead); err != nil {
				return nil // an error is reported by the query on the table
			}
			ruled = true
		}
		if r.fits(m, d) && r.fits(m, rule) {
			return r
		}
	}
	return nil
}

// takes reports whether the rollup holds the group-bys and measures.
func (r *Rollup) takes(e *Env, m *Model, groupby []GroupBy, aggs []Aggregate) bool {
	for _, g := range groupby {
		switch {
		case g.Field.Type == Many2many:
			return false
		case g.Gran != "":
			if !slices.Contains(r.Months, g.Field.Name) || g.Field.Type != Datetime {
				return false
			}
			if g.Gran != "year" && (r.Trunc == "year" || g.Gran != "month" && g.Gran != "quarter") {
				return false
			}
		case !slices.Contains(r.Dims, g.Field.Name):
			return false
		}
	}
	for _, a := range aggs {
		if a.Field == nil {
			continue
		}
		if (a.Func != "sum" && a.Func != "avg") || !slices.Contains(r.Sums, a.Field.Name) {
			return false
		}
	}
	return !(e.ActiveTest() && m.HasActive() && !slices.Contains(r.Dims, "active"))
}

// fits reports whether a domain compiles to conditions on the rollup's
// columns that select exactly the groups of the rows it selects.
func (r *Rollup) fits(m *Model, d Domain) bool {
	switch x := d.(type) {
	case nil, Const:
		return true
	case And:
		for _, c := range x {
			if !r.fits(m, c) {
				return false
			}
		}
		return true
	case Or:
		for _, c := range x {
			if !r.fits(m, c) {
				return false
			}
		}
		return true
	case Not:
		// negation turns >= into < and = into != (and back): still fits
		return r.fits(m, x.D)
	case Leaf:
		if strings.Contains(x.Path, ".") {
			return false
		}
		f := m.Field(x.Path)
		if f == nil {
			return false
		}
		if slices.Contains(r.Dims, f.Name) {
			return x.Op != "child_of" && x.Op != "parent_of"
		}
		if slices.Contains(r.Months, f.Name) && f.Type == Datetime {
			switch x.Op {
			case ">=", "<":
				return monthStart(x.Value, r.Trunc == "year")
			case "=", "!=":
				return x.Value == nil || x.Value == false
			}
		}
	}
	return false
}

// monthStart tells whether a date or datetime value is the first instant
// of a month, or of a year (a bucket boundary of the rollup's columns).
func monthStart(v any, year bool) bool {
	switch x := v.(type) {
	case time.Time:
		x = x.UTC()
		return x.Day() == 1 && (!year || x.Month() == time.January) && x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0
	case string:
		s := strings.TrimSpace(x)
		if len(s) < 10 {
			return false
		}
		t, err := time.Parse(db.DateLayout, s[:10])
		if err != nil || t.Day() != 1 || year && t.Month() != time.January {
			return false
		}
		rest := strings.TrimLeft(s[10:], " T")
		if rest == "" {
			return true
		}
		clock, frac, _ := strings.Cut(rest, ".")
		return clock == "00:00:00" && strings.Trim(frac, "0") == ""
	}
	return false
}

// rollupAgg is an aggregate's SQL over a rollup's columns.
func rollupAgg(a Aggregate) string {
	c, n := col("t0", a.Field.Name), col("t0", a.Field.Name+"__n")
	if a.Func == "avg" {
		return "CASE WHEN SUM(" + n + ") > 0 THEN SUM(" + c + ") / CAST(SUM(" + n + ") AS DOUBLE PRECISION) END"
	}
	return "CASE WHEN SUM(" + n + ") > 0 THEN SUM(" + c + ") END"
}

// rollupCount is the number of rows of the groups read.
const rollupCount = "CAST(COALESCE(SUM(t0.\"n\"), 0) AS BIGINT)"

// roundRollup rounds a monetary sum read from a rollup to the cent: the
// triggers add and subtract amounts for years, and the last bits of a
// float sum drift where a SUM over the records would not.
func roundRollup(a Aggregate, v any) any {
	if f, ok := v.(float64); ok && a.Func == "sum" && a.Field.Type == Monetary {
		return math.Round(f*100)/100 + 0 // + 0: no -0 from a sum drifted below zero
	}
	return v
}

// rollupColumns lists the rollup's columns in table order: the dims, the
// months, n, then each sum and its count.
func (r *Rollup) rollupColumns() []string {
	cols := append(append([]string{}, r.Dims...), r.Months...)
	cols = append(cols, "n")
	for _, s := range r.Sums {
		cols = append(cols, s, s+"__n")
	}
	return cols
}

// truncOf is the first instant of a date's month (or year), as the
// database stores datetimes.
func (r *Rollup) truncOf(d db.Dialect, c string) string {
	if r.Trunc == "year" {
		if d == db.Postgres {
			return "date_trunc('year', " + c + ")"
		}
		return "substr(" + c + ", 1, 4) || '-01-01 00:00:00.000000'"
	}
	if d == db.Postgres {
		return "date_trunc('month', " + c + ")"
	}
	return "substr(" + c + ", 1, 7) || '-01 00:00:00.000000'"
}

// conflictKey is the expression list of the rollup's unique index on
// SQLite (the migration that creates the table writes the same): NULL made
// a value that no row holds, so that NULL groups merge too.
func (r *Rollup) conflictKey(m *Model, d db.Dialect) string {
	var keys []string
	for _, name := range append(append([]string{}, r.Dims...), r.Months...) {
		f := m.Field(name)
		c := quoteIdent(name)
		switch {
		case f.Type == Boolean && name == "active":
			keys = append(keys, c) // NOT NULL
		case f.Type == Date || f.Type == Datetime:
			if d == db.Postgres {
				keys = append(keys, "coalesce("+c+", '-infinity'::timestamp)")
			} else {
				keys = append(keys, "coalesce("+c+", '1900-01-01')")
			}
		case f.Type == Many2one || f.Type == Integer:
			keys = append(keys, "coalesce("+c+", 0)")
		default:
			keys = append(keys, "coalesce("+c+", '')")
		}
	}
	return strings.Join(keys, ", ")
}

// SumSQL is the SELECT that sums the rows of from (a table, with a WHERE
// clause if need be) into the rollup's groups, in the order of its
// columns: the dimensions, the months, n, then each sum and its count,
// as the triggers add them one by one; col gives the expression of a
// column of the model in from. A bulk load that runs without the
// triggers sums its batches so (internal/demo) and adds them with
// MergeSQL.
func (r *Rollup) SumSQL(d db.Dialect, from string, col func(name string) string) string {
	var sel, group []string
	for _, name := range r.Dims {
		sel = append(sel, col(name))
		group = append(group, col(name))
	}
	for _, name := range r.Months {
		sel = append(sel, r.truncOf(d, col(name)))
		group = append(group, r.truncOf(d, col(name)))
	}
	sel = append(sel, "count(*)")
	for _, s := range r.Sums {
		q := col(s)
		sel = append(sel, "coalesce(sum("+q+"), 0)", "count("+q+")")
	}
	return "SELECT " + strings.Join(sel, ", ") + " FROM " + from + " GROUP BY " + strings.Join(group, ", ")
}

// MergeSQL adds groups already summed, the rows of from in the order of
// SumSQL's columns, to the rollup.
func (r *Rollup) MergeSQL(m *Model, d db.Dialect, from string) string {
	return r.insertSQL(m, d, "SELECT * FROM "+from+" WHERE true")
}

// insertSQL adds the groups sel gives to the rollup: on SQLite each to
// its row, on PostgreSQL appended (see CompactSQL).
func (r *Rollup) insertSQL(m *Model, d db.Dialect, sel string) string {
	table := quoteIdent(r.Table)
	var cols []string
	for _, c := range r.rollupColumns() {
		cols = append(cols, quoteIdent(c))
	}
	s := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") " + sel
	if d == db.Postgres {
		return s // rows are appended there (see CompactSQL)
	}
	set := []string{"n = " + table + ".n + excluded.n"}
	for _, sum := range r.Sums {
		q, qn := quoteIdent(sum), quoteIdent(sum+"__n")
		set = append(set, q+" = "+table+"."+q+" + excluded."+q, qn+" = "+table+"."+qn+" + excluded."+qn)
	}
	return s + " ON CONFLICT (" + r.conflictKey(m, d) + ") DO UPDATE SET " + strings.Join(set, ", ")
}

// CompactSQL merges the rows of each group into one, or "" when the
// database keeps one row per group already. On PostgreSQL the triggers
// append each statement's changes (so that writers of the same group do
// not wait for each other's commit); reads sum a group's rows, and this,
// run now and then, keeps the table at a row per group. Only the groups
// that have more than one row are rewritten (their rows found by ctid):
// between two runs few groups change, and rewriting all of them cost the
// customer rollup of a million leads 6.7 s and as many dead rows every
// time, even with nothing to merge. Rows appended by transactions running
// meanwhile are not visible to it and stay.
func (r *Rollup) CompactSQL(d db.Dialect) string {
	if d != db.Postgres {
		return ""
	}
	var cols, sel, group []string
	for _, c := range r.rollupColumns() {
		cols = append(cols, quoteIdent(c))
	}
	for _, c := range append(append([]string{}, r.Dims...), r.Months...) {
		sel = append(sel, quoteIdent(c))
		group = append(group, quoteIdent(c))
	}
	sel = append(sel, "sum(n)")
	for _, s := range r.Sums {
		sel = append(sel, "sum("+quoteIdent(s)+")", "sum("+quoteIdent(s+"__n")+")")
	}
	t := quoteIdent(r.Table)
	return "WITH moved AS (DELETE FROM " + t + " WHERE ctid = ANY (ARRAY(SELECT unnest(array_agg(ctid)) FROM " + t +
		" GROUP BY " + strings.Join(group, ", ") + " HAVING count(*) > 1)) RETURNING *) INSERT INTO " + t +
		" (" + strings.Join(cols, ", ") + ") SELECT " + strings.Join(sel, ", ") + " FROM moved GROUP BY " +
		strings.Join(group, ", ") + " HAVING sum(n) <> 0"
}

// CompactRollups merges the rows of each group of every model's rollup
// (PostgreSQL; nothing to do on SQLite).
func CompactRollups(env *Env) error {
	for _, m := range env.Reg.Models() {
		for _, r := range m.Rollups {
			if q := r.CompactSQL(env.Dialect); q != "" {
				if _, err := env.Exec(q); err != nil {
					return fmt.Errorf("orm: compact %s: %w", r.Table, err)
				}
			}
		}
	}
	return nil
}
