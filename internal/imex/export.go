package imex

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/kanso-crm/kanso/internal/i18n"
	"github.com/kanso-crm/kanso/internal/orm"
)

// ExportOptions control an export.
type ExportOptions struct {
	Model string
	// IDs exports these records, in this order (an AccessError or
	// MissingError names any the user may not read); otherwise Domain
	// (the list form, e.g. decoded JSON, or an orm.Domain) selects them,
	// in id order, with the user's record rules applied.
	IDs    []int64
	Domain any
	// Fields are the columns: field names or paths through many2one
	// fields written with "/" or "." ("partner_id/country_id/name");
	// "id" is the external id (module.name, or __export__.<table>_<id>
	// for a record without one, which the importer understands), ".id"
	// the database id, "partner_id/id" the related record's external id.
	// Many2one values are display names; x2many values the display names
	// joined with commas. Empty: "id" and every importable field.
	Fields []string
	Format string // "csv" (default) or "xlsx"
	// Labels writes the fields' labels (in Lang) as headers and
	// selection labels as values, for people; otherwise headers are the
	// technical paths and selections their keys, ready to import again.
	Labels bool
	Lang   string // "" : the user's
	// Delimiter of CSV (default ',').
	Delimiter rune
	// BatchSize is the number of records read at a time (2000).
	BatchSize int
	// Progress is called after each batch with the rows written and the
	// total.
	Progress func(done, total int)
}

// exportCol is one output column.
type exportCol struct {
	header string
	parts  []string // field names; the last may be "id" or ".id"
}

// values of an export cell, typed for XLSX
type (
	xDate     string    // YYYY-MM-DD
	xDatetime time.Time // in the user's zone
)

// Export writes the records to w and returns the number of rows written
// (the header excluded). It runs as uid in one read transaction, so the
// ORM applies the user's rights and record rules and every batch sees the
// same data.
func Export(ctx context.Context, r *orm.Runner, uid int64, w io.Writer, o ExportOptions) (int, error) {
	m := r.Reg.Model(o.Model)
	if m == nil {
		return 0, fmt.Errorf("unknown model %q", o.Model)
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 2000
	}
	if o.Format == "" {
		o.Format = "csv"
	}
	if o.Format != "csv" && o.Format != "xlsx" {
		return 0, fmt.Errorf("unknown export format %q (csv or xlsx)", o.Format)
	}
	var dom orm.Domain = orm.And{}
	switch d := o.Domain.(type) {
	case nil:
	case orm.Domain:
		dom = d
	default:
		var err error
		if dom, err = orm.ParseDomain(orm.Normalize(d)); err != nil {
			return 0, err
		}
	}
	if len(o.Fields) == 0 {
		o.Fields = []string{"id"}
		for _, f := range ImportableFields(m) {
			o.Fields = append(o.Fields, f.Name)
		}
	}
	var ctxv map[string]any
	if o.Lang != "" {
		ctxv = map[string]any{"lang": o.Lang}
	}
	n := 0
	err := r.Run(ctx, uid, ctxv, false, func(env *orm.Env) error {
		x := &exporter{env: env, o: o, m: m, lang: env.Lang(), loc: time.UTC}
		if u, err := env.User(); err == nil {
			if l, err := time.LoadLocation(u.TZ); err == nil {
				x.loc = l
			}
		}
		cols, err := x.columns()
		if err != nil {
			return err
		}
		var out rowWriter
		if o.Format == "xlsx" {
			out, err = newXLSXWriter(w, m)
		} else {
			d := o.Delimiter
			if d == 0 {
				d = ','
			}
			out = newCSVWriter(w, d)
		}
		if err != nil {
			return err
		}
		hdr := make([]any, len(cols))
		for i, c := range cols {
			hdr[i] = c.header
		}
		if err := out.header(hdr); err != nil {
			return err
		}
		n, err = x.rows(ctx, dom, cols, out)
		if err != nil {
			out.abort()
			return err
		}
		return out.close()
	})
	return n, err
}

type exporter struct {
	env  *orm.Env
	o    ExportOptions
	m    *orm.Model
	lang string
	loc  *time.Location
}

// splitPath splits "partner_id/country_id/name" or
// "partner_id.country_id.name"; ".id" stays a part.
func splitPath(p string) []string {
	p = strings.TrimSpace(p)
	if p == ".id" {
		return []string{".id"}
	}
	tail := ""
	if strings.HasSuffix(p, "/.id") {
		p, tail = strings.TrimSuffix(p, "/.id"), ".id"
	}
	parts := strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '.' })
	if tail != "" {
		parts = append(parts, tail)
	}
	return parts
}

// columns checks the paths against the registry and the user's field
// rights, and writes their headers.
func (x *exporter) columns() ([]exportCol, error) {
	var cols []exportCol
	for _, p := range x.o.Fields {
		parts := splitPath(p)
		if len(parts) == 0 {
			return nil, fmt.Errorf("empty field path in the export")
		}
		m := x.m
		var labels []string
		for i, part := range parts {
			last := i == len(parts)-1
			if part == "id" || part == ".id" {
				if !last {
					return nil, fmt.Errorf("%q: id must end the path", p)
				}
				if part == "id" {
					labels = append(labels, "External ID")
				} else {
					labels = append(labels, "ID")
				}
				break
			}
			f := m.Field(part)
			if f == nil {
				return nil, fmt.Errorf("%q: %s has no field %q", p, m.Name, part)
			}
			if f.Secret {
				return nil, orm.AccessErrorf("The field %s.%s cannot be exported.", m.Name, part)
			}
			if len(x.env.FieldsGet(m, []string{part}, []string{"type"})) == 0 {
				return nil, orm.AccessErrorf("You do not have enough rights to access the field %q on %s.", part, m.Name)
			}
			labels = append(labels, i18n.T(x.lang, f.String))
			if !last {
				if f.Type != orm.Many2one {
					return nil, fmt.Errorf("%q: only many2one fields can be followed (%s is %s)", p, part, f.Type)
				}
				m = x.env.Reg.Model(f.Relation)
			}
		}
		h := strings.Join(parts, "/")
		if x.o.Labels {
			h = strings.Join(labels, "/")
		}
		cols = append(cols, exportCol{header: h, parts: parts})
	}
	return cols, nil
}

// rows writes the records batch by batch.
func (x *exporter) rows(ctx context.Context, dom orm.Domain, cols []exportCol, out rowWriter) (int, error) {
	env, m := x.env, x.m
	paths := make([][]string, len(cols))
	for i, c := range cols {
		paths[i] = c.parts
	}
	total := len(x.o.IDs)
	if total == 0 {
		n, err := env.SearchCount(m, dom, 0)
		if err != nil {
			return 0, err
		}
		total = int(n)
	}
	done := 0
	var last int64
	for {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		var ids []int64
		if len(x.o.IDs) > 0 {
			if done >= len(x.o.IDs) {
				break
			}
			ids = x.o.IDs[done:min(done+x.o.BatchSize, len(x.o.IDs))]
			if err := env.CheckAccess(m, orm.PermRead); err != nil {
				return done, err
			}
			if err := env.CheckRecords(m, ids, orm.PermRead); err != nil {
				return done, err
			}
		} else {
			var err error
			ids, err = env.Search(m, orm.And{dom, orm.Leaf{Path: "id", Op: ">", Value: last}}, orm.SearchOpts{Limit: int64(x.o.BatchSize), Order: "id"})
			if err != nil {
				return done, err
			}
			if len(ids) == 0 {
				break
			}
			last = ids[len(ids)-1]
		}
		vals, err := x.values(m, ids, paths)
		if err != nil {
			return done, err
		}
		for _, id := range ids {
			if err := out.row(vals[id]); err != nil {
				return done, err
			}
		}
		done += len(ids)
		if x.o.Progress != nil {
			x.o.Progress(done, max(total, done))
		}
		if len(x.o.IDs) == 0 && len(ids) < x.o.BatchSize {
			break
		}
	}
	return done, nil
}

// values reads the cells of paths for records ids of m: one query per
// level and field, whatever the number of records.
func (x *exporter) values(m *orm.Model, ids []int64, paths [][]string) (map[int64][]any, error) {
	env := x.env
	out := make(map[int64][]any, len(ids))
	for _, id := range ids {
		out[id] = make([]any, len(paths))
	}
	if len(ids) == 0 {
		return out, nil
	}
	// fields read on this level
	need := map[string]bool{}
	sub := map[string][]int{} // first part → indexes of deeper paths
	for i, p := range paths {
		if p[0] == "id" || p[0] == ".id" {
			continue
		}
		need[p[0]] = true
		if len(p) > 1 {
			sub[p[0]] = append(sub[p[0]], i)
		}
	}
	names := make([]string, 0, len(need))
	for n := range need {
		names = append(names, n)
	}
	sort.Strings(names)
	recs, err := env.ReadValues(m, ids, names)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]orm.Values, len(recs))
	for _, r := range recs {
		byID[r["id"].(int64)] = r
	}
	// display names of relational values, one query per field
	dn := map[string]map[int64]string{}
	for _, n := range names {
		f := m.Field(n)
		if !f.IsRelational() {
			continue
		}
		isLeaf := false
		for _, p := range paths {
			if len(p) == 1 && p[0] == n {
				isLeaf = true
			}
		}
		if !isLeaf {
			continue
		}
		var rel []int64
		for _, r := range recs {
			switch v := r[n].(type) {
			case int64:
				rel = append(rel, v)
			case []int64:
				rel = append(rel, v...)
			}
		}
		names, err := env.DisplayNames(env.Reg.Model(f.Relation), uniq(rel))
		if err != nil {
			return nil, err
		}
		dn[n] = names
	}
	var xids map[int64]string
	for i, p := range paths {
		if len(p) != 1 {
			continue
		}
		switch p[0] {
		case "id":
			if xids == nil {
				if xids, err = x.externalIDs(m, ids); err != nil {
					return nil, err
				}
			}
			for _, id := range ids {
				out[id][i] = xids[id]
			}
			continue
		case ".id":
			for _, id := range ids {
				out[id][i] = id
			}
			continue
		}
		f := m.Field(p[0])
		for _, id := range ids {
			out[id][i] = x.cell(f, byID[id][p[0]], dn[p[0]])
		}
	}
	// deeper paths: through the many2one, on the records the user may
	// read (others give empty cells)
	for first, idxs := range sub {
		f := m.Field(first)
		co := env.Reg.Model(f.Relation)
		var rel []int64
		for _, r := range recs {
			if v, ok := r[first].(int64); ok {
				rel = append(rel, v)
			}
		}
		rel = uniq(rel)
		if len(rel) == 0 {
			continue
		}
		readable, err := env.WithContext(map[string]any{"active_test": false}).Search(co, orm.Leaf{Path: "id", Op: "in", Value: anyList(rel)}, orm.SearchOpts{Order: "id"})
		if err != nil {
			return nil, err
		}
		subPaths := make([][]string, len(idxs))
		for j, i := range idxs {
			subPaths[j] = paths[i][1:]
		}
		subVals, err := x.values(co, readable, subPaths)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			target, ok := byID[id][first].(int64)
			if !ok {
				continue
			}
			sv, ok := subVals[target]
			if !ok {
				continue
			}
			for j, i := range idxs {
				out[id][i] = sv[j]
			}
		}
	}
	return out, nil
}

func anyList(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

func uniq(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// externalIDs returns module.name of records, or __export__.<table>_<id>
// (not stored) for those without one.
func (x *exporter) externalIDs(m *orm.Model, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ")
		args := append([]any{m.Name}, anyList(part)...)
		rows, err := x.env.Query("SELECT res_id, module, name FROM ir_model_data WHERE model = ? AND res_id IN ("+ph+") ORDER BY id", args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var mod, name string
			if err := rows.Scan(&id, &mod, &name); err != nil {
				rows.Close()
				return nil, err
			}
			if _, ok := out[id]; !ok {
				out[id] = mod + "." + name
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for _, id := range ids {
		if _, ok := out[id]; !ok {
			out[id] = fmt.Sprintf("__export__.%s_%d", m.Table, id)
		}
	}
	return out, nil
}

// cell renders a canonical value.
func (x *exporter) cell(f *orm.Field, v any, names map[int64]string) any {
	switch f.Type {
	case orm.Boolean:
		b, _ := v.(bool)
		return b
	case orm.Integer:
		n, _ := v.(int64)
		return n
	case orm.Float, orm.Monetary:
		g, _ := v.(float64)
		return g
	}
	if v == nil {
		return ""
	}
	switch f.Type {
	case orm.Date:
		return xDate(v.(string))
	case orm.Datetime:
		return xDatetime(v.(time.Time).In(x.loc))
	case orm.Selection:
		s := fmt.Sprint(v)
		if x.o.Labels {
			return i18n.T(x.lang, f.SelectionLabel(s))
		}
		return s
	case orm.Many2one:
		return names[v.(int64)]
	case orm.Many2many, orm.One2many:
		ids, _ := v.([]int64)
		ns := make([]string, len(ids))
		for i, id := range ids {
			ns[i] = names[id]
		}
		return strings.Join(ns, ",")
	case orm.Binary:
		b, _ := v.([]byte)
		return base64.StdEncoding.EncodeToString(b)
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// ---------------------------------------------------------------------
// writers

type rowWriter interface {
	header([]any) error
	row([]any) error
	close() error
	abort()
}

type csvWriter struct {
	bw *bufio.Writer
	w  *csv.Writer
	// buf is reused for every row
	buf []string
}

func newCSVWriter(w io.Writer, delim rune) *csvWriter {
	bw := bufio.NewWriterSize(w, 64<<10)
	c := csv.NewWriter(bw)
	c.Comma = delim
	return &csvWriter{bw: bw, w: c}
}

func (c *csvWriter) header(h []any) error { return c.row(h) }

func (c *csvWriter) row(vals []any) error {
	c.buf = c.buf[:0]
	for _, v := range vals {
		c.buf = append(c.buf, csvText(v))
	}
	return c.w.Write(c.buf)
}

func (c *csvWriter) close() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return err
	}
	return c.bw.Flush()
}

func (c *csvWriter) abort() { c.close() }

// csvText renders a cell for CSV: numbers plainly with a point, booleans
// True/False, dates ISO, datetimes in the user's zone; a text that a
// spreadsheet would run as a formula gets a leading apostrophe.
func csvText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case xDate:
		return string(x)
	case xDatetime:
		return time.Time(x).Format("2006-01-02 15:04:05")
	case string:
		return guardFormula(x)
	}
	return fmt.Sprint(v)
}

// guardFormula prefixes ' to a text starting with =, @, or + and - when
// what follows is not a phone number or a number.
func guardFormula(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '@', '\t', '\r':
		return "'" + s
	case '+', '-':
		if strings.Trim(s, "0123456789 +-()./") != "" {
			return "'" + s
		}
	}
	return s
}

type xlsxWriter struct {
	w        io.Writer
	f        *excelize.File
	sw       *excelize.StreamWriter
	sheet    int
	rowNum   int
	hdr      []any
	name     string
	bold     int
	date     int
	datetime int
}

// maxSheetRows is the row limit of a worksheet; a longer export goes on
// to another sheet with the header repeated.
var maxSheetRows = excelize.TotalRows

func newXLSXWriter(w io.Writer, m *orm.Model) (*xlsxWriter, error) {
	f := excelize.NewFile()
	x := &xlsxWriter{w: w, f: f, name: SheetName(m.Description)}
	var err error
	if x.bold, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return nil, err
	}
	df, dtf := "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss"
	if x.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: &df}); err != nil {
		return nil, err
	}
	if x.datetime, err = f.NewStyle(&excelize.Style{CustomNumFmt: &dtf}); err != nil {
		return nil, err
	}
	if err := f.SetSheetName("Sheet1", x.name); err != nil {
		return nil, err
	}
	return x, nil
}

// SheetName makes a title a name Excel accepts for a worksheet: no
// []:*?/\\ and at most 25 characters, leaving room for the " (2)" of a
// continuation sheet within Excel's 31.
func SheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return ' '
		}
		return r
	}, s)
	if s == "" {
		s = "Export"
	}
	if r := []rune(s); len(r) > 25 {
		s = string(r[:25])
	}
	return s
}

func (x *xlsxWriter) startSheet() error {
	name := x.name
	if x.sheet > 0 {
		name = fmt.Sprintf("%s (%d)", x.name, x.sheet+1)
		if _, err := x.f.NewSheet(name); err != nil {
			return err
		}
	}
	x.sheet++
	sw, err := x.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := sw.SetColWidth(1, max(len(x.hdr), 1), 20); err != nil {
		return err
	}
	x.sw, x.rowNum = sw, 1
	cells := make([]any, len(x.hdr))
	for i, h := range x.hdr {
		cells[i] = excelize.Cell{StyleID: x.bold, Value: h}
	}
	return sw.SetRow("A1", cells)
}

func (x *xlsxWriter) header(h []any) error {
	x.hdr = h
	return x.startSheet()
}

func (x *xlsxWriter) row(vals []any) error {
	if x.rowNum >= maxSheetRows {
		if err := x.sw.Flush(); err != nil {
			return err
		}
		if err := x.startSheet(); err != nil {
			return err
		}
	}
	x.rowNum++
	cells := make([]any, len(vals))
	for i, v := range vals {
		switch t := v.(type) {
		case xDate:
			d, err := time.Parse("2006-01-02", string(t))
			if err != nil {
				cells[i] = string(t)
				continue
			}
			cells[i] = excelize.Cell{StyleID: x.date, Value: d}
		case xDatetime:
			tt := time.Time(t)
			// the wall time of the user's zone, as a spreadsheet shows it
			cells[i] = excelize.Cell{StyleID: x.datetime, Value: time.Date(tt.Year(), tt.Month(), tt.Day(), tt.Hour(), tt.Minute(), tt.Second(), 0, time.UTC)}
		default:
			cells[i] = v
		}
	}
	cell, _ := excelize.CoordinatesToCellName(1, x.rowNum)
	return x.sw.SetRow(cell, cells)
}

func (x *xlsxWriter) close() error {
	defer x.f.Close()
	if err := x.sw.Flush(); err != nil {
		return err
	}
	return x.f.Write(x.w)
}

func (x *xlsxWriter) abort() { x.f.Close() }

// Template writes an empty import file for a model: one header row with
// the labels of its importable fields in lang (the technical name where
// two fields share a label). format is "csv" (UTF-8 with a byte order
// mark, so that spreadsheets read the diacritics, separated by ";" in
// Indonesian and Romanian, whose spreadsheets use the decimal comma, ","
// otherwise) or "xlsx".
func Template(reg *orm.Registry, model, lang, format string, w io.Writer) error {
	m := reg.Model(model)
	if m == nil {
		return fmt.Errorf("unknown model %q", model)
	}
	var hdr []any
	seen := map[string]bool{}
	for _, f := range ImportableFields(m) {
		l := i18n.T(lang, f.String)
		if seen[normalize(l)] {
			l = f.Name
		}
		seen[normalize(l)] = true
		hdr = append(hdr, l)
	}
	switch format {
	case "", "csv":
		if _, err := io.WriteString(w, "\ufeff"); err != nil {
			return err
		}
		d := ','
		if f := langFamily(lang); f == "ro" || f == "id" {
			d = ';'
		}
		c := newCSVWriter(w, d)
		if err := c.header(hdr); err != nil {
			return err
		}
		return c.close()
	case "xlsx":
		x, err := newXLSXWriter(w, m)
		if err != nil {
			return err
		}
		if err := x.header(hdr); err != nil {
			x.abort()
			return err
		}
		return x.close()
	}
	return fmt.Errorf("unknown template format %q (csv or xlsx)", format)
}
