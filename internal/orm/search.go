package orm

import (
	"strings"

	"github.com/kanso-crm/kanso/internal/db"
)

func quoteTable(m *Model) string { return db.Quote(m.Table) }

type orderTerm struct {
	field *Field
	desc  bool
	nulls string // "", "first", "last"
}

// parseOrder validates an order string ("priority desc, id desc") against
// the registry; nothing of it reaches SQL except registry names.
func parseOrder(m *Model, s string) ([]orderTerm, error) {
	var out []orderTerm
	for _, part := range strings.Split(s, ",") {
		words := strings.Fields(strings.ToLower(strings.TrimSpace(part)))
		if len(words) == 0 {
			continue
		}
		name := strings.Fields(strings.TrimSpace(part))[0]
		f := m.Field(name)
		if f == nil || (!f.Stored() && f.Name != "display_name" && f.OrderSQL == nil) || f.IsX2Many() {
			return nil, ValidationErrorf("Invalid order %q: %s has no stored field %q to sort on", s, m.Name, name)
		}
		if f.Name == "display_name" {
			f = m.Field(m.RecName)
		}
		t := orderTerm{field: f}
		rest := words[1:]
		if len(rest) > 0 && (rest[0] == "asc" || rest[0] == "desc") {
			t.desc = rest[0] == "desc"
			rest = rest[1:]
		}
		if len(rest) == 2 && rest[0] == "nulls" && (rest[1] == "first" || rest[1] == "last") {
			t.nulls = rest[1]
			rest = nil
		}
		if len(rest) > 0 {
			return nil, ValidationErrorf("Invalid order %q: unexpected %q", s, strings.Join(rest, " "))
		}
		out = append(out, t)
	}
	return out, nil
}

// orderSQL renders order terms, joining many2one comodels to sort by
// their own order (as Odoo does: stage_id sorts by stage sequence).
func (q *sqlq) orderSQL(m *Model, alias string, terms []orderTerm, joins *[]string, depth int) []string {
	var out []string
	for _, t := range terms {
		dir, nulls := "ASC", "NULLS LAST"
		if t.desc {
			dir, nulls = "DESC", "NULLS FIRST"
		}
		if t.nulls != "" {
			nulls = "NULLS " + strings.ToUpper(t.nulls)
		} else if depth == 0 && (t.field.Name == "id" || t.field.NotNull) {
			// no NULL to place (a joined comodel's column, depth > 0, is
			// NULL where the many2one is empty, NOT NULL or not)
			nulls = ""
		}
		if t.field.Type == Many2one && depth < 2 {
			co := q.env.Reg.Model(t.field.Relation)
			cterms, _ := parseOrder(co, co.Order)
			a := q.alias()
			*joins = append(*joins, "LEFT JOIN "+quoteTable(co)+" "+a+" ON "+a+".id = "+col(alias, t.field.Name))
			for i := range cterms {
				if t.desc {
					cterms[i].desc = !cterms[i].desc
				}
			}
			out = append(out, q.orderSQL(co, a, cterms, joins, depth+1)...)
			continue
		}
		if t.field.OrderSQL != nil {
			out = append(out, strings.TrimSpace(t.field.OrderSQL(q.env, q.arg, alias)+" "+dir+" "+nulls))
			continue
		}
		out = append(out, strings.TrimSpace(col(alias, t.field.Name)+" "+dir+" "+nulls))
	}
	return out
}

// SearchOpts are the paging and order of a search.
type SearchOpts struct {
	Offset int64
	Limit  int64 // 0 = no limit
	Order  string
}

// searchQuery builds "FROM ... WHERE ..." for a search with the record
// rules for read and the active filter applied.
func (e *Env) searchWhere(m *Model, d Domain, q *sqlq) (string, error) {
	if err := e.CheckAccess(m, PermRead); err != nil {
		return "", err
	}
	w, err := q.where(m, "t0", d, e.ActiveTest())
	if err != nil {
		return "", err
	}
	rule, err := e.ruleDomain(m, PermRead)
	if err != nil {
		return "", err
	}
	if !IsTrue(rule) {
		rw, err := q.compile(m, "t0", rule)
		if err != nil {
			return "", err
		}
		w = "(" + w + ") AND (" + rw + ")"
	}
	return w, nil
}

// Search returns the ids of the records matching d.
func (e *Env) Search(m *Model, d Domain, o SearchOpts) ([]int64, error) {
	q := &sqlq{env: e}
	if o.Limit > 0 {
		q.rows = o.Limit + o.Offset
	}
	w, err := e.searchWhere(m, d, q)
	if err != nil {
		return nil, err
	}
	order := o.Order
	if order == "" {
		order = m.Order
	}
	terms, err := parseOrder(m, order)
	if err != nil {
		return nil, err
	}
	var joins []string
	obys := q.orderSQL(m, "t0", terms, &joins, 0)
	if q.textDriven {
		// the text index named few rows: start from them and sort them,
		// rather than walk an index in the order wanted and look each row
		// up among them, which SQLite prefers under a LIMIT when the text
		// is in one branch of an OR (the pipeline's search: a text no
		// lead holds read all of a million leads, 1.2-1.8 s); "+" keeps
		// an expression from using an index
		for i, o := range obys {
			obys[i] = "+" + o
		}
	}
	s := "SELECT t0.id FROM " + quoteTable(m) + " t0"
	if len(joins) > 0 {
		s += " " + strings.Join(joins, " ")
	}
	// the ORDER BY joins were added after the WHERE args: rebuild args
	// in text order (joins carry no arguments).
	s += " WHERE " + w
	if len(obys) > 0 {
		s += " ORDER BY " + strings.Join(obys, ", ")
	}
	if o.Limit > 0 {
		s += " LIMIT " + q.arg(o.Limit)
	}
	if o.Offset > 0 {
		if o.Limit <= 0 {
			s += " LIMIT -1"
			if e.Dialect == db.Postgres {
				s = strings.TrimSuffix(s, " LIMIT -1") + " LIMIT ALL"
			}
		}
		s += " OFFSET " + q.arg(o.Offset)
	}
	rows, err := e.Query(s, q.args...)
	if err != nil {
		return nil, err
	}
	return ScanIDs(rows)
}

// SearchCount counts the records matching d, stopping at limit when > 0.
func (e *Env) SearchCount(m *Model, d Domain, limit int64) (int64, error) {
	q := &sqlq{env: e}
	w, err := e.searchWhere(m, d, q)
	if err != nil {
		return 0, err
	}
	s := "SELECT count(*) FROM " + quoteTable(m) + " t0 WHERE " + w
	if limit > 0 {
		s = "SELECT count(*) FROM (SELECT 1 FROM " + quoteTable(m) + " t0 WHERE " + w + " LIMIT " + q.arg(limit) + ") c"
	}
	var n int64
	if err := e.QueryRow(s, q.args...).Scan(&n); err != nil {
		return 0, wrapErr("search_count "+m.Name, err)
	}
	return n, nil
}
