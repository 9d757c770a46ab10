package web_test

import (
	"bytes"
	"mime/multipart"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

func TestImportThroughTheMappingScreen(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		p := newPages(t, be)
		csv := "Opportunity,Email,Expected Revenue,Comment\nAlpha deal,a@alpha.example,1000,ok\nBeta deal,b@beta.example,lots,bad number\nGamma deal,g@gamma.example,300,ok\n"
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", "leads.csv")
		fw.Write([]byte(csv))
		mw.Close()
		req := mustReq(t, "POST", p.s.URL+"/import/crm.lead", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, err := p.b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		page := readAll(resp)
		if resp.StatusCode != 422 || !strings.Contains(page, `id="problems"`) || !strings.Contains(page, "Expected Revenue") {
			t.Fatalf("check: %d %s", resp.StatusCode, regexp.MustCompile(`id="import-summary">[^<]*<strong[^>]*>[^<]*`).FindString(page))
		}
		count := func() int64 {
			var n int64
			p.s.Sudo(t, func(env *orm.Env) error {
				var err error
				n, err = env.SearchCount(env.Reg.Model("crm.lead"), orm.Leaf{Path: "name", Op: "like", Value: "deal"}, 0)
				return err
			})
			return n
		}
		if n := count(); n != 0 {
			t.Fatalf("the check wrote %d leads", n)
		}
		token := regexp.MustCompile(`name="token" value="([0-9a-f]+)"`).FindStringSubmatch(page)[1]
		// fix the mapping: leave the bad column out, and import
		form := url.Values{"token": {token}, "col": {"Opportunity", "Email", "Expected Revenue", "Comment"},
			"map:Opportunity": {"name"}, "map:Email": {"email_from"}, "map:Expected Revenue": {""}, "map:Comment": {""}, "do": {"import"}}
		st, page, _ := p.b.post("/import/run", form, nil)
		if st != 200 || !strings.Contains(page, `id="import-done"`) {
			t.Fatalf("import: %d", st)
		}
		if n := count(); n != 3 {
			t.Errorf("%d leads imported, want 3", n)
		}
		st, tpl := p.b.get("/import/crm.lead/template?format=csv")
		if st != 200 || !strings.Contains(tpl, "Opportunity") {
			t.Errorf("template: %d %q", st, tpl)
		}
	})
}
