package web

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/kanso-crm/kanso/internal/imex"
	"github.com/kanso-crm/kanso/internal/orm"
)

// MaxImportSize bounds an uploaded file (50 MiB: about a million rows of CSV).
const MaxImportSize = 50 << 20

// importModels are the models the import page offers.
var importModels = [][2]string{{"crm.lead", "Leads/Opportunities"}, {"res.partner", "Customers"}, {"crm.tag", "Tags"}, {"crm.stage", "Stages"}}

// ImportPage is the import screen: the upload form, then the mapping with
// the problems the check found.
type ImportPage struct {
	Model, ModelLabel string
	Presets           []string
	Token, FileName   string
	Columns           []ImportColumn
	Fields            [][2]string // path, label
	Result            *imex.Result
	Error             string
	Done              bool
	Preset, UpdateBy  string
	SkipInvalid       bool
	CreateMissing     bool
}

// ImportColumn is one column of the file and the field it feeds.
type ImportColumn struct{ Header, Field string }

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

// importUpload stores the file and checks it (a dry run).
func (a *App) importUpload(w http.ResponseWriter, r *http.Request, uid int64) {
	model, label, ok := importModel(r.PathValue("model"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	p := &ImportPage{Model: model, ModelLabel: label}
	r.Body = http.MaxBytesReader(w, r.Body, MaxImportSize+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		p.Error = "The file is too large or could not be read."
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			p.Error = fmt.Sprintf("The file is larger than %d MB; split it into several files.", MaxImportSize>>20)
		}
		a.showImport(w, r, uid, p, http.StatusBadRequest)
		return
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		p.Error = "Choose a CSV or XLSX file to import."
		a.showImport(w, r, uid, p, http.StatusUnprocessableEntity)
		return
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		p.Error = "The file could not be read."
		a.showImport(w, r, uid, p, http.StatusBadRequest)
		return
	}
	p.Token, p.FileName = newToken(), hdr.Filename
	p.Preset = r.FormValue("preset")
	err = a.call(r.Context(), uid, true, func(env *orm.Env) error {
		// forget uploads older than a day
		if _, err := env.Exec("DELETE FROM import_upload WHERE created_at < ?", env.Dialect.TimeParam(env.Now.Add(-24*time.Hour))); err != nil {
			return err
		}
		_, err := env.Exec("INSERT INTO import_upload (token, user_id, model, name, data, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			p.Token, uid, model, p.FileName, data, env.Dialect.TimeParam(env.Now))
		return err
	})
	if err != nil {
		a.fail(w, err)
		return
	}
	a.runImport(w, r, uid, p, data, nil, true)
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

// importRun checks again with an edited mapping, or imports.
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
	p := &ImportPage{Model: model, ModelLabel: label, Token: token, FileName: name, Preset: r.PostFormValue("preset"),
		UpdateBy: r.PostFormValue("update_by"), SkipInvalid: r.PostFormValue("skip_invalid") == "1", CreateMissing: r.PostFormValue("create_missing") == "1"}
	mapping := map[string]string{}
	for _, h := range r.PostForm["col"] {
		mapping[h] = r.PostFormValue("map:" + h)
	}
	a.runImport(w, r, uid, p, data, mapping, r.PostFormValue("do") != "import")
}

func (a *App) runImport(w http.ResponseWriter, r *http.Request, uid int64, p *ImportPage, data []byte, mapping map[string]string, dry bool) {
	res, err := imex.Import(r.Context(), a.Runner, uid, bytes.NewReader(data), p.FileName, imex.Options{Model: p.Model, Map: mapping, Preset: p.Preset,
		UpdateBy: p.UpdateBy, SkipInvalid: p.SkipInvalid, CreateMissing: p.CreateMissing, DryRun: dry})
	if err != nil {
		e := orm.AsError(err)
		if e.Kind == orm.KindInternal && !strings.Contains(err.Error(), "imex") {
			a.fail(w, err)
			return
		}
		p.Error = err.Error()
		a.showImport(w, r, uid, p, http.StatusUnprocessableEntity)
		return
	}
	p.Result = res
	cols := make([]string, 0, len(res.Mapping)+len(res.Ignored))
	for h := range res.Mapping {
		cols = append(cols, h)
	}
	cols = append(cols, res.Ignored...)
	sort.Strings(cols)
	for _, h := range cols {
		p.Columns = append(p.Columns, ImportColumn{Header: h, Field: res.Mapping[h]})
	}
	p.Done = res.Committed
	status := http.StatusOK
	if res.HasProblems() && !res.Committed {
		status = http.StatusUnprocessableEntity
	}
	if p.Done {
		a.call(r.Context(), uid, true, func(env *orm.Env) error {
			_, err := env.Exec("DELETE FROM import_upload WHERE token = ?", p.Token)
			return err
		})
	}
	a.showImport(w, r, uid, p, status)
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
