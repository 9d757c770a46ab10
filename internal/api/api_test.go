package api_test

// End-to-end tests of Kanso's external APIs: the real program is booted
// on a free port (SQLite always, PostgreSQL when KANSO_TEST_POSTGRES is
// set) and spoken to over real HTTP, as an Odoo integrator would.

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kanso-crm/kanso/internal/app"
	"github.com/kanso-crm/kanso/internal/apptest"
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

// ---------------------------------------------------------------------
// Harness

type harness struct {
	srv      *apptest.Server
	url      string
	adminKey string
	adminUID int64
	ro, be   int64 // res.country ids of Romania and Belgium
}

func newHarness(t *testing.T, srv *apptest.Server) *harness {
	t.Helper()
	h := &harness{srv: srv, url: srv.URL}
	h.adminKey = srv.APIKey(t, "admin")
	srv.Sudo(t, func(env *orm.Env) error {
		var err error
		if h.adminUID, err = base.XID(env, "base.user_admin"); err != nil {
			return err
		}
		if h.ro, err = base.XID(env, "base.ro"); err != nil {
			return err
		}
		h.be, err = base.XID(env, "base.be")
		return err
	})
	if h.adminUID == 0 || h.ro == 0 || h.be == 0 {
		t.Fatalf("install data missing: admin %d, ro %d, be %d", h.adminUID, h.ro, h.be)
	}
	return h
}

// startWithMaxBody boots the real program like apptest.Start, with a
// small request body limit.
func startWithMaxBody(t *testing.T, b testutil.Backend, maxBody int64) *apptest.Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, app.Config{Addr: "127.0.0.1:0", DB: b.URL, AdminPassword: apptest.AdminPassword,
		Log: testutil.Logger(t), MaxBody: maxBody})
	if err != nil {
		cancel()
		t.Fatalf("open app on %s: %v", b.Name, err)
	}
	if err := a.Listen(); err != nil {
		cancel()
		a.Close()
		t.Fatalf("listen: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && err != http.ErrServerClosed {
			t.Logf("serve: %v", err)
		}
		a.Close()
	})
	return &apptest.Server{App: a, URL: a.URL()}
}

var httpClient = &http.Client{Timeout: 60 * time.Second}

// post sends a raw request and returns the status, headers and body.
func post(t *testing.T, url string, hdr map[string]string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("POST %s: read body: %v", url, err)
	}
	return resp.StatusCode, resp.Header, data
}

func get(t *testing.T, url string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := httpClient.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", url, err)
	}
	return resp.StatusCode, resp.Header, data
}

// decode parses JSON with integral numbers as int64 and others as float64.
func decode(t *testing.T, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("response is not JSON (%v): %q", err, truncate(string(data)))
	}
	return numbers(v)
}

func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = numbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = numbers(x[k])
		}
	}
	return v
}

func truncate(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}

// js renders a value as canonical JSON (map keys sorted) for comparisons.
func js(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return string(b)
}

func eq(t *testing.T, what string, got, want any) {
	t.Helper()
	if js(got) != js(want) {
		t.Errorf("%s:\n got  %s\n want %s", what, js(got), js(want))
	}
}

func jsonHeaders(key string) map[string]string {
	return map[string]string{"Authorization": "bearer " + key, "Content-Type": "application/json; charset=utf-8"}
}

// call makes one JSON-2 call and returns the status and decoded body.
func (h *harness) call(t *testing.T, key, model, method string, args map[string]any) (int, any) {
	t.Helper()
	if args == nil {
		args = map[string]any{}
	}
	body, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	status, hdr, data := post(t, h.url+"/json/2/"+model+"/"+method, jsonHeaders(key), body)
	if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s/%s: Content-Type %q, want application/json", model, method, ct)
	}
	return status, decode(t, data)
}

// ok makes a JSON-2 call that must succeed.
func (h *harness) ok(t *testing.T, key, model, method string, args map[string]any) any {
	t.Helper()
	status, v := h.call(t, key, model, method, args)
	if status != http.StatusOK {
		t.Fatalf("%s/%s %s: HTTP %d: %s", model, method, js(args), status, js(v))
	}
	return v
}

// admin makes a JSON-2 call as the administrator that must succeed.
func (h *harness) admin(t *testing.T, model, method string, args map[string]any) any {
	t.Helper()
	return h.ok(t, h.adminKey, model, method, args)
}

// checkError asserts Odoo's JSON-2 error shape, status, exception name
// and that the message holds every part.
func checkError(t *testing.T, status int, v any, wantStatus int, wantName string, parts ...string) map[string]any {
	t.Helper()
	if status != wantStatus {
		t.Errorf("HTTP status %d, want %d; body %s", status, wantStatus, js(v))
	}
	e, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("error body is not an object: %s", js(v))
	}
	var keys []string
	for k := range e {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	eq(t, "error keys", keys, []string{"arguments", "context", "debug", "message", "name"})
	if e["name"] != wantName {
		t.Errorf("error name %v, want %s (message %v)", e["name"], wantName, e["message"])
	}
	msg, _ := e["message"].(string)
	if msg == "" {
		t.Errorf("error message is empty: %s", js(e))
	}
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("error message %q does not contain %q", msg, p)
		}
	}
	if args, ok := e["arguments"].([]any); !ok || len(args) == 0 || args[0] != msg {
		t.Errorf("error arguments %s: want a list starting with the message", js(e["arguments"]))
	}
	if _, ok := e["context"].(map[string]any); !ok {
		t.Errorf("error context %s: want an object", js(e["context"]))
	}
	if _, ok := e["debug"].(string); !ok {
		t.Errorf("error debug %s: want a string", js(e["debug"]))
	}
	return e
}

// fail makes a JSON-2 call that must fail as described.
func (h *harness) fail(t *testing.T, key, model, method string, args map[string]any, wantStatus int, wantName string, parts ...string) map[string]any {
	t.Helper()
	status, v := h.call(t, key, model, method, args)
	return checkError(t, status, v, wantStatus, wantName, parts...)
}

// count counts rows straight from the database (not through the API).
func (h *harness) count(t *testing.T, table, where string, args ...any) int64 {
	t.Helper()
	var n int64
	q := "SELECT count(*) FROM " + table
	if where != "" {
		q += " WHERE " + where
	}
	h.srv.Sudo(t, func(env *orm.Env) error { return env.QueryRow(q, args...).Scan(&n) })
	return n
}

func asID(t *testing.T, v any) int64 {
	t.Helper()
	n, ok := v.(int64)
	if !ok || n <= 0 {
		t.Fatalf("want a record id, got %s", js(v))
	}
	return n
}

func asIDs(t *testing.T, v any) []int64 {
	t.Helper()
	l, ok := v.([]any)
	if !ok {
		t.Fatalf("want a list of ids, got %s", js(v))
	}
	out := make([]int64, len(l))
	for i, x := range l {
		out[i] = asID(t, x)
	}
	return out
}

func asRecords(t *testing.T, v any) []map[string]any {
	t.Helper()
	l, ok := v.([]any)
	if !ok {
		t.Fatalf("want a list of records, got %s", js(v))
	}
	out := make([]map[string]any, len(l))
	for i, x := range l {
		m, ok := x.(map[string]any)
		if !ok {
			t.Fatalf("record %d is not an object: %s", i, js(x))
		}
		out[i] = m
	}
	return out
}

// createPartners creates partners as admin and returns their ids.
func (h *harness) createPartners(t *testing.T, vals ...map[string]any) []int64 {
	t.Helper()
	list := make([]any, len(vals))
	for i, v := range vals {
		list[i] = v
	}
	return asIDs(t, h.admin(t, "res.partner", "create", map[string]any{"vals_list": list}))
}

func (h *harness) readOne(t *testing.T, key, model string, id int64, fields ...string) map[string]any {
	t.Helper()
	recs := asRecords(t, h.ok(t, key, model, "read", map[string]any{"ids": []int64{id}, "fields": fields}))
	if len(recs) != 1 {
		t.Fatalf("read %s(%d): %d records", model, id, len(recs))
	}
	return recs[0]
}

func tagDomain(tag string) []any { return []any{[]any{"ref", "=", tag}} }

var datetimeRe = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`)

// ---------------------------------------------------------------------
// JSON-2: the ORM methods integrators call

func TestJSON2Methods(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		h := newHarness(t, apptest.Start(t, b))
		for _, sc := range json2Scenarios {
			t.Run(sc.name, func(t *testing.T) { sc.run(t, h, "t-"+strings.ReplaceAll(sc.name, " ", "-")) })
		}
	})
}

type scenario struct {
	name string
	// run gets a tag unique to the scenario, to put in partners' ref.
	run func(t *testing.T, h *harness, tag string)
}

var json2Scenarios = []scenario{
	{"create with a dict returns an id, with a list the ids", func(t *testing.T, h *harness, tag string) {
		before := h.count(t, "res_partner", "")
		one := asID(t, h.admin(t, "res.partner", "create", map[string]any{"vals_list": map[string]any{"name": "Solo", "ref": tag}}))
		many := asIDs(t, h.admin(t, "res.partner", "create", map[string]any{"vals_list": []any{
			map[string]any{"name": "Duo A", "ref": tag}, map[string]any{"name": "Duo B", "ref": tag}}}))
		if len(many) != 2 || many[0] == many[1] || many[0] == one || many[1] == one {
			t.Fatalf("create list gave %v (single gave %d)", many, one)
		}
		if n := h.count(t, "res_partner", "ref = ?", tag); n != 3 {
			t.Errorf("%d partners in the database with the tag, want 3", n)
		}
		if n := h.count(t, "res_partner", ""); n != before+3 {
			t.Errorf("%d partners, want %d", n, before+3)
		}
		for _, id := range append(many, one) {
			r := h.readOne(t, h.adminKey, "res.partner", id, "name", "ref", "create_uid", "active", "type")
			if r["ref"] != tag || r["active"] != true || r["type"] != "contact" {
				t.Errorf("created partner %d: %s", id, js(r))
			}
			eq(t, "create_uid", r["create_uid"], []any{h.adminUID, "Administrator"})
		}
		eq(t, "create with an empty list", h.admin(t, "res.partner", "create", map[string]any{"vals_list": []any{}}), []any{})
	}},
	{"search with domain order limit and offset", func(t *testing.T, h *harness, tag string) {
		ids := h.createPartners(t,
			map[string]any{"name": "S-A", "ref": tag, "employee_count": 1},
			map[string]any{"name": "S-B", "ref": tag, "employee_count": 2},
			map[string]any{"name": "S-C", "ref": tag, "employee_count": 3},
			map[string]any{"name": "S-D", "ref": tag, "employee_count": 4})
		dom := []any{[]any{"ref", "=", tag}, []any{"employee_count", ">=", 2}}
		eq(t, "search order desc", h.admin(t, "res.partner", "search", map[string]any{"domain": dom, "order": "employee_count desc"}),
			[]int64{ids[3], ids[2], ids[1]})
		eq(t, "search limit/offset", h.admin(t, "res.partner", "search", map[string]any{"domain": dom, "order": "employee_count desc", "limit": 2, "offset": 1}),
			[]int64{ids[2], ids[1]})
		// default order: complete_name asc
		eq(t, "search default order", h.admin(t, "res.partner", "search", map[string]any{"domain": tagDomain(tag)}), ids)
		eq(t, "search with !", h.admin(t, "res.partner", "search", map[string]any{
			"domain": []any{[]any{"ref", "=", tag}, "!", []any{"name", "in", []any{"S-A", "S-C"}}}}), []int64{ids[1], ids[3]})
		eq(t, "search matching nothing", h.admin(t, "res.partner", "search", map[string]any{
			"domain": []any{[]any{"ref", "=", tag}, []any{"employee_count", ">", 99}}}), []any{})
	}},
	{"search_count", func(t *testing.T, h *harness, tag string) {
		h.createPartners(t, map[string]any{"name": "C1", "ref": tag}, map[string]any{"name": "C2", "ref": tag},
			map[string]any{"name": "C3", "ref": tag, "is_company": true})
		eq(t, "search_count", h.admin(t, "res.partner", "search_count", map[string]any{"domain": tagDomain(tag)}), 3)
		eq(t, "search_count companies", h.admin(t, "res.partner", "search_count", map[string]any{
			"domain": []any{[]any{"ref", "=", tag}, []any{"is_company", "=", true}}}), 1)
		eq(t, "search_count with limit", h.admin(t, "res.partner", "search_count", map[string]any{"domain": tagDomain(tag), "limit": 2}), 2)
	}},
	{"search_read with dotted path and or", func(t *testing.T, h *harness, tag string) {
		ids := h.createPartners(t,
			map[string]any{"name": "Ro One", "ref": tag, "country_id": h.ro},
			map[string]any{"name": "Be Two", "ref": tag, "country_id": h.be},
			map[string]any{"name": "Nowhere", "ref": tag})
		got := h.admin(t, "res.partner", "search_read", map[string]any{
			"domain": []any{[]any{"ref", "=", tag}, "|", []any{"country_id.code", "=", "RO"}, []any{"name", "=", "Nowhere"}},
			"fields": []string{"name", "country_id"}, "order": "name"})
		eq(t, "search_read", got, []any{
			map[string]any{"id": ids[2], "name": "Nowhere", "country_id": false},
			map[string]any{"id": ids[0], "name": "Ro One", "country_id": []any{h.ro, "Romania"}},
		})
		got = h.admin(t, "res.partner", "search_read", map[string]any{
			"domain": []any{[]any{"ref", "=", tag}, []any{"country_id.name", "ilike", "belg"}},
			"fields": []string{"name"}})
		eq(t, "search_read dotted ilike", got, []any{map[string]any{"id": ids[1], "name": "Be Two"}})
		// a string on a many2one searches the comodel's display name
		got = h.admin(t, "res.partner", "search_read", map[string]any{
			"domain": []any{[]any{"ref", "=", tag}, []any{"country_id", "=", "Belgium"}}, "fields": []string{"name"}})
		eq(t, "search_read many2one by name", got, []any{map[string]any{"id": ids[1], "name": "Be Two"}})
		// limit, offset and load null
		got = h.admin(t, "res.partner", "search_read", map[string]any{
			"domain": tagDomain(tag), "fields": []string{"country_id"}, "order": "name desc", "limit": 1, "offset": 1, "load": nil})
		eq(t, "search_read limit/offset/load", got, []any{map[string]any{"id": ids[2], "country_id": false}})
	}},
	{"read formats values as Odoo does", func(t *testing.T, h *harness, tag string) {
		ids := h.createPartners(t,
			map[string]any{"name": "Fmt", "ref": tag, "country_id": h.ro, "birthdate": "1990-05-17", "credit_limit": 12.5, "is_company": true},
			map[string]any{"name": "Fmt Child", "ref": tag})
		h.admin(t, "res.partner", "write", map[string]any{"ids": []int64{ids[1]}, "vals": map[string]any{"parent_id": ids[0]}})
		fields := []string{"name", "country_id", "parent_id", "email", "birthdate", "create_date", "employee_count",
			"credit_limit", "is_company", "category_id", "child_ids", "type", "display_name"}
		recs := asRecords(t, h.admin(t, "res.partner", "read", map[string]any{"ids": ids, "fields": fields}))
		if len(recs) != 2 {
			t.Fatalf("read gave %d records", len(recs))
		}
		p, c := recs[0], recs[1]
		if len(p) != len(fields)+1 {
			t.Errorf("read returned keys %s, want id and the %d fields asked", js(p), len(fields))
		}
		eq(t, "id", p["id"], ids[0])
		eq(t, "many2one", p["country_id"], []any{h.ro, "Romania"})
		eq(t, "unset many2one", p["parent_id"], false)
		eq(t, "unset char", p["email"], false)
		eq(t, "date", p["birthdate"], "1990-05-17")
		if s, _ := p["create_date"].(string); !datetimeRe.MatchString(s) {
			t.Errorf("datetime %s, want \"YYYY-MM-DD HH:MM:SS\"", js(p["create_date"]))
		}
		eq(t, "unset integer", p["employee_count"], 0)
		eq(t, "float", p["credit_limit"], 12.5)
		eq(t, "boolean", p["is_company"], true)
		eq(t, "empty many2many", p["category_id"], []any{})
		eq(t, "one2many", p["child_ids"], []int64{ids[1]})
		eq(t, "selection", p["type"], "contact")
		eq(t, "display_name", p["display_name"], "Fmt")
		eq(t, "child's parent", c["parent_id"], []any{ids[0], "Fmt"})
		eq(t, "child's display_name", c["display_name"], "Fmt, Fmt Child")
		eq(t, "unset date", c["birthdate"], false)
		eq(t, "unset float", c["credit_limit"], 0)

		// load null: many2one as a bare id
		bare := asRecords(t, h.admin(t, "res.partner", "read", map[string]any{"ids": ids, "fields": []string{"country_id", "parent_id"}, "load": nil}))
		eq(t, "read load null", bare, []any{
			map[string]any{"id": ids[0], "country_id": h.ro, "parent_id": false},
			map[string]any{"id": ids[1], "country_id": false, "parent_id": ids[0]}})
		// records come back in the order of ids
		rev := asRecords(t, h.admin(t, "res.partner", "read", map[string]any{"ids": []int64{ids[1], ids[0]}, "fields": []string{"name"}}))
		eq(t, "read order", rev, []any{map[string]any{"id": ids[1], "name": "Fmt Child"}, map[string]any{"id": ids[0], "name": "Fmt"}})
		// no fields: every readable field, passwords never
		all := h.readOne(t, h.adminKey, "res.partner", ids[0])
		for _, f := range []string{"id", "name", "complete_name", "country_id", "write_date", "display_name", "active"} {
			if _, ok := all[f]; !ok {
				t.Errorf("read without fields lacks %q", f)
			}
		}
		u := h.readOne(t, h.adminKey, "res.users", h.adminUID)
		if pw, ok := u["password"]; ok && pw != false && pw != "" {
			t.Errorf("read of res.users shows the password hash: %s", js(pw))
		}
	}},
	{"write updates the records and returns true", func(t *testing.T, h *harness, tag string) {
		ids := h.createPartners(t, map[string]any{"name": "W1", "ref": tag}, map[string]any{"name": "W2", "ref": tag})
		eq(t, "write result", h.admin(t, "res.partner", "write", map[string]any{"ids": ids,
			"vals": map[string]any{"email": "Team <Team@Example.COM>", "country_id": h.be}}), true)
		recs := asRecords(t, h.admin(t, "res.partner", "read", map[string]any{"ids": ids, "fields": []string{"name", "email", "email_normalized", "country_id"}, "load": nil}))
		eq(t, "after write", recs, []any{
			map[string]any{"id": ids[0], "name": "W1", "email": "Team <Team@Example.COM>", "email_normalized": "team@example.com", "country_id": h.be},
			map[string]any{"id": ids[1], "name": "W2", "email": "Team <Team@Example.COM>", "email_normalized": "team@example.com", "country_id": h.be}})
		// false clears a value
		h.admin(t, "res.partner", "write", map[string]any{"ids": ids[:1], "vals": map[string]any{"country_id": false, "email": false}})
		r := h.readOne(t, h.adminKey, "res.partner", ids[0], "email", "country_id", "email_normalized")
		eq(t, "cleared", r, map[string]any{"id": ids[0], "email": false, "country_id": false, "email_normalized": false})
		if n := h.count(t, "res_partner", "id = ? AND email IS NULL AND country_id IS NULL", ids[0]); n != 1 {
			t.Errorf("cleared values are not NULL in the database")
		}
	}},
	{"unlink deletes the records", func(t *testing.T, h *harness, tag string) {
		ids := h.createPartners(t, map[string]any{"name": "U1", "ref": tag}, map[string]any{"name": "U2", "ref": tag})
		eq(t, "unlink result", h.admin(t, "res.partner", "unlink", map[string]any{"ids": ids[:1]}), true)
		eq(t, "remaining", h.admin(t, "res.partner", "search", map[string]any{"domain": tagDomain(tag)}), ids[1:])
		if n := h.count(t, "res_partner", "id = ?", ids[0]); n != 0 {
			t.Errorf("unlinked partner still in the database")
		}
		h.fail(t, h.adminKey, "res.partner", "read", map[string]any{"ids": ids[:1], "fields": []string{"name"}},
			404, "odoo.exceptions.MissingError", "does not exist")
		h.fail(t, h.adminKey, "res.partner", "write", map[string]any{"ids": ids[:1], "vals": map[string]any{"name": "ghost"}},
			404, "odoo.exceptions.MissingError")
		if n := h.count(t, "res_partner", "name = ?", "ghost"); n != 0 {
			t.Errorf("write on a deleted record wrote something")
		}
	}},
	{"copy duplicates a record", func(t *testing.T, h *harness, tag string) {
		id := h.createPartners(t, map[string]any{"name": "Orig", "ref": tag, "email": "orig@example.com", "country_id": h.ro})[0]
		cp := asID(t, h.admin(t, "res.partner", "copy", map[string]any{"ids": []int64{id}}))
		if cp == id {
			t.Fatalf("copy returned the original id")
		}
		r := h.readOne(t, h.adminKey, "res.partner", cp, "name", "email", "country_id", "ref")
		eq(t, "copied values", []any{r["email"], r["country_id"], r["ref"]}, []any{"orig@example.com", []any{h.ro, "Romania"}, tag})
		// Odoo's res.partner.copy_data names the copy "<name> (copy)"
		eq(t, "copy name", r["name"], "Orig (copy)")
		cp2 := asID(t, h.admin(t, "res.partner", "copy", map[string]any{"ids": []int64{id}, "default": map[string]any{"name": "Other"}}))
		eq(t, "copy with default", h.readOne(t, h.adminKey, "res.partner", cp2, "name")["name"], "Other")
		eq(t, "partners after copies", h.admin(t, "res.partner", "search_count", map[string]any{"domain": tagDomain(tag)}), 3)
	}},
	{"name_search", func(t *testing.T, h *harness, tag string) {
		ids := h.createPartners(t, map[string]any{"name": "Zyxw Alpha", "ref": tag}, map[string]any{"name": "Zyxw Beta", "ref": tag},
			map[string]any{"name": "Qwer", "ref": tag, "email": "zyxw@example.com"})
		// name_search matches the display name and, for partners, the e-mail
		eq(t, "name_search", h.admin(t, "res.partner", "name_search", map[string]any{"name": "zyxw", "domain": tagDomain(tag)}),
			[]any{[]any{ids[2], "Qwer"}, []any{ids[0], "Zyxw Alpha"}, []any{ids[1], "Zyxw Beta"}})
		eq(t, "name_search limit", h.admin(t, "res.partner", "name_search", map[string]any{"name": "Zyxw", "domain": tagDomain(tag), "limit": 1}),
			[]any{[]any{ids[2], "Qwer"}})
		eq(t, "name_search =", h.admin(t, "res.partner", "name_search", map[string]any{"name": "Zyxw Beta", "operator": "=", "domain": tagDomain(tag)}),
			[]any{[]any{ids[1], "Zyxw Beta"}})
		eq(t, "name_search empty name", h.admin(t, "res.partner", "name_search", map[string]any{"domain": tagDomain(tag)}),
			[]any{[]any{ids[2], "Qwer"}, []any{ids[0], "Zyxw Alpha"}, []any{ids[1], "Zyxw Beta"}})
		eq(t, "name_search on countries", h.admin(t, "res.country", "name_search", map[string]any{"name": "Romani"}),
			[]any{[]any{h.ro, "Romania"}})
	}},
	{"fields_get", func(t *testing.T, h *harness, tag string) {
		all, ok := h.admin(t, "res.partner", "fields_get", nil).(map[string]any)
		if !ok {
			t.Fatalf("fields_get did not return an object")
		}
		for _, f := range []string{"id", "name", "country_id", "category_id", "type", "write_date", "display_name"} {
			if _, ok := all[f]; !ok {
				t.Errorf("fields_get lacks %q", f)
			}
		}
		c, _ := all["country_id"].(map[string]any)
		if c["type"] != "many2one" || c["relation"] != "res.country" || c["string"] != "Country" || c["store"] != true {
			t.Errorf("fields_get country_id = %s", js(c))
		}
		sel, _ := all["type"].(map[string]any)
		eq(t, "selection", sel["selection"], []any{[]any{"contact", "Contact"}, []any{"invoice", "Invoice Address"},
			[]any{"delivery", "Delivery Address"}, []any{"work_point", "Work Point"}, []any{"other", "Other Address"}})
		got := h.admin(t, "res.partner", "fields_get", map[string]any{"allfields": []string{"name", "category_id"}, "attributes": []string{"string", "type", "relation"}})
		eq(t, "fields_get filtered", got, map[string]any{
			"name":        map[string]any{"string": "Name", "type": "char"},
			"category_id": map[string]any{"string": "Tags", "type": "many2many", "relation": "res.partner.category"},
		})
		// the password is write-only: fields_get may describe it, read never shows it
		if u, ok := h.admin(t, "res.users", "fields_get", map[string]any{"attributes": []string{"type"}}).(map[string]any); !ok || u["login"] == nil {
			t.Errorf("fields_get res.users: %s", js(u))
		}
	}},
	{"default_get", func(t *testing.T, h *harness, tag string) {
		eq(t, "default_get", h.admin(t, "res.partner", "default_get", map[string]any{"fields_list": []string{"type", "active", "name", "is_company"}}),
			map[string]any{"type": "contact", "active": true})
		var company int64
		h.srv.Sudo(t, func(env *orm.Env) error { var err error; company, err = base.XID(env, "base.main_company"); return err })
		eq(t, "default_get of a many2one is a bare id", h.admin(t, "res.users", "default_get", map[string]any{"fields_list": []string{"company_id", "active"}}),
			map[string]any{"company_id": company, "active": true})
		eq(t, "default_get from context", h.admin(t, "res.partner", "default_get", map[string]any{
			"fields_list": []string{"name", "type"}, "context": map[string]any{"default_name": "From Context", "default_type": "invoice"}}),
			map[string]any{"name": "From Context", "type": "invoice"})
		// a default_ key of the context is applied by create too
		id := asID(t, h.admin(t, "res.partner", "create", map[string]any{"vals_list": map[string]any{"name": "Ctx", "ref": tag},
			"context": map[string]any{"default_city": "Cluj"}}))
		eq(t, "create with context default", h.readOne(t, h.adminKey, "res.partner", id, "city")["city"], "Cluj")
	}},
	{"read_group lazy and not lazy", func(t *testing.T, h *harness, tag string) {
		h.createPartners(t,
			map[string]any{"name": "G-A", "ref": tag, "country_id": h.ro, "birthdate": "2024-01-10", "credit_limit": 10},
			map[string]any{"name": "G-B", "ref": tag, "country_id": h.ro, "birthdate": "2024-01-20", "credit_limit": 20},
			map[string]any{"name": "G-C", "ref": tag, "country_id": h.ro, "birthdate": "2024-03-05", "credit_limit": 5},
			map[string]any{"name": "G-D", "ref": tag, "country_id": h.be, "birthdate": "2024-03-15", "credit_limit": 1.5},
			map[string]any{"name": "G-E", "ref": tag})
		dom := []any{[]any{"ref", "=", tag}, []any{"country_id", "!=", false}}
		lazy := asRecords(t, h.admin(t, "res.partner", "read_group", map[string]any{
			"domain": dom, "fields": []string{"credit_limit:sum"}, "groupby": []string{"country_id", "birthdate:month"}}))
		type row struct {
			Country any `json:"country"`
			Count   any `json:"count"`
			Sum     any `json:"sum"`
			Context any `json:"context"`
		}
		var got []row
		for _, r := range lazy {
			got = append(got, row{Country: r["country_id"], Count: r["country_id_count"], Sum: r["credit_limit"], Context: r["__context"]})
		}
		eq(t, "lazy read_group", got, []row{
			{Country: []any{h.be, "Belgium"}, Count: 1, Sum: 1.5, Context: map[string]any{"group_by": []any{"birthdate:month"}}},
			{Country: []any{h.ro, "Romania"}, Count: 3, Sum: 35, Context: map[string]any{"group_by": []any{"birthdate:month"}}},
		})
		// each group's __domain selects the group's records
		for _, r := range lazy {
			n := h.admin(t, "res.partner", "search_count", map[string]any{"domain": r["__domain"]})
			eq(t, fmt.Sprintf("search_count of __domain %s", js(r["__domain"])), n, r["country_id_count"])
		}

		full := asRecords(t, h.admin(t, "res.partner", "read_group", map[string]any{
			"domain": dom, "fields": []string{"credit_limit:sum"}, "groupby": []string{"country_id", "birthdate:month"}, "lazy": false}))
		var flat []any
		for _, r := range full {
			flat = append(flat, []any{r["country_id"], r["birthdate:month"], r["__count"], r["credit_limit"]})
			if _, ok := r["country_id_count"]; ok {
				t.Errorf("non-lazy read_group has country_id_count: %s", js(r))
			}
			n := h.admin(t, "res.partner", "search_count", map[string]any{"domain": r["__domain"]})
			eq(t, fmt.Sprintf("search_count of __domain %s", js(r["__domain"])), n, r["__count"])
		}
		eq(t, "non-lazy read_group", flat, []any{
			[]any{[]any{h.be, "Belgium"}, "March 2024", 1, 1.5},
			[]any{[]any{h.ro, "Romania"}, "January 2024", 2, 30},
			[]any{[]any{h.ro, "Romania"}, "March 2024", 1, 5},
		})
		if len(full) > 1 {
			rg, _ := full[1]["__range"].(map[string]any)
			eq(t, "__range of January", rg["birthdate:month"], map[string]any{"from": "2024-01-01", "to": "2024-02-01"})
		}
		// a group for unset values, and __count in lazy form with one groupby
		byCountry := asRecords(t, h.admin(t, "res.partner", "read_group", map[string]any{
			"domain": tagDomain(tag), "fields": []string{}, "groupby": []string{"country_id"}, "orderby": "country_id"}))
		var counts []any
		for _, r := range byCountry {
			counts = append(counts, []any{r["country_id"], r["country_id_count"]})
		}
		eq(t, "read_group with an unset group", counts, []any{
			[]any{[]any{h.be, "Belgium"}, 1}, []any{[]any{h.ro, "Romania"}, 3}, []any{false, 1}})
	}},
	{"formatted_read_group", func(t *testing.T, h *harness, tag string) {
		h.createPartners(t,
			map[string]any{"name": "F-A", "ref": tag, "country_id": h.ro, "birthdate": "2024-01-10", "credit_limit": 10},
			map[string]any{"name": "F-B", "ref": tag, "country_id": h.ro, "birthdate": "2024-01-20", "credit_limit": 20},
			map[string]any{"name": "F-C", "ref": tag, "country_id": h.be, "birthdate": "2024-03-15", "credit_limit": 1.5})
		rows := asRecords(t, h.admin(t, "res.partner", "formatted_read_group", map[string]any{
			"domain": tagDomain(tag), "groupby": []string{"birthdate:month"}, "aggregates": []string{"__count", "credit_limit:sum"}}))
		var flat []any
		for _, r := range rows {
			flat = append(flat, []any{r["birthdate:month"], r["__count"], r["credit_limit:sum"]})
			extra, ok := r["__extra_domain"].([]any)
			if !ok {
				t.Fatalf("no __extra_domain in %s", js(r))
			}
			d := append(append([]any{}, tagDomain(tag)...), extra...)
			n := h.admin(t, "res.partner", "search_count", map[string]any{"domain": d})
			eq(t, "search_count of domain + __extra_domain", n, r["__count"])
		}
		eq(t, "formatted_read_group", flat, []any{
			[]any{[]any{"2024-01-01", "January 2024"}, 2, 30},
			[]any{[]any{"2024-03-01", "March 2024"}, 1, 1.5},
		})
		rows = asRecords(t, h.admin(t, "res.partner", "formatted_read_group", map[string]any{
			"domain": tagDomain(tag), "groupby": []string{"country_id"}, "aggregates": []string{"__count"}, "order": "__count desc"}))
		flat = nil
		for _, r := range rows {
			flat = append(flat, []any{r["country_id"], r["__count"]})
		}
		eq(t, "formatted_read_group by many2one", flat, []any{[]any{[]any{h.ro, "Romania"}, 2}, []any{[]any{h.be, "Belgium"}, 1}})
	}},
	{"context_get", func(t *testing.T, h *harness, tag string) {
		c, ok := h.admin(t, "res.users", "context_get", nil).(map[string]any)
		if !ok {
			t.Fatalf("context_get did not return an object")
		}
		eq(t, "context_get", []any{c["uid"], c["lang"], c["tz"]}, []any{h.adminUID, "en_US", "UTC"})
	}},
	{"context active_test", func(t *testing.T, h *harness, tag string) {
		ids := h.createPartners(t, map[string]any{"name": "Arch", "ref": tag}, map[string]any{"name": "Live", "ref": tag})
		eq(t, "action_archive", h.admin(t, "res.partner", "action_archive", map[string]any{"ids": ids[:1]}), true)
		eq(t, "archived hidden", h.admin(t, "res.partner", "search", map[string]any{"domain": tagDomain(tag)}), ids[1:])
		eq(t, "active_test false", h.admin(t, "res.partner", "search", map[string]any{"domain": tagDomain(tag),
			"context": map[string]any{"active_test": false}}), ids)
		eq(t, "domain on active", h.admin(t, "res.partner", "search", map[string]any{"domain": []any{[]any{"ref", "=", tag}, []any{"active", "=", false}}}), ids[:1])
	}},
	{"x2many commands", func(t *testing.T, h *harness, tag string) {
		id := asID(t, h.admin(t, "res.partner", "create", map[string]any{"vals_list": map[string]any{"name": "Tagged", "ref": tag,
			"category_id": []any{[]any{0, 0, map[string]any{"name": tag + " VIP"}}, []any{0, 0, map[string]any{"name": tag + " Gold"}}}}}))
		cats := asIDs(t, h.readOne(t, h.adminKey, "res.partner", id, "category_id")["category_id"])
		if len(cats) != 2 {
			t.Fatalf("category_id after create: %v", cats)
		}
		h.admin(t, "res.partner", "write", map[string]any{"ids": []int64{id}, "vals": map[string]any{"category_id": []any{[]any{3, cats[0], 0}}}})
		eq(t, "after unlink command", h.readOne(t, h.adminKey, "res.partner", id, "category_id")["category_id"], cats[1:])
		h.admin(t, "res.partner", "write", map[string]any{"ids": []int64{id}, "vals": map[string]any{"category_id": []any{[]any{6, 0, []int64{cats[0], cats[1]}}}}})
		got := asIDs(t, h.readOne(t, h.adminKey, "res.partner", id, "category_id")["category_id"])
		sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
		want := append([]int64{}, cats...)
		sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
		eq(t, "after replace command", got, want)
		eq(t, "search by many2many", h.admin(t, "res.partner", "search", map[string]any{"domain": []any{[]any{"category_id", "in", []int64{cats[0]}}}}), []int64{id})
		h.admin(t, "res.partner", "write", map[string]any{"ids": []int64{id}, "vals": map[string]any{"category_id": []any{[]any{5, 0, 0}}}})
		eq(t, "after clear command", h.readOne(t, h.adminKey, "res.partner", id, "category_id")["category_id"], []any{})
		if n := h.count(t, "res_partner_category", "name LIKE ?", tag+"%"); n != 2 {
			t.Errorf("%d tags left, want 2 (clear unlinks, it does not delete)", n)
		}
	}},
	{"api keys generate then revoke", func(t *testing.T, h *harness, tag string) {
		k, ok := h.admin(t, "res.users.apikeys", "generate", map[string]any{"key": nil, "scope": "rpc", "name": "integration " + tag, "expiration_date": nil}).(string)
		if !ok || !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(k) {
			t.Fatalf("generate returned %q, want a 160-bit key in hex", k)
		}
		c, _ := h.ok(t, k, "res.users", "context_get", nil).(map[string]any)
		eq(t, "uid with the new key", c["uid"], h.adminUID)
		// the key is stored hashed: the list shows its name, never the key
		keys := asRecords(t, h.ok(t, k, "res.users.apikeys", "search_read", map[string]any{
			"domain": []any{[]any{"name", "=", "integration " + tag}}, "fields": []string{"name", "user_id", "scope"}}))
		eq(t, "search_read of the keys", keys, []any{map[string]any{"id": keys[0]["id"], "name": "integration " + tag,
			"user_id": []any{h.adminUID, "Administrator"}, "scope": "rpc"}})
		// without fields: every field, still never the key
		if status, v := h.call(t, k, "res.users.apikeys", "search_read", map[string]any{"domain": []any{[]any{"name", "=", "integration " + tag}}}); status != 200 {
			t.Errorf("search_read of the keys without fields: HTTP %d %s", status, js(v))
		} else if strings.Contains(js(v), k) {
			t.Errorf("search_read of the keys shows the key: %s", js(v))
		}
		eq(t, "revoke", h.admin(t, "res.users.apikeys", "revoke", map[string]any{"key": k}), true)
		h.fail(t, k, "res.users", "context_get", nil, 401, "werkzeug.exceptions.Unauthorized", "Invalid apikey")
		// revoking an unknown key is a 403 AccessError in Odoo
		h.fail(t, h.adminKey, "res.users.apikeys", "revoke", map[string]any{"key": k}, 403, "odoo.exceptions.AccessError")
		// an expired key does not authenticate
		old, _ := h.admin(t, "res.users.apikeys", "generate", map[string]any{"scope": "rpc", "name": "expired " + tag, "expiration_date": "2001-01-01 00:00:00"}).(string)
		if old != "" {
			h.fail(t, old, "res.users", "context_get", nil, 401, "werkzeug.exceptions.Unauthorized", "Invalid apikey")
		}
		h.fail(t, h.adminKey, "res.users.apikeys", "create", map[string]any{"vals_list": map[string]any{"name": "forged"}}, 422, "odoo.exceptions.UserError")
	}},
	{"search_read without fields works on every model", func(t *testing.T, h *harness, tag string) {
		for _, m := range h.srv.App.Reg.Models() {
			status, v := h.call(t, h.adminKey, m.Name, "search_read", map[string]any{"domain": []any{}, "limit": 2})
			if status != 200 {
				t.Errorf("%s/search_read: HTTP %d %s", m.Name, status, js(v))
				continue
			}
			for _, r := range asRecords(t, v) {
				if _, ok := r["display_name"]; !ok {
					t.Errorf("%s/search_read: no display_name in %s", m.Name, js(r))
				}
			}
		}
	}},
	{"a change within the same second is still a conflict", func(t *testing.T, h *harness, tag string) {
		// An integrator reads, a colleague saves 0.8 s later in the same
		// second, the integrator writes with the write_date it read: the
		// colleague's change must not be silently overwritten.
		id := h.createPartners(t, map[string]any{"name": "as read", "ref": tag})[0]
		sec := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		setWriteDate := func(name string, at time.Time) {
			h.srv.Sudo(t, func(env *orm.Env) error {
				_, err := env.Exec("UPDATE res_partner SET name = ?, write_date = ? WHERE id = ?", name, env.Dialect.TimeParam(at), id)
				return err
			})
		}
		setWriteDate("as read", sec.Add(100*time.Millisecond))
		wd := h.readOne(t, h.adminKey, "res.partner", id, "write_date")["write_date"]
		eq(t, "write_date as read", wd, sec.Format("2006-01-02 15:04:05"))
		// the colleague saves through the ORM in the same second
		h.srv.Sudo(t, func(env *orm.Env) error {
			env.Now = sec.Add(900 * time.Millisecond)
			return env.Write(env.Reg.Model("res.partner"), []int64{id}, orm.Values{"name": "colleague's change"})
		})
		h.fail(t, h.adminKey, "res.partner", "write", map[string]any{"ids": []int64{id}, "vals": map[string]any{"name": "my change", "write_date": wd}},
			409, "odoo.exceptions.ConcurrencyError")
		eq(t, "name after the conflicting write", h.readOne(t, h.adminKey, "res.partner", id, "name")["name"], "colleague's change")
	}},
	{"a deactivated user's api key stops working", func(t *testing.T, h *harness, tag string) {
		uid := h.srv.CreateUser(t, tag, "leaving-password", base.GroupUser)
		key := h.srv.APIKey(t, tag)
		c, _ := h.ok(t, key, "res.users", "context_get", nil).(map[string]any)
		eq(t, "uid", c["uid"], uid)
		eq(t, "deactivate", h.admin(t, "res.users", "write", map[string]any{"ids": []int64{uid}, "vals": map[string]any{"active": false}}), true)
		h.fail(t, key, "res.users", "context_get", nil, 401, "werkzeug.exceptions.Unauthorized", "Invalid apikey")
		h.fail(t, key, "res.partner", "create", map[string]any{"vals_list": map[string]any{"name": tag}}, 401, "werkzeug.exceptions.Unauthorized")
		if n := h.count(t, "res_partner", "name = ? AND create_uid = ?", tag, uid); n != 0 {
			t.Errorf("a deactivated user created a partner")
		}
		// nor can the user deactivate themselves (admin cannot deactivate admin)
		h.fail(t, h.adminKey, "res.users", "write", map[string]any{"ids": []int64{h.adminUID}, "vals": map[string]any{"active": false}}, 422, "odoo.exceptions.UserError")
	}},
	{"optimistic concurrency with write_date", func(t *testing.T, h *harness, tag string) {
		id := h.createPartners(t, map[string]any{"name": "v1", "ref": tag})[0]
		// the record was last changed an hour ago (a write in the same
		// second as the read would be indistinguishable at the
		// second precision write_date is read with)
		h.srv.Sudo(t, func(env *orm.Env) error {
			_, err := env.Exec("UPDATE res_partner SET write_date = ? WHERE id = ?", env.Dialect.TimeParam(time.Now().Add(-time.Hour)), id)
			return err
		})
		wd, _ := h.readOne(t, h.adminKey, "res.partner", id, "write_date")["write_date"].(string)
		if !datetimeRe.MatchString(wd) {
			t.Fatalf("write_date %q", wd)
		}
		eq(t, "write with the current write_date", h.admin(t, "res.partner", "write", map[string]any{"ids": []int64{id},
			"vals": map[string]any{"name": "v2", "write_date": wd}}), true)
		r := h.readOne(t, h.adminKey, "res.partner", id, "name", "write_date")
		if r["name"] != "v2" || r["write_date"] == wd {
			t.Fatalf("after the first write: %s (write_date read before: %s)", js(r), wd)
		}
		h.fail(t, h.adminKey, "res.partner", "write", map[string]any{"ids": []int64{id}, "vals": map[string]any{"name": "v3", "write_date": wd}},
			409, "odoo.exceptions.ConcurrencyError", "modified")
		r2 := h.readOne(t, h.adminKey, "res.partner", id, "name", "write_date")
		eq(t, "record after the conflict", r2, r)
		if n := h.count(t, "res_partner", "name = ?", "v3"); n != 0 {
			t.Errorf("the conflicting write was stored")
		}
		// the new write_date works again
		eq(t, "write with the fresh write_date", h.admin(t, "res.partner", "write", map[string]any{"ids": []int64{id},
			"vals": map[string]any{"name": "v3", "write_date": r["write_date"]}}), true)
	}},
}

// ---------------------------------------------------------------------
// JSON-2 errors

func TestJSON2Errors(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		h := newHarness(t, apptest.Start(t, b))
		existing := h.createPartners(t, map[string]any{"name": "Keep Me", "ref": "errors"})[0]
		create := func(vals any) []byte {
			return []byte(js(map[string]any{"vals_list": vals}))
		}
		type errCase struct {
			name     string
			path     string            // model/method
			hdr      map[string]string // nil: valid admin headers
			body     []byte
			status   int
			errName  string
			msgParts []string
		}
		bad := "0123456789abcdef0123456789abcdef01234567"
		cases := []errCase{
			{"no authorization header", "res.partner/create", map[string]string{"Content-Type": "application/json"},
				create(map[string]any{"name": "E1"}), 401, "werkzeug.exceptions.Unauthorized", []string{"Invalid apikey"}},
			{"unknown api key", "res.partner/create", jsonHeaders(bad),
				create(map[string]any{"name": "E1"}), 401, "werkzeug.exceptions.Unauthorized", []string{"Invalid apikey"}},
			{"short api key", "res.partner/create", jsonHeaders("abc"),
				create(map[string]any{"name": "E1"}), 401, "werkzeug.exceptions.Unauthorized", []string{"Invalid apikey"}},
			{"basic scheme", "res.partner/create", map[string]string{"Authorization": "Basic " + h.adminKey, "Content-Type": "application/json"},
				create(map[string]any{"name": "E1"}), 401, "werkzeug.exceptions.Unauthorized", []string{"Invalid apikey"}},
			{"empty bearer", "res.partner/create", map[string]string{"Authorization": "bearer ", "Content-Type": "application/json"},
				create(map[string]any{"name": "E1"}), 401, "werkzeug.exceptions.Unauthorized", []string{"Invalid apikey"}},
			{"unknown model", "res.nothing/create", nil,
				create(map[string]any{"name": "E1"}), 404, "werkzeug.exceptions.NotFound", []string{"res.nothing"}},
			{"unknown model with a bad key", "res.nothing/search", jsonHeaders(bad),
				[]byte(`{}`), 401, "werkzeug.exceptions.Unauthorized", []string{"Invalid apikey"}},
			{"unknown method", "res.partner/create_everything", nil,
				create(map[string]any{"name": "E1"}), 404, "werkzeug.exceptions.NotFound", []string{"create_everything"}},
			{"private method", "res.partner/_create", nil,
				create(map[string]any{"name": "E1"}), 404, "werkzeug.exceptions.NotFound", []string{"_create"}},
			{"unknown method with a bad key", "res.partner/_create", jsonHeaders(bad),
				create(map[string]any{"name": "E1"}), 401, "werkzeug.exceptions.Unauthorized", []string{"Invalid apikey"}},
			{"unknown field in values", "res.partner/create", nil,
				create(map[string]any{"name": "E1", "nope": 1}), 422, "odoo.exceptions.ValidationError", []string{"nope"}},
			{"second record invalid", "res.partner/create", nil,
				create([]any{map[string]any{"name": "E1"}, map[string]any{"name": "E2", "type": "bogus"}}), 422, "odoo.exceptions.ValidationError", []string{"bogus"}},
			{"many2one to a missing record", "res.partner/create", nil,
				create(map[string]any{"name": "E1", "country_id": 99999999}), 422, "odoo.exceptions.ValidationError", []string{"country_id"}},
			{"wrong value type", "res.partner/create", nil,
				create(map[string]any{"name": "E1", "employee_count": "many"}), 422, "odoo.exceptions.ValidationError", []string{"employee_count"}},
			{"required field missing", "res.partner.category/create", nil,
				create(map[string]any{"color": 3}), 422, "odoo.exceptions.ValidationError", []string{"name"}},
			{"write to an unknown field", "res.partner/write", nil,
				[]byte(js(map[string]any{"ids": []int64{existing}, "vals": map[string]any{"name": "E1", "nope": 1}})), 422, "odoo.exceptions.ValidationError", []string{"nope"}},
			{"write to a missing record", "res.partner/write", nil,
				[]byte(js(map[string]any{"ids": []int64{existing, 99999999}, "vals": map[string]any{"name": "E1"}})), 404, "odoo.exceptions.MissingError", []string{"99999999"}},
			{"unlink a missing record", "res.partner/unlink", nil,
				[]byte(js(map[string]any{"ids": []int64{existing, 99999999}})), 404, "odoo.exceptions.MissingError", []string{"99999999"}},
			{"invalid record id", "res.partner/write", nil,
				[]byte(js(map[string]any{"ids": []any{"one"}, "vals": map[string]any{"name": "E1"}})), 422, "odoo.exceptions.ValidationError", nil},
			{"unknown field in domain", "res.partner/search", nil,
				[]byte(`{"domain": [["nope", "=", 1]]}`), 422, "odoo.exceptions.ValidationError", []string{"nope"}},
			{"unknown field in a dotted path", "res.partner/search_read", nil,
				[]byte(`{"domain": [["country_id.nope", "=", 1]], "fields": ["name"]}`), 422, "odoo.exceptions.ValidationError", []string{"nope"}},
			{"dotted path through a non-relational field", "res.partner/search", nil,
				[]byte(`{"domain": [["name.code", "=", 1]]}`), 422, "odoo.exceptions.ValidationError", []string{"name"}},
			{"operator missing an operand", "res.partner/search", nil,
				[]byte(`{"domain": ["&", ["name", "=", "x"]]}`), 422, "odoo.exceptions.ValidationError", nil},
			{"unknown operator", "res.partner/search", nil,
				[]byte(`{"domain": [["name", "~", "x"]]}`), 422, "odoo.exceptions.ValidationError", []string{"~"}},
			{"unknown domain operator", "res.partner/search", nil,
				[]byte(`{"domain": ["^", ["name", "=", "x"], ["name", "=", "y"]]}`), 422, "odoo.exceptions.ValidationError", []string{"^"}},
			{"leaf with two items", "res.partner/search", nil,
				[]byte(`{"domain": [["name", "="]]}`), 422, "odoo.exceptions.ValidationError", nil},
			{"domain is not a list", "res.partner/search_count", nil,
				[]byte(`{"domain": "name = x"}`), 422, "odoo.exceptions.ValidationError", nil},
			{"unknown field to read", "res.partner/search_read", nil,
				[]byte(`{"domain": [], "fields": ["name", "nope"]}`), 422, "odoo.exceptions.ValidationError", []string{"nope"}},
			{"unknown order field", "res.partner/search", nil,
				[]byte(`{"domain": [], "order": "nope desc"}`), 422, "odoo.exceptions.ValidationError", []string{"nope"}},
			{"sql in order", "res.partner/search", nil,
				[]byte(`{"domain": [], "order": "id; DELETE FROM res_partner"}`), 422, "odoo.exceptions.ValidationError", nil},
			{"unknown group by field", "res.partner/read_group", nil,
				[]byte(`{"domain": [], "fields": [], "groupby": ["nope"]}`), 422, "odoo.exceptions.ValidationError", []string{"nope"}},
			{"unexpected argument", "res.partner/search", nil,
				[]byte(`{"domian": []}`), 422, "odoo.exceptions.ValidationError", []string{"domian"}},
			{"ids on a model method", "res.partner/create", nil,
				[]byte(js(map[string]any{"ids": []int64{existing}, "vals_list": map[string]any{"name": "E1"}})), 422, "odoo.exceptions.ValidationError", nil},
			{"context is not an object", "res.partner/create", nil,
				[]byte(`{"vals_list": {"name": "E1"}, "context": "fr_FR"}`), 422, "odoo.exceptions.ValidationError", []string{"context"}},
			{"api keys cannot be written", "res.users.apikeys/write", nil,
				[]byte(`{"ids": [1], "vals": {"name": "E1"}}`), 422, "odoo.exceptions.UserError", nil},
			{"invalid json", "res.partner/create", nil,
				[]byte(`{"vals_list": {"name": "E1"`), 400, "werkzeug.exceptions.BadRequest", nil},
			{"json that is not an object", "res.partner/create", nil,
				[]byte(`[{"name": "E1"}]`), 400, "werkzeug.exceptions.BadRequest", nil},
			{"trailing garbage after the json", "res.partner/create", nil,
				[]byte(`{"vals_list": {"name": "E1"}} {"vals_list": {"name": "E2"}}`), 400, "werkzeug.exceptions.BadRequest", nil},
			{"text/plain content type", "res.partner/create", map[string]string{"Authorization": "bearer " + h.adminKey, "Content-Type": "text/plain"},
				create(map[string]any{"name": "E1"}), 400, "werkzeug.exceptions.BadRequest", []string{"Content-Type"}},
			{"form content type", "res.partner/create", map[string]string{"Authorization": "bearer " + h.adminKey, "Content-Type": "application/x-www-form-urlencoded"},
				create(map[string]any{"name": "E1"}), 400, "werkzeug.exceptions.BadRequest", []string{"Content-Type"}},
			{"no content type", "res.partner/create", map[string]string{"Authorization": "bearer " + h.adminKey},
				create(map[string]any{"name": "E1"}), 400, "werkzeug.exceptions.BadRequest", []string{"Content-Type"}},
			{"another database", "res.partner/create", map[string]string{"Authorization": "bearer " + h.adminKey, "Content-Type": "application/json", "X-Odoo-Database": "other"},
				create(map[string]any{"name": "E1"}), 404, "werkzeug.exceptions.NotFound", []string{"other"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				hdr := c.hdr
				if hdr == nil {
					hdr = jsonHeaders(h.adminKey)
				}
				partners := h.count(t, "res_partner", "")
				named := h.count(t, "res_partner", "name IN (?, ?)", "E1", "E2")
				cats := h.count(t, "res_partner_category", "")
				status, _, data := post(t, h.url+"/json/2/"+c.path, hdr, c.body)
				checkError(t, status, decode(t, data), c.status, c.errName, c.msgParts...)
				if n := h.count(t, "res_partner", ""); n != partners {
					t.Errorf("the failed call changed the number of partners: %d, was %d", n, partners)
				}
				if n := h.count(t, "res_partner", "name IN (?, ?)", "E1", "E2"); n != named {
					t.Errorf("the failed call stored a partner")
				}
				if n := h.count(t, "res_partner_category", ""); n != cats {
					t.Errorf("the failed call changed the number of tags")
				}
			})
		}
		// the failed writes did not touch the existing partner
		r := h.readOne(t, h.adminKey, "res.partner", existing, "name")
		eq(t, "partner after the failed calls", r["name"], "Keep Me")

		t.Run("the right database name is accepted", func(t *testing.T) {
			hdr := jsonHeaders(h.adminKey)
			hdr["X-Odoo-Database"] = "kanso"
			status, _, data := post(t, h.url+"/json/2/res.partner/search_count", hdr, []byte(`{"domain": [["ref", "=", "errors"]]}`))
			if status != 200 || js(decode(t, data)) != "1" {
				t.Errorf("HTTP %d %s", status, data)
			}
		})
		t.Run("a body over 16 MiB is refused", func(t *testing.T) {
			before := h.count(t, "res_partner", "")
			big := append([]byte(`{"vals_list": {"name": "E1", "comment": "`), bytes.Repeat([]byte("x"), 16<<20+64<<10)...)
			big = append(big, []byte(`"}}`)...)
			status, _, data := post(t, h.url+"/json/2/res.partner/create", jsonHeaders(h.adminKey), big)
			checkError(t, status, decode(t, data), 413, "werkzeug.exceptions.RequestEntityTooLarge")
			if n := h.count(t, "res_partner", ""); n != before {
				t.Errorf("partners %d, was %d", n, before)
			}
		})
	})
}

func TestJSON2BodyLimit(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		const limit = 4096
		h := newHarness(t, startWithMaxBody(t, b, limit))
		before := h.count(t, "res_partner", "")
		small := []byte(js(map[string]any{"vals_list": map[string]any{"name": "Small", "comment": strings.Repeat("y", limit/2)}}))
		status, _, data := post(t, h.url+"/json/2/res.partner/create", jsonHeaders(h.adminKey), small)
		if status != 200 {
			t.Fatalf("a body under the limit: HTTP %d %s", status, data)
		}
		big := []byte(js(map[string]any{"vals_list": map[string]any{"name": "Big", "comment": strings.Repeat("y", 2*limit)}}))
		status, _, data = post(t, h.url+"/json/2/res.partner/create", jsonHeaders(h.adminKey), big)
		checkError(t, status, decode(t, data), 413, "werkzeug.exceptions.RequestEntityTooLarge", "4096")
		if n := h.count(t, "res_partner", ""); n != before+1 {
			t.Errorf("partners %d, want %d", n, before+1)
		}
		if n := h.count(t, "res_partner", "name = ?", "Big"); n != 0 {
			t.Errorf("the oversized create was stored")
		}
		// XML-RPC and JSON-RPC have the same limit
		res, f := xmlrpcCall(t, h.url+"/xmlrpc/2/object", "execute_kw", "kanso", h.adminUID, apptest.AdminPassword, "res.partner", "create",
			[]any{map[string]any{"name": "Big", "comment": strings.Repeat("y", 2*limit)}})
		if f == nil {
			t.Errorf("oversized XML-RPC call answered %s, want a fault", js(res))
		}
		out := jsonrpc(t, h.url, "object", "execute_kw", "kanso", h.adminUID, apptest.AdminPassword, "res.partner", "create",
			[]any{map[string]any{"name": "Big", "comment": strings.Repeat("y", 2*limit)}})
		if e, _ := out["error"].(map[string]any); e == nil {
			t.Errorf("oversized JSON-RPC call answered %s, want an error", js(out))
		} else if d, _ := e["data"].(map[string]any); d["name"] != "werkzeug.exceptions.RequestEntityTooLarge" {
			t.Errorf("oversized JSON-RPC error %s", js(e))
		}
		if n := h.count(t, "res_partner", "name = ?", "Big"); n != 0 {
			t.Errorf("an oversized create was stored")
		}
	})
}

// ---------------------------------------------------------------------
// Access rights as data: record rules created through the API

func TestRecordRules(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		h := newHarness(t, apptest.Start(t, b))
		var salesman, allLeads int64
		h.srv.Sudo(t, func(env *orm.Env) error {
			var err error
			if salesman, err = base.XID(env, base.GroupSaleSalesman); err != nil {
				return err
			}
			allLeads, err = base.XID(env, base.GroupSaleSalesmanAll)
			return err
		})
		// the group ids are also found through the API
		found := asRecords(t, h.admin(t, "res.groups", "search_read", map[string]any{
			"domain": []any{[]any{"category", "=", "Sales"}, []any{"name", "=", "User: Own Documents Only"}}, "fields": []string{"name"}}))
		if len(found) != 1 || found[0]["id"] != salesman {
			t.Fatalf("res.groups search_read: %s, want id %d", js(found), salesman)
		}

		// Odoo's pattern: the salesman rule restricts, the all-leads rule
		// opens everything again (group rules are OR-ed).
		asIDs(t, h.admin(t, "ir.rule", "create", map[string]any{"vals_list": []any{
			map[string]any{"name": "Personal partners", "model": "res.partner",
				"domain_force": `[["user_id", "in", ["$uid", false]]]`, "group_ids": []any{[]any{6, 0, []int64{salesman}}}},
			map[string]any{"name": "All partners", "model": "res.partner",
				"domain_force": `[[1, "=", 1]]`, "group_ids": []any{[]any{6, 0, []int64{allLeads}}}},
		}}))

		s1 := h.srv.CreateUser(t, "sales1", "sales1-password", base.GroupSaleSalesman)
		s2 := h.srv.CreateUser(t, "sales2", "sales2-password", base.GroupSaleSalesman)
		h.srv.CreateUser(t, "teamlead", "teamlead-password", base.GroupSaleSalesmanAll)
		k1, k2, kmgr := h.srv.APIKey(t, "sales1"), h.srv.APIKey(t, "sales2"), h.srv.APIKey(t, "teamlead")
		ids := h.createPartners(t,
			map[string]any{"name": "Mine", "ref": "rules", "user_id": s1},
			map[string]any{"name": "Theirs", "ref": "rules", "user_id": s2},
			map[string]any{"name": "Nobody's", "ref": "rules"})
		mine, theirs, nobody := ids[0], ids[1], ids[2]
		dom := map[string]any{"domain": tagDomain("rules")}

		t.Run("salesperson searches only own and unassigned", func(t *testing.T) {
			eq(t, "search", h.ok(t, k1, "res.partner", "search", dom), []int64{mine, nobody})
			eq(t, "search_count", h.ok(t, k1, "res.partner", "search_count", dom), 2)
			eq(t, "other salesperson", h.ok(t, k2, "res.partner", "search", dom), []int64{nobody, theirs})
			eq(t, "search_read", h.ok(t, k1, "res.partner", "search_read", map[string]any{"domain": []any{[]any{"name", "=", "Theirs"}}, "fields": []string{"name"}}), []any{})
			eq(t, "name_search", h.ok(t, k1, "res.partner", "name_search", map[string]any{"name": "Theirs"}), []any{})
			rows := asRecords(t, h.ok(t, k1, "res.partner", "read_group", map[string]any{"domain": tagDomain("rules"), "fields": []string{}, "groupby": []string{"user_id"}}))
			total := int64(0)
			for _, r := range rows {
				total += r["user_id_count"].(int64)
			}
			eq(t, "read_group total", total, 2)
		})
		t.Run("salesperson cannot read write or unlink another's partner", func(t *testing.T) {
			h.fail(t, k1, "res.partner", "read", map[string]any{"ids": []int64{theirs}, "fields": []string{"name"}}, 403, "odoo.exceptions.AccessError")
			h.fail(t, k1, "res.partner", "read", map[string]any{"ids": []int64{mine, theirs}, "fields": []string{"name"}}, 403, "odoo.exceptions.AccessError")
			h.fail(t, k1, "res.partner", "write", map[string]any{"ids": []int64{theirs}, "vals": map[string]any{"name": "Stolen"}}, 403, "odoo.exceptions.AccessError")
			h.fail(t, k1, "res.partner", "write", map[string]any{"ids": []int64{mine, theirs}, "vals": map[string]any{"name": "Stolen"}}, 403, "odoo.exceptions.AccessError")
			h.fail(t, k1, "res.partner", "unlink", map[string]any{"ids": []int64{theirs}}, 403, "odoo.exceptions.AccessError")
			h.fail(t, k1, "res.partner", "copy", map[string]any{"ids": []int64{theirs}}, 403, "odoo.exceptions.AccessError")
			// nor create one for someone else (rules apply to create)
			before := h.count(t, "res_partner", "")
			h.fail(t, k1, "res.partner", "create", map[string]any{"vals_list": map[string]any{"name": "Gift", "user_id": s2}}, 403, "odoo.exceptions.AccessError")
			if n := h.count(t, "res_partner", ""); n != before {
				t.Errorf("a forbidden create was stored")
			}
			eq(t, "their partner is untouched", h.readOne(t, h.adminKey, "res.partner", theirs, "name")["name"], "Theirs")
			eq(t, "mine is untouched", h.readOne(t, h.adminKey, "res.partner", mine, "name")["name"], "Mine")
			if n := h.count(t, "res_partner", "id = ?", theirs); n != 1 {
				t.Errorf("their partner was deleted")
			}
			// nor change the rules
			h.fail(t, k1, "ir.rule", "unlink", map[string]any{"ids": []int64{1}}, 403, "odoo.exceptions.AccessError")
			h.fail(t, k1, "ir.rule", "create", map[string]any{"vals_list": map[string]any{"name": "Open", "model": "res.partner", "domain_force": "[]"}},
				403, "odoo.exceptions.AccessError")
		})
		t.Run("dotted paths do not reveal forbidden records", func(t *testing.T) {
			// Odoo searches the comodel of a path with the user's record
			// rules (comodel._search), so a condition on a forbidden
			// parent matches nothing.
			ids := h.createPartners(t, map[string]any{"name": "Secret Parent", "ref": "rules-leak", "user_id": s2, "email": "secret@example.com"})
			child := h.createPartners(t, map[string]any{"name": "Visible Child", "ref": "rules-leak", "user_id": s1, "parent_id": ids[0]})[0]
			eq(t, "the child is visible", h.ok(t, k1, "res.partner", "search", map[string]any{"domain": []any{[]any{"id", "=", child}}}), []int64{child})
			eq(t, "search through a forbidden parent", h.ok(t, k1, "res.partner", "search", map[string]any{
				"domain": []any{[]any{"parent_id.email", "=", "secret@example.com"}}}), []any{})
			eq(t, "search_count through a forbidden parent", h.ok(t, k1, "res.partner", "search_count", map[string]any{
				"domain": []any{[]any{"parent_id.email", "=ilike", "secret%"}}}), 0)
		})
		t.Run("salesperson works on own and unassigned partners", func(t *testing.T) {
			eq(t, "read own", h.readOne(t, k1, "res.partner", mine, "name", "user_id")["user_id"], []any{s1, "sales1"})
			eq(t, "write own", h.ok(t, k1, "res.partner", "write", map[string]any{"ids": []int64{mine, nobody}, "vals": map[string]any{"city": "Iasi"}}), true)
			id := asID(t, h.ok(t, k1, "res.partner", "create", map[string]any{"vals_list": map[string]any{"name": "New Own", "ref": "rules-new", "user_id": s1}}))
			eq(t, "unlink own", h.ok(t, k1, "res.partner", "unlink", map[string]any{"ids": []int64{id}}), true)
			if n := h.count(t, "res_partner", "city = ?", "Iasi"); n != 2 {
				t.Errorf("%d partners in Iasi, want 2", n)
			}
		})
		t.Run("admin and all-documents users see everything", func(t *testing.T) {
			eq(t, "admin search", h.admin(t, "res.partner", "search", dom), []int64{mine, nobody, theirs})
			eq(t, "team lead search", h.ok(t, kmgr, "res.partner", "search", dom), []int64{mine, nobody, theirs})
			eq(t, "team lead read", h.readOne(t, kmgr, "res.partner", theirs, "name")["name"], "Theirs")
			eq(t, "admin write", h.admin(t, "res.partner", "write", map[string]any{"ids": []int64{theirs}, "vals": map[string]any{"user_id": s1}}), true)
			// the partner now belongs to sales1: sales1 sees it, sales2 no longer
			eq(t, "sales1 after reassignment", h.ok(t, k1, "res.partner", "search", dom), []int64{mine, nobody, theirs})
			h.fail(t, k2, "res.partner", "read", map[string]any{"ids": []int64{theirs}}, 403, "odoo.exceptions.AccessError")
		})
		t.Run("record rules are enforced over XML-RPC and JSON-RPC too", func(t *testing.T) {
			// theirs now belongs to sales1: sales2 is the outsider
			_, f := xmlrpcCall(t, h.url+"/xmlrpc/2/object", "execute_kw", "kanso", s2, "sales2-password", "res.partner", "read",
				[]any{[]any{theirs}, []any{"name"}})
			if f == nil || !strings.Contains(f.String, "odoo.exceptions.AccessError") {
				t.Errorf("XML-RPC read of a forbidden record: fault %+v", f)
			}
			out := jsonrpc(t, h.url, "object", "execute_kw", "kanso", s2, k2, "res.partner", "write",
				[]any{[]any{theirs}, map[string]any{"name": "Stolen"}})
			e, _ := out["error"].(map[string]any)
			d, _ := e["data"].(map[string]any)
			if d["name"] != "odoo.exceptions.AccessError" {
				t.Errorf("JSON-RPC write of a forbidden record: %s", js(out))
			}
			eq(t, "name after the attempts", h.readOne(t, h.adminKey, "res.partner", theirs, "name")["name"], "Theirs")
		})
		t.Run("a global rule restricting write and unlink only", func(t *testing.T) {
			cat := asID(t, h.admin(t, "res.partner.category", "create", map[string]any{"vals_list": map[string]any{"name": "Frozen", "color": 13}}))
			asIDs(t, h.admin(t, "ir.rule", "create", map[string]any{"vals_list": []any{map[string]any{
				"name": "Frozen tags", "model": "res.partner.category", "domain_force": `[["color", "!=", 13]]`,
				"perm_read": false, "perm_create": false, "perm_write": true, "perm_unlink": true}}}))
			// a global rule applies to everyone but the superuser, admin included
			eq(t, "admin still reads it", h.readOne(t, h.adminKey, "res.partner.category", cat, "name")["name"], "Frozen")
			eq(t, "salesperson finds it", h.ok(t, k1, "res.partner.category", "search", map[string]any{"domain": []any{[]any{"name", "=", "Frozen"}}}), []int64{cat})
			h.fail(t, h.adminKey, "res.partner.category", "write", map[string]any{"ids": []int64{cat}, "vals": map[string]any{"name": "Thawed"}}, 403, "odoo.exceptions.AccessError")
			h.fail(t, k1, "res.partner.category", "unlink", map[string]any{"ids": []int64{cat}}, 403, "odoo.exceptions.AccessError")
			if n := h.count(t, "res_partner_category", "id = ? AND name = ?", cat, "Frozen"); n != 1 {
				t.Errorf("the frozen tag was changed or deleted")
			}
			// creating one that the rule forbids to write is allowed (perm_create off)
			asID(t, h.ok(t, k1, "res.partner.category", "create", map[string]any{"vals_list": map[string]any{"name": "Frozen too", "color": 13}}))
		})
		t.Run("a rule whose domain cannot work is refused", func(t *testing.T) {
			for _, c := range []struct{ name, model, domain string }{
				{"not JSON", "res.partner", `[["user_id", "=", `},
				{"not a domain", "res.partner", `{"user_id": 1}`},
				{"unknown operator", "res.partner", `[["user_id", "~", 1]]`},
				{"unknown field", "res.partner", `[["salesman_id", "=", "$uid"]]`},
				{"unknown model", "res.nothing", `[]`},
			} {
				t.Run(c.name, func(t *testing.T) {
					before := h.count(t, "ir_rule", "")
					status, v := h.call(t, h.adminKey, "ir.rule", "create", map[string]any{"vals_list": map[string]any{
						"name": "Broken " + c.name, "model": c.model, "domain_force": c.domain, "group_ids": []any{[]any{6, 0, []int64{salesman}}}}})
					if status == 200 {
						// what the accepted rule does to a salesperson
						if st, r := h.call(t, k1, c.model, "search_count", map[string]any{"domain": []any{}}); c.model == "res.partner" && st != 200 {
							t.Errorf("with the accepted rule, a salesperson's search_count answers HTTP %d %s", st, js(r))
						}
						// do not leave a rule that breaks every salesperson's call
						h.admin(t, "ir.rule", "unlink", map[string]any{"ids": []any{v}})
					}
					checkError(t, status, v, 422, "odoo.exceptions.ValidationError")
					if n := h.count(t, "ir_rule", ""); n != before {
						t.Errorf("ir.rule count %d, was %d", n, before)
					}
				})
			}
		})
		t.Run("deactivating the rule opens the records", func(t *testing.T) {
			rid := asIDs(t, h.admin(t, "ir.rule", "search", map[string]any{"domain": []any{[]any{"name", "=", "Personal partners"}}}))
			eq(t, "archive the rule", h.admin(t, "ir.rule", "write", map[string]any{"ids": rid, "vals": map[string]any{"active": false}}), true)
			eq(t, "sales2 sees everything", h.ok(t, k2, "res.partner", "search", dom), []int64{mine, nobody, theirs})
		})
	})
}

// ---------------------------------------------------------------------
// XML-RPC over HTTP with hand-built bodies

// xmlValue renders a Go value as an XML-RPC <value>.
func xmlValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "<value><nil/></value>"
	case bool:
		if x {
			return "<value><boolean>1</boolean></value>"
		}
		return "<value><boolean>0</boolean></value>"
	case int:
		return fmt.Sprintf("<value><int>%d</int></value>", x)
	case int64:
		return fmt.Sprintf("<value><int>%d</int></value>", x)
	case float64:
		return fmt.Sprintf("<value><double>%v</double></value>", x)
	case string:
		var b strings.Builder
		xml.EscapeText(&b, []byte(x))
		return "<value><string>" + b.String() + "</string></value>"
	case []int64:
		l := make([]any, len(x))
		for i, n := range x {
			l[i] = n
		}
		return xmlValue(l)
	case []any:
		s := "<value><array><data>"
		for _, e := range x {
			s += xmlValue(e)
		}
		return s + "</data></array></value>"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		s := "<value><struct>"
		for _, k := range keys {
			s += "<member><name>" + k + "</name>" + xmlValue(x[k]) + "</member>"
		}
		return s + "</struct></value>"
	}
	panic(fmt.Sprintf("xmlValue: %T", v))
}

func xmlCallBody(method string, params ...any) string {
	s := `<?xml version="1.0"?>` + "\n<methodCall><methodName>" + method + "</methodName><params>"
	for _, p := range params {
		s += "<param>" + xmlValue(p) + "</param>"
	}
	return s + "</params></methodCall>"
}

type xmlFault struct {
	Code   any
	String string
}

type xnode struct {
	name string
	kids []*xnode
	text string
}

func parseXMLTree(data []byte) (*xnode, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	root := &xnode{}
	stack := []*xnode{root}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		top := stack[len(stack)-1]
		switch x := tok.(type) {
		case xml.StartElement:
			n := &xnode{name: x.Name.Local}
			top.kids = append(top.kids, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			top.text += string(x)
		}
	}
	if len(root.kids) != 1 {
		return nil, fmt.Errorf("want one root element, got %d", len(root.kids))
	}
	return root.kids[0], nil
}

func (n *xnode) child(name string) *xnode {
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

// xmlToGo converts a <value> node.
func xmlToGo(v *xnode) (any, error) {
	if v.name != "value" {
		return nil, fmt.Errorf("want <value>, got <%s>", v.name)
	}
	if len(v.kids) == 0 {
		return v.text, nil
	}
	t := v.kids[0]
	switch t.name {
	case "int", "i4", "i8":
		var n int64
		_, err := fmt.Sscan(strings.TrimSpace(t.text), &n)
		return n, err
	case "boolean":
		switch strings.TrimSpace(t.text) {
		case "1":
			return true, nil
		case "0":
			return false, nil
		}
		return nil, fmt.Errorf("bad boolean %q", t.text)
	case "double":
		var f float64
		_, err := fmt.Sscan(strings.TrimSpace(t.text), &f)
		return f, err
	case "string", "dateTime.iso8601", "base64":
		return t.text, nil
	case "nil":
		return nil, nil
	case "array":
		data := t.child("data")
		if data == nil {
			return nil, fmt.Errorf("<array> without <data>")
		}
		out := []any{}
		for _, k := range data.kids {
			x, err := xmlToGo(k)
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	case "struct":
		out := map[string]any{}
		for _, m := range t.kids {
			name, val := m.child("name"), m.child("value")
			if m.name != "member" || name == nil || val == nil {
				return nil, fmt.Errorf("bad struct member")
			}
			x, err := xmlToGo(val)
			if err != nil {
				return nil, err
			}
			out[name.text] = x
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown value type <%s>", t.name)
}

// xmlrpcRaw posts a hand-built body and decodes the methodResponse.
func xmlrpcRaw(t *testing.T, url, body string) (any, *xmlFault) {
	t.Helper()
	status, hdr, data := post(t, url, map[string]string{"Content-Type": "text/xml"}, []byte(body))
	if status != 200 {
		t.Fatalf("XML-RPC %s: HTTP %d %s", url, status, truncate(string(data)))
	}
	if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
		t.Errorf("XML-RPC Content-Type %q", ct)
	}
	root, err := parseXMLTree(data)
	if err != nil || root.name != "methodResponse" {
		t.Fatalf("XML-RPC response is not a methodResponse (%v): %s", err, truncate(string(data)))
	}
	if f := root.child("fault"); f != nil {
		v, err := xmlToGo(f.child("value"))
		m, ok := v.(map[string]any)
		if err != nil || !ok {
			t.Fatalf("bad fault (%v): %s", err, data)
		}
		s, _ := m["faultString"].(string)
		return nil, &xmlFault{Code: m["faultCode"], String: s}
	}
	params := root.child("params")
	if params == nil || params.child("param") == nil || params.child("param").child("value") == nil {
		t.Fatalf("XML-RPC response without params: %s", data)
	}
	v, err := xmlToGo(params.child("param").child("value"))
	if err != nil {
		t.Fatalf("XML-RPC response value (%v): %s", err, truncate(string(data)))
	}
	return v, nil
}

func xmlrpcCall(t *testing.T, url, method string, params ...any) (any, *xmlFault) {
	t.Helper()
	return xmlrpcRaw(t, url, xmlCallBody(method, params...))
}

func TestXMLRPC(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		h := newHarness(t, apptest.Start(t, b))
		common, object := h.url+"/xmlrpc/2/common", h.url+"/xmlrpc/2/object"
		ids := h.createPartners(t,
			map[string]any{"name": "X-One", "ref": "xmlrpc", "country_id": h.ro},
			map[string]any{"name": "X-Two", "ref": "xmlrpc"},
			map[string]any{"name": "X-Three", "ref": "xmlrpc", "is_company": true})
		pw := apptest.AdminPassword

		t.Run("common.version", func(t *testing.T) {
			v, f := xmlrpcRaw(t, common, `<?xml version="1.0"?>
<methodCall>
  <methodName>version</methodName>
  <params/>
</methodCall>`)
			if f != nil {
				t.Fatalf("fault %+v", f)
			}
			m, _ := v.(map[string]any)
			eq(t, "version", []any{m["server_version"], m["server_serie"], m["protocol_version"]}, []any{"19.0", "19.0", 1})
			info, _ := m["server_version_info"].([]any)
			if len(info) < 5 || info[0] != int64(19) || info[3] != "final" {
				t.Errorf("server_version_info %s", js(info))
			}
			// the legacy /xmlrpc path answers too
			v2, f := xmlrpcCall(t, h.url+"/xmlrpc/common", "version")
			if f != nil || js(v2) != js(v) {
				t.Errorf("/xmlrpc/common version: %s %+v", js(v2), f)
			}
		})
		t.Run("common.authenticate", func(t *testing.T) {
			body := `<?xml version="1.0"?><methodCall><methodName>authenticate</methodName><params>
<param><value><string>kanso</string></value></param>
<param><value><string>admin</string></value></param>
<param><value><string>` + pw + `</string></value></param>
<param><value><struct></struct></value></param>
</params></methodCall>`
			v, f := xmlrpcRaw(t, common, body)
			if f != nil || v != h.adminUID {
				t.Errorf("authenticate with the password: %s %+v, want %d", js(v), f, h.adminUID)
			}
			v, f = xmlrpcCall(t, common, "authenticate", "kanso", "admin", "wrong-password", map[string]any{})
			if f != nil || v != false {
				t.Errorf("authenticate with a wrong password: %s %+v, want false", js(v), f)
			}
			v, f = xmlrpcCall(t, common, "authenticate", "kanso", "nobody", pw, map[string]any{})
			if f != nil || v != false {
				t.Errorf("authenticate an unknown login: %s %+v, want false", js(v), f)
			}
			v, f = xmlrpcCall(t, common, "authenticate", "kanso", "admin", h.adminKey, map[string]any{})
			if f != nil || v != h.adminUID {
				t.Errorf("authenticate with an API key: %s %+v, want %d", js(v), f, h.adminUID)
			}
			// an API key authenticates its own user only
			h.srv.CreateUser(t, "xml-user", "xml-user-password")
			v, f = xmlrpcCall(t, common, "authenticate", "kanso", "xml-user", h.adminKey, map[string]any{})
			if f != nil || v != false {
				t.Errorf("authenticate another login with admin's key: %s %+v, want false", js(v), f)
			}
			v, f = xmlrpcCall(t, common, "login", "kanso", "admin", pw)
			if f != nil || v != h.adminUID {
				t.Errorf("login: %s %+v", js(v), f)
			}
			_, f = xmlrpcCall(t, common, "authenticate", "otherdb", "admin", pw, map[string]any{})
			if f == nil {
				t.Errorf("authenticate on another database did not fault")
			}
		})
		t.Run("object.execute_kw search_read with kwargs", func(t *testing.T) {
			v, f := xmlrpcCall(t, object, "execute_kw", "kanso", h.adminUID, pw, "res.partner", "search_read",
				[]any{[]any{[]any{"ref", "=", "xmlrpc"}}}, map[string]any{"fields": []any{"name", "country_id"}, "limit": 2, "order": "name"})
			if f != nil {
				t.Fatalf("fault %+v", f)
			}
			eq(t, "search_read", v, []any{
				map[string]any{"id": ids[0], "name": "X-One", "country_id": []any{h.ro, "Romania"}},
				map[string]any{"id": ids[2], "name": "X-Three", "country_id": false}})
			// an API key replaces the password
			v, f = xmlrpcCall(t, object, "execute_kw", "kanso", h.adminUID, h.adminKey, "res.partner", "search_count",
				[]any{[]any{[]any{"ref", "=", "xmlrpc"}}})
			if f != nil || v != int64(3) {
				t.Errorf("search_count with the API key: %s %+v", js(v), f)
			}
			// record methods take the ids first
			v, f = xmlrpcCall(t, object, "execute_kw", "kanso", h.adminUID, pw, "res.partner", "read",
				[]any{[]any{ids[1]}, []any{"name", "parent_id"}})
			if f != nil {
				t.Fatalf("read fault %+v", f)
			}
			eq(t, "read", v, []any{map[string]any{"id": ids[1], "name": "X-Two", "parent_id": false}})
			// context through kwargs
			v, f = xmlrpcCall(t, object, "execute_kw", "kanso", h.adminUID, pw, "res.partner", "create",
				[]any{map[string]any{"name": "X-Four", "ref": "xmlrpc"}}, map[string]any{"context": map[string]any{"default_city": "Bucharest"}})
			if f != nil {
				t.Fatalf("create fault %+v", f)
			}
			id, _ := v.(int64)
			eq(t, "create with context", h.readOne(t, h.adminKey, "res.partner", id, "city")["city"], "Bucharest")
			v, f = xmlrpcCall(t, object, "execute_kw", "kanso", h.adminUID, pw, "res.partner", "write",
				[]any{[]any{id}, map[string]any{"name": "X-Four bis"}})
			if f != nil || v != true {
				t.Errorf("write: %s %+v", js(v), f)
			}
			v, f = xmlrpcCall(t, object, "execute_kw", "kanso", h.adminUID, pw, "res.partner", "unlink", []any{[]any{id}})
			if f != nil || v != true {
				t.Errorf("unlink: %s %+v", js(v), f)
			}
		})
		t.Run("object.execute with positional arguments", func(t *testing.T) {
			v, f := xmlrpcCall(t, object, "execute", "kanso", h.adminUID, pw, "res.partner", "search",
				[]any{[]any{"ref", "=", "xmlrpc"}, []any{"is_company", "=", true}})
			if f != nil {
				t.Fatalf("fault %+v", f)
			}
			eq(t, "execute search", v, []any{ids[2]})
			v, f = xmlrpcCall(t, object, "execute", "kanso", h.adminUID, pw, "res.partner", "search_count", []any{[]any{"ref", "=", "xmlrpc"}}, 2)
			if f != nil || v != int64(2) {
				t.Errorf("execute search_count with a limit: %s %+v", js(v), f)
			}
		})
		t.Run("faults", func(t *testing.T) {
			before := h.count(t, "res_partner", "")
			_, f := xmlrpcCall(t, object, "execute_kw", "kanso", h.adminUID, pw, "res.partner", "search_read",
				[]any{[]any{[]any{"nope", "=", 1}}}, map[string]any{"fields": []any{"name"}})
			if f == nil {
				t.Fatalf("no fault for an unknown field")
			}
			code, _ := f.Code.(string)
			if !strings.Contains(code, "nope") {
				t.Errorf("faultCode %s: want the message naming the field", js(f.Code))
			}
			if !strings.Contains(f.String, "odoo.exceptions.ValidationError") || !strings.Contains(f.String, code) {
				t.Errorf("faultString %q: want the traceback with the exception name and message", f.String)
			}
			cases := []struct {
				name   string
				params []any
				want   string
			}{
				{"wrong password", []any{"kanso", h.adminUID, "wrong-password", "res.partner", "create", []any{map[string]any{"name": "XF"}}}, "Access Denied"},
				{"wrong uid for the key", []any{"kanso", int64(1), h.adminKey, "res.partner", "create", []any{map[string]any{"name": "XF"}}}, "Access Denied"},
				{"unknown model", []any{"kanso", h.adminUID, pw, "res.nothing", "create", []any{map[string]any{"name": "XF"}}}, "res.nothing"},
				{"private method", []any{"kanso", h.adminUID, pw, "res.partner", "_create", []any{map[string]any{"name": "XF"}}}, "_create"},
				{"unknown field", []any{"kanso", h.adminUID, pw, "res.partner", "create", []any{map[string]any{"name": "XF", "nope": 1}}}, "nope"},
				{"another database", []any{"otherdb", h.adminUID, pw, "res.partner", "create", []any{map[string]any{"name": "XF"}}}, "otherdb"},
				{"too many arguments", []any{"kanso", h.adminUID, pw, "res.partner", "search_count", []any{[]any{}, 1, 2}}, "positional"},
			}
			for _, c := range cases {
				_, f := xmlrpcCall(t, object, "execute_kw", c.params...)
				if f == nil {
					t.Errorf("%s: no fault", c.name)
					continue
				}
				if code, _ := f.Code.(string); !strings.Contains(code, c.want) {
					t.Errorf("%s: faultCode %s, want it to contain %q", c.name, js(f.Code), c.want)
				}
			}
			_, f = xmlrpcRaw(t, object, `<?xml version="1.0"?><methodCall><methodName>execute_kw</methodName><params><param><value><int>oops</int>`)
			if f == nil {
				t.Errorf("malformed XML: no fault")
			}
			_, f = xmlrpcCall(t, common, "no_such_method")
			if f == nil {
				t.Errorf("unknown common method: no fault")
			}
			if n := h.count(t, "res_partner", ""); n != before {
				t.Errorf("failed XML-RPC calls changed the partners: %d, was %d", n, before)
			}
		})
	})
}

// ---------------------------------------------------------------------
// JSON-RPC

func jsonrpc(t *testing.T, base, service, method string, args ...any) map[string]any {
	t.Helper()
	if args == nil {
		args = []any{}
	}
	body := js(map[string]any{"jsonrpc": "2.0", "method": "call", "id": 42,
		"params": map[string]any{"service": service, "method": method, "args": args}})
	status, _, data := post(t, base+"/jsonrpc", map[string]string{"Content-Type": "application/json"}, []byte(body))
	if status != 200 {
		t.Errorf("JSON-RPC %s.%s: HTTP %d, want 200 (errors go in the envelope)", service, method, status)
	}
	m, ok := decode(t, data).(map[string]any)
	if !ok {
		t.Fatalf("JSON-RPC answer is not an object: %s", data)
	}
	// the id is echoed (null only when the request could not be read)
	if _, isErr := m["error"]; m["jsonrpc"] != "2.0" || (m["id"] != int64(42) && !(isErr && m["id"] == nil)) {
		t.Errorf("JSON-RPC envelope %s", js(m))
	}
	_, hasRes := m["result"]
	_, hasErr := m["error"]
	if hasRes == hasErr {
		t.Errorf("JSON-RPC answer must have exactly one of result and error: %s", js(m))
	}
	return m
}

func TestJSONRPC(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		h := newHarness(t, apptest.Start(t, b))
		ids := h.createPartners(t, map[string]any{"name": "J-One", "ref": "jsonrpc"}, map[string]any{"name": "J-Two", "ref": "jsonrpc", "country_id": h.be})
		pw := apptest.AdminPassword

		out := jsonrpc(t, h.url, "common", "version")
		res, _ := out["result"].(map[string]any)
		eq(t, "version", res["server_version"], "19.0")

		eq(t, "authenticate", jsonrpc(t, h.url, "common", "authenticate", "kanso", "admin", pw, map[string]any{})["result"], h.adminUID)
		eq(t, "authenticate wrong password", jsonrpc(t, h.url, "common", "authenticate", "kanso", "admin", "nope-nope", map[string]any{})["result"], false)

		out = jsonrpc(t, h.url, "object", "execute_kw", "kanso", h.adminUID, pw, "res.partner", "search_read",
			[]any{[]any{[]any{"ref", "=", "jsonrpc"}}}, map[string]any{"fields": []any{"name", "country_id"}, "order": "name desc"})
		eq(t, "search_read", out["result"], []any{
			map[string]any{"id": ids[1], "name": "J-Two", "country_id": []any{h.be, "Belgium"}},
			map[string]any{"id": ids[0], "name": "J-One", "country_id": false}})

		out = jsonrpc(t, h.url, "object", "execute", "kanso", h.adminUID, h.adminKey, "res.partner", "search_count", []any{[]any{"ref", "=", "jsonrpc"}})
		eq(t, "execute with an API key", out["result"], 2)

		before := h.count(t, "res_partner", "")
		errCases := []struct {
			name    string
			service string
			method  string
			args    []any
			errName string
			code    int64
			msg     string
		}{
			{"unknown field", "object", "execute_kw", []any{"kanso", h.adminUID, pw, "res.partner", "create", []any{map[string]any{"name": "JF", "nope": 1}}},
				"odoo.exceptions.ValidationError", 200, "nope"},
			{"unknown field in a domain", "object", "execute_kw", []any{"kanso", h.adminUID, pw, "res.partner", "search", []any{[]any{[]any{"nope", "=", 1}}}},
				"odoo.exceptions.ValidationError", 200, "nope"},
			{"wrong password", "object", "execute_kw", []any{"kanso", h.adminUID, "wrong-password", "res.partner", "create", []any{map[string]any{"name": "JF"}}},
				"odoo.exceptions.AccessDenied", 200, "Access Denied"},
			{"missing record", "object", "execute_kw", []any{"kanso", h.adminUID, pw, "res.partner", "write", []any{[]any{99999999}, map[string]any{"name": "JF"}}},
				"odoo.exceptions.MissingError", 200, "99999999"},
			{"unknown model", "object", "execute_kw", []any{"kanso", h.adminUID, pw, "res.nothing", "search", []any{[]any{}}},
				"werkzeug.exceptions.NotFound", 404, "res.nothing"},
		}
		for _, c := range errCases {
			t.Run(c.name, func(t *testing.T) {
				out := jsonrpc(t, h.url, c.service, c.method, c.args...)
				e, ok := out["error"].(map[string]any)
				if !ok {
					t.Fatalf("no error: %s", js(out))
				}
				eq(t, "error code and message", []any{e["code"], e["message"]}, []any{c.code, "Odoo Server Error"})
				data, _ := e["data"].(map[string]any)
				if data["name"] != c.errName {
					t.Errorf("error data name %v, want %s", data["name"], c.errName)
				}
				msg, _ := data["message"].(string)
				if !strings.Contains(msg, c.msg) {
					t.Errorf("error data message %q does not contain %q", msg, c.msg)
				}
				if a, ok := data["arguments"].([]any); !ok || len(a) == 0 || a[0] != msg {
					t.Errorf("error data arguments %s", js(data["arguments"]))
				}
				if _, ok := data["context"].(map[string]any); !ok {
					t.Errorf("error data context %s", js(data["context"]))
				}
				if _, ok := data["debug"].(string); !ok {
					t.Errorf("error data debug %s", js(data["debug"]))
				}
			})
		}
		if n := h.count(t, "res_partner", ""); n != before {
			t.Errorf("failed JSON-RPC calls changed the partners: %d, was %d", n, before)
		}
		t.Run("invalid json", func(t *testing.T) {
			status, _, data := post(t, h.url+"/jsonrpc", map[string]string{"Content-Type": "application/json"}, []byte(`{"jsonrpc": "2.0", "params": `))
			m, _ := decode(t, data).(map[string]any)
			e, _ := m["error"].(map[string]any)
			if status != 200 || e == nil {
				t.Errorf("HTTP %d %s: want an error envelope", status, data)
			}
		})
	})
}

// ---------------------------------------------------------------------
// /web/version and /doc

func TestVersionAndDoc(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		srv := apptest.Start(t, b)
		t.Run("web/version", func(t *testing.T) {
			status, hdr, data := get(t, srv.URL+"/web/version")
			if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
				t.Fatalf("HTTP %d %s", status, hdr.Get("Content-Type"))
			}
			m, _ := decode(t, data).(map[string]any)
			eq(t, "version", m["version"], "19.0")
			eq(t, "version_info", m["version_info"], []any{19, 0, 0, "final", 0, ""})
		})
		t.Run("doc html", func(t *testing.T) {
			status, hdr, data := get(t, srv.URL+"/doc")
			if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
				t.Fatalf("HTTP %d %s", status, hdr.Get("Content-Type"))
			}
			page := string(data)
			for _, want := range []string{`href="/doc/res.partner"`, "<code>res.partner</code>", "/json/2/", "res.users.apikeys"} {
				if !strings.Contains(page, want) {
					t.Errorf("/doc lacks %q", want)
				}
			}
			status, _, data = get(t, srv.URL+"/doc/res.partner")
			if status != 200 || !strings.Contains(string(data), "country_id") || !strings.Contains(string(data), "search_read") {
				t.Errorf("/doc/res.partner: HTTP %d", status)
			}
		})
		t.Run("doc json lists every model with fields and methods", func(t *testing.T) {
			status, _, data := get(t, srv.URL+"/doc?format=json")
			if status != 200 {
				t.Fatalf("HTTP %d", status)
			}
			var doc struct {
				Version string `json:"version"`
				Models  []struct {
					Model   string           `json:"model"`
					Fields  []map[string]any `json:"fields"`
					Methods []struct {
						Name    string   `json:"name"`
						Params  []string `json:"params"`
						Example string   `json:"example"`
					} `json:"methods"`
				} `json:"models"`
			}
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatalf("/doc?format=json: %v", err)
			}
			var want, got []string
			for _, m := range srv.App.Reg.Models() {
				want = append(want, m.Name)
			}
			byName := map[string]int{}
			for i, m := range doc.Models {
				got = append(got, m.Model)
				byName[m.Model] = i
			}
			sort.Strings(want)
			sort.Strings(got)
			eq(t, "models", got, want)
			for _, m := range doc.Models {
				fields := map[string]bool{}
				for _, f := range m.Fields {
					n, _ := f["name"].(string)
					fields[n] = true
					if f["type"] == nil || f["string"] == nil {
						t.Errorf("%s.%s: field without type or string: %s", m.Model, n, js(f))
					}
				}
				for _, f := range []string{"id", "display_name", "create_date", "write_date"} {
					if !fields[f] {
						t.Errorf("%s: field %s missing from the doc", m.Model, f)
					}
				}
				methods := map[string]bool{}
				for _, meth := range m.Methods {
					methods[meth.Name] = true
					if !strings.HasPrefix(meth.Example, "POST /json/2/"+m.Model+"/"+meth.Name) {
						t.Errorf("%s.%s example %q", m.Model, meth.Name, meth.Example)
					}
					if strings.HasPrefix(meth.Name, "_") {
						t.Errorf("%s: private method %s documented", m.Model, meth.Name)
					}
				}
				for _, meth := range []string{"search", "search_read", "read", "create", "write", "unlink", "fields_get", "read_group", "formatted_read_group"} {
					if !methods[meth] {
						t.Errorf("%s: method %s missing from the doc", m.Model, meth)
					}
				}
			}
			if i, ok := byName["res.users"]; ok {
				for _, f := range doc.Models[i].Fields {
					if f["name"] == "password" && f["write_only"] != true {
						t.Errorf("res.users.password is not marked write-only: %s", js(f))
					}
				}
			}
		})
		t.Run("doc json of one model", func(t *testing.T) {
			status, _, data := get(t, srv.URL+"/doc/res.partner?format=json")
			if status != 200 {
				t.Fatalf("HTTP %d", status)
			}
			m, _ := decode(t, data).(map[string]any)
			if m["model"] != "res.partner" || m["description"] != "Contact" {
				t.Errorf("model %v description %v", m["model"], m["description"])
			}
			var country map[string]any
			fl, _ := m["fields"].([]any)
			for _, f := range fl {
				if fm, _ := f.(map[string]any); fm["name"] == "country_id" {
					country = fm
				}
			}
			if country["type"] != "many2one" || country["relation"] != "res.country" {
				t.Errorf("country_id in the doc: %s", js(country))
			}
			ml, _ := m["methods"].([]any)
			var write map[string]any
			for _, x := range ml {
				if mm, _ := x.(map[string]any); mm["name"] == "write" {
					write = mm
				}
			}
			eq(t, "write method doc", []any{write["params"], write["on_ids"]}, []any{[]any{"vals"}, true})

			status, _, data = get(t, srv.URL+"/doc/res.nothing?format=json")
			checkError(t, status, decode(t, data), 404, "werkzeug.exceptions.NotFound", "res.nothing")
		})
	})
}
