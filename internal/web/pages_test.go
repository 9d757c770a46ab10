package web_test

import (
	"bytes"
	"encoding/csv"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kanso-crm/kanso/internal/apptest"
	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

type pages struct {
	s      *apptest.Server
	b      *browser
	team   int64
	stages map[string]int64
}

func newPages(t *testing.T, be testutil.Backend) *pages {
	s := apptest.Start(t, be)
	p := &pages{s: s, b: newBrowser(t, s.URL), stages: map[string]int64{}}
	s.Sudo(t, func(env *orm.Env) error {
		var err error
		p.team, err = base.XID(env, "sales_team.team_sales_department")
		if err != nil {
			return err
		}
		st, err := env.SearchRead(env.Reg.Model("crm.stage"), orm.And{}, []string{"name"}, orm.SearchOpts{}, false)
		for _, r := range st {
			p.stages[r["name"].(string)] = r["id"].(int64)
		}
		return err
	})
	p.b.login("admin", apptest.AdminPassword)
	return p
}

func (p *pages) lead(t *testing.T, vals orm.Values) int64 {
	var id int64
	p.s.Sudo(t, func(env *orm.Env) error {
		ids, err := env.WithUser(2).Create(env.Reg.Model("crm.lead"), []orm.Values{vals})
		if err == nil {
			id = ids[0]
		}
		return err
	})
	return id
}

func (p *pages) read(t *testing.T, id int64, fields ...string) orm.Values {
	var v orm.Values
	p.s.Sudo(t, func(env *orm.Env) error {
		recs, err := env.WithContext(map[string]any{"active_test": false}).ReadValues(env.Reg.Model("crm.lead"), []int64{id}, fields)
		if err == nil && len(recs) == 1 {
			v = recs[0]
		}
		return err
	})
	return v
}

func TestPipelinePage(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		p := newPages(t, be)
		id := p.lead(t, orm.Values{"name": "Solar <roof>", "type": "opportunity", "team_id": p.team, "stage_id": p.stages["New"], "expected_revenue": 12500.0, "partner_name": "Acme"})
		p.lead(t, orm.Values{"name": "Other", "type": "opportunity", "team_id": p.team, "stage_id": p.stages["Qualified"], "expected_revenue": 100.0})
		st, body := p.b.get("/crm/pipeline?team=" + itoa(p.team))
		if st != 200 {
			t.Fatalf("pipeline: %d", st)
		}
		for _, want := range []string{`id="card-` + itoa(id) + `"`, "Solar &lt;roof&gt;", `data-stage="` + itoa(p.stages["Won"]) + `"`, "12,500.00", ">New<", ">Qualified<"} {
			if !strings.Contains(body, want) {
				t.Errorf("pipeline page lacks %q", want)
			}
		}
		wd := regexp.MustCompile(`id="card-` + itoa(id) + `" data-write-date="|data-write-date="([^"]+)" id="card-` + itoa(id) + `"`).FindStringSubmatch(body)
		if wd == nil {
			t.Fatal("no write date on the card")
		}
		// move: the same method as the API
		st, res, _ := p.b.post("/crm/lead/"+itoa(id)+"/move", url.Values{"stage": {itoa(p.stages["Qualified"])}, "write_date": {wd[1]}}, nil)
		if st != 200 || !strings.Contains(res, `"ok":true`) {
			t.Fatalf("move: %d %s", st, res)
		}
		if got := p.read(t, id, "stage_id")["stage_id"]; got != p.stages["Qualified"] {
			t.Errorf("stage after move: %v", got)
		}
		// a stale write date is refused with the reason
		st, res, _ = p.b.post("/crm/lead/"+itoa(id)+"/move", url.Values{"stage": {itoa(p.stages["New"])}, "write_date": {"2001-01-01 00:00:00"}}, nil)
		if st != http.StatusConflict || !strings.Contains(res, "modified by someone else") {
			t.Errorf("stale move: %d %s", st, res)
		}
		// quick create and stars
		st, res, _ = p.b.post("/crm/pipeline/quick", url.Values{"stage": {itoa(p.stages["New"])}, "team": {itoa(p.team)}, "name": {"Quick one"}, "customer": {"Beta"}, "expected_revenue": {"1,500.50"}}, nil)
		if st != 200 || !strings.Contains(res, "Quick one") || !strings.Contains(res, "1,500.50") {
			t.Errorf("quick create: %d %s", st, res)
		}
		st, res, _ = p.b.post("/crm/pipeline/quick", url.Values{"stage": {itoa(p.stages["New"])}, "team": {itoa(p.team)}, "name": {"Bad"}, "expected_revenue": {"lots"}}, nil)
		if st != 422 {
			t.Errorf("quick create with a bad amount: %d %s", st, res)
		}
		st, res, _ = p.b.post("/crm/lead/"+itoa(id)+"/priority", url.Values{"priority": {"2"}}, nil)
		if st != 200 || strings.Count(res, "star on") != 2 || p.read(t, id, "priority")["priority"] != "2" {
			t.Errorf("priority: %d %s", st, res)
		}
	})
}

func TestLeadFormSaveConflictAndActions(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		p := newPages(t, be)
		id := p.lead(t, orm.Values{"name": "Form deal", "type": "opportunity", "team_id": p.team, "email_from": "a@x.example"})
		_, body := p.b.get("/crm/lead/" + itoa(id))
		wd := regexp.MustCompile(`name="write_date" value="([^"]+)"`).FindStringSubmatch(body)
		if wd == nil {
			t.Fatal("no write_date in the form")
		}
		form := url.Values{"write_date": {wd[1]}, "name": {"Form deal"}, "email_from": {"b@x.example"}, "expected_revenue": {"2,000"}, "probability": {"30"}}
		st, body, _ := p.b.post("/crm/lead/"+itoa(id), form, nil)
		if st != 200 || !strings.Contains(body, "Saved.") {
			t.Fatalf("save: %d", st)
		}
		if v := p.read(t, id, "email_from", "expected_revenue"); v["email_from"] != "b@x.example" || v["expected_revenue"] != 2000.0 {
			t.Errorf("saved values: %v", v)
		}
		// saving again with the old write_date shows the conflict and both values
		form.Set("email_from", "c@x.example")
		st, body, _ = p.b.post("/crm/lead/"+itoa(id), form, nil)
		if st != http.StatusConflict || !strings.Contains(body, `id="conflict"`) || !strings.Contains(body, "c@x.example") || !strings.Contains(body, "b@x.example") {
			t.Errorf("conflict: %d", st)
		}
		if v := p.read(t, id, "email_from"); v["email_from"] != "b@x.example" {
			t.Errorf("the conflicting save overwrote: %v", v)
		}
		reason := int64(0)
		p.s.Sudo(t, func(env *orm.Env) error {
			reason, _ = base.XID(env, "crm.lost_reason_1")
			return nil
		})
		p.b.post("/crm/lead/"+itoa(id)+"/lost", url.Values{"lost_reason_id": {itoa(reason)}, "lost_feedback": {"price"}}, nil)
		if v := p.read(t, id, "active", "won_status", "lost_reason_id"); v["won_status"] != "lost" || v["lost_reason_id"] != reason {
			t.Errorf("lost from the form: %v", v)
		}
		_, body = p.b.get("/crm/lead/" + itoa(id))
		if !strings.Contains(body, "ribbon lost") || !strings.Contains(body, "Lost Comment") {
			t.Error("the form does not show the lost state and the feedback")
		}
		p.b.post("/crm/lead/"+itoa(id)+"/restore", nil, nil)
		if v := p.read(t, id, "active", "won_status"); v["active"] != true || v["won_status"] != "pending" {
			t.Errorf("restored: %v", v)
		}
		p.b.post("/crm/lead/"+itoa(id)+"/won", nil, nil)
		if v := p.read(t, id, "won_status"); v["won_status"] != "won" {
			t.Errorf("won: %v", v)
		}
	})
}

func TestListsAndMassActions(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		p := newPages(t, be)
		var ids []int64
		for i := 0; i < 85; i++ {
			ids = append(ids, p.lead(t, orm.Values{"name": "Lead " + itoa(int64(i)), "type": "lead", "user_id": false, "email_from": "l" + itoa(int64(i)) + "@x.example"}))
		}
		_, body := p.b.get("/list/leads")
		if !strings.Contains(body, "1–80 of 85") || !strings.Contains(body, `rel="next"`) {
			t.Errorf("first page: total or pager missing")
		}
		_, body = p.b.get("/list/leads?page=2")
		if !strings.Contains(body, "81–85 of 85") {
			t.Error("second page total")
		}
		_, body = p.b.get("/list/leads?q=Lead+7&order=name+asc")
		if !strings.Contains(body, "Lead 7") || strings.Contains(body, "Lead 8<") {
			t.Error("search in the list")
		}
		sue := p.s.CreateUser(t, "sue", "sue-password", base.GroupSaleSalesman)
		form := url.Values{"action": {"assign"}, "user_id": {itoa(sue)}, "ids": {itoa(ids[0]), itoa(ids[1])}}
		if st, _, _ := p.b.post("/list/leads/action", form, nil); st != 200 {
			t.Fatalf("assign: %d", st)
		}
		if v := p.read(t, ids[0], "user_id"); v["user_id"] != sue {
			t.Errorf("assigned: %v", v)
		}
		st, csvBody, resp := p.b.post("/list/leads/action", url.Values{"action": {"export"}, "ids": {itoa(ids[0]), itoa(ids[2])}}, nil)
		recs, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
		if st != 200 || err != nil || len(recs) != 3 || !strings.Contains(resp.Header.Get("Content-Type"), "text/csv") {
			t.Errorf("export: %d %v %v", st, err, recs)
		}
		p.b.post("/list/leads/action", url.Values{"action": {"delete"}, "ids": {itoa(ids[3])}}, nil)
		if v := p.read(t, ids[3], "name"); v != nil {
			t.Errorf("deleted lead still there: %v", v)
		}
		// an own-documents salesperson sees own and unassigned rows only,
		// and a mass action on another's row is refused as a whole
		sb := newBrowser(t, p.s.URL)
		sb.login("sue", "sue-password")
		_, body = sb.get("/list/leads")
		if !strings.Contains(body, "of 84") {
			t.Errorf("sue's list: %s", regexp.MustCompile(`id="total">[^<]*`).FindString(body))
		}
		p.s.Sudo(t, func(env *orm.Env) error {
			return env.Write(env.Reg.Model("crm.lead"), []int64{ids[4]}, orm.Values{"user_id": int64(2)})
		})
		st, _, _ = sb.post("/list/leads/action", url.Values{"action": {"archive"}, "ids": {itoa(ids[5]), itoa(ids[4])}}, nil)
		if st != http.StatusForbidden {
			t.Errorf("archiving another's lead: %d", st)
		}
		if v := p.read(t, ids[5], "active"); v["active"] != true {
			t.Error("part of a refused mass action was applied")
		}
	})
}

func TestConfigurationPages(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		p := newPages(t, be)
		_, body := p.b.get("/config")
		if !strings.Contains(body, "/config/stages") || !strings.Contains(body, "/config/users") {
			t.Error("configuration index")
		}
		st, _, _ := p.b.post("/config/tags/new", url.Values{"name": {"Hardware"}, "color": {"3"}}, nil)
		_, body = p.b.get("/config/tags")
		if st != 200 || !strings.Contains(body, "Hardware") {
			t.Errorf("tag created: %d", st)
		}
		st, body, _ = p.b.post("/config/tags/new", url.Values{"name": {"Hardware"}}, nil)
		if st != 422 || !strings.Contains(body, "form-error") {
			t.Errorf("duplicate tag: %d", st)
		}
		st, body, _ = p.b.post("/config/teams/new", url.Values{"name": {"Field"}, "stage_set": {"activity"}, "use_opportunities": {"1"}, "active": {"1"}}, nil)
		if st != 200 {
			t.Fatalf("team: %d %s", st, regexp.MustCompile(`id="form-error">[^<]*`).FindString(body))
		}
		p.b.post("/config/settings", url.Values{"use_leads": {"1"}, "auto_assign": {"1"}, "lookup_endpoint": {"https://anaf.example/tva"}}, nil)
		_, body = p.b.get("/config")
		if !strings.Contains(body, "https://anaf.example/tva") || !strings.Contains(body, `name="auto_assign" value="1" checked`) {
			t.Error("settings not saved")
		}
		// a salesperson has no configuration
		p.s.CreateUser(t, "sam", "sam-password", base.GroupSaleSalesman)
		sb := newBrowser(t, p.s.URL)
		sb.login("sam", "sam-password")
		if st, _ := sb.get("/config/stages"); st != http.StatusForbidden {
			t.Errorf("salesperson on configuration: %d", st)
		}
		if _, body := sb.get("/crm/pipeline"); strings.Contains(body, `href="/config"`) {
			t.Error("the navigation shows Configuration to a salesperson")
		}
	})
}

func TestPreferencesLanguage(t *testing.T) {
	p := newPages(t, testutil.SQLite(t))
	for lang, word := range map[string]string{"id_ID": "Tim Penjualan", "ro_RO": "Echipă de vânzări", "en_US": "Sales Team"} {
		if st, _, _ := p.b.post("/web/preferences", url.Values{"lang": {lang}, "tz": {"Asia/Jakarta"}}, nil); st != 200 {
			t.Fatalf("save preferences: %d", st)
		}
		_, body := p.b.get("/crm/pipeline")
		if !strings.Contains(body, `lang="`+lang[:2]+`"`) {
			t.Errorf("%s: page language attribute", lang)
		}
		if !strings.Contains(body, word) {
			t.Errorf("%s: the pipeline does not say %q", lang, word)
		}
	}
}

func itoa(n int64) string { return strconvI(n) }

// A committed change reaches the open pages as a server-sent event.
func TestLiveUpdatesReachOpenPages(t *testing.T) {
	p := newPages(t, testutil.SQLite(t))
	req, _ := http.NewRequest("GET", p.s.URL+"/events", nil)
	resp, err := p.b.c.Do(req)
	if err != nil || resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("events: %v %v", resp, err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 256)
	n, _ := resp.Body.Read(buf) // ": connected": the subscription exists
	if !strings.Contains(string(buf[:n]), "connected") {
		t.Fatalf("first event: %q", buf[:n])
	}
	p.lead(t, orm.Values{"name": "Live one", "type": "lead"})
	var got string
	for !strings.Contains(got, "event: changed") {
		n, err := resp.Body.Read(buf)
		if err != nil {
			t.Fatalf("reading events: %v (got %q)", err, got)
		}
		got += string(buf[:n])
	}
	if !strings.Contains(got, "crm.lead") {
		t.Errorf("event: %q", got)
	}
	// the board and the lists have their fragments for the refresh
	if st, body := p.b.get("/list/leads?fragment=table"); st != 200 || !strings.Contains(body, "Live one") || strings.Contains(body, "<html") {
		t.Errorf("list fragment: %d", st)
	}
	if st, body := p.b.get("/crm/pipeline?fragment=board&team=" + itoa(p.team)); st != 200 || !strings.Contains(body, `class="column`) || strings.Contains(body, "<html") {
		t.Errorf("board fragment: %d", st)
	}
}

func TestSearchPanel(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		p := newPages(t, be)
		sam := p.s.CreateUser(t, "sam", "sam-password", base.GroupSaleSalesmanAll)
		for i, who := range []int64{2, 2, sam} {
			p.lead(t, orm.Values{"name": "Deal " + itoa(int64(i)), "type": "opportunity", "user_id": who, "partner_name": []string{"Acme", "Beta", "Acme"}[i],
				"expected_revenue": float64(1000 * (i + 1)), "team_id": p.team, "city": []string{"Cluj", "Iași", "Cluj"}[i]})
		}
		count := func(body string) int { return strings.Count(body, `name="ids" value=`) }
		_, body := p.b.get("/list/opportunities?f=my")
		if count(body) != 2 {
			t.Errorf("My Pipeline: %d rows", count(body))
		}
		_, body = p.b.get("/list/opportunities?s=" + url.QueryEscape("salesperson:sam"))
		if count(body) != 1 || !strings.Contains(body, "Salesperson: sam") {
			t.Errorf("facet salesperson: %d rows", count(body))
		}
		_, body = p.b.get("/list/opportunities?s=" + url.QueryEscape("city:iaș"))
		if count(body) != 1 {
			t.Errorf("facet city (diacritics): %d rows", count(body))
		}
		// filters of one group are OR-ed
		_, body = p.b.get("/list/opportunities?f=my&f=unassigned")
		if count(body) != 2 {
			t.Errorf("my or unassigned: %d", count(body))
		}
		// custom filter from the builder, nested any/all
		d := `["|", ["expected_revenue", ">", 2500], "&", ["city", "ilike", "cluj"], ["user_id", "=", false]]`
		_, body = p.b.get("/list/opportunities?d=" + url.QueryEscape(d))
		if count(body) != 1 {
			t.Errorf("custom filter: %d rows", count(body))
		}
		st, body := p.b.get("/list/opportunities?d=" + url.QueryEscape(`[["nope", "=", 1]]`))
		if st != 422 || !strings.Contains(body, "nope") {
			t.Errorf("bad custom filter: %d", st)
		}
		// group by salesperson: counts and sums
		_, body = p.b.get("/list/opportunities?g=user_id")
		if !strings.Contains(body, `id="grouped"`) || strings.Count(body, "3,000.00") != 2 {
			t.Errorf("grouped list lacks the groups' sums")
		}
		// a shared default favorite, found by another user
		st, _, resp := p.b.post("/web/favorites", url.Values{"model": {"crm.lead"}, "name": {"Cluj deals"}, "shared": {"1"}, "default": {"1"},
			"s": {"/list/opportunities?s=" + url.QueryEscape("city:cluj") + "&g=user_id"}}, nil)
		if st != 200 || !strings.Contains(resp.Request.URL.RawQuery, "fav=") {
			t.Fatalf("save favorite: %d %s", st, resp.Request.URL)
		}
		sb := newBrowser(t, p.s.URL)
		sb.login("sam", "sam-password")
		_, body = sb.get("/list/opportunities")
		if !strings.Contains(body, "Cluj deals") || !strings.Contains(body, `id="grouped"`) {
			t.Error("the shared default favorite is not applied for another user")
		}
		// the pipeline takes the same search
		_, body = p.b.get("/crm/pipeline?team=" + itoa(p.team) + "&s=" + url.QueryEscape("customer:beta"))
		if strings.Count(body, `data-write-date=`) != 1 {
			t.Errorf("pipeline search: %d cards", strings.Count(body, `data-write-date=`))
		}
	})
}

func TestCustomerForm(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		p := newPages(t, be)
		anaf := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"found": [{"date_generale": {"cui": 1590082, "denumire": "OMV PETROM S.A.", "nrRegCom": "J40/8302/1997", "telefon": "0372868930",
				"codPostal": "013329", "stare_inregistrare": "INREGISTRAT din data 02.01.1998", "cod_CAEN": "610"},
				"inregistrare_scop_Tva": {"scpTVA": true}, "stare_inactiv": {"statusInactivi": false, "dataRadiere": ""},
				"adresa_sediu_social": {"sdenumire_Strada": "Str. Coralilor", "snumar_Strada": "22", "sdenumire_Localitate": "Mun. Bucureşti, Sect. 1",
				"sdenumire_Judet": "MUNICIPIUL BUCUREŞTI", "scod_JudetAuto": "B", "scod_Postal": "013329"}}], "notFound": []}`)
		}))
		defer anaf.Close()
		p.s.Sudo(t, func(env *orm.Env) error { return base.SetParam(env, "crm.lookup.anaf_endpoint", anaf.URL) })
		// the lookup fills the form without saving
		st, body, _ := p.b.post("/contacts/new/lookup", url.Values{"vat": {"RO1590082"}, "name": {""}, "kind_present": {"1"}, "is_company": {"1"}}, nil)
		if st != 200 || !strings.Contains(body, `id="lookup-done"`) || !strings.Contains(body, `value="OMV PETROM S.A."`) || !strings.Contains(body, "J40/8302/1997") {
			t.Fatalf("lookup: %d", st)
		}
		st, body, _ = p.b.post("/contacts/new/lookup", url.Values{"vat": {"RO1590083"}}, nil)
		if st != 422 || !strings.Contains(body, "check digit") {
			t.Errorf("bad CUI: %d", st)
		}
		st, _, resp := p.b.post("/contacts/new", url.Values{"name": {"OMV Petrom"}, "kind_present": {"1"}, "is_company": {"1"}, "vat": {"RO1590082"}, "city": {"București"}}, nil)
		id := regexp.MustCompile(`/contacts/(\d+)`).FindStringSubmatch(resp.Request.URL.Path)
		if st != 200 || id == nil {
			t.Fatalf("create: %d %s", st, resp.Request.URL)
		}
		p.b.post("/contacts/"+id[1]+"/contacts", url.Values{"name": {"Ioana Pop"}, "type": {"contact"}, "email": {"ioana@petrom.example"}, "function": {"Buyer"}}, nil)
		p.b.post("/contacts/"+id[1]+"/contacts", url.Values{"name": {"Depozit Ploiești"}, "type": {"work_point"}, "street": {"Str. Depozitelor 1"}, "city": {"Ploiești"}}, nil)
		_, body = p.b.get("/contacts/" + id[1])
		if !strings.Contains(body, "Ioana Pop") || !strings.Contains(body, "Depozit Ploiești") || !strings.Contains(body, "Work Point") {
			t.Error("contacts and work points are not listed")
		}
		if st, body, _ := p.b.post("/contacts/"+id[1]+"/contacts", url.Values{"name": {""}}, nil); st != 422 || !strings.Contains(body, "name") {
			t.Errorf("nameless contact: %d", st)
		}
		_, body = p.b.get("/list/customers?s=" + url.QueryEscape("name:petrom"))
		if !strings.Contains(body, "OMV Petrom, Ioana Pop") {
			t.Error("the contact is not listed under its company")
		}
	})
}

func TestLeadConvertMergeActivateFromTheForm(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		p := newPages(t, be)
		lead := p.lead(t, orm.Values{"name": "Website enquiry", "type": "lead", "partner_name": "Gamma SRL", "contact_name": "Ana Pop", "email_from": "ana@gamma.example"})
		dup := p.lead(t, orm.Values{"name": "Older enquiry", "type": "lead", "email_from": "ana@gamma.example"})
		_, body := p.b.get("/crm/lead/" + itoa(lead))
		if !strings.Contains(body, `id="convert-dialog"`) || !strings.Contains(body, `id="merge-dialog"`) || !strings.Contains(body, "Older enquiry") {
			t.Fatal("the lead form lacks the conversion and merge dialogs")
		}
		st, _, resp := p.b.post("/crm/lead/"+itoa(lead)+"/convert", url.Values{"name": {"merge"}, "action": {"create"},
			"duplicated_lead_ids": {itoa(lead), itoa(dup)}, "user_id": {"2"}}, nil)
		if st != 200 {
			t.Fatalf("convert: %d", st)
		}
		m := regexp.MustCompile(`/crm/lead/(\d+)`).FindStringSubmatch(resp.Request.URL.Path)
		var result int64
		fmtSscan(m[1], &result)
		v := p.read(t, result, "type", "partner_id", "user_id")
		if v["type"] != "opportunity" || v["partner_id"] == nil || v["user_id"] != int64(2) {
			t.Errorf("converted: %v", v)
		}
		if p.read(t, lead, "name") != nil && p.read(t, dup, "name") != nil {
			t.Error("the duplicates were not merged")
		}
		// activation of an inactive lead
		inactive := p.lead(t, orm.Values{"name": "From the registry", "type": "lead", "activated": false, "user_id": false})
		_, body = p.b.get("/crm/lead/" + itoa(inactive))
		if !strings.Contains(body, `id="activate-dialog"`) {
			t.Fatal("no activation dialog")
		}
		st, body, _ = p.b.post("/crm/lead/"+itoa(inactive)+"/activate", url.Values{"user_id": {"2"}, "date_first_contact": {"2026-11-24T09:30"},
			"first_task": {"Call the prospect"}, "priority": {"2"}}, nil)
		if st != 200 {
			t.Fatalf("activate: %d %s", st, regexp.MustCompile(`id="form-error">[^<]*`).FindString(body))
		}
		if v := p.read(t, inactive, "activated", "user_id", "priority"); v["activated"] != true || v["user_id"] != int64(2) || v["priority"] != "2" {
			t.Errorf("activated: %v", v)
		}
	})
}

func fmtSscan(s string, n *int64) { *n, _ = strconv.ParseInt(s, 10, 64) }

// The board grouped by salesperson: a column per person, and a card
// dropped on a column takes that salesperson.
func TestPipelineGroupedBySalesperson(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		p := newPages(t, be)
		sam := p.s.CreateUser(t, "sam", "sam-password", base.GroupSaleSalesmanAll)
		a := p.lead(t, orm.Values{"name": "Admin's", "type": "opportunity", "team_id": p.team, "expected_revenue": 700.0})
		p.lead(t, orm.Values{"name": "Sam's", "type": "opportunity", "team_id": p.team, "user_id": sam, "expected_revenue": 300.0})
		_, body := p.b.get("/crm/pipeline?team=" + itoa(p.team) + "&g=user_id")
		if !strings.Contains(body, `data-group-field="user_id"`) || !strings.Contains(body, ">sam<") || !strings.Contains(body, "$700") {
			t.Fatalf("grouped board lacks the salesperson columns")
		}
		wd := regexp.MustCompile(`data-write-date="([^"]+)" id="card-` + itoa(a) + `"`).FindStringSubmatch(body)
		if wd == nil {
			t.Fatal("no card write date")
		}
		st, res, _ := p.b.post("/crm/lead/"+itoa(a)+"/move", url.Values{"group_field": {"user_id"}, "group_value": {itoa(sam)}, "write_date": {wd[1]}}, nil)
		if st != 200 {
			t.Fatalf("move to sam: %d %s", st, res)
		}
		if v := p.read(t, a, "user_id"); v["user_id"] != sam {
			t.Errorf("salesperson after the drop: %v", v)
		}
		if st, _, _ := p.b.post("/crm/lead/"+itoa(a)+"/move", url.Values{"group_field": {"create_date"}, "group_value": {`"2024-01-01"`}}, nil); st != 422 {
			t.Errorf("a drop on a date column: %d", st)
		}
	})
}

func TestActivitiesPages(t *testing.T) {
	testutil.Run(t, func(t *testing.T, be testutil.Backend) {
		p := newPages(t, be)
		id := p.lead(t, orm.Values{"name": "Activity deal", "type": "opportunity", "team_id": p.team, "stage_id": p.stages["New"]})
		var call int64
		p.s.Sudo(t, func(env *orm.Env) error {
			var err error
			call, err = base.XID(env, "mail.mail_activity_data_call")
			return err
		})
		st, _, _ := p.b.post("/crm/lead/"+itoa(id)+"/schedule", url.Values{"activity_type_id": {itoa(call)}, "summary": {"Discuss the offer"},
			"date_deadline": {"2001-01-01"}, "user_id": {"2"}}, nil)
		if st != 200 {
			t.Fatalf("schedule: %d", st)
		}
		_, body := p.b.get("/crm/lead/" + itoa(id))
		if !strings.Contains(body, "Discuss the offer") || !strings.Contains(body, `class="activity overdue"`) {
			t.Error("the form does not show the overdue activity")
		}
		_, body = p.b.get("/crm/pipeline?team=" + itoa(p.team) + "&search=none")
		if !strings.Contains(body, `class="progress"`) || !strings.Contains(body, `dot overdue`) || !strings.Contains(body, "width:100.0%") {
			t.Error("the board does not show the activity state")
		}
		_, body = p.b.get("/crm/activities")
		m := regexp.MustCompile(`id="activity-(\d+)"`).FindStringSubmatch(body)
		if m == nil || !strings.Contains(body, `id="group-overdue"`) {
			t.Fatal("My Activities does not list the activity")
		}
		st, _, _ = p.b.post("/activity/"+m[1]+"/done", url.Values{"feedback": {"Client <agrees>"}, "back": {"/crm/activities"}}, nil)
		if st != 200 {
			t.Fatalf("done: %d", st)
		}
		_, body = p.b.get("/crm/lead/" + itoa(id))
		if !strings.Contains(body, "Client &lt;agrees&gt;") || strings.Contains(body, `class="activity overdue"`) {
			t.Error("the done activity is not on the timeline, or still open")
		}
		if st, _, _ := p.b.post("/activity/"+m[1]+"/done", url.Values{}, nil); st != 422 {
			t.Errorf("marking done twice: %d", st)
		}
	})
}

func TestCalendarExports(t *testing.T) {
	p := newPages(t, testutil.SQLite(t))
	id := p.lead(t, orm.Values{"name": "Calendar deal", "type": "opportunity", "team_id": p.team})
	p.b.post("/crm/lead/"+itoa(id)+"/schedule", url.Values{"summary": {"Demo meeting"}, "date_deadline": {"2030-05-06"}, "user_id": {"2"}, "start": {"2030-05-06T10:00"}}, nil)
	_, body := p.b.get("/crm/activities")
	m := regexp.MustCompile(`/activity/(\d+)/calendar\.ics`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no .ics link")
	}
	st, ics := p.b.get(m[0])
	if st != 200 || !strings.Contains(ics, "BEGIN:VEVENT") || !strings.Contains(ics, "Demo meeting") {
		t.Errorf("activity .ics: %d %s", st, ics)
	}
	p.b.post("/web/calendar", nil, nil)
	_, body = p.b.get("/web/preferences")
	feed := regexp.MustCompile(`id="feed-url">([^<]+)<`).FindStringSubmatch(body)
	if feed == nil {
		t.Fatal("no feed address")
	}
	resp, err := http.Get(feed[1]) // no session: the token is the credential
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("feed: %v %v", resp, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "Demo meeting") {
		t.Errorf("feed lacks the meeting")
	}
	p.b.post("/web/calendar", url.Values{"revoke": {"1"}}, nil)
	if resp, _ := http.Get(feed[1]); resp.StatusCode != 404 {
		t.Errorf("renewed address still answers: %d", resp.StatusCode)
	}
}

// The forecast: the board by expected closing month, every month shown,
// and a card dropped on a month closes at its end.
func TestForecastBoard(t *testing.T) {
	p := newPages(t, testutil.SQLite(t))
	now := time.Now().UTC()
	id := p.lead(t, orm.Values{"name": "Closing soon", "type": "opportunity", "team_id": p.team, "date_deadline": now.Format("2006-01-02")})
	_, body := p.b.get("/crm/pipeline?team=" + itoa(p.team) + "&search=none&g=date_deadline:month")
	next := time.Date(now.Year(), now.Month()+2, 1, 0, 0, 0, 0, time.UTC)
	key := next.Format("2006-01-02")
	if !strings.Contains(body, `data-group-value="&#34;`+key+`&#34;"`) && !strings.Contains(body, `data-group-value="\"`+key) {
		t.Fatalf("the empty month %s has no column", key)
	}
	wd := regexp.MustCompile(`data-write-date="([^"]+)" id="card-` + itoa(id) + `"`).FindStringSubmatch(body)
	st, res, _ := p.b.post("/crm/lead/"+itoa(id)+"/move", url.Values{"group_field": {"date_deadline:month"}, "group_value": {`"` + key + `"`}, "write_date": {wd[1]}}, nil)
	if st != 200 {
		t.Fatalf("drop on a month: %d %s", st, res)
	}
	want := next.AddDate(0, 1, -1).Format("2006-01-02")
	if v := p.read(t, id, "date_deadline"); v["date_deadline"] != want {
		t.Errorf("expected closing after the drop: %v, want %s", v["date_deadline"], want)
	}
}

func mustReq(t *testing.T, method, u string, body io.Reader) *http.Request {
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func readAll(resp *http.Response) string {
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestAttachmentsOnTheTimeline(t *testing.T) {
	p := newPages(t, testutil.SQLite(t))
	id := p.lead(t, orm.Values{"name": "With files", "type": "opportunity", "team_id": p.team})
	upload := func(b *browser, name string, data []byte) (int, string) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(data)
		mw.WriteField("note", "Signed offer")
		mw.Close()
		req := mustReq(t, "POST", p.s.URL+"/crm/lead/"+itoa(id)+"/attach", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, readAll(resp)
	}
	pdf := []byte("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
	st, page := upload(p.b, "offer.pdf", pdf)
	link := regexp.MustCompile(`href="(/web/content/\d+)">offer\.pdf<`).FindStringSubmatch(page)
	if st != 200 || link == nil || !strings.Contains(page, "Signed offer") {
		t.Fatalf("upload: %d", st)
	}
	st, got := p.b.get(link[1])
	if st != 200 || got != string(pdf) {
		t.Errorf("download: %d", st)
	}
	if st, page := upload(p.b, "tool.exe", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00")); st != 422 || !strings.Contains(page, "cannot be attached") {
		t.Errorf("an executable: %d", st)
	}
	// a salesperson who may not read the lead may not read its files
	p.s.CreateUser(t, "sam", "sam-password", base.GroupSaleSalesman)
	sb := newBrowser(t, p.s.URL)
	sb.login("sam", "sam-password")
	if st, _ := sb.get(link[1]); st != 403 {
		t.Errorf("another salesperson's download: %d", st)
	}
}
