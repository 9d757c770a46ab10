package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kanso-crm/kanso/internal/db"
	"github.com/kanso-crm/kanso/internal/i18n"
	"github.com/kanso-crm/kanso/internal/imex"
	"github.com/kanso-crm/kanso/internal/orm"
)

// MaxImportSize bounds an uploaded file (50 MiB: about a million rows of CSV).
const MaxImportSize = 50 << 20

// importModels are the models the import page offers.
var importModels = [][2]string{{"crm.lead", "Leads/Opportunities"}, {"res.partner", "Customers"}, {"crm.tag", "Tags"}, {"crm.stage", "Stages"}}

// ImportPage is the import screen: the upload form, then the mapping with
// the problems the check found, then the result.
type ImportPage struct {
	Model, ModelLabel string
	Presets           []string
	Token, FileName   string
	Columns           []ImportColumn
	Fields            [][2]string // path, label
	Result            *imex.Result
	Error             string
	// ErrorMsg is Error as the page translates it (nil: Error is shown
	// as it is).
	ErrorMsg *imex.Message
	// Internal: the import failed on our side (logged); Error is not shown.
	Internal bool
	Done     bool
	// Cancelled: the job was cancelled (Interrupted: by the server
	// shutting down); nothing was written.
	Cancelled, Interrupted bool
	// Remembered lists the columns mapped as in the user's last import
	// of the model.
	Remembered       []string
	Preset, UpdateBy string
	SkipInvalid      bool
	CreateMissing    bool
}

// ImportColumn is one column of the file and the field it feeds; Auto is
// the field the automatic matching gives it (the mapping the user edits
// is remembered where it differs).
type ImportColumn struct {
	Header, Field, Auto string
	Remembered          bool
}

func importModel(key string) (string, string, bool) {
	for _, m := range importModels {
		if m[0] == key {
			return m[0], m[1], true
		}
	}
	return "", "", false
}

func (a *App) importForm(w http.ResponseWriter, r *http.Request, uid int64) {
	model, label, ok := importModel(r.PathValue("model"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	a.showImport(w, r, uid, &ImportPage{Model: model, ModelLabel: label}, http.StatusOK)
}

func (a *App) showImport(w http.ResponseWriter, r *http.Request, uid int64, p *ImportPage, status int) {
	var v *View
	err := a.call(r.Context(), uid, false, func(env *orm.Env) error {
		var err error
		if v, err = a.newView(env, "", "import"); err != nil {
			return err
		}
		v.Title = v.T("Import")
		for _, name := range imex.Presets() {
			if m, _, ok := imex.PresetInfo(name); ok && m == p.Model {
				p.Presets = append(p.Presets, name)
			}
		}
		m := env.Reg.Model(p.Model)
		for _, f := range imex.ImportableFields(m) {
			p.Fields = append(p.Fields, [2]string{f.Name, v.T(f.String)})
		}
		sort.Slice(p.Fields, func(i, j int) bool { return p.Fields[i][1] < p.Fields[j][1] })
		p.Fields = append([][2]string{{"id", v.T("External ID")}}, p.Fields...)
		return nil
	})
	if err != nil {
		a.fail(w, err)
		return
	}
	render(w, r, status, ImportView(v, p))
}

func newToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// importUpload stores the file and starts checking it (a dry run) in the
// background; the browser goes to the job's page.
func (a *App) importUpload(w http.ResponseWriter, r *http.Request, uid int64) {
	model, label, ok := importModel(r.PathValue("model"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	p := &ImportPage{Model: model, ModelLabel: label}
	r.Body = http.MaxBytesReader(w, r.Body, MaxImportSize+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		p.setError(i18n.N("The file is too large or could not be read."))
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			p.setError(i18n.N("The file is larger than %d MB; split it into several files."), MaxImportSize>>20)
		}
		a.showImport(w, r, uid, p, http.StatusBadRequest)
		return
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		p.setError(i18n.N("Choose a CSV or XLSX file to import."))
		a.showImport(w, r, uid, p, http.StatusUnprocessableEntity)
		return
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		p.setError(i18n.N("The file could not be read."))
		a.showImport(w, r, uid, p, http.StatusBadRequest)
		return
	}
	spec := importSpec{Model: model, Label: label, Token: newToken(), FileName: hdr.Filename, Preset: r.FormValue("preset"), Dry: true}
	err = a.call(r.Context(), uid, true, func(env *orm.Env) error {
		// forget uploads older than a day
		if _, err := env.Exec("DELETE FROM import_upload WHERE created_at < ?", env.Dialect.TimeParam(env.Now.Add(-24*time.Hour))); err != nil {
			return err
		}
		_, err := env.Exec("INSERT INTO import_upload (token, user_id, model, name, data, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			spec.Token, uid, model, spec.FileName, data, env.Dialect.TimeParam(env.Now))
		return err
	})
	if err != nil {
		a.fail(w, err)
		return
	}
	j := a.startImport(r, uid, spec, data)
	http.Redirect(w, r, j.url(), http.StatusSeeOther)
}

// loadUpload reads a stored upload of the user.
func (a *App) loadUpload(r *http.Request, uid int64, token string) (string, string, []byte, error) {
	var model, name string
	var data []byte
	err := a.call(r.Context(), uid, false, func(env *orm.Env) error {
		return env.QueryRow("SELECT model, name, data FROM import_upload WHERE token = ? AND user_id = ?", token, uid).Scan(&model, &name, &data)
	})
	if err != nil {
		return "", "", nil, orm.MissingErrorf("This upload has expired; choose the file again.")
	}
	return model, name, data, nil
}

// importRun checks again with an edited mapping, or imports, in the
// background; the browser goes to the job's page.
func (a *App) importRun(w http.ResponseWriter, r *http.Request, uid int64) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	r.ParseForm()
	token := r.PostFormValue("token")
	model, name, data, err := a.loadUpload(r, uid, token)
	if err != nil {
		a.fail(w, err)
		return
	}
	_, label, _ := importModel(model)
	spec := importSpec{Model: model, Label: label, Token: token, FileName: name, Preset: r.PostFormValue("preset"),
		UpdateBy: r.PostFormValue("update_by"), SkipInvalid: r.PostFormValue("skip_invalid") == "1",
		CreateMissing: r.PostFormValue("create_missing") == "1", Dry: r.PostFormValue("do") != "import",
		Map: map[string]string{}, Auto: map[string]string{}}
	for _, h := range r.PostForm["col"] {
		if _, dup := spec.Map[h]; dup {
			continue
		}
		spec.Cols = append(spec.Cols, h)
		spec.Map[h] = r.PostFormValue("map:" + h)
		spec.Auto[h] = r.PostFormValue("auto:" + h)
	}
	j := a.startImport(r, uid, spec, data)
	http.Redirect(w, r, j.url(), http.StatusSeeOther)
}

// setError sets the page's error from an English format (marked with
// i18n.N), translated when the page is shown.
func (p *ImportPage) setError(format string, args ...any) {
	m := imex.NewMessage(format, args...)
	p.Error, p.ErrorMsg = m.String(), &m
}

// ErrorText is the page's error in lang.
func (p *ImportPage) ErrorText(lang string) string {
	if p.ErrorMsg != nil {
		return p.ErrorMsg.Text(lang)
	}
	return p.Error
}

// importErrorShown tells whether an error that stopped an import is the
// user's to fix, shown (translated), rather than a failure of ours,
// which is logged: a problem of the file, its mapping or the options
// (imex.FileError), or an error of the ORM that is not internal (the
// user may not create such records, say).
func importErrorShown(err error) bool {
	var fe *imex.FileError
	if errors.As(err, &fe) {
		return true
	}
	var oe *orm.Error
	return errors.As(err, &oe) && oe.Kind != orm.KindInternal
}

// runImportJob is the body of a job: it returns what the job's page shows.
func (a *App) runImportJob(ctx context.Context, j *importJob, data []byte) *importOutcome {
	s := &j.spec
	out := &importOutcome{Auto: s.Auto}
	fail := func(err error) *importOutcome {
		switch {
		case ctx.Err() != nil:
			out.Cancelled = true
			out.Interrupted = !j.cancelRequested()
		case importErrorShown(err):
			out.Error, out.ErrorMsg = err.Error(), imex.MessageOf(err)
		default:
			a.Log.Error("import failed", "model", s.Model, "file", s.FileName, "err", err)
			out.Internal = true
		}
		out.Result = nil
		return out
	}
	if err := a.recordImportJob(ctx, j); err != nil {
		return fail(err)
	}
	o := imex.Options{Model: s.Model, Preset: s.Preset, UpdateBy: s.UpdateBy, SkipInvalid: s.SkipInvalid,
		CreateMissing: s.CreateMissing, DryRun: s.Dry}
	pass := func(m map[string]string) (*imex.Result, error) {
		o.Map = m
		o.Progress = j.startPass(a, ctx)
		return imex.Import(ctx, a.Runner, j.uid, bytes.NewReader(data), s.FileName, o)
	}
	if s.Map == nil {
		// the upload's check, in one pass: with the user's remembered
		// mapping applied to the columns the file has (MapIfPresent); the
		// automatic matching of the columns, which the mapping screen
		// sends back and the remembered columns are told from, is read
		// from the header alone (imex.Inspect)
		mem, err := a.rememberedMapping(ctx, j.uid, s.Model)
		if err != nil {
			return fail(err)
		}
		if len(mem) > 0 {
			ins, err := imex.Inspect(ctx, a.Runner, j.uid, bytes.NewReader(data), s.FileName, o)
			if err != nil {
				return fail(err)
			}
			out.Auto = autoMapping(ins.Mapping, ins.Ignored)
			for h, auto := range out.Auto {
				if f, ok := mem[headerKey(h)]; ok && f != auto {
					out.Remembered = append(out.Remembered, h)
				}
			}
			sort.Strings(out.Remembered)
		}
		if len(out.Remembered) == 0 {
			res, err := pass(nil)
			if err != nil {
				return fail(err)
			}
			out.Auto, out.Result = resultMapping(res), res
			return out
		}
		o.MapIfPresent = true
		res, err := pass(mem)
		var fe *imex.FileError
		if err != nil && ctx.Err() == nil && errors.As(err, &fe) {
			// a remembered field that can no longer be imported: the
			// automatic matching stands
			out.Remembered = nil
			o.MapIfPresent = false
			res, err = pass(nil)
		}
		if err != nil {
			return fail(err)
		}
		out.Result = res
		return out
	}
	res, err := pass(s.Map)
	if err != nil {
		return fail(err)
	}
	out.Result = res
	if res.Committed {
		// after the import's own transaction: remember the edited mapping
		// and forget the file
		after := context.WithoutCancel(ctx)
		err := a.Runner.Run(after, j.uid, nil, true, func(env *orm.Env) error {
			if err := rememberMapping(env, j.uid, s.Model, s.Map, s.Auto); err != nil {
				return err
			}
			_, err := env.Exec("DELETE FROM import_upload WHERE token = ?", s.Token)
			return err
		})
		if err != nil {
			a.Log.Error("import: remember the mapping", "err", err)
		}
	}
	return out
}

// resultMapping maps each column of the file to the field path(s) it fed
// ("" for the columns left out).
func resultMapping(res *imex.Result) map[string]string { return autoMapping(res.Mapping, res.Ignored) }

// autoMapping maps each column to its field path(s), "" for the columns
// ignored.
func autoMapping(mapping map[string]string, ignored []string) map[string]string {
	m := make(map[string]string, len(mapping)+len(ignored))
	for _, h := range ignored {
		m[h] = ""
	}
	for h, f := range mapping {
		m[h] = f
	}
	return m
}

// headerKey is how remembered headers are compared (imex compares the
// headers of an explicit mapping without case too).
func headerKey(h string) string { return strings.ToLower(strings.TrimSpace(h)) }

// rememberedMapping reads the mapping a user last chose for a model's
// columns, by header key.
func (a *App) rememberedMapping(ctx context.Context, uid int64, model string) (map[string]string, error) {
	mem := map[string]string{}
	err := a.Runner.Run(ctx, uid, nil, false, func(env *orm.Env) error {
		rows, err := env.Query("SELECT header_key, field FROM import_mapping WHERE user_id = ? AND model = ?", uid, model)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k, f string
			if err := rows.Scan(&k, &f); err != nil {
				return err
			}
			mem[k] = f
		}
		return rows.Err()
	})
	return mem, err
}

// rememberMapping stores the columns whose field the user chose
// differently from the automatic matching, and forgets those set back to
// it.
func rememberMapping(env *orm.Env, uid int64, model string, chosen, auto map[string]string) error {
	for h, f := range chosen {
		k := headerKey(h)
		if k == "" {
			continue
		}
		if f == auto[h] {
			if _, err := env.Exec("DELETE FROM import_mapping WHERE user_id = ? AND model = ? AND header_key = ?", uid, model, k); err != nil {
				return err
			}
			continue
		}
		_, err := env.Exec(`INSERT INTO import_mapping (user_id, model, header_key, header, field, write_date) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (user_id, model, header_key) DO UPDATE SET header = excluded.header, field = excluded.field, write_date = excluded.write_date`,
			uid, model, k, h, f, env.Dialect.TimeParam(env.Now))
		if err != nil {
			return err
		}
	}
	return nil
}

// pageOf builds the page a finished job shows.
func pageOf(s *importSpec, out *importOutcome) *ImportPage {
	p := &ImportPage{Model: s.Model, ModelLabel: s.Label, Token: s.Token, FileName: s.FileName, Preset: s.Preset,
		UpdateBy: s.UpdateBy, SkipInvalid: s.SkipInvalid, CreateMissing: s.CreateMissing,
		Error: out.Error, ErrorMsg: out.ErrorMsg, Internal: out.Internal, Cancelled: out.Cancelled, Interrupted: out.Interrupted, Remembered: out.Remembered}
	remembered := map[string]bool{}
	for _, h := range out.Remembered {
		remembered[h] = true
	}
	switch {
	case out.Result != nil:
		res := out.Result
		p.Result, p.Done = res, res.Committed
		cols := make([]string, 0, len(res.Mapping)+len(res.Ignored))
		for h := range res.Mapping {
			cols = append(cols, h)
		}
		cols = append(cols, res.Ignored...)
		sort.Strings(cols)
		for _, h := range cols {
			p.Columns = append(p.Columns, ImportColumn{Header: h, Field: res.Mapping[h], Auto: out.Auto[h], Remembered: remembered[h]})
		}
	case s.Map != nil:
		// cancelled or refused after the mapping screen: show it again
		for _, h := range s.Cols {
			p.Columns = append(p.Columns, ImportColumn{Header: h, Field: s.Map[h], Auto: s.Auto[h]})
		}
	default:
		// the first check of the file did not finish: choose a file again
		p.Token = ""
	}
	return p
}

// importJobPage shows a job: its progress while it runs, then its result
// (the mapping screen after a check, the counts after an import).
func (a *App) importJobPage(w http.ResponseWriter, r *http.Request, uid int64) {
	id := r.URL.Query().Get("id")
	st, spec, out, found := a.importState(r.Context(), id, uid)
	switch {
	case !found:
		a.showImportStatus(w, r, uid, &ImportJobStatus{ID: id, Unknown: true}, http.StatusNotFound)
	case out != nil:
		// a job stopped by the file or its mapping is the user's to fix
		// (422), one stopped by a failure of ours is a 500
		status := http.StatusOK
		switch {
		case out.Internal:
			status = http.StatusInternalServerError
		case out.Error != "":
			status = http.StatusUnprocessableEntity
		}
		a.showImport(w, r, uid, pageOf(spec, out), status)
	default:
		a.showImportStatus(w, r, uid, st, http.StatusOK)
	}
}

// importProgress is the fragment the job's page polls; once the job has
// ended (or is not known here) it sends the browser to the job's page.
func (a *App) importProgress(w http.ResponseWriter, r *http.Request, uid int64) {
	id := r.URL.Query().Get("id")
	st, _, out, found := a.importState(r.Context(), id, uid)
	if !found || out != nil {
		w.Header().Set("HX-Redirect", "/import/job?id="+id)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	v, err := a.importView(r, uid)
	if err != nil {
		a.fail(w, err)
		return
	}
	render(w, r, http.StatusOK, ImportProgress(v, st))
}

// importView is the frame of the import pages, for the user.
func (a *App) importView(r *http.Request, uid int64) (*View, error) {
	var v *View
	err := a.call(r.Context(), uid, false, func(env *orm.Env) error {
		var err error
		v, err = a.newView(env, "", "import")
		return err
	})
	return v, err
}

func (a *App) showImportStatus(w http.ResponseWriter, r *http.Request, uid int64, st *ImportJobStatus, status int) {
	v, err := a.importView(r, uid)
	if err != nil {
		a.fail(w, err)
		return
	}
	v.Title = v.T("Import")
	render(w, r, status, ImportJobView(v, st))
}

// importCancel cancels a job of the user: its transaction rolls back and
// nothing is written. A job of another node is asked to stop through the
// database.
func (a *App) importCancel(w http.ResponseWriter, r *http.Request, uid int64) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	r.ParseForm()
	id := r.PostFormValue("id")
	if j := a.imports.get(id, uid); j != nil {
		j.requestCancel()
		http.Redirect(w, r, j.url(), http.StatusSeeOther)
		return
	}
	found := false
	err := a.call(r.Context(), uid, false, func(env *orm.Env) error {
		var n int
		err := env.QueryRow("SELECT COUNT(*) FROM import_job WHERE token = ? AND user_id = ?", id, uid).Scan(&n)
		found = n > 0
		return err
	})
	if err == nil && found && a.Runner.DB.Dialect == db.Postgres {
		// (on SQLite there is one node: a running job not known here
		// was interrupted)
		err = a.call(r.Context(), uid, true, func(env *orm.Env) error {
			_, err := env.Exec("UPDATE import_job SET cancel_requested = ? WHERE token = ? AND user_id = ? AND state = 'running'",
				env.Dialect.BoolParam(true), id, uid)
			return err
		})
	}
	if err != nil {
		a.fail(w, err)
		return
	}
	if !found {
		a.showImportStatus(w, r, uid, &ImportJobStatus{ID: id, Unknown: true}, http.StatusNotFound)
		return
	}
	http.Redirect(w, r, "/import/job?id="+id, http.StatusSeeOther)
}

// importState finds a job of the user: in this node's memory, or else the
// state and result another node (or this one before a restart) recorded.
// out is nil while the job runs.
func (a *App) importState(ctx context.Context, id string, uid int64) (*ImportJobStatus, *importSpec, *importOutcome, bool) {
	if j := a.imports.get(id, uid); j != nil {
		st, out := j.status()
		return st, &j.spec, out, true
	}
	var state, data string
	err := a.Runner.Run(ctx, uid, nil, false, func(env *orm.Env) error {
		return env.QueryRow("SELECT state, data FROM import_job WHERE token = ? AND user_id = ?", id, uid).Scan(&state, &data)
	})
	if errors.Is(err, sql.ErrNoRows) || id == "" {
		return nil, nil, nil, false
	}
	var rec importRecord
	if err == nil {
		err = json.Unmarshal([]byte(data), &rec)
	}
	if err != nil {
		a.Log.Error("import: read a recorded job", "err", err)
		return nil, nil, nil, false
	}
	if state == "running" {
		if a.Runner.DB.Dialect != db.Postgres {
			// one node only: the job stopped with the server that ran it
			return nil, &rec.Spec, &importOutcome{Cancelled: true, Interrupted: true}, true
		}
		return &ImportJobStatus{ID: id, ModelLabel: rec.Spec.Label, FileName: rec.Spec.FileName, Dry: rec.Spec.Dry, Remote: true}, &rec.Spec, nil, true
	}
	if rec.Outcome == nil {
		rec.Outcome = &importOutcome{Internal: true}
	}
	return nil, &rec.Spec, rec.Outcome, true
}

// importTemplate downloads an empty file with the importable columns.
func (a *App) importTemplate(w http.ResponseWriter, r *http.Request, uid int64) {
	model, _, ok := importModel(r.PathValue("model"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	format := r.URL.Query().Get("format")
	if format != "xlsx" {
		format = "csv"
	}
	var buf bytes.Buffer
	err := a.call(r.Context(), uid, false, func(env *orm.Env) error {
		return imex.Template(env.Reg, model, env.Lang(), format, &buf)
	})
	if err != nil {
		a.fail(w, err)
		return
	}
	ctype := "text/csv; charset=utf-8"
	if format == "xlsx" {
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(model, ".", "_")+`_template.`+format+`"`)
	w.Write(buf.Bytes())
}

// ---------------------------------------------------------------------
// Background jobs

// importJobTTL is how long a finished job stays in the memory of the node
// that ran it; its result stays in import_job for importJobKeep.
const (
	importJobTTL  = time.Hour
	importJobKeep = 24 * time.Hour
)

// importSpec is what a job was asked to do.
type importSpec struct {
	Model, Label, Token, FileName string
	Preset, UpdateBy              string
	SkipInvalid, CreateMissing    bool
	Dry                           bool
	// Map is the mapping chosen on the mapping screen (nil for the first
	// check of an upload), Cols its columns in the screen's order, Auto
	// the automatic matching of those columns.
	Map, Auto map[string]string `json:",omitempty"`
	Cols      []string          `json:",omitempty"`
}

// importOutcome is what came of a job.
type importOutcome struct {
	Result                 *imex.Result  `json:",omitempty"`
	Error                  string        `json:",omitempty"`
	ErrorMsg               *imex.Message `json:",omitempty"` // Error, to translate
	Internal               bool          `json:",omitempty"`
	Cancelled, Interrupted bool          `json:",omitempty"`
	Remembered             []string      `json:",omitempty"`
	// Auto is the automatic matching of the file's columns.
	Auto map[string]string `json:",omitempty"`
}

// importRecord is the JSON kept in import_job.data.
type importRecord struct {
	Spec    importSpec
	Outcome *importOutcome `json:",omitempty"`
}

// ImportJobStatus is what the progress page shows of a running job.
type ImportJobStatus struct {
	ID, ModelLabel, FileName string
	Dry                      bool
	Rows, Total              int
	// Left estimates the time left (negative: not known yet).
	Left       time.Duration
	Cancelling bool
	// Remote: the job runs on another node, which alone knows its
	// progress. Unknown: no job of the user has this id.
	Remote, Unknown bool
}

// importJob is an import, or its check, running in the background for
// one user on this node.
type importJob struct {
	id     string
	uid    int64
	spec   importSpec
	cancel context.CancelFunc
	done   chan struct{} // closed once the job has ended and its outcome is recorded in the database
	hook   func(id string, dry bool, done, total int)
	every  time.Duration // how often the database is asked whether another node cancelled the job

	mu         sync.Mutex
	rows       int
	total      int
	passStart  time.Time
	lastCheck  time.Time
	cancelling bool
	finished   time.Time
	out        *importOutcome
}

func (j *importJob) url() string { return "/import/job?id=" + j.id }

// importJobs holds the jobs of this node. Their contexts derive from ctx,
// which the App owns: shutting the server down cancels them (and their
// transactions roll back).
type importJobs struct {
	mu   sync.Mutex
	jobs map[string]*importJob
	ctx  context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup
	// hook is called on each progress report (tests); remoteEvery is how
	// often a job reads whether another node asked to cancel it.
	hook        func(id string, dry bool, done, total int)
	remoteEvery time.Duration
}

func newImportJobs() *importJobs {
	ctx, stop := context.WithCancel(context.Background())
	return &importJobs{jobs: map[string]*importJob{}, ctx: ctx, stop: stop, remoteEvery: time.Second}
}

// sweep forgets the jobs that ended more than importJobTTL ago. The
// caller holds js.mu.
func (js *importJobs) sweep(now time.Time) {
	for id, j := range js.jobs {
		j.mu.Lock()
		old := !j.finished.IsZero() && now.Sub(j.finished) > importJobTTL
		j.mu.Unlock()
		if old {
			delete(js.jobs, id)
		}
	}
}

// get returns a job of the user (nil when it is not known here or is
// another user's).
func (js *importJobs) get(id string, uid int64) *importJob {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.sweep(time.Now())
	j := js.jobs[id]
	if j == nil || j.uid != uid {
		return nil
	}
	return j
}

// Shutdown cancels the imports running on this node (nothing of them is
// written) and waits until they have ended or ctx is done.
func (a *App) Shutdown(ctx context.Context) error {
	a.imports.stop()
	done := make(chan struct{})
	go func() {
		a.imports.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// startImport starts a job for the user. A second submission of the same
// import while it runs (a double click) joins the running job.
func (a *App) startImport(r *http.Request, uid int64, spec importSpec, data []byte) *importJob {
	js := a.imports
	js.mu.Lock()
	defer js.mu.Unlock()
	js.sweep(time.Now())
	if !spec.Dry {
		for _, j := range js.jobs {
			if j.uid == uid && !j.spec.Dry && j.spec.Token == spec.Token && !j.ended() {
				return j
			}
		}
	}
	ctx, cancel := context.WithCancel(js.ctx)
	j := &importJob{id: newToken(), uid: uid, spec: spec, cancel: cancel, done: make(chan struct{}), hook: js.hook,
		every: js.remoteEvery, passStart: time.Now()}
	js.jobs[j.id] = j
	js.wg.Add(1)
	go func() {
		defer js.wg.Done()
		defer cancel()
		out := a.runImportJob(ctx, j, data)
		j.mu.Lock()
		j.out, j.finished = out, time.Now()
		j.mu.Unlock()
		a.finishImportJob(ctx, j, out)
		close(j.done)
	}()
	return j
}

func (j *importJob) ended() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.out != nil
}

func (j *importJob) requestCancel() {
	j.mu.Lock()
	j.cancelling = true
	j.mu.Unlock()
	j.cancel()
}

func (j *importJob) cancelRequested() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.cancelling
}

// startPass resets the progress for a pass over the file and returns the
// progress callback of imex.
func (j *importJob) startPass(a *App, ctx context.Context) func(done, total int) {
	j.mu.Lock()
	j.rows, j.total, j.passStart = 0, 0, time.Now()
	j.mu.Unlock()
	return func(done, total int) {
		now := time.Now()
		j.mu.Lock()
		j.rows, j.total = done, total
		check := now.Sub(j.lastCheck) >= j.every
		if check {
			j.lastCheck = now
		}
		j.mu.Unlock()
		if j.hook != nil {
			j.hook(j.id, j.spec.Dry, done, total)
		}
		if check && a.Runner.DB.Dialect == db.Postgres {
			// another node may have been asked to cancel this job
			var n int
			err := a.Runner.Run(ctx, j.uid, nil, false, func(env *orm.Env) error {
				return env.QueryRow("SELECT COUNT(*) FROM import_job WHERE token = ? AND cancel_requested = ?", j.id, env.Dialect.BoolParam(true)).Scan(&n)
			})
			if err == nil && n > 0 {
				j.requestCancel()
			}
		}
	}
}

// status is what the job's page shows: its progress, or its outcome once
// it has ended.
func (j *importJob) status() (*ImportJobStatus, *importOutcome) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.out != nil {
		return nil, j.out
	}
	st := &ImportJobStatus{ID: j.id, ModelLabel: j.spec.Label, FileName: j.spec.FileName, Dry: j.spec.Dry,
		Rows: j.rows, Total: j.total, Cancelling: j.cancelling, Left: -1}
	if j.rows > 0 && j.total >= j.rows {
		elapsed := time.Since(j.passStart)
		st.Left = time.Duration(float64(elapsed) * float64(j.total-j.rows) / float64(j.rows))
	}
	return st, nil
}

// recordImportJob records a starting job, so that any node can tell what
// became of it; old records are forgotten.
func (a *App) recordImportJob(ctx context.Context, j *importJob) error {
	data, err := json.Marshal(importRecord{Spec: j.spec})
	if err != nil {
		return err
	}
	return a.Runner.Run(ctx, j.uid, nil, true, func(env *orm.Env) error {
		if _, err := env.Exec("DELETE FROM import_job WHERE created_at < ?", env.Dialect.TimeParam(env.Now.Add(-importJobKeep))); err != nil {
			return err
		}
		_, err := env.Exec("INSERT INTO import_job (token, user_id, state, data, created_at) VALUES (?, ?, 'running', ?, ?)",
			j.id, j.uid, string(data), env.Dialect.TimeParam(env.Now))
		return err
	})
}

// finishImportJob records the outcome of a job (even when it was
// cancelled: the record outlives the job's context).
func (a *App) finishImportJob(ctx context.Context, j *importJob, out *importOutcome) {
	state := "done"
	switch {
	case out.Cancelled:
		state = "cancelled"
	case out.Error != "" || out.Internal:
		state = "failed"
	}
	data, err := json.Marshal(importRecord{Spec: j.spec, Outcome: out})
	if err == nil {
		c, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		err = a.Runner.Run(c, j.uid, nil, true, func(env *orm.Env) error {
			_, err := env.Exec("UPDATE import_job SET state = ?, data = ?, finished_at = ? WHERE token = ?",
				state, string(data), env.Dialect.TimeParam(env.Now), j.id)
			return err
		})
	}
	if err != nil {
		a.Log.Warn("import: record the outcome of a job", "err", err)
	}
}
