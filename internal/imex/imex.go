// Package imex imports and exports the records of any model as CSV or
// XLSX, through the registry and the ORM: a field declared on a model is
// importable and exportable without new code, and every write goes
// through the ORM's rights, record rules, hooks and validation as the
// acting user.
//
// Import reads a CSV (encoding, delimiter and quoting detected) or an
// XLSX file (streamed), maps its columns to fields by label in English,
// Indonesian or Romanian or by technical name (an explicit map and
// ready-made presets for other CRMs' exports override), converts the
// values in the user's locale, resolves relational values by name,
// e-mail, tax code or external id, and writes all rows in one
// transaction: every row is checked and every problem reported with its
// row and column; with problems nothing is written unless invalid rows
// are to be skipped. A dry run checks everything and writes nothing.
//
// Inspect reads the header alone and maps it as Import would, for a
// mapping screen; Options.MapIfPresent lets a mapping remembered from
// another file apply to the columns this one has.
//
// Problems and the errors that stop an import are written in English
// (Problem.Reason, error texts) and keep what they were written from, an
// English format marked with i18n.N and its arguments (Message), so that
// the pages and the command line show them in the user's language:
// Problem.Text, FileError.Text, MessageOf for the ORM's errors. A
// *FileError is the user's to fix (the file, its mapping, the options);
// any other error is a failure of the system or a cancellation.
//
// Export streams the records of a domain or a list of ids, with related
// paths such as partner_id/country_id/name, to CSV or XLSX in batches.
package imex

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kanso-crm/kanso/internal/i18n"
	"github.com/kanso-crm/kanso/internal/orm"
)

// Options control an import.
type Options struct {
	Model string // e.g. "crm.lead"; may be left empty when a preset names it
	// Lang is the language numbers, dates and yes/no words are read in
	// ("en_US", "id_ID", "ro_RO"); empty: the user's.
	Lang string
	// Map maps column headers (compared case-insensitively) to field
	// paths: "email_from", "partner_id", "partner_id/id" (external id),
	// "partner_id/.id" (database id), "id" (the record's external id),
	// ".id" (its database id). Several fields may be given separated by
	// commas; "" ignores the column. It overrides the preset and the
	// automatic matching.
	Map map[string]string
	// MapIfPresent leaves out the entries of Map naming a column the file
	// does not have, instead of refusing the import: a mapping remembered
	// from an earlier file applies to the columns this one has.
	MapIfPresent bool
	// Preset names a ready-made mapping (see Presets).
	Preset string
	// UpdateBy matches rows with existing records instead of creating
	// duplicates: "id" (the id or .id column), "email", "name", or the
	// name of another mapped field. An id or .id column always updates
	// the record it names.
	UpdateBy string
	// SkipInvalid imports the valid rows and skips the others (reported)
	// instead of importing nothing.
	SkipInvalid bool
	// CreateMissing creates the tags, partners, stages and UTM sources,
	// media and campaigns named in relational columns that do not exist.
	CreateMissing bool
	// ClearEmpty makes empty cells clear the field of updated records;
	// by default they keep the stored value (as HubSpot's import does),
	// so that a partial export does not erase data.
	ClearEmpty bool
	// DryRun checks every row (the ORM's rules included) and writes
	// nothing.
	DryRun bool
	// Progress is called with the data rows done and the total estimate
	// (0 when unknown) every 100 rows and at the end.
	Progress func(done, total int)
	// Encoding forces the CSV encoding (utf-8, utf-16le, utf-16be,
	// windows-1250, iso-8859-2, windows-1252, iso-8859-1).
	Encoding string
	// Delimiter forces the CSV delimiter ("," ";" "\t" or "tab", "|").
	Delimiter string
	// BatchSize is the number of rows created per ORM call (500).
	BatchSize int
	// MaxProblems bounds the problems listed (1000); the others are
	// counted in Result.MoreProblems.
	MaxProblems int
}

func (o *Options) delimiter() rune {
	switch o.Delimiter {
	case "":
		return 0
	case "tab", "\\t", "TAB":
		return '\t'
	}
	r := []rune(o.Delimiter)
	return r[0]
}

// Problem is one reason a row cannot be imported. Row is the row number
// a spreadsheet shows (the header is row 1); Column is the header of the
// column at fault ("" when the record as a whole was refused). Reason is
// in English; the embedded Message is what it was written from, to show
// it in the user's language (Text), empty when it has no translation
// (an error of the database, say).
type Problem struct {
	Row    int
	Column string
	Reason string
	Message
}

func (p Problem) String() string { return p.Line("en_US") }

// Text is the reason in lang (in English when it has no translation).
func (p Problem) Text(lang string) string {
	if p.Format == "" {
		return p.Reason
	}
	return p.Message.Text(lang)
}

// Line is the problem as String writes it, in lang.
func (p Problem) Line(lang string) string {
	if p.Column == "" {
		return i18n.Tf(lang, i18n.N("row %d: %s"), p.Row, p.Text(lang))
	}
	return i18n.Tf(lang, i18n.N("row %d, column %q: %s"), p.Row, p.Column, p.Text(lang))
}

// Result is what an import did or, for a dry run or an import refused
// because of problems, would have done.
type Result struct {
	Rows      int // data rows read
	Created   int
	Updated   int // matched records changed
	Unchanged int // matched records already holding the values
	Skipped   int // invalid rows left out (SkipInvalid)
	Problems  []Problem
	// MoreProblems counts the problems beyond Options.MaxProblems.
	MoreProblems int
	// Mapping maps each imported column header to its field path(s).
	Mapping map[string]string
	// Ignored lists the columns that feed no field.
	Ignored []string
	// Committed is true when the rows were written (not a dry run, and
	// no problem or SkipInvalid).
	Committed bool
	Format    string // "csv" or "xlsx"
	Encoding  string // of a CSV
	Delimiter string // of a CSV
}

// HasProblems tells whether any row had a problem.
func (r *Result) HasProblems() bool { return len(r.Problems) > 0 || r.MoreProblems > 0 }

var (
	errRollback = errors.New("imex: roll back")
	// errCareful: a write failed in the fast import; start over batch
	// by batch.
	errCareful = errors.New("imex: a write failed; import again batch by batch")
)

// opened is a file whose header has been read and mapped.
type opened struct {
	o       Options // with the model, the language and the defaults filled in
	m       *orm.Model
	src     source
	header  []string
	targets []*target
	mapping map[string]string
	ignored []string
}

// prepare checks the options, opens the file, reads its header and maps
// its columns: what Import and Inspect share. The caller closes src.
func prepare(ctx context.Context, r *orm.Runner, uid int64, file io.Reader, name string, o Options) (*opened, error) {
	var p *preset
	if o.Preset != "" {
		if p = findPreset(o.Preset); p == nil {
			return nil, fileErrorf(i18n.N("unknown preset %q (known: %s)"), o.Preset, strings.Join(Presets(), ", "))
		}
		if o.Model == "" {
			o.Model = p.Model
		} else if o.Model != p.Model {
			return nil, fileErrorf(i18n.N("preset %s imports into %s, not %s"), p.Name, p.Model, o.Model)
		}
	}
	m := r.Reg.Model(o.Model)
	if m == nil {
		return nil, fileErrorf(i18n.N("unknown model %q"), o.Model)
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 500
	}
	if o.MaxProblems <= 0 {
		o.MaxProblems = 1000
	}
	if o.Lang == "" {
		var lang string
		if err := r.Run(ctx, uid, nil, false, func(env *orm.Env) error {
			lang = env.Lang()
			return nil
		}); err != nil {
			return nil, err
		}
		o.Lang = lang
	}
	src, err := openSource(file, name, &o)
	if err != nil {
		return nil, readError(err)
	}
	header, _, err := src.Next()
	if err == io.EOF {
		src.Close()
		return nil, fileErrorf(i18n.N("the file has no header row"))
	}
	if err != nil {
		src.Close()
		return nil, readError(err)
	}
	targets, mapping, ignored, err := buildTargets(m, o.Lang, header, o.Map, o.MapIfPresent, p)
	if err != nil {
		src.Close()
		return nil, err
	}
	return &opened{o: o, m: m, src: src, header: header, targets: targets, mapping: mapping, ignored: ignored}, nil
}

// Import reads file (name serves to detect the format when its content
// does not) and imports its rows into o.Model as user uid, in one
// transaction. Problems with rows are reported in the Result; the error
// is for what stops the import as a whole: a *FileError for what the
// user can fix (unreadable file, unknown model or field in the mapping,
// …), else cancellation or a database failure. A cancelled context rolls
// everything back.
//
// A file that can be read again (an io.Seeker: a file, an upload, bytes)
// is imported on PostgreSQL with the records' COPYs running while the
// next rows are converted (orm's WriteBehind) and without a savepoint per
// batch; should any write fail, which the checks before it make rare,
// everything is rolled back and the file imported again batch by batch,
// to tell the failing rows from the others. Progress then starts over.
func Import(ctx context.Context, r *orm.Runner, uid int64, file io.Reader, name string, o Options) (*Result, error) {
	if s, ok := file.(io.Seeker); ok {
		if at, err := s.Seek(0, io.SeekCurrent); err == nil {
			res, err := importFile(ctx, r, uid, file, name, o, true)
			if !errors.Is(err, errCareful) {
				return res, err
			}
			if _, err := s.Seek(at, io.SeekStart); err != nil {
				return nil, fmt.Errorf("imex: read the file again: %w", err)
			}
		}
	}
	return importFile(ctx, r, uid, file, name, o, false)
}

// importFile imports the file once; fast asks for the writes behind,
// and gives up with errCareful when a write fails.
func importFile(ctx context.Context, r *orm.Runner, uid int64, file io.Reader, name string, o Options, fast bool) (*Result, error) {
	f, err := prepare(ctx, r, uid, file, name, o)
	if err != nil {
		return nil, err
	}
	o, m, src, header, targets := f.o, f.m, f.src, f.header, f.targets
	defer src.Close()
	if len(targets) == 0 {
		return nil, fileErrorf(i18n.N("no column of the file matches a field of %s (columns: %s); map them explicitly"), m.Name, strings.Join(header, ", "))
	}
	// the data rows are read ahead while the rows before are written
	pf := newPrefetch(src)
	defer pf.Close()
	res := &Result{Mapping: f.mapping, Ignored: f.ignored, Format: src.Kind(), Encoding: src.Encoding()}
	if d := src.Delimiter(); d != 0 {
		res.Delimiter = string(d)
	}
	im := &importer{o: o, m: m, header: header, targets: targets, res: res, src: src, rows: pf, ctx: ctx}
	if err := im.prepareKey(); err != nil {
		return nil, err
	}
	ctxv := map[string]any{"lang": o.Lang, "import_file": true}
	err = r.Run(ctx, uid, ctxv, true, func(env *orm.Env) error {
		im.fast = fast && env.WriteBehind()
		if err := im.run(env); err != nil {
			return err
		}
		if o.DryRun || (res.HasProblems() && !o.SkipInvalid) {
			return errRollback
		}
		return nil
	})
	switch {
	case err == errRollback:
	case err != nil:
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	default:
		res.Committed = true
	}
	return res, nil
}

// Inspection is what Inspect finds of a file without importing it.
type Inspection struct {
	Model  string
	Header []string // the columns, in file order
	// Mapping maps each column that feeds a field to its field path(s),
	// with Options.Map (and the preset) applied; Ignored lists the
	// others. Without Options.Map this is the automatic matching.
	Mapping map[string]string
	Ignored []string
	// Total estimates the data rows (0 when unknown).
	Total     int
	Format    string // "csv" or "xlsx"
	Encoding  string // of a CSV
	Delimiter string // of a CSV
}

// Inspect reads the header of a file and maps its columns as Import
// would (o.Model or o.Preset, o.Map, o.MapIfPresent, o.Lang or the
// user's), without reading the rows or writing anything. It returns the
// errors Import returns before the rows (a *FileError for the file, its
// mapping and UpdateBy), except for a file none of whose columns matches
// a field: its Mapping is then empty.
func Inspect(ctx context.Context, r *orm.Runner, uid int64, file io.Reader, name string, o Options) (*Inspection, error) {
	f, err := prepare(ctx, r, uid, file, name, o)
	if err != nil {
		return nil, err
	}
	defer f.src.Close()
	if len(f.targets) > 0 {
		im := &importer{o: f.o, m: f.m, header: f.header, targets: f.targets}
		if err := im.prepareKey(); err != nil {
			return nil, err
		}
	}
	ins := &Inspection{Model: f.m.Name, Header: f.header, Mapping: f.mapping, Ignored: f.ignored, Total: f.src.Total(),
		Format: f.src.Kind(), Encoding: f.src.Encoding()}
	if d := f.src.Delimiter(); d != 0 {
		ins.Delimiter = string(d)
	}
	return ins, nil
}

// job is one row ready to be written.
type job struct {
	row     int
	vals    orm.Values
	matchID int64  // 0: create
	newXID  string // external id to give the created record
}

type importer struct {
	o       Options
	m       *orm.Model
	header  []string
	targets []*target
	res     *Result
	src     source
	rows    source // src read ahead
	ctx     context.Context
	env     *orm.Env
	loc     *time.Location
	// update key
	keyField *orm.Field // field matched for UpdateBy (nil: id columns only)
	keyTgt   *target
	// pending rows and the keys they will create
	pending     []*job
	pendingKeys map[string]bool
	res2        *resolver
	// fast: writes run behind (orm's WriteBehind), no savepoint per
	// batch, and any failure of the ORM gives up with errCareful
	fast bool
}

// prepareKey checks UpdateBy against the mapping.
func (im *importer) prepareKey() error {
	u := strings.TrimSpace(im.o.UpdateBy)
	if u == "" {
		return nil
	}
	has := func(k kind) bool {
		for _, t := range im.targets {
			if t.kind == k {
				return true
			}
		}
		return false
	}
	var field string
	switch u {
	case "id", ".id", "external id":
		if !has(kRecXID) && !has(kRecDBID) {
			return fileErrorf(i18n.N("updating by id needs an id (external id) or .id (database id) column"))
		}
		return nil
	case "email":
		for _, n := range []string{"email_from", "email"} {
			if im.m.Field(n) != nil {
				field = n
				break
			}
		}
	case "name":
		field = "name"
		if im.m.Field("name") == nil {
			field = im.m.RecName
		}
	default:
		field = u
	}
	f := im.m.Field(field)
	if f == nil || !f.Stored() || f.IsX2Many() {
		return fileErrorf(i18n.N("cannot update by %q: %s has no such stored field"), u, im.m.Name)
	}
	for _, t := range im.targets {
		if t.field == f && (t.kind == kValue || t.kind == kXID || t.kind == kDBID) {
			im.keyField, im.keyTgt = f, t
			return nil
		}
	}
	return fileErrorf(i18n.N("cannot update by %s: no column of the file is mapped to %s"), u, f.Name)
}

// problem records a problem of a row: its reason in English, and the
// message it was written from when there is one.
func (im *importer) problem(row int, column, reason string, m *Message) {
	if len(im.res.Problems) >= im.o.MaxProblems {
		im.res.MoreProblems++
		return
	}
	p := Problem{Row: row, Column: column, Reason: reason}
	if m != nil && m.String() == reason {
		p.Message = *m
	}
	im.res.Problems = append(im.res.Problems, p)
}

// problemf records a problem written from a format.
func (im *importer) problemf(row int, column, format string, args ...any) {
	m := msg(format, args...)
	im.problem(row, column, m.String(), &m)
}

// problemErr records an error of a cell as a problem.
func (im *importer) problemErr(row int, column string, err error) {
	im.problem(row, column, err.Error(), MessageOf(err))
}

func (im *importer) run(env *orm.Env) error {
	im.env = env
	im.pendingKeys = map[string]bool{}
	im.res2 = newResolver(env, im.o.CreateMissing)
	im.loc = time.UTC
	if u, err := env.User(); err == nil && u.TZ != "" {
		if l, err := time.LoadLocation(u.TZ); err == nil {
			im.loc = l
		}
	}
	if err := env.CheckAccess(im.m, orm.PermCreate); err != nil && im.o.UpdateBy == "" {
		return err
	}
	total := im.src.Total()
	progress := func(force bool) {
		if im.o.Progress != nil && (force || im.res.Rows%100 == 0) {
			t := total
			if t < im.res.Rows {
				t = im.res.Rows
			}
			im.o.Progress(im.res.Rows, t)
		}
	}
	for {
		if err := im.ctx.Err(); err != nil {
			return err
		}
		cells, row, err := im.rows.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return readError(err)
		}
		if nonEmpty(cells) == 0 {
			continue
		}
		im.res.Rows++
		if err := im.row(cells, row); err != nil {
			return err
		}
		progress(false)
	}
	if err := im.flush(); err != nil {
		return err
	}
	if im.fast {
		// the last writes, and any failure behind the ones before
		if err := im.env.Sync(); err != nil {
			return im.giveUp()
		}
	}
	progress(true)
	return nil
}

// giveUp ends a fast import on a failure of the ORM: errCareful, unless
// the import was cancelled.
func (im *importer) giveUp() error {
	if err := im.ctx.Err(); err != nil {
		return err
	}
	return errCareful
}

func (im *importer) cell(cells []string, i int) string {
	if i >= len(cells) {
		return ""
	}
	v := strings.TrimSpace(cells[i])
	// the spreadsheet-formula guard of exports ('=..., '+..., '-..., '@...)
	if len(v) > 1 && v[0] == '\'' && strings.ContainsRune("=+-@", rune(v[1])) {
		v = v[1:]
	}
	return v
}

// raw returns the text of a target in a row (joined or first non-empty).
func (im *importer) raw(t *target, cells []string) string {
	var parts []string
	for _, c := range t.cols {
		v := im.cell(cells, c)
		if vm := t.values[c]; vm != nil && v != "" {
			if x, ok := vm[normalize(v)]; ok {
				v = x
			}
		}
		if v == "" {
			continue
		}
		if !t.join {
			return v
		}
		parts = append(parts, v)
	}
	return strings.Join(parts, " ")
}

func (im *importer) colName(t *target) string {
	if t == nil || len(t.cols) == 0 {
		return ""
	}
	return im.header[t.cols[0]]
}

// row converts one row and queues it.
func (im *importer) row(cells []string, row int) error {
	env := im.env
	j := &job{row: row, vals: orm.Values{}}
	bad := false
	var recXID string
	var recDBID int64
	for _, t := range im.targets {
		raw := im.raw(t, cells)
		switch t.kind {
		case kRecXID:
			if raw != "" {
				recXID = qualifyXID(t.idPrefix + raw)
			}
			continue
		case kRecDBID:
			if raw != "" {
				n, err := parseNumber(raw, "en_US", true)
				if err != nil || n != float64(int64(n)) || n <= 0 {
					im.problemf(row, im.colName(t), i18n.N("%q is not a record id"), raw)
					bad = true
				}
				recDBID = int64(n)
			}
			continue
		}
		// a row may name a record that an earlier, pending row creates
		selfRef := t.field.Relation == im.m.Name && raw != "" && len(im.pending) > 0
		if selfRef && im.o.CreateMissing {
			if err := im.flush(); err != nil {
				return err
			}
		}
		v, err := im.convert(t, raw)
		if err != nil && selfRef && len(im.pending) > 0 && im.ctx.Err() == nil {
			if err := im.flush(); err != nil {
				return err
			}
			v, err = im.convert(t, raw)
		}
		if err != nil {
			if im.ctx.Err() != nil {
				return im.ctx.Err()
			}
			if errors.Is(err, errEmpty) {
				continue
			}
			im.problemErr(row, im.colName(t), err)
			bad = true
			continue
		}
		j.vals[t.field.Name] = v
	}
	if bad {
		im.res.Skipped++
		return nil
	}
	// the record to update, if any: the .id, else the external id, else
	// the UpdateBy key
	var keys []string
	var keyVal any
	switch {
	case recDBID != 0:
		keys = append(keys, fmt.Sprintf(".id:%d", recDBID))
	default:
		if recXID != "" {
			keys = append(keys, "id:"+recXID)
		}
		if im.keyField != nil {
			if v := j.vals[im.keyField.Name]; v != nil && v != "" && v != false {
				keyVal = v
				keys = append(keys, "key:"+keyString(im.keyField, v))
			}
		}
	}
	for _, k := range keys {
		if im.pendingKeys[k] {
			if err := im.flush(); err != nil {
				return err
			}
			break
		}
	}
	if recDBID != 0 {
		ids, err := env.WithContext(map[string]any{"active_test": false}).Search(im.m, orm.Leaf{Path: "id", Op: "=", Value: recDBID}, orm.SearchOpts{})
		if err != nil {
			return im.rowError(j, err)
		}
		if len(ids) == 0 {
			im.problemf(row, im.colName(im.target(kRecDBID)), i18n.N("no %s record with id %d"), im.m.Name, recDBID)
			im.res.Skipped++
			return nil
		}
		j.matchID = recDBID
	}
	if recXID != "" {
		id, err := im.res2.recordXID(im.m, recXID)
		if err != nil {
			im.problemErr(row, im.colName(im.target(kRecXID)), err)
			im.res.Skipped++
			return nil
		}
		if id == 0 {
			j.newXID = recXID
		}
		j.matchID = id
	}
	if j.matchID == 0 && keyVal != nil {
		id, n, err := im.findByKey(keyVal)
		if err != nil {
			return im.rowError(j, err)
		}
		if n > 1 {
			im.problemf(row, im.colName(im.keyTgt), i18n.N("%d existing records have this %s: cannot tell which one to update"), n, Term(im.keyField.String))
			im.res.Skipped++
			return nil
		}
		j.matchID = id
	}
	if j.matchID != 0 {
		if !im.o.ClearEmpty {
			for k, v := range j.vals {
				if v == nil {
					delete(j.vals, k) // an empty cell keeps the stored value
				}
			}
		}
		// only what differs is written, so that a re-import changes nothing
		changed, err := im.diff(j)
		if err != nil {
			return im.rowError(j, err)
		}
		if len(changed) == 0 {
			im.res.Unchanged++
			if j.newXID == "" {
				return nil
			}
		}
		j.vals = changed
	} else {
		for k, v := range j.vals {
			if v == nil {
				delete(j.vals, k) // empty cells leave the defaults on create
			}
		}
	}
	for _, k := range keys {
		im.pendingKeys[k] = true
	}
	im.pending = append(im.pending, j)
	if len(im.pending) >= im.o.BatchSize {
		return im.flush()
	}
	return nil
}

func (im *importer) target(k kind) *target {
	for _, t := range im.targets {
		if t.kind == k {
			return t
		}
	}
	return nil
}

// rowError records an ORM error of a row as a problem, unless the import
// was cancelled.
func (im *importer) rowError(j *job, err error) error {
	if im.ctx.Err() != nil {
		return im.ctx.Err()
	}
	if im.fast {
		return errCareful // the failure may be a write's behind
	}
	reason, m := errText(err)
	im.problem(j.row, im.columnOf(err), reason, m)
	im.res.Skipped++
	return nil
}

// errText is the reason an ORM error gives a row, and its message.
func errText(err error) (string, *Message) {
	e := orm.AsError(err)
	if e.Kind == orm.KindInternal {
		m := msg(i18n.N("the record could not be saved: %s"), err.Error())
		return m.String(), &m
	}
	return e.Error(), ormMessage(e)
}

// columnOf guesses the column an ORM error is about from the field name
// it quotes.
func (im *importer) columnOf(err error) string {
	msg := err.Error()
	for _, t := range im.targets {
		if t.field == nil {
			continue
		}
		n := t.field.Name
		if strings.Contains(msg, `"`+n+`"`) || strings.Contains(msg, "("+n+")") || strings.Contains(msg, " "+n+":") ||
			strings.Contains(msg, "for "+n+" ") || strings.Contains(msg, "for "+n+":") {
			return im.colName(t)
		}
	}
	return ""
}

// flush writes the pending rows: all in one savepoint, and when that
// fails, one by one to tell the failing rows from the others.
func (im *importer) flush() error {
	jobs := im.pending
	im.pending = nil
	im.pendingKeys = map[string]bool{}
	if len(jobs) == 0 {
		return nil
	}
	if im.fast {
		created, updated, err := im.apply(jobs)
		if err != nil {
			return im.giveUp()
		}
		im.res.Created += created
		im.res.Updated += updated
		return nil
	}
	env := im.env
	if _, err := env.Exec("SAVEPOINT imex_batch"); err != nil {
		return err
	}
	created, updated, err := im.apply(jobs)
	if err == nil {
		if _, err := env.Exec("RELEASE SAVEPOINT imex_batch"); err != nil {
			return err
		}
		im.res.Created += created
		im.res.Updated += updated
		return nil
	}
	if im.ctx.Err() != nil {
		return im.ctx.Err()
	}
	if _, err := env.Exec("ROLLBACK TO SAVEPOINT imex_batch"); err != nil {
		return err
	}
	for _, j := range jobs {
		if err := im.ctx.Err(); err != nil {
			return err
		}
		if _, err := env.Exec("SAVEPOINT imex_row"); err != nil {
			return err
		}
		c, u, err := im.apply([]*job{j})
		if err != nil {
			if _, err2 := env.Exec("ROLLBACK TO SAVEPOINT imex_row"); err2 != nil {
				return err2
			}
			if err := im.rowError(j, err); err != nil {
				return err
			}
		} else {
			im.res.Created += c
			im.res.Updated += u
		}
		if _, err := env.Exec("RELEASE SAVEPOINT imex_row"); err != nil {
			return err
		}
	}
	_, err = env.Exec("RELEASE SAVEPOINT imex_batch")
	return err
}

// apply writes jobs through the ORM: the new records in one Create call,
// then the updates.
func (im *importer) apply(jobs []*job) (created, updated int, err error) {
	env := im.env
	var creates []orm.Values
	var cjobs []*job
	for _, j := range jobs {
		if j.matchID == 0 {
			creates = append(creates, j.vals)
			cjobs = append(cjobs, j)
		}
	}
	if len(creates) > 0 {
		ids, err := env.Create(im.m, creates)
		if err != nil {
			return 0, 0, err
		}
		for i, j := range cjobs {
			if j.newXID != "" {
				if err := im.res2.setXID(im.m, j.newXID, ids[i]); err != nil {
					return 0, 0, err
				}
			}
		}
	}
	for _, j := range jobs {
		if j.matchID == 0 {
			continue
		}
		if len(j.vals) > 0 {
			if err := env.Write(im.m, []int64{j.matchID}, j.vals); err != nil {
				return 0, 0, err
			}
			updated++
		}
		if j.newXID != "" {
			if err := im.res2.setXID(im.m, j.newXID, j.matchID); err != nil {
				return 0, 0, err
			}
		}
	}
	return len(creates), updated, nil
}
