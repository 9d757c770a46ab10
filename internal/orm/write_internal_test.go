package orm

import (
	"slices"
	"strings"
	"testing"
)

// TestFillsColumns: a bulk create groups a record with the previous ones
// exactly when insertColumns would give it the same columns.
func TestFillsColumns(t *testing.T) {
	m := &Model{Name: "x", fields: map[string]*Field{
		"name":    {Name: "name", Type: Char},
		"email":   {Name: "email", Type: Char},
		"tag_ids": {Name: "tag_ids", Type: Many2many, Relation: "y"},
		"shown":   {Name: "shown", Type: Char, NotStored: true},
		"id":      {Name: "id", Type: Integer},
	}}
	names := insertColumns(m, Values{"name": "a", "email": "b", "tag_ids": []any{}})
	if !slices.Equal(names, []string{"email", "name"}) {
		t.Fatalf("insertColumns = %v", names)
	}
	for _, c := range []struct {
		vals Values
		want bool
	}{
		{Values{"name": "c", "email": nil}, true},
		{Values{"email": "d", "name": "e", "tag_ids": []any{}, "shown": "x", "id": int64(3), "unknown": 1}, true},
		{Values{"name": "f"}, false},
		{Values{"name": "g", "tag_ids": []any{}, "shown": "x"}, false},
		{Values{"name": "h", "email": "i", "phone": "j"}, true}, // not a field: neither counts it
		{Values{}, false},
	} {
		got := fillsColumns(m, c.vals, names)
		if got != c.want || got != slices.Equal(insertColumns(m, c.vals), names) {
			t.Errorf("fillsColumns(%v) = %v, want %v (insertColumns %v)", c.vals, got, c.want, insertColumns(m, c.vals))
		}
	}
}

// TestOrderNulls: an order places NULLs as PostgreSQL does (first when
// descending) except on columns that hold none (the id, NotNull fields:
// NOT NULL columns and the dates the ORM sets on every create), so that
// SQLite can walk their indexes.
func TestOrderNulls(t *testing.T) {
	m := &Model{Name: "x", fields: map[string]*Field{
		"id":          {Name: "id", Type: Integer},
		"name":        {Name: "name", Type: Char},
		"priority":    {Name: "priority", Type: Selection, NotNull: true},
		"create_date": {Name: "create_date", Type: Datetime, NotNull: true},
		"write_date":  {Name: "write_date", Type: Datetime, NotNull: true},
		"date_closed": {Name: "date_closed", Type: Datetime},
	}}
	for _, c := range []struct{ order, want string }{
		{"create_date desc", `t0."create_date" DESC`},
		{"write_date", `t0."write_date" ASC`},
		{"date_closed desc", `t0."date_closed" DESC NULLS FIRST`},
		{"name", `t0."name" ASC NULLS LAST`},
		{"priority desc, id desc", `t0."priority" DESC, t0."id" DESC`},
		{"create_date desc nulls last", `t0."create_date" DESC NULLS LAST`},
	} {
		terms, err := parseOrder(m, c.order)
		if err != nil {
			t.Fatal(c.order, err)
		}
		var joins []string
		if got := strings.Join((&sqlq{}).orderSQL(m, "t0", terms, &joins, 0), ", "); got != c.want {
			t.Errorf("%q: %s, want %s", c.order, got, c.want)
		}
	}
}
