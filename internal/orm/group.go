package orm

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kanso-crm/kanso/internal/db"
)

// GroupBy is one grouping: a field and, for dates, a granularity.
type GroupBy struct {
	Spec  string // as given, e.g. "create_date:month"
	Field *Field
	Gran  string // day, week, month, quarter, year (dates only)
}

// Aggregate is one measure: a function over a field, or the count.
type Aggregate struct {
	Spec  string // e.g. "expected_revenue:sum" or "__count"
	Field *Field // nil for the count
	Func  string
}

// Group is one result row of ReadGroup, in canonical values.
type Group struct {
	Keys  []any // per GroupBy: int64 id, bucket start "YYYY-MM-DD", value, or nil
	Count int64
	Aggs  map[string]any // by Aggregate.Spec
}

var aggFuncs = map[string]string{"sum": "SUM", "avg": "AVG", "min": "MIN", "max": "MAX", "count": "COUNT",
	"count_distinct": "COUNT(DISTINCT", "bool_and": "", "bool_or": ""}

func parseGroupBy(m *Model, spec string) (GroupBy, error) {
	name, gran, hasGran := strings.Cut(spec, ":")
	f := m.Field(name)
	if f == nil {
		return GroupBy{}, ValidationErrorf("Invalid field %q on model %q in group by", name, m.Name)
	}
	if !f.Stored() && (f.Type != Many2many || f.NotStored || f.Compute != nil || f.Related != "" || f.RelTable == "") {
		return GroupBy{}, ValidationErrorf("Field %s.%s is not stored and cannot be grouped by", m.Name, name)
	}
	if f.Type == One2many || f.Type == Binary || f.Type == Text || f.Type == HTML {
		return GroupBy{}, ValidationErrorf("Field %s.%s (%s) cannot be grouped by", m.Name, name, f.Type)
	}
	g := GroupBy{Spec: spec, Field: f}
	if f.Type == Date || f.Type == Datetime {
		g.Gran = "month"
		if hasGran {
			switch gran {
			case "day", "week", "month", "quarter", "year":
				g.Gran = gran
			default:
				return GroupBy{}, ValidationErrorf("Invalid date granularity %q in group by %q (use day, week, month, quarter or year)", gran, spec)
			}
		}
	} else if hasGran {
		return GroupBy{}, ValidationErrorf("Granularity %q only applies to dates, %s is %s", gran, name, f.Type)
	}
	return g, nil
}

func parseAggregate(m *Model, spec string) (Aggregate, error) {
	if spec == "__count" {
		return Aggregate{Spec: spec, Func: "count"}, nil
	}
	name, fn, hasFn := strings.Cut(spec, ":")
	if hasFn {
		// legacy "alias:func(field)"
		if i := strings.Index(fn, "("); i > 0 && strings.HasSuffix(fn, ")") {
			name, fn = fn[i+1:len(fn)-1], fn[:i]
		}
	}
	f := m.Field(name)
	if f == nil {
		return Aggregate{}, ValidationErrorf("Invalid field %q on model %q in aggregates", name, m.Name)
	}
	if !f.Stored() {
		return Aggregate{}, ValidationErrorf("Field %s.%s is not stored and cannot be aggregated", m.Name, name)
	}
	if !hasFn {
		fn = f.Aggregator
	}
	if _, ok := aggFuncs[fn]; !ok || fn == "" {
		return Aggregate{}, ValidationErrorf("Invalid aggregate function %q for %s", fn, name)
	}
	return Aggregate{Spec: spec, Field: f, Func: fn}, nil
}

// ReadGroup groups the records matching d. order may name groupby specs,
// aggregate specs or "__count", each with asc/desc.
func (e *Env) ReadGroup(m *Model, d Domain, groupby []GroupBy, aggs []Aggregate, offset, limit int64, order string) ([]Group, error) {
	q := &sqlq{env: e}
	w, err := e.searchWhere(m, d, q)
	if err != nil {
		return nil, err
	}
	for _, g := range groupby {
		if err := e.checkFieldGroups(g.Field); err != nil {
			return nil, err
		}
	}
	rollup := e.rollupFor(m, d, groupby, aggs)
	from, count := quoteTable(m), "count(*)"
	if rollup != nil {
		from, count = quoteIdent(rollup.Table), rollupCount
	}
	var sel, gexprs, joins []string
	for i, g := range groupby {
		var expr string
		switch {
		case g.Field.Type == Many2many:
			r := "r" + strconv.Itoa(i)
			joins = append(joins, "LEFT JOIN "+quoteIdent(g.Field.RelTable)+" "+r+" ON "+col(r, g.Field.Column1)+" = t0.id")
			expr = col(r, g.Field.Column2)
		case g.Gran != "":
			var label string
			expr, label, err = e.Dialect.DateBucket(col("t0", g.Field.Name), g.Gran)
			if err != nil {
				return nil, err
			}
			gexprs = append(gexprs, expr)
			sel = append(sel, label)
			continue
		default:
			expr = col("t0", g.Field.Name)
		}
		gexprs = append(gexprs, expr)
		sel = append(sel, expr)
	}
	sel = append(sel, count)
	for _, a := range aggs {
		if a.Field == nil {
			sel = append(sel, count)
			continue
		}
		if err := e.checkFieldGroups(a.Field); err != nil {
			return nil, err
		}
		c := col("t0", a.Field.Name)
		if rollup != nil {
			sel = append(sel, rollupAgg(a))
			continue
		}
		switch a.Func {
		case "count_distinct":
			sel = append(sel, "COUNT(DISTINCT "+c+")")
		case "bool_and", "bool_or":
			f := "MIN"
			if a.Func == "bool_or" {
				f = "MAX"
			}
			if e.Dialect == db.Postgres {
				sel = append(sel, strings.ToUpper(a.Func)+"("+c+")")
			} else {
				sel = append(sel, f+"("+c+")")
			}
		default:
			sel = append(sel, aggFuncs[a.Func]+"("+c+")")
		}
	}
	// Order: explicit terms, else the groupbys (many2one by the comodel's order).
	var obys []string
	if strings.TrimSpace(order) != "" {
		for _, part := range strings.Split(order, ",") {
			words := strings.Fields(part)
			if len(words) == 0 {
				continue
			}
			dir := "ASC"
			if len(words) > 1 && strings.EqualFold(words[1], "desc") {
				dir = "DESC"
			}
			found := false
			if words[0] == "__count" {
				obys = append(obys, count+" "+dir)
				found = true
			}
			for i, g := range groupby {
				if !found && (g.Spec == words[0] || g.Field.Name == words[0]) {
					obys = append(obys, e.groupOrder(q, g, gexprs[i], dir, &joins)...)
					found = true
				}
			}
			for i, a := range aggs {
				if !found && (a.Spec == words[0] || (a.Field != nil && a.Field.Name == words[0])) {
					obys = append(obys, sel[len(groupby)+1+i]+" "+dir)
					found = true
				}
			}
			if !found {
				return nil, ValidationErrorf("Invalid order %q for read_group: %q is neither a group by nor an aggregate", order, words[0])
			}
		}
	} else {
		for i, g := range groupby {
			obys = append(obys, e.groupOrder(q, g, gexprs[i], "ASC", &joins)...)
		}
	}
	s := "SELECT " + strings.Join(sel, ", ") + " FROM " + from + " t0"
	if len(joins) > 0 {
		s += " " + strings.Join(joins, " ")
	}
	s += " WHERE " + w
	if len(gexprs) > 0 {
		s += " GROUP BY " + strings.Join(gexprs, ", ")
		if rollup != nil {
			s += " HAVING SUM(t0.\"n\") > 0" // a group its last record left
		}
	}
	if len(obys) > 0 {
		s += " ORDER BY " + strings.Join(obys, ", ")
	}
	if limit > 0 {
		s += " LIMIT " + q.arg(limit)
	}
	if offset > 0 {
		if limit <= 0 {
			if e.Dialect == db.Postgres {
				s += " LIMIT ALL"
			} else {
				s += " LIMIT -1"
			}
		}
		s += " OFFSET " + q.arg(offset)
	}
	rows, err := e.Query(s, q.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Group
	raw := make([]any, len(sel))
	ptrs := make([]any, len(sel))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("orm: read_group %s: %w", m.Name, err)
		}
		g := Group{Aggs: map[string]any{}}
		for i, gb := range groupby {
			v := raw[i]
			switch {
			case gb.Gran != "":
				switch x := v.(type) {
				case time.Time:
					v = x.Format(db.DateLayout)
				case []byte:
					v = string(x)
				}
			case gb.Field.Type == Many2many:
				v, _ = asInt(v)
				if v == int64(0) {
					v = nil
				}
			default:
				v = gb.Field.scan(v)
			}
			g.Keys = append(g.Keys, v)
		}
		g.Count, _ = asInt(raw[len(groupby)])
		for i, a := range aggs {
			v := raw[len(groupby)+1+i]
			switch {
			case a.Field == nil || a.Func == "count" || a.Func == "count_distinct":
				v, _ = asInt(v)
			case a.Func == "bool_and" || a.Func == "bool_or":
				v = (&Field{Type: Boolean}).scan(v)
			case a.Func == "avg":
				if v != nil {
					v = (&Field{Type: Float}).scan(v)
				}
			default:
				v = a.Field.scan(v)
			}
			if rollup != nil {
				v = roundRollup(a, v)
			}
			g.Aggs[a.Spec] = v
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

func (e *Env) groupOrder(q *sqlq, g GroupBy, expr, dir string, joins *[]string) []string {
	nulls := " NULLS LAST"
	if dir == "DESC" {
		nulls = " NULLS FIRST"
	}
	if g.Field.Type == Many2one {
		co := e.Reg.Model(g.Field.Relation)
		terms, _ := parseOrder(co, co.Order)
		a := q.alias()
		*joins = append(*joins, "LEFT JOIN "+quoteTable(co)+" "+a+" ON "+a+".id = "+expr)
		var out []string
		for _, t := range terms {
			if t.field.Type == Many2one {
				continue
			}
			d := dir
			if t.desc {
				if d == "ASC" {
					d = "DESC"
				} else {
					d = "ASC"
				}
			}
			n := " NULLS LAST"
			if d == "DESC" {
				n = " NULLS FIRST"
			}
			out = append(out, "MIN("+col(a, t.field.Name)+") "+d+n)
		}
		return append(out, expr+" "+dir+nulls)
	}
	return []string{expr + " " + dir + nulls}
}

// DateLabel is the label Odoo shows for a date group.
func DateLabel(bucket, gran string) string {
	t, err := time.Parse(db.DateLayout, bucket)
	if err != nil {
		return bucket
	}
	switch gran {
	case "day":
		return t.Format("02 Jan 2006")
	case "week":
		y, w := t.ISOWeek()
		return fmt.Sprintf("W%d %d", w, y)
	case "quarter":
		return fmt.Sprintf("Q%d %d", (int(t.Month())-1)/3+1, t.Year())
	case "year":
		return strconv.Itoa(t.Year())
	}
	return t.Format("January 2006")
}

// BucketEnd is the first day after a date group.
func BucketEnd(bucket, gran string) string {
	t, err := time.Parse(db.DateLayout, bucket)
	if err != nil {
		return bucket
	}
	switch gran {
	case "day":
		t = t.AddDate(0, 0, 1)
	case "week":
		t = t.AddDate(0, 0, 7)
	case "quarter":
		t = t.AddDate(0, 3, 0)
	case "year":
		t = t.AddDate(1, 0, 0)
	default:
		t = t.AddDate(0, 1, 0)
	}
	return t.Format(db.DateLayout)
}

// GroupDomain is the condition selecting the records of one group key.
func GroupDomain(g GroupBy, key any) Domain {
	name := g.Field.Name
	if g.Gran != "" {
		if key == nil {
			return Leaf{Path: name, Op: "=", Value: false}
		}
		from, to := key.(string), BucketEnd(key.(string), g.Gran)
		if g.Field.Type == Datetime {
			from += " 00:00:00"
			to += " 00:00:00"
		}
		return And{Leaf{Path: name, Op: ">=", Value: from}, Leaf{Path: name, Op: "<", Value: to}}
	}
	if key == nil {
		return Leaf{Path: name, Op: "=", Value: false}
	}
	return Leaf{Path: name, Op: "=", Value: key}
}
