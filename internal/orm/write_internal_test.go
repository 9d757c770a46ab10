package orm

import (
	"slices"
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
