package web_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kanso-crm/kanso/internal/apptest"
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
	"github.com/kanso-crm/kanso/internal/web"
)

// importSite serves the pages from a web.App of the test's own, so that
// the tests can watch its import jobs (web.SetImportHook, web.WaitImport).
type importSite struct {
	t     *testing.T
	p     *pages
	app   *web.App
	url   string
	admin *browser
}

func newImportSite(t *testing.T, p *pages, hook func(id string, dry bool, done, total int)) *importSite {
	t.Helper()
	app, err := web.NewApp(p.s.App.Runner, testutil.Logger(t), false, "test")
	if err != nil {
		t.Fatal(err)
	}
	if hook != nil {
		web.SetImportHook(app, hook)
	}
	mux := http.NewServeMux()
	app.Routes(mux)
	srv := httptest.NewServer(web.Protect(mux))
	// cleanups run last in, first out: the jobs end before the server
	// and the database go away
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := app.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	s := &importSite{t: t, p: p, app: app, url: srv.URL, admin: newBrowser(t, srv.URL)}
	s.admin.login("admin", apptest.AdminPassword)
	return s
}

// upload posts a file to the import form; the browser follows to the job's
// page. It returns that page and the job's id.
func (s *importSite) upload(b *browser, model, name, content string) (int, string, string) {
	s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte(content))
	mw.Close()
	req := mustReq(s.t, "POST", b.base+"/import/"+model, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := b.c.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	page := readAll(resp)
	return resp.StatusCode, page, jobID(s.t, resp, page)
}

// run posts the mapping screen (check again or import) and returns the
// job's page and id.
func (s *importSite) run(b *browser, form url.Values) (int, string, string) {
	s.t.Helper()
	st, page, resp := b.post("/import/run", form, nil)
	return st, page, jobID(s.t, resp, page)
}

func jobID(t *testing.T, resp *http.Response, page string) string {
	t.Helper()
	if resp.Request.URL.Path != "/import/job" {
		t.Fatalf("not sent to the job's page but to %s (%d): %.300s", resp.Request.URL, resp.StatusCode, page)
	}
	return resp.Request.URL.Query().Get("id")
}

// finished waits until the job has ended and returns its page.
func (s *importSite) finished(b *browser, id string) (int, string) {
	s.t.Helper()
	if !web.WaitImport(s.app, id, 2*time.Minute) {
		s.t.Fatalf("the job %s did not end", id)
	}
	return b.get("/import/job?id=" + id)
}

var (
	tokenRe    = regexp.MustCompile(`name="token" value="([0-9a-f]+)"`)
	selectRe   = regexp.MustCompile(`(?s)<select name="map:([^"]*)"[^>]*>(.*?)</select>`)
	selectedRe = regexp.MustCompile(`<option value="([^"]*)" selected`)
	autoRe     = regexp.MustCompile(`<input type="hidden" name="auto:([^"]*)" value="([^"]*)"`)
)

// mappingOf reads the mapping screen: each column and its selected field,
// and the automatic matching sent back with the form.
func mappingOf(page string) (mapped, auto map[string]string) {
	mapped, auto = map[string]string{}, map[string]string{}
	for _, m := range selectRe.FindAllStringSubmatch(page, -1) {
		f := ""
		if sel := selectedRe.FindStringSubmatch(m[2]); sel != nil {
			f = sel[1]
		}
		mapped[html.UnescapeString(m[1])] = f
	}
	for _, m := range autoRe.FindAllStringSubmatch(page, -1) {
		auto[html.UnescapeString(m[1])] = html.UnescapeString(m[2])
	}
	return mapped, auto
}

// mappingForm is the mapping screen's form with some columns changed.
func mappingForm(t *testing.T, page, do string, change map[string]string) url.Values {
	t.Helper()
	tok := tokenRe.FindStringSubmatch(page)
	if tok == nil {
		t.Fatalf("no mapping screen: %.500s", page)
	}
	mapped, auto := mappingOf(page)
	form := url.Values{"token": {tok[1]}, "do": {do}}
	for h, f := range mapped {
		if c, ok := change[h]; ok {
			f = c
		}
		form.Add("col", h)
		form.Set("map:"+h, f)
		form.Set("auto:"+h, auto[h])
	}
	return form
}

func (p *pages) countLeads(t *testing.T, like string) int64 {
	t.Helper()
	var n int64
	p.s.Sudo(t, func(env *orm.Env) error {
		var err error
		n, err = env.WithContext(map[string]any{"active_test": false}).SearchCount(env.Reg.Model("crm.lead"), orm.Leaf{Path: "name", Op: "=like", Value: like}, 0)
		return err
	})
	return n
}

func TestImportThroughTheMappingScreen(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		p := newPages(t, be)
		s := newImportSite(t, p, nil)
		csv := "Opportunity,Email,Expected Revenue,Comment\nAlpha deal,a@alpha.example,1000,ok\nBeta deal,b@beta.example,lots,bad number\nGamma deal,g@gamma.example,300,ok\n"
		st, _, id := s.upload(s.admin, "crm.lead", "leads.csv", csv)
		if st != 200 {
			t.Fatalf("upload: %d", st)
		}
		st, page := s.finished(s.admin, id)
		if st != 200 || !strings.Contains(page, `id="problems"`) || !strings.Contains(page, "Expected Revenue") {
			t.Fatalf("check: %d %s", st, regexp.MustCompile(`id="import-summary">[^<]*<strong[^>]*>[^<]*`).FindString(page))
		}
		if n := p.countLeads(t, "%deal"); n != 0 {
			t.Fatalf("the check wrote %d leads", n)
		}
		// fix the mapping: leave the bad column out, and import
		form := mappingForm(t, page, "import", map[string]string{"Expected Revenue": "", "Comment": ""})
		_, _, id = s.run(s.admin, form)
		st, page = s.finished(s.admin, id)
		if st != 200 || !strings.Contains(page, `id="import-done"`) || !strings.Contains(page, "Imported: 3 created, 0 updated, 0 unchanged, 0 skipped.") {
			t.Fatalf("import: %d %.2000s", st, page)
		}
		if n := p.countLeads(t, "%deal"); n != 3 {
			t.Errorf("%d leads imported, want 3", n)
		}
		// the file is forgotten once imported
		if st, _, _ := s.admin.post("/import/run", form, nil); st != http.StatusNotFound {
			t.Errorf("importing the same upload again: %d, want 404", st)
		}
		st, tpl := s.admin.get("/import/crm.lead/template?format=csv")
		if st != 200 || !strings.Contains(tpl, "Opportunity") {
			t.Errorf("template: %d %q", st, tpl)
		}
		// a file the importer cannot read is explained, not a failure of ours
		_, _, id = s.upload(s.admin, "crm.lead", "empty.csv", "")
		if _, page := s.finished(s.admin, id); !strings.Contains(page, `id="import-error"`) || !strings.Contains(page, "the file is empty") || !strings.Contains(page, `id="upload-form"`) {
			t.Errorf("an empty file: %.1500s", page)
		}
	})
}

// TestImportProgressAndCancel imports a file of a few thousand rows: the
// job reports its progress on its page, only its owner sees or cancels
// it, a cancellation in the middle leaves nothing behind, and the same
// import run to the end creates every row.
func TestImportProgressAndCancel(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		p := newPages(t, be)
		const rows = 3000
		var (
			mu      sync.Mutex
			reports [][2]int // of the imports (not the checks)
			block   = true
			reached = make(chan struct{})
			release = make(chan struct{})
		)
		s := newImportSite(t, p, func(id string, dry bool, done, total int) {
			if dry {
				return
			}
			mu.Lock()
			reports = append(reports, [2]int{done, total})
			stop := block && done == 1000
			if stop {
				block = false
			}
			mu.Unlock()
			if stop { // hold the import in the middle until the test has looked
				close(reached)
				<-release
			}
		})
		var once sync.Once
		letGo := func() { once.Do(func() { close(release) }) }
		t.Cleanup(letGo) // a failing test lets the job end before the app shuts down
		p.s.CreateUser(t, "bob", "bob-password", base.GroupSaleSalesman)
		bob := newBrowser(t, s.url)
		bob.login("bob", "bob-password")
		before := p.countLeads(t, "%")

		var csv strings.Builder
		csv.WriteString("Opportunity,Email\n")
		for i := range rows {
			fmt.Fprintf(&csv, "Bulk lead %04d,bulk%04d@example.com\n", i, i)
		}
		_, _, id := s.upload(s.admin, "crm.lead", "bulk.csv", csv.String())
		_, page := s.finished(s.admin, id)
		if !strings.Contains(page, fmt.Sprintf("%d rows read.", rows)) {
			t.Fatalf("check: %.1500s", page)
		}
		form := mappingForm(t, page, "import", nil)
		st, page, id := s.run(s.admin, form)
		if st != 200 || !strings.Contains(page, `id="import-progress"`) || !strings.Contains(page, `id="btn-cancel"`) ||
			!strings.Contains(page, `hx-get="/import/job/progress?id=`+id+`"`) || !strings.Contains(page, `<meta http-equiv="refresh"`) {
			t.Fatalf("the import does not show its progress page: %d %.3000s", st, page)
		}
		select {
		case <-reached:
		case <-time.After(2 * time.Minute):
			t.Fatal("the import did not reach row 1000")
		}

		// the owner sees the progress: rows done of the total, time left
		_, page = s.admin.get("/import/job?id=" + id)
		for _, want := range []string{`data-rows="1000"`, `data-total="3000"`, `<progress id="import-bar" max="3000" value="1000"`,
			"1,000 of 3,000 rows", `id="import-left"`, "left", `id="btn-cancel"`} {
			if !strings.Contains(page, want) {
				t.Errorf("the progress page lacks %q: %.3000s", want, page)
			}
		}
		st, frag := s.admin.get("/import/job/progress?id=" + id)
		if st != 200 || !strings.Contains(frag, `data-rows="1000"`) || strings.Contains(frag, "<html") {
			t.Errorf("progress fragment: %d %.500s", st, frag)
		}

		// another user can neither see it nor cancel it
		st, page = bob.get("/import/job?id=" + id)
		if st != http.StatusNotFound || strings.Contains(page, "data-rows") || !strings.Contains(page, `id="import-unknown"`) {
			t.Errorf("bob sees the job: %d %.500s", st, page)
		}
		if st, frag := bob.get("/import/job/progress?id=" + id); st == 200 && strings.Contains(frag, "data-rows") {
			t.Errorf("bob polls the job: %d %s", st, frag)
		}
		if st, _, _ := bob.post("/import/cancel", url.Values{"id": {id}}, nil); st != http.StatusNotFound {
			t.Errorf("bob cancels the job: %d", st)
		}
		// nor can another site, through the owner's browser
		if st, _, _ := s.admin.post("/import/cancel", url.Values{"id": {id}}, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}); st != http.StatusForbidden {
			t.Errorf("cross-site cancel: %d", st)
		}
		if _, page = s.admin.get("/import/job?id=" + id); strings.Contains(page, "Cancelling") || !strings.Contains(page, `id="btn-cancel"`) {
			t.Fatalf("the job is being cancelled by someone else: %.2000s", page)
		}

		// the owner cancels it
		st, page, _ = s.admin.post("/import/cancel", url.Values{"id": {id}}, nil)
		if st != 200 || !strings.Contains(page, "Cancelling…") || strings.Contains(page, `id="btn-cancel"`) {
			t.Errorf("cancel: %d %.2000s", st, page)
		}
		letGo()
		st, page = s.finished(s.admin, id)
		if st != 200 || !strings.Contains(page, `id="import-cancelled"`) || !strings.Contains(page, "Cancelled: nothing has been written.") ||
			!strings.Contains(page, `id="mapping-form"`) || strings.Contains(page, `id="import-done"`) {
			t.Errorf("after the cancellation: %d %.2000s", st, page)
		}
		if n := p.countLeads(t, "Bulk lead%"); n != 0 {
			t.Errorf("the cancelled import left %d leads", n)
		}
		if n := p.countLeads(t, "%"); n != before {
			t.Errorf("%d leads after the cancelled import, %d before", n, before)
		}
		mu.Lock()
		got := len(reports)
		last := reports[got-1]
		mu.Unlock()
		if got != 10 || last != [2]int{1000, 3000} {
			t.Errorf("progress of the cancelled import: %d reports, the last %v; want 10, up to [1000 3000]", got, last)
		}

		// the same import, to the end
		_, page, id = s.run(s.admin, form)
		st, page = s.finished(s.admin, id)
		if st != 200 || !strings.Contains(page, "Imported: 3000 created, 0 updated, 0 unchanged, 0 skipped.") {
			t.Fatalf("import: %d %.2000s", st, page)
		}
		if n := p.countLeads(t, "Bulk lead%"); n != rows {
			t.Errorf("%d leads imported, want %d", n, rows)
		}
		mu.Lock()
		last = reports[len(reports)-1]
		n := len(reports) - got
		mu.Unlock()
		if last != [2]int{rows, rows} || n < rows/100 {
			t.Errorf("progress of the import: %d reports, the last %v", n, last)
		}
		// the finished job is still shown to its owner, and to no one else
		if st, page := s.admin.get("/import/job?id=" + id); st != 200 || !strings.Contains(page, `id="import-done"`) {
			t.Errorf("the result again: %d", st)
		}
		if st, _ := bob.get("/import/job?id=" + id); st != http.StatusNotFound {
			t.Errorf("bob sees the result: %d", st)
		}
	})
}

// TestImportResultOnAnotherNode: a node that did not run a job shows what
// the database recorded of it: that it runs elsewhere (PostgreSQL, where
// it can also ask for its cancellation), then its result.
func TestImportResultOnAnotherNode(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		p := newPages(t, be)
		var (
			mu      sync.Mutex
			block   = true
			reached = make(chan struct{})
			release = make(chan struct{})
		)
		a := newImportSite(t, p, func(id string, dry bool, done, total int) {
			mu.Lock()
			stop := block && !dry && done == 100
			if stop {
				block = false
			}
			mu.Unlock()
			if stop {
				close(reached)
				<-release
			}
		})
		var once sync.Once
		letGo := func() { once.Do(func() { close(release) }) }
		t.Cleanup(letGo)
		nodeB := newImportSite(t, p, nil).admin

		var csv strings.Builder
		csv.WriteString("Opportunity\n")
		for i := range 300 {
			fmt.Fprintf(&csv, "Remote lead %03d\n", i)
		}
		_, _, id := a.upload(a.admin, "crm.lead", "remote.csv", csv.String())
		_, page := a.finished(a.admin, id)
		form := mappingForm(t, page, "import", nil)
		_, _, id = a.run(a.admin, form)
		select {
		case <-reached:
		case <-time.After(2 * time.Minute):
			t.Fatal("the import did not reach row 100")
		}
		st, page := nodeB.get("/import/job?id=" + id)
		postgres := be.Name == "postgres"
		if postgres {
			if st != 200 || !strings.Contains(page, `id="import-remote"`) || !strings.Contains(page, `id="btn-cancel"`) {
				t.Errorf("node B on a job of node A: %d %.2000s", st, page)
			}
			// node B asks node A to cancel, through the database
			if st, _, _ := nodeB.post("/import/cancel", url.Values{"id": {id}}, nil); st != 200 {
				t.Errorf("cancel on node B: %d", st)
			}
		}
		letGo()
		if !web.WaitImport(a.app, id, 2*time.Minute) {
			t.Fatal("the job did not end")
		}
		st, page = nodeB.get("/import/job?id=" + id)
		if postgres {
			if st != 200 || !strings.Contains(page, "Cancelled: nothing has been written.") {
				t.Errorf("node B after the cancellation: %d %.2000s", st, page)
			}
			if n := p.countLeads(t, "Remote lead%"); n != 0 {
				t.Errorf("the cancelled import left %d leads", n)
			}
			_, _, id = a.run(a.admin, form)
			if !web.WaitImport(a.app, id, 2*time.Minute) {
				t.Fatal("the job did not end")
			}
			st, page = nodeB.get("/import/job?id=" + id)
		}
		if st != 200 || !strings.Contains(page, "Imported: 300 created, 0 updated, 0 unchanged, 0 skipped.") {
			t.Errorf("node B shows the result of node A's job: %d %.2000s", st, page)
		}
		if st, page := nodeB.get("/import/job?id=nosuchjob"); st != http.StatusNotFound || !strings.Contains(page, `id="import-unknown"`) {
			t.Errorf("an unknown job: %d %.1000s", st, page)
		}
	})
}

// TestImportRemembersTheMapping: the columns a user mapped differently
// from the automatic matching are mapped so again on the user's next
// upload for the model, and the page says so.
func TestImportRemembersTheMapping(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		p := newPages(t, be)
		var mu sync.Mutex
		passes := map[string]int{} // the ends of the passes over the file, by job
		s := newImportSite(t, p, func(id string, dry bool, done, total int) {
			if done == total {
				mu.Lock()
				passes[id]++
				mu.Unlock()
			}
		})
		onePass := func(id, what string) {
			t.Helper()
			mu.Lock()
			defer mu.Unlock()
			if passes[id] != 1 {
				t.Errorf("%s: %d passes over the file, want 1", what, passes[id])
			}
		}
		_, _, id := s.upload(s.admin, "crm.lead", "first.csv", "Opportunity,Contact mail,Expected Revenue\nFirst A,a@first.example,10\n")
		_, page := s.finished(s.admin, id)
		mapped, auto := mappingOf(page)
		if mapped["Opportunity"] != "name" || mapped["Contact mail"] != "" || mapped["Expected Revenue"] != "expected_revenue" ||
			auto["Expected Revenue"] != "expected_revenue" || strings.Contains(page, `id="import-remembered"`) {
			t.Fatalf("first upload: %v %v", mapped, auto)
		}
		// a check with an edited mapping remembers nothing; an import does
		_, _, id = s.run(s.admin, mappingForm(t, page, "check", map[string]string{"Contact mail": "email_from", "Expected Revenue": ""}))
		_, page = s.finished(s.admin, id)
		_, _, id = s.upload(s.admin, "crm.lead", "again.csv", "Opportunity,Contact mail\nAgain A,a@again.example\n")
		if _, again := s.finished(s.admin, id); strings.Contains(again, `id="import-remembered"`) {
			t.Fatal("a check remembered the mapping")
		}
		_, _, id = s.run(s.admin, mappingForm(t, page, "import", nil))
		if _, done := s.finished(s.admin, id); !strings.Contains(done, `id="import-done"`) {
			t.Fatalf("import: %.2000s", done)
		}

		// a file with some of the remembered columns: those are mapped as
		// last time, the others do not stop it
		_, _, id = s.upload(s.admin, "crm.lead", "some.csv", "Opportunity,Contact Mail,Phone\nSome C,c@some.example,+40 21 111\n")
		_, page = s.finished(s.admin, id)
		if mapped, _ := mappingOf(page); mapped["Opportunity"] != "name" || mapped["Contact Mail"] != "email_from" || mapped["Phone"] != "phone" ||
			!strings.Contains(page, "Columns mapped as in your last import: Contact Mail.") || strings.Contains(page, `id="import-error"`) ||
			strings.Contains(page, `id="problems"`) {
			t.Errorf("a file with some of the remembered columns: %v %.1000s", mapped, page)
		}
		onePass(id, "the check of a file with some of the remembered columns")

		// the next file: the remembered columns (headers without case),
		// the others matched automatically
		next := "opportunity,CONTACT MAIL,Expected Revenue,Phone\nSecond B,b@second.example,20,+40 21 000\n"
		_, _, id = s.upload(s.admin, "crm.lead", "second.csv", next)
		_, second := s.finished(s.admin, id)
		onePass(id, "the check of an upload with remembered columns")
		mapped, _ = mappingOf(second)
		want := map[string]string{"opportunity": "name", "CONTACT MAIL": "email_from", "Expected Revenue": "", "Phone": "phone"}
		for h, f := range want {
			if mapped[h] != f {
				t.Errorf("second upload: %s is mapped to %q, want %q (%v)", h, mapped[h], f, mapped)
			}
		}
		if !strings.Contains(second, "Columns mapped as in your last import: CONTACT MAIL, Expected Revenue.") || strings.Count(second, "as last time") != 2 {
			t.Errorf("the page does not tell which columns were mapped as last time: %.3000s", second)
		}

		// per user: bob's upload is matched automatically
		p.s.CreateUser(t, "bob", "bob-password", base.GroupSaleSalesman)
		bob := newBrowser(t, s.url)
		bob.login("bob", "bob-password")
		_, _, id = s.upload(bob, "crm.lead", "second.csv", next)
		_, page = s.finished(bob, id)
		if mapped, _ := mappingOf(page); mapped["CONTACT MAIL"] != "" || mapped["Expected Revenue"] != "expected_revenue" || strings.Contains(page, `id="import-remembered"`) {
			t.Errorf("bob gets admin's mapping: %v", mapped)
		}

		// a column set back to its automatic match is forgotten
		_, _, id = s.run(s.admin, mappingForm(t, second, "import", map[string]string{"Expected Revenue": "expected_revenue"}))
		s.finished(s.admin, id)
		_, _, id = s.upload(s.admin, "crm.lead", "third.csv", next)
		_, page = s.finished(s.admin, id)
		if mapped, _ := mappingOf(page); mapped["CONTACT MAIL"] != "email_from" || mapped["Expected Revenue"] != "expected_revenue" ||
			!strings.Contains(page, "Columns mapped as in your last import: CONTACT MAIL.") {
			t.Errorf("third upload: %v", mapped)
		}
		onePass(id, "the third check")

		// a remembered field that can no longer be imported: the
		// automatic matching stands
		p.s.Sudo(t, func(env *orm.Env) error {
			_, err := env.Exec("UPDATE import_mapping SET field = 'gone_field' WHERE header_key = 'contact mail'")
			return err
		})
		_, _, id = s.upload(s.admin, "crm.lead", "fourth.csv", next)
		st, page := s.finished(s.admin, id)
		if mapped, _ := mappingOf(page); st != 200 || mapped["CONTACT MAIL"] != "" || mapped["opportunity"] != "name" ||
			strings.Contains(page, `id="import-remembered"`) || strings.Contains(page, `id="import-error"`) || !strings.Contains(page, "1 rows read.") {
			t.Errorf("a remembered field gone: %d %v %.1000s", st, mapped, page)
		}
	})
}

// TestImportSpeaksTheUsersLanguage: the problems of the rows, and what
// stops a check (a file or a mapping the user can fix: 422), read in the
// user's language; a failure of ours is a 500 that shows nothing of it.
func TestImportSpeaksTheUsersLanguage(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		p := newPages(t, be)
		s := newImportSite(t, p, nil)
		uid := p.s.CreateUser(t, "ana", "ana-password", base.GroupSaleSalesman)
		p.s.Sudo(t, func(env *orm.Env) error {
			return env.Write(env.Reg.Model("res.users"), []int64{uid}, orm.Values{"lang": "ro_RO"})
		})
		ana := newBrowser(t, s.url)
		ana.login("ana", "ana-password")

		csv := "Opportunity,Expected Revenue,Expected Closing,Priority,Stage\nBun,100,,,\nRău,12abc,2026-02-30,Urgent,Negociere\n"
		_, _, id := s.upload(ana, "crm.lead", "rau.csv", csv)
		st, page := s.finished(ana, id)
		text := html.UnescapeString(page)
		for _, want := range []string{`id="problems"`, `"12abc" nu este un număr`, `"2026-02-30" nu este o dată validă: februarie 2026 nu are ziua 30`,
			`"Urgent" nu este una dintre valorile: Scăzut, Mediu, Ridicat, Foarte ridicat`,
			`nicio înregistrare de tip Etape CRM nu corespunde cu "Negociere" (opțiunea de a crea înregistrările lipsă ar crea-o)`} {
			if !strings.Contains(text, want) {
				t.Errorf("the check's page lacks %q", want)
			}
		}
		if st != 200 || strings.Contains(text, "is not a number") || strings.Contains(text, "has no day") {
			t.Errorf("the check: %d %.3000s", st, regexp.MustCompile(`(?s)<table class="list problems".*?</table>`).FindString(text))
		}

		// a mapping to a field that does not exist: the user's to fix
		form := mappingForm(t, page, "check", map[string]string{"Opportunity": "no_such_field"})
		_, _, id = s.run(ana, form)
		st, page = s.finished(ana, id)
		if text := html.UnescapeString(page); st != http.StatusUnprocessableEntity || !strings.Contains(text, `id="import-error"`) ||
			!strings.Contains(text, `coloana "Opportunity": "no_such_field" nu este un câmp care se poate importa în crm.lead`) ||
			!strings.Contains(text, `id="mapping-form"`) {
			t.Errorf("a mapping to no field: %d %.3000s", st, text)
		}
		// an empty file
		_, _, id = s.upload(ana, "crm.lead", "gol.csv", "")
		st, page = s.finished(ana, id)
		if st != http.StatusUnprocessableEntity || !strings.Contains(page, `id="import-error"`) || !strings.Contains(page, "fișierul este gol") ||
			strings.Contains(page, "the file is empty") || !strings.Contains(page, `id="upload-form"`) {
			t.Errorf("an empty file: %d %.1500s", st, page)
		}
		// the upload's own refusals
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("preset", "")
		mw.Close()
		req := mustReq(t, "POST", ana.base+"/import/crm.lead", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, err := ana.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if page := readAll(resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Alegeți un fișier CSV sau XLSX de importat.") {
			t.Errorf("no file: %d %.1500s", resp.StatusCode, page)
		}

		// a failure of ours (the table of remembered mappings is gone):
		// logged, a 500, nothing of it shown
		p.s.Sudo(t, func(env *orm.Env) error {
			_, err := env.Exec("DROP TABLE import_mapping")
			return err
		})
		_, _, id = s.upload(ana, "crm.lead", "rau.csv", csv)
		st, page = s.finished(ana, id)
		if st != http.StatusInternalServerError || !strings.Contains(page, "A apărut o eroare la noi; eroarea a fost înregistrată.") ||
			strings.Contains(page, "import_mapping") || strings.Contains(page, `id="problems"`) {
			t.Errorf("a failure of ours: %d %.1500s", st, page)
		}
	})
}
