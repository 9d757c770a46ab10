package orm

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

func wrapErr(what string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return MissingErrorf("%s: no such record", what)
	}
	return fmt.Errorf("orm: %s: %w", what, err)
}

func inList(q *sqlq, ids []int64) string {
	ps := make([]string, len(ids))
	for i, id := range ids {
		ps[i] = q.arg(id)
	}
	return strings.Join(ps, ", ")
}

// readRaw reads stored columns of ids with no access check, in the order
// of ids (missing ids are skipped).
func (e *Env) readRaw(m *Model, ids []int64, names []string) ([]Values, error) {
	recs, _, err := e.readJoined(m, ids, names, nil)
	return recs, err
}

// nameColumn is the field that alone gives the display names of m's
// records (its RecName, stored), or nil when m computes them.
func nameColumn(m *Model) *Field {
	if m.DisplayName != nil {
		return nil
	}
	if f := m.Field(m.RecName); f != nil && f.Stored() && !f.IsX2Many() {
		return f
	}
	return nil
}

// displayString is a display name read from the column f (nameColumn).
func displayString(f *Field, v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		if f.Type == Selection {
			return f.SelectionLabel(fmt.Sprint(v))
		}
		return fmt.Sprint(v)
	}
}

// readJoined is readRaw that also reads, for each many2one field of
// joins (whose target has a nameColumn), its targets' display names by
// a LEFT JOIN in the same statement: by field name, then target id. Like
// DisplayNames it applies no access rule to the targets.
func (e *Env) readJoined(m *Model, ids []int64, names []string, joins []*Field) ([]Values, map[string]map[int64]string, error) {
	if len(ids) == 0 {
		return nil, nil, nil
	}
	var fields []*Field
	cols := []string{"t0.id"}
	for _, n := range names {
		f := m.Field(n)
		if f == nil || !f.Stored() || n == "id" {
			continue
		}
		fields = append(fields, f)
		cols = append(cols, col("t0", n))
	}
	from := quoteTable(m) + " t0"
	nameCols := make([]*Field, len(joins))
	dn := make(map[string]map[int64]string, len(joins))
	for i, f := range joins {
		co := e.Reg.Model(f.Relation)
		nameCols[i] = nameColumn(co)
		alias := "j" + strconv.Itoa(i)
		cols = append(cols, col(alias, nameCols[i].Name))
		from += " LEFT JOIN " + quoteTable(co) + " " + alias + " ON " + alias + ".id = " + col("t0", f.Name)
		dn[f.Name] = map[int64]string{}
	}
	byID := make(map[int64]Values, len(ids))
	const chunk = 500
	uniq := uniqueIDs(ids)
	for start := 0; start < len(uniq); start += chunk {
		part := uniq[start:min(start+chunk, len(uniq))]
		q := &sqlq{env: e}
		rows, err := e.Query("SELECT "+strings.Join(cols, ", ")+" FROM "+from+" WHERE t0.id IN ("+inList(q, part)+")", q.args...)
		if err != nil {
			return nil, nil, err
		}
		raw := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range raw {
			ptrs[i] = &raw[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, nil, fmt.Errorf("orm: read %s: %w", m.Name, err)
			}
			id, _ := asInt(raw[0])
			v := Values{"id": id}
			for i, f := range fields {
				v[f.Name] = f.scan(raw[i+1])
			}
			for i, f := range joins {
				if target, ok := v[f.Name].(int64); ok {
					dn[f.Name][target] = displayString(nameCols[i], nameCols[i].scan(raw[1+len(fields)+i]))
				}
			}
			byID[id] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, fmt.Errorf("orm: read %s: %w", m.Name, err)
		}
	}
	out := make([]Values, 0, len(ids))
	for _, id := range ids {
		if v, ok := byID[id]; ok {
			out = append(out, v)
		}
	}
	return out, dn, nil
}

// DisplayNames returns the display names of ids in one query.
func (e *Env) DisplayNames(m *Model, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	if m.DisplayName != nil {
		recs, err := e.readRaw(m, ids, m.DisplayFields)
		if err != nil {
			return nil, err
		}
		names := m.DisplayName(e, recs)
		for i, r := range recs {
			out[r["id"].(int64)] = names[i]
		}
		return out, nil
	}
	recs, err := e.readRaw(m, ids, []string{m.RecName})
	if err != nil {
		return nil, err
	}
	f := m.Field(m.RecName)
	for _, r := range recs {
		out[r["id"].(int64)] = displayString(f, r[m.RecName])
	}
	return out, nil
}

// x2manyIDs reads the related ids of an x2many field for records ids.
func (e *Env) x2manyIDs(m *Model, f *Field, ids []int64) (map[int64][]int64, error) {
	out := map[int64][]int64{}
	if len(ids) == 0 {
		return out, nil
	}
	co := e.Reg.Model(f.Relation)
	q := &sqlq{env: e}
	terms, _ := parseOrder(co, co.Order)
	var joins []string
	var s string
	if f.Type == Many2many {
		s = "SELECT " + col("r", f.Column1) + ", t1.id FROM " + quoteIdent(f.RelTable) + " r JOIN " + quoteTable(co) + " t1 ON t1.id = " + col("r", f.Column2)
		q.nalias = 1
		where := col("r", f.Column1) + " IN (" + inList(q, ids) + ")"
		if co.HasActive() && e.ActiveTest() {
			where += " AND " + col("t1", "active") + " = " + q.arg(e.Dialect.BoolParam(true))
		}
		obys := q.orderSQL(co, "t1", terms, &joins, 1)
		s += " " + strings.Join(joins, " ") + " WHERE " + where + " ORDER BY " + strings.Join(obys, ", ")
	} else {
		q.nalias = 1
		s = "SELECT " + col("t1", f.InverseName) + ", t1.id FROM " + quoteTable(co) + " t1"
		where := col("t1", f.InverseName) + " IN (" + inList(q, ids) + ")"
		if co.HasActive() && e.ActiveTest() {
			where += " AND " + col("t1", "active") + " = " + q.arg(e.Dialect.BoolParam(true))
		}
		obys := q.orderSQL(co, "t1", terms, &joins, 1)
		s += " " + strings.Join(joins, " ") + " WHERE " + where + " ORDER BY " + strings.Join(obys, ", ")
	}
	rows, err := e.Query(s, q.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var a, b int64
		if err := rows.Scan(&a, &b); err != nil {
			return nil, fmt.Errorf("orm: read %s.%s: %w", m.Name, f.Name, err)
		}
		out[a] = append(out[a], b)
	}
	return out, rows.Err()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// readableFields lists the fields to read when none are asked for.
func (e *Env) readableFields(m *Model) []string {
	var out []string
	for _, f := range m.Fields() {
		if e.fieldAllowed(f) {
			out = append(out, f.Name)
		}
	}
	return out
}

// Read returns the records in Odoo's read format. load "_classic_read"
// gives many2one as [id, name]; any other value as a bare id.
func (e *Env) Read(m *Model, ids []int64, fields []string, load bool) ([]map[string]any, error) {
	if err := e.CheckAccess(m, PermRead); err != nil {
		return nil, err
	}
	if len(fields) == 0 {
		fields = e.readableFields(m)
	}
	for _, n := range fields {
		f := m.Field(n)
		if f == nil {
			return nil, ValidationErrorf("Invalid field %q on model %q", n, m.Name)
		}
		if err := e.checkFieldGroups(f); err != nil {
			return nil, err
		}
	}
	if err := e.CheckRecords(m, ids, PermRead); err != nil {
		return nil, err
	}
	return e.readExport(m, ids, fields, load)
}

// readExport reads fields of ids (no access check) in the API's format.
// With load, the display names of stored many2one fields whose target
// names itself by one column come from the read's own statement (a join
// each) instead of a statement per field: on PostgreSQL a round trip
// each, and about a third of a JSON-2 search_read's time on SQLite.
func (e *Env) readExport(m *Model, ids []int64, fields []string, load bool) ([]map[string]any, error) {
	var joins []*Field
	if load {
		for _, n := range fields {
			f := m.Field(n)
			if f != nil && f.Type == Many2one && f.Stored() && !slices.Contains(joins, f) && nameColumn(e.Reg.Model(f.Relation)) != nil {
				joins = append(joins, f)
			}
		}
	}
	recs, names, err := e.readValues(m, ids, fields, joins)
	if err != nil {
		return nil, err
	}
	return e.export(m, recs, fields, load, names)
}

// ReadValues reads canonical values (stored, related, computed and x2many
// fields) with no access check.
func (e *Env) ReadValues(m *Model, ids []int64, fields []string) ([]Values, error) {
	recs, _, err := e.readValues(m, ids, fields, nil)
	return recs, err
}

// readValues is ReadValues that also reads the display names of joins
// (see readJoined).
func (e *Env) readValues(m *Model, ids []int64, fields []string, joins []*Field) ([]Values, map[string]map[int64]string, error) {
	need := map[string]bool{}
	for _, n := range fields {
		f := m.Field(n)
		if f == nil {
			return nil, nil, ValidationErrorf("Invalid field %q on model %q", n, m.Name)
		}
		if f.Stored() {
			need[n] = true
		}
		if f.Related != "" {
			first, _, _ := strings.Cut(f.Related, ".")
			need[first] = true
		}
		if !f.Stored() && f.Compute != nil {
			for _, d := range f.Depends {
				need[d] = true
			}
		}
	}
	// in a fixed order: the same read is the same statement text, which
	// SQLite's statement cache then prepares once (a map's order gave up
	// to 720 texts for six fields)
	names := make([]string, 0, len(need))
	for n := range need {
		names = append(names, n)
	}
	slices.Sort(names)
	recs, joined, err := e.readJoined(m, ids, names, joins)
	if err != nil {
		return nil, nil, err
	}
	for _, n := range fields {
		f := m.Field(n)
		switch {
		case n == "display_name":
			dn, err := e.DisplayNames(m, ids)
			if err != nil {
				return nil, nil, err
			}
			for _, r := range recs {
				r[n] = dn[r["id"].(int64)]
			}
		case !f.Stored() && f.Compute != nil:
			if err := f.Compute(e, recs); err != nil {
				return nil, nil, err
			}
		case f.IsX2Many() && f.Related == "":
			rel, err := e.x2manyIDs(m, f, ids)
			if err != nil {
				return nil, nil, err
			}
			for _, r := range recs {
				v := rel[r["id"].(int64)]
				if v == nil {
					v = []int64{}
				}
				r[n] = v
			}
		case f.Related != "":
			if err := e.readRelated(m, f, recs); err != nil {
				return nil, nil, err
			}
		}
	}
	return recs, joined, nil
}

// readRelated follows a related path ("partner_id.email") in batches.
func (e *Env) readRelated(m *Model, f *Field, recs []Values) error {
	parts := strings.Split(f.Related, ".")
	cur := m
	// map from record id to the id reached so far
	reach := make(map[int64]int64, len(recs))
	first := cur.Field(parts[0])
	for _, r := range recs {
		if v, ok := r[parts[0]].(int64); ok {
			reach[r["id"].(int64)] = v
		}
	}
	if len(parts) == 1 {
		for _, r := range recs {
			r[f.Name] = r[parts[0]]
		}
		return nil
	}
	cur = e.Reg.Model(first.Relation)
	for i := 1; i < len(parts); i++ {
		ids := make([]int64, 0, len(reach))
		for _, v := range reach {
			ids = append(ids, v)
		}
		vals, err := e.readRaw(cur, uniqueIDs(ids), []string{parts[i]})
		if err != nil {
			return err
		}
		byID := map[int64]Values{}
		for _, v := range vals {
			byID[v["id"].(int64)] = v
		}
		last := i == len(parts)-1
		next := map[int64]int64{}
		for rid, tid := range reach {
			v := byID[tid][parts[i]]
			if last {
				for _, r := range recs {
					if r["id"].(int64) == rid {
						r[f.Name] = v
					}
				}
			} else if n, ok := v.(int64); ok {
				next[rid] = n
			}
		}
		if !last {
			cur = e.Reg.Model(cur.Field(parts[i]).Relation)
			reach = next
		}
	}
	return nil
}

// Export renders canonical values in the API's format, fetching the
// display names of many2one targets in one query per field.
func (e *Env) Export(m *Model, recs []Values, fields []string, load bool) ([]map[string]any, error) {
	return e.export(m, recs, fields, load, nil)
}

// export is Export with the display names already read (readJoined) by
// field; the other many2one fields' are read here.
func (e *Env) export(m *Model, recs []Values, fields []string, load bool, joined map[string]map[int64]string) ([]map[string]any, error) {
	names := map[string]map[int64]string{}
	if load {
		for _, n := range fields {
			f := m.Field(n)
			if f.Type != Many2one {
				continue
			}
			if dn, ok := joined[n]; ok {
				names[n] = dn
				continue
			}
			var ids []int64
			for _, r := range recs {
				if id, ok := r[n].(int64); ok {
					ids = append(ids, id)
				}
			}
			dn, err := e.DisplayNames(e.Reg.Model(f.Relation), uniqueIDs(ids))
			if err != nil {
				return nil, err
			}
			names[n] = dn
		}
	}
	out := make([]map[string]any, len(recs))
	for i, r := range recs {
		row := make(map[string]any, len(fields)+1)
		row["id"] = r["id"]
		for _, n := range fields {
			row[n] = m.Field(n).Export(r[n], names[n], load)
		}
		out[i] = row
	}
	return out, nil
}
