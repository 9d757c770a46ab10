package orm

import (
	"testing"
	"time"
)

// TestRollupFits: which conditions a rollup can answer exactly. A
// datetime kept by month takes only month boundaries (or being unset);
// any condition on a kept field compiles to SQL on that column alone; the
// rest (another field, a dotted path, a hierarchy) needs the table.
func TestRollupFits(t *testing.T) {
	m := &Model{Name: "x", fields: map[string]*Field{
		"type":        {Name: "type", Type: Selection},
		"team_id":     {Name: "team_id", Type: Many2one, Relation: "crm.team"},
		"date_closed": {Name: "date_closed", Type: Datetime},
		"date_due":    {Name: "date_due", Type: Date},
		"name":        {Name: "name", Type: Char},
	}}
	r := &Rollup{Dims: []string{"type", "team_id"}, Months: []string{"date_closed", "date_due"}}
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		d    Domain
		want bool
	}{
		{"nothing", And{}, true},
		{"constant", Const(false), true},
		{"kept field, any operator", And{Leaf{Path: "type", Op: "in", Value: []any{"lead"}}, Leaf{Path: "team_id", Op: "ilike", Value: "europe"}}, true},
		{"kept many2one through any", Leaf{Path: "team_id", Op: "any", Value: Domain(Leaf{Path: "name", Op: "=", Value: "x"})}, true},
		{"kept many2one, hierarchy", Leaf{Path: "team_id", Op: "child_of", Value: int64(1)}, false},
		{"dotted path", Leaf{Path: "team_id.name", Op: "=", Value: "x"}, false},
		{"another field", Or{Leaf{Path: "type", Op: "=", Value: "lead"}, Leaf{Path: "name", Op: "ilike", Value: "x"}}, false},
		{"month start, date", Leaf{Path: "date_closed", Op: ">=", Value: "2026-11-01"}, true},
		{"month start, datetime text", Leaf{Path: "date_closed", Op: "<", Value: "2026-12-01 00:00:00"}, true},
		{"month start, with fraction", Leaf{Path: "date_closed", Op: "<", Value: "2026-12-01T00:00:00.000"}, true},
		{"month start, time", Leaf{Path: "date_closed", Op: ">=", Value: nov}, true},
		{"month start in another zone is not one in UTC", Leaf{Path: "date_closed", Op: ">=", Value: nov.In(time.FixedZone("EET", 2*3600)).Add(-2 * time.Hour)}, false},
		{"middle of a month", Leaf{Path: "date_closed", Op: ">=", Value: "2026-11-15"}, false},
		{"a second past midnight", Leaf{Path: "date_closed", Op: "<", Value: "2026-12-01 00:00:01"}, false},
		{"greater than a month start", Leaf{Path: "date_closed", Op: ">", Value: "2026-11-01"}, false},
		{"equal to a day", Leaf{Path: "date_closed", Op: "=", Value: "2026-11-01"}, false},
		{"unset", Leaf{Path: "date_closed", Op: "=", Value: false}, true},
		{"set", Leaf{Path: "date_closed", Op: "!=", Value: nil}, true},
		{"negated month range", Not{D: And{Leaf{Path: "date_closed", Op: ">=", Value: "2026-11-01"}, Leaf{Path: "date_closed", Op: "<", Value: "2026-12-01"}}}, true},
		{"a date field is not kept by month", Leaf{Path: "date_due", Op: ">=", Value: "2026-11-01"}, false},
		{"unknown field", Leaf{Path: "nope", Op: "=", Value: 1}, false},
	} {
		if got := r.fits(m, c.d); got != c.want {
			t.Errorf("%s: fits = %v, want %v", c.name, got, c.want)
		}
	}
	// kept by year: only the first instant of a year is a boundary
	y := &Rollup{Dims: []string{"type"}, Months: []string{"date_closed"}, Trunc: "year"}
	for _, c := range []struct {
		v    any
		want bool
	}{{"2026-01-01", true}, {"2026-01-01 00:00:00", true}, {time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"2026-11-01", false}, {nov, false}, {"2026-01-02", false}} {
		if got := y.fits(m, Leaf{Path: "date_closed", Op: ">=", Value: c.v}); got != c.want {
			t.Errorf("by year, >= %v: fits = %v, want %v", c.v, got, c.want)
		}
	}
}

// TestRollupTakes: the group-bys and measures a rollup holds.
func TestRollupTakes(t *testing.T) {
	m := &Model{Name: "x", fields: map[string]*Field{
		"type":        {Name: "type", Type: Selection},
		"date_closed": {Name: "date_closed", Type: Datetime},
		"amount":      {Name: "amount", Type: Float},
		"other":       {Name: "other", Type: Float},
		"tags":        {Name: "tags", Type: Many2many},
	}}
	e := &Env{Context: map[string]any{"active_test": false}}
	month := &Rollup{Dims: []string{"type"}, Months: []string{"date_closed"}, Sums: []string{"amount"}}
	year := &Rollup{Dims: []string{"type"}, Months: []string{"date_closed"}, Sums: []string{"amount"}, Trunc: "year"}
	gb := func(f, gran string) []GroupBy { return []GroupBy{{Field: m.fields[f], Gran: gran}} }
	agg := func(f, fn string) []Aggregate { return []Aggregate{{Field: m.fields[f], Func: fn}} }
	for _, c := range []struct {
		name string
		r    *Rollup
		g    []GroupBy
		a    []Aggregate
		want bool
	}{
		{"a kept field, the count", month, gb("type", ""), nil, true},
		{"by month", month, gb("date_closed", "month"), agg("amount", "sum"), true},
		{"by quarter", month, gb("date_closed", "quarter"), agg("amount", "avg"), true},
		{"by day", month, gb("date_closed", "day"), nil, false},
		{"by week", month, gb("date_closed", "week"), nil, false},
		{"kept by year, by year", year, gb("date_closed", "year"), nil, true},
		{"kept by year, by month", year, gb("date_closed", "month"), nil, false},
		{"kept by year, by quarter", year, gb("date_closed", "quarter"), nil, false},
		{"a field not kept", month, nil, agg("other", "sum"), false},
		{"a maximum", month, nil, agg("amount", "max"), false},
		{"many2many", month, gb("tags", ""), nil, false},
	} {
		if got := c.r.takes(e, m, c.g, c.a); got != c.want {
			t.Errorf("%s: takes = %v, want %v", c.name, got, c.want)
		}
	}
}
