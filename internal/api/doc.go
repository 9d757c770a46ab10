package api

import (
	"html/template"
	"net/http"
	"sort"
	"strings"

	"github.com/kanso-crm/kanso/internal/orm"
)

// modelDoc describes one model for /doc, generated from the registry.
type modelDoc struct {
	Model       string           `json:"model"`
	Description string           `json:"description"`
	Order       string           `json:"order"`
	Fields      []map[string]any `json:"fields"`
	Methods     []methodDoc      `json:"methods"`
}

type methodDoc struct {
	Name    string   `json:"name"`
	Params  []string `json:"params"`
	OnIDs   bool     `json:"on_ids"`
	Doc     string   `json:"doc"`
	Example string   `json:"example"`
}

func describeModel(m *orm.Model) modelDoc {
	d := modelDoc{Model: m.Name, Description: m.Description, Order: m.Order}
	for _, f := range m.Fields() {
		fd := orm.FieldDescription(f)
		if f.Secret {
			fd["write_only"] = true
		}
		d.Fields = append(d.Fields, fd)
	}
	for _, meth := range m.Methods() {
		ex := `{`
		var parts []string
		if !meth.Model {
			parts = append(parts, `"ids": [1]`)
		}
		for _, p := range meth.Params {
			parts = append(parts, `"`+p+`": …`)
		}
		ex += strings.Join(parts, ", ") + `}`
		d.Methods = append(d.Methods, methodDoc{Name: meth.Name, Params: append([]string{}, meth.Params...), OnIDs: !meth.Model, Doc: meth.Doc,
			Example: "POST /json/2/" + m.Name + "/" + meth.Name + " " + ex})
	}
	return d
}

func wantsJSON(r *http.Request) bool {
	return r.URL.Query().Get("format") == "json" || strings.Contains(r.Header.Get("Accept"), "application/json")
}

func (s *Service) handleDoc(w http.ResponseWriter, r *http.Request) {
	models := s.Runner.Reg.Models()
	if wantsJSON(r) {
		out := make([]modelDoc, 0, len(models))
		for _, m := range models {
			out = append(out, describeModel(m))
		}
		writeJSON(w, http.StatusOK, map[string]any{"version": ServerVersion, "models": out})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	docIndex.Execute(w, map[string]any{"Models": models})
}

func (s *Service) handleDocModel(w http.ResponseWriter, r *http.Request) {
	m := s.Runner.Reg.Model(r.PathValue("model"))
	if m == nil {
		status, p := s.errorPayload(orm.NotFoundf("Model %q does not exist", r.PathValue("model")))
		if wantsJSON(r) {
			writeJSON(w, status, p)
			return
		}
		http.Error(w, p["message"].(string), status)
		return
	}
	d := describeModel(m)
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, d)
		return
	}
	sort.SliceStable(d.Fields, func(i, j int) bool { return d.Fields[i]["name"].(string) < d.Fields[j]["name"].(string) })
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	docModel.Execute(w, d)
}

const docStyle = `<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem 1.5rem;color:#1f2933}
table{border-collapse:collapse;width:100%;margin:1rem 0}td,th{border-bottom:1px solid #e4e7eb;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f5f7fa}code{background:#f5f7fa;padding:0 .2rem;border-radius:3px}a{color:#0b69a3}
h1 small{font-size:.9rem;color:#52606d;font-weight:normal}</style>`

var docIndex = template.Must(template.New("doc").Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Kanso API reference</title>` + docStyle + `</head><body>
<h1>Kanso API <small>Odoo 19 compatible</small></h1>
<p>Call any method with <code>POST /json/2/&lt;model&gt;/&lt;method&gt;</code>, the header <code>Authorization: bearer &lt;API key&gt;</code>
and the named arguments as a JSON object (<code>ids</code> for record methods, <code>context</code> optional).
XML-RPC (<code>/xmlrpc/2/common</code>, <code>/xmlrpc/2/object</code>) and JSON-RPC (<code>/jsonrpc</code>) take the same methods with positional arguments.
This page as JSON: <a href="/doc?format=json">/doc?format=json</a>.</p>
<table><tr><th>Model</th><th>Description</th><th>Fields</th><th>Methods</th></tr>
{{range .Models}}<tr><td><a href="/doc/{{.Name}}"><code>{{.Name}}</code></a></td><td>{{.Description}}</td><td>{{len .Fields}}</td><td>{{len .Methods}}</td></tr>
{{end}}</table></body></html>`))

var docModel = template.Must(template.New("model").Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Model}} · Kanso API</title>` + docStyle + `</head><body>
<p><a href="/doc">← all models</a></p>
<h1><code>{{.Model}}</code> <small>{{.Description}}</small></h1>
<p>Default order: <code>{{.Order}}</code>. As JSON: <a href="/doc/{{.Model}}?format=json">/doc/{{.Model}}?format=json</a>.</p>
<h2>Fields</h2>
<table><tr><th>Name</th><th>Type</th><th>Label</th><th>Required</th><th>Stored</th><th>Help</th></tr>
{{range .Fields}}<tr><td><code>{{index . "name"}}</code></td><td>{{index . "type"}}{{with index . "relation"}} → <a href="/doc/{{.}}"><code>{{.}}</code></a>{{end}}{{with index . "selection"}}<br>{{range .}}<code>{{index . 0}}</code> {{index . 1}}<br>{{end}}{{end}}</td>
<td>{{index . "string"}}</td><td>{{if index . "required"}}yes{{end}}</td><td>{{if index . "store"}}yes{{end}}</td><td>{{with index . "help"}}{{.}}{{end}}</td></tr>
{{end}}</table>
<h2>Methods</h2>
<table><tr><th>Method</th><th>Arguments</th><th>What it does</th></tr>
{{range .Methods}}<tr><td><code>{{.Name}}</code></td><td>{{if .OnIDs}}<code>ids</code> {{end}}{{range .Params}}<code>{{.}}</code> {{end}}</td><td>{{.Doc}}<br><code>{{.Example}}</code></td></tr>
{{end}}</table></body></html>`))
