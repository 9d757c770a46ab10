package orm

import (
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// x2manyCommand is one Odoo x2many command: [0,0,vals] create, [1,id,vals]
// update, [2,id,0] delete, [3,id,0] unlink, [4,id,0] link, [5,0,0] clear,
// [6,0,ids] replace. A bare list of ids means [6,0,ids].
type x2manyCommand struct {
	op   int64
	id   int64
	vals Values
	ids  []int64
}

func parseCommands(f *Field, v any) ([]x2manyCommand, error) {
	if v == nil || v == false {
		return []x2manyCommand{{op: 5}}, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, ValidationErrorf("Invalid value for %s: expected a list of commands or ids", f.Name)
	}
	var out []x2manyCommand
	var bare []int64
	for _, item := range list {
		if n, ok := asInt(item); ok {
			bare = append(bare, n)
			continue
		}
		c, ok := item.([]any)
		if !ok || len(c) == 0 {
			return nil, ValidationErrorf("Invalid command %s for %s", describe(item), f.Name)
		}
		op, ok := asInt(c[0])
		if !ok || op < 0 || op > 6 {
			return nil, ValidationErrorf("Invalid command %s for %s", describe(c[0]), f.Name)
		}
		cmd := x2manyCommand{op: op}
		if len(c) > 1 {
			cmd.id, _ = asInt(c[1])
		}
		switch op {
		case 0, 1:
			if len(c) < 3 {
				return nil, ValidationErrorf("Command %d on %s needs values", op, f.Name)
			}
			m, ok := c[2].(map[string]any)
			if !ok {
				return nil, ValidationErrorf("Command %d on %s needs a values object", op, f.Name)
			}
			cmd.vals = Values(m)
		case 6:
			if len(c) < 3 {
				return nil, ValidationErrorf("Command 6 on %s needs a list of ids", f.Name)
			}
			ids, ok := c[2].([]any)
			if !ok && c[2] != nil && c[2] != false {
				return nil, ValidationErrorf("Command 6 on %s needs a list of ids", f.Name)
			}
			for _, x := range ids {
				n, ok := asInt(x)
				if !ok {
					return nil, ValidationErrorf("Invalid id %s in command 6 on %s", describe(x), f.Name)
				}
				cmd.ids = append(cmd.ids, n)
			}
		}
		if (op == 1 || op == 2 || op == 3 || op == 4) && cmd.id <= 0 {
			return nil, ValidationErrorf("Command %d on %s needs a record id", op, f.Name)
		}
		out = append(out, cmd)
	}
	if bare != nil {
		out = append(out, x2manyCommand{op: 6, ids: bare})
	}
	return out, nil
}

// checkVals converts input values, refusing unknown and readonly fields.
func (e *Env) checkVals(m *Model, vals Values, creating bool) (Values, map[string][]x2manyCommand, error) {
	out := Values{}
	cmds := map[string][]x2manyCommand{}
	for k, v := range vals {
		f := m.Field(k)
		if f == nil {
			return nil, nil, ValidationErrorf("Invalid field %q on model %q", k, m.Name)
		}
		if err := e.checkFieldGroups(f); err != nil {
			return nil, nil, err
		}
		switch k {
		case "id", "create_uid", "create_date", "write_uid", "display_name":
			continue // silently ignored, as Odoo does for magic fields
		case "write_date":
			continue // handled by the concurrency check
		}
		if f.IsX2Many() {
			c, err := parseCommands(f, v)
			if err != nil {
				return nil, nil, err
			}
			cmds[k] = c
			continue
		}
		if !f.Stored() {
			if f.Related != "" || f.Compute != nil {
				continue // not writable: ignored like Odoo's readonly computed fields
			}
			return nil, nil, ValidationErrorf("Field %s.%s cannot be written", m.Name, k)
		}
		c, err := f.Convert(v)
		if err != nil {
			return nil, nil, err
		}
		out[k] = c
	}
	return out, cmds, nil
}

func (e *Env) checkRequired(m *Model, rec Values) error {
	for _, f := range m.Fields() {
		if !f.Required || !f.Stored() {
			continue
		}
		if v, ok := rec[f.Name]; !ok || v == nil || v == "" {
			return ValidationErrorf("The field %q (%s) is required on %s.", f.String, f.Name, m.Description)
		}
	}
	return nil
}

// checkTargets makes sure many2one values point at existing records.
func (e *Env) checkTargets(m *Model, vals Values) error {
	for k, v := range vals {
		f := m.Field(k)
		id, ok := v.(int64)
		if f.Type != Many2one || !ok {
			continue
		}
		co := e.Reg.Model(f.Relation)
		ok, err := e.exists(co, id)
		if err != nil {
			return wrapErr("check "+k, err)
		}
		if !ok {
			return ValidationErrorf("Invalid value for %s: record %s(%d) does not exist", k, co.Name, id)
		}
	}
	return nil
}

// exists tells whether a record of m has the id, archived or not and
// whatever the rules (the existence check of a link). A record found is
// remembered for the transaction; one not found is asked again, since
// code may insert rows without the ORM.
func (e *Env) exists(m *Model, id int64) (bool, error) {
	k := e.memoKey("exists:" + m.Name + ":" + strconv.FormatInt(id, 10))
	if _, ok := e.memoGet(k); ok {
		return true, nil
	}
	var n int64
	if err := e.QueryRow("SELECT count(*) FROM "+quoteTable(m)+" WHERE id = ?", id).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		e.memoPut(k, []string{m.Name}, true)
	}
	return n > 0, nil
}

// Create inserts records and returns their ids.
//
// Every record is checked and completed first (defaults, BeforeCreate
// hooks, stored computes, required fields, links), then inserted, then
// given its x2many commands and AfterCreate hooks, in the order given. A
// model with BulkCreate inserts consecutive records with the same columns
// in multi-row INSERT statements, as Odoo's create of many records does:
// its BeforeCreate hooks then run for the whole batch before the first
// insert, so they must not depend on the other records of the batch.
func (e *Env) Create(m *Model, valsList []Values) ([]int64, error) {
	if err := e.CheckAccess(m, PermCreate); err != nil {
		return nil, err
	}
	var ids []int64
	var err error
	if m.BulkCreate && len(valsList) > 1 {
		ids, err = e.createBulk(m, valsList)
	} else {
		ids = make([]int64, 0, len(valsList))
		for _, in := range valsList {
			id, err := e.createOne(m, in)
			if err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
	}
	if err != nil {
		return nil, err
	}
	if err := e.checkCreated(m, ids); err != nil {
		return nil, err
	}
	e.st.changed[m.Name] = true
	e.touch(m.Name)
	return ids, nil
}

func (e *Env) createOne(m *Model, in Values) (int64, error) {
	vals, cmds, err := e.prepareCreate(m, in)
	if err != nil {
		return 0, err
	}
	if err := e.completeCreate(m, []Values{vals}); err != nil {
		return 0, err
	}
	names := insertColumns(m, vals)
	cols := make([]string, len(names))
	ph := make([]string, len(names))
	args := make([]any, len(names))
	for i, n := range names {
		cols[i] = quoteIdent(n)
		ph[i] = "?"
		args[i] = m.Field(n).Param(e.Dialect, vals[n])
	}
	id, err := e.InsertID("INSERT INTO "+quoteTable(m)+" ("+strings.Join(cols, ", ")+") VALUES ("+strings.Join(ph, ", ")+")", args...)
	if err != nil {
		return 0, e.dbError(m, err)
	}
	e.touch(m.Name)
	if err := e.finishCreate(m, []int64{id}, []Values{vals}, []map[string][]x2manyCommand{cmds}); err != nil {
		return 0, err
	}
	return id, nil
}

// prepareCreate converts the values of a new record and adds the
// defaults and what the BeforeCreate hooks set.
func (e *Env) prepareCreate(m *Model, in Values) (Values, map[string][]x2manyCommand, error) {
	vals, cmds, err := e.checkVals(m, in, true)
	if err != nil {
		return nil, nil, err
	}
	// Defaults: context default_<field>, then the field's default.
	ctxDefaults := false
	for k := range e.Context {
		if strings.HasPrefix(k, "default_") {
			ctxDefaults = true
			break
		}
	}
	for _, f := range m.Fields() {
		if _, set := in[f.Name]; set || !f.Stored() {
			continue
		}
		if ctxDefaults {
			if dv, ok := e.Context["default_"+f.Name]; ok {
				c, err := f.Convert(dv)
				if err != nil {
					return nil, nil, err
				}
				vals[f.Name] = c
				continue
			}
		}
		if f.Default != nil {
			c, err := f.Convert(f.Default(e))
			if err != nil {
				return nil, nil, fmt.Errorf("orm: default of %s.%s: %w", m.Name, f.Name, err)
			}
			if c != nil {
				vals[f.Name] = c
			}
		}
	}
	for _, h := range m.Hooks {
		if h.BeforeCreate != nil {
			if err := h.BeforeCreate(e, vals); err != nil {
				return nil, nil, err
			}
		}
	}
	return vals, cmds, nil
}

// completeCreate computes the stored fields of new records (all at once,
// so a compute may batch its work) and checks them.
func (e *Env) completeCreate(m *Model, recs []Values) error {
	if err := e.computeStored(m, recs, nil); err != nil {
		return err
	}
	for _, vals := range recs {
		if err := e.checkRequired(m, vals); err != nil {
			return err
		}
		if err := e.checkTargets(m, vals); err != nil {
			return err
		}
		vals["create_uid"], vals["write_uid"] = e.UID, e.UID
		vals["create_date"], vals["write_date"] = e.Now, e.Now
	}
	return nil
}

// insertColumns are the stored columns a record's values fill, sorted.
func insertColumns(m *Model, vals Values) []string {
	names := make([]string, 0, len(vals))
	for k := range vals {
		if isColumn(m, k) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return names
}

// isColumn tells whether a value named k goes into a column of an INSERT.
func isColumn(m *Model, k string) bool {
	f := m.Field(k)
	return f != nil && f.Stored() && k != "id"
}

// fillsColumns tells whether vals fill exactly the stored columns names
// (as insertColumns gives them), without sorting: a bulk create asks it of
// every record (sorting each record's names cost 4% of a large import).
func fillsColumns(m *Model, vals Values, names []string) bool {
	n := 0
	for k := range vals {
		if isColumn(m, k) {
			n++
		}
	}
	if n != len(names) {
		return false
	}
	for _, k := range names {
		if _, ok := vals[k]; !ok {
			return false
		}
	}
	return true
}

// finishCreate runs the x2many commands and the AfterCreate hooks of
// records just inserted.
func (e *Env) finishCreate(m *Model, ids []int64, recs []Values, cmds []map[string][]x2manyCommand) error {
	if len(ids) > 1 {
		if err := e.linkNew(m, ids, cmds); err != nil {
			return err
		}
	}
	for i, id := range ids {
		if err := e.applyCommands(m, id, cmds[i]); err != nil {
			return err
		}
	}
	for _, h := range m.Hooks {
		switch {
		case h.AfterCreateMany != nil:
			if err := h.AfterCreateMany(e, ids, recs); err != nil {
				return err
			}
		case h.AfterCreate != nil:
			for i, id := range ids {
				if err := h.AfterCreate(e, id, recs[i]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// maxInsertParams bounds the parameters of one INSERT (SQLite allows
// 32,766, PostgreSQL 65,535).
const maxInsertParams = 30000

// createBulk creates records with multi-row INSERT statements.
func (e *Env) createBulk(m *Model, valsList []Values) ([]int64, error) {
	recs := make([]Values, len(valsList))
	cmds := make([]map[string][]x2manyCommand, len(valsList))
	for i, in := range valsList {
		var err error
		if recs[i], cmds[i], err = e.prepareCreate(m, in); err != nil {
			return nil, err
		}
	}
	if err := e.completeCreate(m, recs); err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(recs))
	for i := 0; i < len(recs); {
		names := insertColumns(m, recs[i])
		j := i + 1
		for j < len(recs) && (j-i+1)*len(names) <= maxInsertParams && fillsColumns(m, recs[j], names) {
			j++
		}
		got, err := e.insertRows(m, names, recs[i:j])
		if err != nil {
			return nil, err
		}
		ids = append(ids, got...)
		i = j
	}
	e.touch(m.Name)
	if err := e.finishCreate(m, ids, recs, cmds); err != nil {
		return nil, err
	}
	return ids, nil
}

// insertRows inserts records with the same columns in one statement and
// returns their ids in the order of recs: ids come from the table's
// sequence (PostgreSQL) or rowid (SQLite), both increasing in the order
// the VALUES rows are inserted.
func (e *Env) insertRows(m *Model, names []string, recs []Values) ([]int64, error) {
	if e.canCopy(len(recs)) {
		return e.copyNew(m, names, recs)
	}
	cols := make([]string, len(names))
	for i, n := range names {
		cols[i] = quoteIdent(n)
	}
	row := "(" + strings.Repeat("?, ", len(names)-1) + "?)"
	var b strings.Builder
	b.WriteString("INSERT INTO " + quoteTable(m) + " (" + strings.Join(cols, ", ") + ") VALUES ")
	args := make([]any, 0, len(names)*len(recs))
	for i, rec := range recs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
		for _, n := range names {
			args = append(args, m.Field(n).Param(e.Dialect, rec[n]))
		}
	}
	b.WriteString(" RETURNING id")
	// the ids are read at once, so the statement may be the transaction's
	// cached one (batches of the same size and columns repeat it)
	var rows *sql.Rows
	var err error
	if st := e.stmt(b.String()); st != nil {
		e.st.queries++
		if e.slow > 0 {
			defer e.timeQuery(b.String(), args, time.Now())
		}
		rows, err = st.QueryContext(e.Ctx, args...)
	} else {
		rows, err = e.Query(b.String(), args...)
	}
	if err != nil {
		return nil, e.dbError(m, err)
	}
	ids, err := ScanIDs(rows)
	if err != nil {
		return nil, e.dbError(m, err)
	}
	if len(ids) != len(recs) {
		return nil, fmt.Errorf("orm: insert into %s returned %d ids for %d records", m.Table, len(ids), len(recs))
	}
	slices.Sort(ids)
	return ids, nil
}

// copyNew inserts records with the same columns by COPY, with ids taken
// from the table's sequence first, and returns the ids in the order of
// recs.
func (e *Env) copyNew(m *Model, names []string, recs []Values) ([]int64, error) {
	ids, err := e.nextIDs(m.Table, len(recs))
	if err != nil {
		return nil, err
	}
	fields := make([]*Field, len(names))
	for i, n := range names {
		fields[i] = m.Field(n)
	}
	rows := make([][]any, len(recs))
	for i, rec := range recs {
		row := make([]any, 0, len(names)+1)
		row = append(row, ids[i])
		for j, n := range names {
			row = append(row, fields[j].Param(e.Dialect, rec[n]))
		}
		rows[i] = row
	}
	if err := e.copyRows(m.Table, append([]string{"id"}, names...), rows); err != nil {
		return nil, e.dbError(m, err)
	}
	return ids, nil
}

// dbError turns constraint violations into validation errors.
func (e *Env) dbError(m *Model, err error) error {
	s := err.Error()
	for _, k := range []string{"UNIQUE constraint", "duplicate key", "FOREIGN KEY constraint", "violates foreign key", "CHECK constraint", "violates check constraint", "NOT NULL constraint", "violates not-null"} {
		if strings.Contains(s, k) {
			return &Error{Kind: KindValidation, Msg: "The operation cannot be completed: " + constraintMessage(s) + " (" + m.Name + ")", Err: err}
		}
	}
	return err
}

func constraintMessage(s string) string {
	switch {
	case strings.Contains(s, "UNIQUE") || strings.Contains(s, "duplicate key"):
		return "a record with the same unique value already exists"
	case strings.Contains(s, "FOREIGN KEY") || strings.Contains(s, "foreign key"):
		return "another record refers to this one, or the linked record does not exist"
	case strings.Contains(s, "CHECK") || strings.Contains(s, "check constraint"):
		return "a value is out of its allowed range"
	}
	return "a required value is missing"
}

// applyCommands runs x2many commands for record id.
func (e *Env) applyCommands(m *Model, id int64, cmds map[string][]x2manyCommand) error {
	for _, name := range slices.Sorted(maps.Keys(cmds)) {
		f := m.Field(name)
		co := e.Reg.Model(f.Relation)
		for _, c := range cmds[name] {
			var err error
			switch c.op {
			case 0:
				vals := Values{}
				for k, v := range c.vals {
					vals[k] = v
				}
				if f.Type == One2many {
					vals[f.InverseName] = id
				}
				var nids []int64
				nids, err = e.Create(co, []Values{vals})
				if err == nil && f.Type == Many2many {
					err = e.link(f, id, nids)
				}
			case 1:
				err = e.Write(co, []int64{c.id}, c.vals)
			case 2:
				err = e.Unlink(co, []int64{c.id})
			case 3:
				if f.Type == Many2many {
					_, err = e.Exec("DELETE FROM "+quoteIdent(f.RelTable)+" WHERE "+quoteIdent(f.Column1)+" = ? AND "+quoteIdent(f.Column2)+" = ?", id, c.id)
				} else {
					err = e.Write(co, []int64{c.id}, Values{f.InverseName: false})
				}
			case 4:
				if f.Type == Many2many {
					err = e.link(f, id, []int64{c.id})
				} else {
					err = e.Write(co, []int64{c.id}, Values{f.InverseName: id})
				}
			case 5, 6:
				if f.Type == Many2many {
					_, err = e.Exec("DELETE FROM "+quoteIdent(f.RelTable)+" WHERE "+quoteIdent(f.Column1)+" = ?", id)
					if err == nil && c.op == 6 {
						err = e.link(f, id, c.ids)
					}
				} else {
					var cur []int64
					cur, err = e.Sudo().Search(co, And{Leaf{Path: f.InverseName, Op: "=", Value: id}}, SearchOpts{})
					keep := map[int64]bool{}
					for _, k := range c.ids {
						keep[k] = true
					}
					var drop []int64
					for _, k := range cur {
						if !keep[k] {
							drop = append(drop, k)
						}
					}
					if err == nil && len(drop) > 0 {
						err = e.Write(co, drop, Values{f.InverseName: false})
					}
					if err == nil && len(c.ids) > 0 {
						err = e.Write(co, c.ids, Values{f.InverseName: id})
					}
				}
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// linkNew links new records to the records their many2many fields name
// by id (commands 4 and 6, and 5, which clears nothing on a new record),
// all records and targets of a field in a few statements, and takes those
// commands out of cmds.
func (e *Env) linkNew(m *Model, ids []int64, cmds []map[string][]x2manyCommand) error {
	pairs := map[string][][2]int64{}
	for i, id := range ids {
		for name, cs := range cmds[i] {
			f := m.Field(name)
			if f.Type != Many2many {
				continue
			}
			plain := true
			for _, c := range cs {
				if c.op != 4 && c.op != 5 && c.op != 6 {
					plain = false
				}
			}
			if !plain {
				continue
			}
			var targets []int64
			for _, c := range cs {
				switch c.op {
				case 4:
					targets = append(targets, c.id)
				case 5:
					targets = targets[:0]
				case 6:
					targets = append(targets[:0], c.ids...)
				}
			}
			for _, t := range uniqueIDs(targets) {
				pairs[name] = append(pairs[name], [2]int64{id, t})
			}
			delete(cmds[i], name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(pairs)) {
		f := m.Field(name)
		co := e.Reg.Model(f.Relation)
		ps := pairs[name]
		for _, p := range ps {
			ok, err := e.exists(co, p[1])
			if err != nil {
				return wrapErr("link "+f.Name, err)
			}
			if !ok {
				return ValidationErrorf("Invalid value for %s: record %s(%d) does not exist", f.Name, co.Name, p[1])
			}
		}
		if e.canCopy(len(ps)) && !sharesRelTable(m, f, pairs) {
			// the records are new and the pairs distinct: nothing to
			// skip as ON CONFLICT would
			rows := make([][]any, len(ps))
			for i, p := range ps {
				rows[i] = []any{p[0], p[1]}
			}
			if err := e.copyRows(f.RelTable, []string{f.Column1, f.Column2}, rows); err != nil {
				return err
			}
			continue
		}
		const perStatement = 1000
		for start := 0; start < len(ps); start += perStatement {
			end := min(start+perStatement, len(ps))
			var b strings.Builder
			b.WriteString("INSERT INTO " + quoteIdent(f.RelTable) + " (" + quoteIdent(f.Column1) + ", " + quoteIdent(f.Column2) + ") VALUES ")
			args := make([]any, 0, 2*(end-start))
			for i, p := range ps[start:end] {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("(?, ?)")
				args = append(args, p[0], p[1])
			}
			b.WriteString(" ON CONFLICT DO NOTHING")
			if _, err := e.Exec(b.String(), args...); err != nil {
				return err
			}
		}
	}
	return nil
}

// sharesRelTable tells whether another field linked in pairs keeps its
// links in f's table.
func sharesRelTable(m *Model, f *Field, pairs map[string][][2]int64) bool {
	for name := range pairs {
		if g := m.Field(name); g != f && g.RelTable == f.RelTable {
			return true
		}
	}
	return false
}

func (e *Env) link(f *Field, id int64, targets []int64) error {
	co := e.Reg.Model(f.Relation)
	for _, t := range uniqueIDs(targets) {
		ok, err := e.exists(co, t)
		if err != nil {
			return wrapErr("link "+f.Name, err)
		}
		if !ok {
			return ValidationErrorf("Invalid value for %s: record %s(%d) does not exist", f.Name, co.Name, t)
		}
		if e.Dialect.String() == "postgres" {
			_, err := e.Exec("INSERT INTO "+quoteIdent(f.RelTable)+" ("+quoteIdent(f.Column1)+", "+quoteIdent(f.Column2)+") VALUES (?, ?) ON CONFLICT DO NOTHING", id, t)
			if err != nil {
				return err
			}
			continue
		}
		if _, err := e.Exec("INSERT OR IGNORE INTO "+quoteIdent(f.RelTable)+" ("+quoteIdent(f.Column1)+", "+quoteIdent(f.Column2)+") VALUES (?, ?)", id, t); err != nil {
			return err
		}
	}
	return nil
}

// computeStored fills stored computed fields of recs. When changed is
// nil (create) every one is computed; otherwise only those depending on a
// changed field.
func (e *Env) computeStored(m *Model, recs []Values, changed Values) error {
	for _, f := range m.Fields() {
		if f.Compute == nil || !f.Stored() {
			continue
		}
		if changed != nil {
			hit := false
			for _, d := range f.Depends {
				if _, ok := changed[d]; ok {
					hit = true
					break
				}
			}
			if !hit {
				continue
			}
		}
		if err := f.Compute(e, recs); err != nil {
			return err
		}
	}
	return nil
}

// Write updates records. When vals carries "write_date" (as the client
// read it), a record changed since gives a ConcurrencyError instead of
// overwriting a colleague's change.
func (e *Env) Write(m *Model, ids []int64, in Values) error {
	if len(ids) == 0 {
		return nil
	}
	if err := e.CheckAccess(m, PermWrite); err != nil {
		return err
	}
	if err := e.CheckRecords(m, ids, PermWrite); err != nil {
		return err
	}
	vals, cmds, err := e.checkVals(m, in, false)
	if err != nil {
		return err
	}
	// Current values: for the hooks, tracking, computes and the
	// concurrency check.
	var stored []string
	for _, f := range m.Fields() {
		if f.Stored() {
			stored = append(stored, f.Name)
		}
	}
	old, err := e.readRaw(m, ids, stored)
	if err != nil {
		return err
	}
	if wd, ok := in["write_date"]; ok && wd != nil && wd != false {
		if err := checkWriteDate(m, old, wd); err != nil {
			return err
		}
	}
	for _, h := range m.Hooks {
		if h.BeforeWrite != nil {
			if err := h.BeforeWrite(e, old, vals); err != nil {
				return err
			}
		}
	}
	if err := e.checkTargets(m, vals); err != nil {
		return err
	}
	// Per record: merge, adjust, compute, check, update.
	for _, o := range old {
		rec := Values{}
		for k, v := range o {
			rec[k] = v
		}
		for k, v := range vals {
			rec[k] = v
		}
		for _, h := range m.Hooks {
			if h.BeforeWriteRecord != nil {
				if err := h.BeforeWriteRecord(e, o, rec, vals); err != nil {
					return err
				}
			}
		}
		changed := Values{}
		for k := range vals {
			changed[k] = true
		}
		for k, v := range rec {
			if changedValue(o[k], v) {
				changed[k] = true
			}
		}
		if err := e.computeStored(m, []Values{rec}, changed); err != nil {
			return err
		}
		if err := e.checkRequired(m, rec); err != nil {
			return err
		}
		var sets []string
		var args []any
		for _, f := range m.Fields() {
			if !f.Stored() || f.Name == "id" || f.Name == "create_uid" || f.Name == "create_date" {
				continue
			}
			_, inVals := vals[f.Name]
			if !inVals && !changedValue(o[f.Name], rec[f.Name]) {
				continue
			}
			if f.Name == "write_uid" || f.Name == "write_date" {
				continue
			}
			sets = append(sets, quoteIdent(f.Name)+" = ?")
			args = append(args, f.Param(e.Dialect, rec[f.Name]))
		}
		sets = append(sets, quoteIdent("write_uid")+" = ?", quoteIdent("write_date")+" = ?")
		args = append(args, e.UID, e.Dialect.TimeParam(nextWriteDate(o["write_date"], e.Now)), o["id"])
		if _, err := e.Exec("UPDATE "+quoteTable(m)+" SET "+strings.Join(sets, ", ")+" WHERE id = ?", args...); err != nil {
			return e.dbError(m, err)
		}
		e.touch(m.Name)
		if tracked := e.trackedFields(m, o, rec); len(tracked) > 0 {
			if err := e.track(m, o, rec, tracked); err != nil {
				return err
			}
		}
	}
	for _, id := range ids {
		if err := e.applyCommands(m, id, cmds); err != nil {
			return err
		}
	}
	for _, h := range m.Hooks {
		if h.AfterWrite != nil {
			if err := h.AfterWrite(e, ids, vals); err != nil {
				return err
			}
		}
	}
	e.st.changed[m.Name] = true
	e.touch(m.Name)
	return nil
}

// nextWriteDate is the write_date of a record written now: clients see
// write_date to the second, so a write in the same second as the previous
// one moves it to the next second, keeping every change visible to the
// concurrency check.
func nextWriteDate(old any, now time.Time) time.Time {
	prev, ok := old.(time.Time)
	if !ok {
		return now
	}
	if floor := prev.Truncate(time.Second).Add(time.Second); now.Before(floor) {
		return floor
	}
	return now
}

func changedValue(a, b any) bool {
	switch x := a.(type) {
	case time.Time:
		y, ok := b.(time.Time)
		return !ok || !x.Equal(y)
	case []byte:
		y, ok := b.([]byte)
		return !ok || string(x) != string(y)
	}
	return a != b
}

// checkWriteDate compares the write_date a client read with the stored
// one. A client sending seconds (Odoo's format) is compared at that
// precision; the web client sends microseconds.
func checkWriteDate(m *Model, old []Values, wd any) error {
	s, ok := wd.(string)
	if !ok {
		return ValidationErrorf("write_date must be a datetime string")
	}
	sent, err := ParseDatetime(s)
	if err != nil {
		return ValidationErrorf("Invalid write_date: %s", err)
	}
	precise := strings.Contains(s, ".")
	for _, o := range old {
		cur, _ := o["write_date"].(time.Time)
		if !precise {
			cur = cur.Truncate(time.Second)
		}
		if !cur.Equal(sent) {
			return &Error{Kind: KindConflict, Msg: fmt.Sprintf(
				"This record was modified by someone else since you read it (%s,%d: you read the version of %s, it was changed at %s). Reload it and apply your change again.",
				m.Name, o["id"], sent.Format("2006-01-02 15:04:05"), cur.Format("2006-01-02 15:04:05"))}
		}
	}
	return nil
}

// Unlink deletes records.
func (e *Env) Unlink(m *Model, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if err := e.CheckAccess(m, PermUnlink); err != nil {
		return err
	}
	if err := e.CheckRecords(m, ids, PermUnlink); err != nil {
		return err
	}
	for _, h := range m.Hooks {
		if h.BeforeUnlink != nil {
			if err := h.BeforeUnlink(e, ids); err != nil {
				return err
			}
		}
	}
	q := &sqlq{env: e}
	if _, err := e.Exec("DELETE FROM "+quoteTable(m)+" WHERE id IN ("+inList(q, ids)+")", q.args...); err != nil {
		return e.dbError(m, err)
	}
	e.touch(m.Name)
	q = &sqlq{env: e}
	args := append([]any{m.Name}, anyIDs(ids)...)
	ph := make([]string, len(ids))
	for i := range ph {
		ph[i] = "?"
	}
	if _, err := e.Exec("DELETE FROM mail_message WHERE model = ? AND res_id IN ("+strings.Join(ph, ", ")+")", args...); err != nil {
		return err
	}
	e.st.changed[m.Name] = true
	e.touch(m.Name)
	return nil
}

func anyIDs(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// Copy duplicates a record with default overrides.
func (e *Env) Copy(m *Model, id int64, defaults Values) (int64, error) {
	if err := e.CheckRecords(m, []int64{id}, PermRead); err != nil {
		return 0, err
	}
	var names []string
	for _, f := range m.Fields() {
		if f.Copied() && f.Type != One2many {
			names = append(names, f.Name)
		}
	}
	recs, err := e.ReadValues(m, []int64{id}, names)
	if err != nil {
		return 0, err
	}
	vals := Values{}
	for k, v := range recs[0] {
		f := m.Field(k)
		if f == nil || k == "id" || !f.Copied() || v == nil {
			continue
		}
		switch x := v.(type) {
		case []int64:
			vals[k] = []any{[]any{int64(6), int64(0), anyIDs(x)}}
		case time.Time:
			vals[k] = x.Format("2006-01-02 15:04:05.000000")
		case []byte:
			vals[k] = x
		default:
			vals[k] = v
		}
	}
	nameField := m.RecName
	if f := m.Field("name"); f != nil && f.Type == Char && f.Stored() {
		nameField = "name"
	}
	if rn := m.Field(nameField); rn != nil && rn.Type == Char && rn.Compute == nil {
		if s, ok := vals[nameField].(string); ok {
			vals[nameField] = s + " (copy)"
		}
	}
	for k, v := range defaults {
		vals[k] = v
	}
	ids, err := e.Create(m, []Values{vals})
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}
