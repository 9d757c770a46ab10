package imex

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/i18n"
	"github.com/kanso-crm/kanso/internal/orm"
)

// convert turns the text of a target into an ORM input value: nil for an
// empty cell (errEmpty when the column is an id column), numbers, dates
// (YYYY-MM-DD), datetimes (UTC time.Time), booleans, selection keys,
// record ids for many2one and a replace command for many2many.
func (im *importer) convert(t *target, raw string) (any, error) {
	f := t.field
	if raw == "" {
		if t.kind != kValue {
			return nil, errEmpty
		}
		return nil, nil
	}
	excel := im.src.Kind() == "xlsx"
	switch t.kind {
	case kXID, kDBID:
		co := im.env.Reg.Model(f.Relation)
		var ids []int64
		for _, part := range splitList(raw, f.Type == orm.Many2many) {
			id, err := im.res2.byID(co, part, t.kind == kXID)
			if err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return relValue(f, ids), nil
	}
	switch f.Type {
	case orm.Char, orm.Text, orm.HTML:
		if excel {
			raw = tidyExcelNumber(raw)
		}
		return raw, nil
	case orm.Integer:
		n, err := parseNumber(raw, im.o.Lang, excel)
		if err != nil {
			return nil, err
		}
		if n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			return nil, errorf(i18n.N("%q is not a whole number"), raw)
		}
		return int64(n), nil
	case orm.Float, orm.Monetary:
		n, err := parseNumber(raw, im.o.Lang, excel)
		if err != nil {
			return nil, err
		}
		if t.percent01 && n <= 1 && n >= 0 && !strings.Contains(raw, "%") {
			n = math.Round(n*100*1e6) / 1e6
		}
		return n, nil
	case orm.Boolean:
		return parseBool(raw)
	case orm.Date:
		return parseDate(raw, im.o.Lang, excel, im.date1904())
	case orm.Datetime:
		return parseDatetime(raw, im.o.Lang, im.loc, excel, im.date1904())
	case orm.Selection:
		return matchSelection(f, raw)
	case orm.Many2one, orm.Many2many:
		co := im.env.Reg.Model(f.Relation)
		var ids []int64
		for _, part := range splitList(raw, f.Type == orm.Many2many) {
			id, err := im.res2.byName(co, f, part)
			if err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
		return relValue(f, ids), nil
	}
	return nil, errorf(i18n.N("fields of type %s cannot be imported"), f.Type)
}

func (im *importer) date1904() bool {
	if x, ok := im.src.(*xlsxSource); ok {
		return x.date1904
	}
	return false
}

// splitList splits a many2many cell on commas (Odoo's export) or
// semicolons (HubSpot's multiple values).
func splitList(raw string, many bool) []string {
	if !many {
		return []string{raw}
	}
	sep := ","
	if strings.Contains(raw, ";") && !strings.Contains(raw, ",") {
		sep = ";"
	}
	var out []string
	seen := map[string]bool{}
	for _, p := range strings.Split(raw, sep) {
		p = strings.TrimSpace(p)
		if p != "" && !seen[strings.ToLower(p)] {
			seen[strings.ToLower(p)] = true
			out = append(out, p)
		}
	}
	return out
}

func relValue(f *orm.Field, ids []int64) any {
	if f.Type == orm.Many2one {
		if len(ids) == 0 {
			return nil
		}
		return ids[0]
	}
	list := make([]any, len(ids))
	for i, id := range ids {
		list[i] = id
	}
	return []any{[]any{int64(6), int64(0), list}}
}

// tidyExcelNumber shortens the raw text of a numeric cell imported into a
// text field when the spreadsheet's binary float shows
// (3.2999999999999998 → 3.3).
func tidyExcelNumber(s string) string {
	if len(s) < 16 || !plainNumber.MatchString(s) || !strings.ContainsAny(s, ".eE") {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	if short := strconv.FormatFloat(f, 'f', -1, 64); len(short) < len(s) && !strings.ContainsAny(s, "eE") {
		return short
	}
	return s
}

// keyString is a row's update key as text, for spotting rows of the file
// that name the same record.
func keyString(f *orm.Field, v any) string {
	if f.Name == "email_from" || f.Name == "email" {
		s, _ := v.(string)
		return base.NormalizeEmail(s)
	}
	return fmt.Sprint(v)
}

// findByKey searches the records matching the UpdateBy field (archived
// ones included): e-mails compare normalized, other values exactly.
func (im *importer) findByKey(v any) (int64, int, error) {
	f := im.keyField
	path, val := f.Name, v
	if (f.Name == "email_from" || f.Name == "email") && im.m.Field("email_normalized") != nil {
		s, _ := v.(string)
		path, val = "email_normalized", base.NormalizeEmail(s)
		if val == "" {
			path, val = f.Name, v
		}
	}
	env := im.env.WithContext(map[string]any{"active_test": false})
	ids, err := env.Search(im.m, orm.Leaf{Path: path, Op: "=", Value: val}, orm.SearchOpts{Limit: 2})
	if err != nil {
		return 0, 0, err
	}
	if len(ids) == 1 {
		return ids[0], 1, nil
	}
	return 0, len(ids), nil
}

// diff returns the values of a matched row that differ from the stored
// record.
func (im *importer) diff(j *job) (orm.Values, error) {
	names := make([]string, 0, len(j.vals))
	for k := range j.vals {
		names = append(names, k)
	}
	sort.Strings(names)
	cur, err := im.env.ReadValues(im.m, []int64{j.matchID}, names)
	if err != nil {
		return nil, err
	}
	if len(cur) == 0 {
		return nil, orm.MissingErrorf("Record %s(%d) does not exist", im.m.Name, j.matchID)
	}
	out := orm.Values{}
	for _, n := range names {
		f := im.m.Field(n)
		if !sameValue(f, cur[0][n], j.vals[n]) {
			out[n] = j.vals[n]
		}
	}
	return out, nil
}

// sameValue compares a stored canonical value with an import value, unset
// values equal to empty ones, floats within rounding, datetimes to the
// precision given.
func sameValue(f *orm.Field, cur, v any) bool {
	if f.Type == orm.Many2many {
		var want []int64
		if cmds, ok := v.([]any); ok && len(cmds) == 1 {
			if c, ok := cmds[0].([]any); ok && len(c) == 3 {
				for _, x := range c[2].([]any) {
					want = append(want, x.(int64))
				}
			}
		}
		have, _ := cur.([]int64)
		if len(have) != len(want) {
			return false
		}
		set := map[int64]bool{}
		for _, x := range have {
			set[x] = true
		}
		for _, x := range want {
			if !set[x] {
				return false
			}
		}
		return true
	}
	nv, err := f.Convert(v)
	if err != nil {
		return false
	}
	empty := func(x any) bool {
		switch y := x.(type) {
		case nil:
			return true
		case string:
			return y == ""
		case bool:
			return !y
		case int64:
			return y == 0
		case float64:
			return y == 0
		}
		return false
	}
	if empty(cur) && empty(nv) {
		return true
	}
	switch a := cur.(type) {
	case float64:
		b, ok := nv.(float64)
		return ok && math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(a))
	case time.Time:
		b, ok := nv.(time.Time)
		if !ok {
			return false
		}
		if b.Nanosecond() == 0 {
			a = a.Truncate(time.Second)
		}
		return a.Equal(b)
	}
	return cur == nv
}
