package crm_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kanso-crm/kanso/internal/crm"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

func TestAssignmentQuotasAndDomains(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newWorld(t, b)
		members := w.admin.Must("crm.team.member", "search_read", map[string]any{"domain": []any{[]any{"crm_team_id", "=", w.team}}, "fields": []any{"user_id"}}).([]any)
		for _, m := range members {
			r := m.(map[string]any)
			vals := map[string]any{"assignment_max": 60}
			if m2o(r["user_id"]) == w.sueID {
				vals = map[string]any{"assignment_max": 30, "assignment_domain": `[["priority", "=", "3"]]`}
			}
			w.admin.Must("crm.team.member", "write", map[string]any{"ids": []any{r["id"]}, "vals": vals})
		}
		if st, out := w.admin.Call("crm.team.member", "write", map[string]any{"ids": []any{members[0].(map[string]any)["id"]},
			"vals": map[string]any{"assignment_domain": `[["nope", "=", 1]]`}}); st != 422 {
			t.Errorf("a member domain on an unknown field: %d %v", st, out)
		}
		var leads []int64
		for _, p := range []string{"3", "3", "0", "0", "0"} {
			leads = append(leads, w.admin.Create("crm.lead", map[string]any{"name": "Inbound " + p, "priority": p, "user_id": false, "team_id": false}))
		}
		out := w.admin.Must("crm.team", "action_assign_leads", map[string]any{"ids": []any{w.team}}).(map[string]any)
		// team capacity 90 a month: 3 leads today; sam (60) takes two, sue (30, priority 3 only) one
		want := []struct {
			user int64
			typ  string
		}{{w.samID, "opportunity"}, {w.sueID, "opportunity"}, {w.samID, "opportunity"}, {0, "lead"}, {0, "lead"}}
		for i, id := range leads {
			r := w.admin.Read("crm.lead", id, "user_id", "team_id", "type")
			if m2o(r["user_id"]) != want[i].user || r["type"] != want[i].typ {
				t.Errorf("lead %d (priority %s): %v; want salesperson %d, %s", i+1, []string{"3", "3", "0", "0", "0"}[i], r, want[i].user, want[i].typ)
			}
			if i < 3 && m2o(r["team_id"]) != w.team {
				t.Errorf("lead %d not given to the team: %v", i+1, r["team_id"])
			}
			if i >= 3 && r["team_id"] != false {
				t.Errorf("lead %d over the team's capacity was given anyway: %v", i+1, r["team_id"])
			}
		}
		if users := out["users"].(map[string]any); len(users) != 2 {
			t.Errorf("summary: %v", out)
		}
		// without forcing, what members received today counts against their quota
		w.s.Sudo(t, func(env *orm.Env) error {
			res, err := crm.AssignLeads(env, []int64{w.team}, false)
			if err != nil {
				return err
			}
			if n := res.UserLeads[w.samID] + res.UserLeads[w.sueID]; n != 0 {
				t.Errorf("a second run the same day assigned %d more leads", n)
			}
			return nil
		})
	})
}

// anafServer answers like ANAF's public VAT service: the found record of
// OMV Petrom for CUI 1590082, notFound for any other.
func anafServer(t *testing.T, status int) (*httptest.Server, *[]string) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = append(got, string(body))
		if status != 200 {
			http.Error(w, "<html>Mentenanta</html>", status)
			return
		}
		var q []struct {
			CUI  int64  `json:"cui"`
			Data string `json:"data"`
		}
		if err := json.Unmarshal(body, &q); err != nil || len(q) != 1 {
			http.Error(w, "bad request", 400)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if q[0].CUI != 1590082 {
			w.WriteHeader(404)
			io.WriteString(w, `{"found": [], "notFound": [`+jsonInt(q[0].CUI)+`]}`)
			return
		}
		io.WriteString(w, strings.ReplaceAll(anafFound, "2025-03-10", q[0].Data))
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

const anafFound = `{"found": [{
 "date_generale": {"cui": 1590082, "data": "2025-03-10", "denumire": "OMV PETROM S.A.", "adresa": "MUN. BUCUREŞTI, SECT. 1, STR. CORALILOR, NR.22",
  "nrRegCom": "J40/8302/1997", "telefon": "0372868930", "fax": "", "codPostal": "013329", "act": "", "stare_inregistrare": "INREGISTRAT din data 02.01.1998",
  "data_inregistrare": "1998-01-02", "cod_CAEN": "610", "iban": "", "statusRO_e_Factura": true, "data_inreg_Reg_RO_e_Factura": "2022-03-01",
  "organFiscalCompetent": "Administraţie pentru Contribuabili Mari", "forma_de_proprietate": "PROPR.MIXTA", "forma_organizare": "PERSOANA JURIDICA",
  "forma_juridica": "SOCIETATE COMERCIALĂ PE ACŢIUNI"},
 "inregistrare_scop_Tva": {"scpTVA": true, "perioade_TVA": [{"data_inceput_ScpTVA": "1993-07-01", "data_sfarsit_ScpTVA": "", "data_anul_imp_ScpTVA": "", "mesaj_ScpTVA": ""}]},
 "inregistrare_RTVAI": {"dataInceputTvaInc": "", "dataSfarsitTvaInc": "", "dataActualizareTvaInc": "", "dataPublicareTvaInc": "", "tipActTvaInc": "", "statusTvaIncasare": false},
 "stare_inactiv": {"dataInactivare": "", "dataReactivare": "", "dataPublicare": "", "dataRadiere": "", "statusInactivi": false},
 "inregistrare_SplitTVA": {"dataInceputSplitTVA": "", "dataAnulareSplitTVA": "", "statusSplitTVA": false},
 "adresa_sediu_social": {"sdenumire_Strada": "Str. Coralilor", "snumar_Strada": "22", "sdenumire_Localitate": "Mun. Bucureşti, Sect. 1", "scod_Localitate": "179132",
  "sdenumire_Judet": "MUNICIPIUL BUCUREŞTI", "scod_Judet": "40", "scod_JudetAuto": "B", "stara": "", "sdetalii_Adresa": "", "scod_Postal": "013329"},
 "adresa_domiciliu_fiscal": {"ddenumire_Strada": "Str. Coralilor", "dnumar_Strada": "22", "ddenumire_Localitate": "Mun. Bucureşti, Sect. 1", "dcod_Localitate": "179132",
  "ddenumire_Judet": "MUNICIPIUL BUCUREŞTI", "dcod_Judet": "40", "dcod_JudetAuto": "B", "dtara": "", "ddetalii_Adresa": "", "dcod_Postal": "013329"}
}], "notFound": []}`

func TestCompanyLookupByCUI(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		w := newWorld(t, b)
		ok, requests := anafServer(t, 200)
		setParam(t, w, crm.ParamLookupEndpoint, ok.URL)
		// the check digit is verified before any request
		st, out := w.sam.Call("res.partner", "lookup_company", map[string]any{"vat": "RO 14399841"})
		if st != 422 || !strings.Contains(out.(map[string]any)["message"].(string), "check digit") {
			t.Errorf("wrong check digit: %d %v", st, out)
		}
		if len(*requests) != 0 {
			t.Errorf("an invalid code reached the registry: %v", *requests)
		}
		vals := w.sam.Must("res.partner", "lookup_company", map[string]any{"vat": "ro1590082"}).(map[string]any)
		if vals["name"] != "OMV PETROM S.A." || vals["vat"] != "RO1590082" || vals["company_registry"] != "J40/8302/1997" ||
			vals["zip"] != "013329" || vals["is_company"] != true || vals["country_id"] != mustXID(t, w, "base.ro") || vals["state_id"] == nil {
			t.Errorf("lookup values: %v", vals)
		}
		if len(*requests) != 1 || !strings.Contains((*requests)[0], `"cui":1590082`) {
			t.Errorf("request sent: %v", *requests)
		}
		// on a lead: the action fills the record from its tax code
		id := w.sam.Create("crm.lead", map[string]any{"name": "Petrom tender", "vat": "1590082"})
		other, _ := anafServer(t, 200)
		setParam(t, w, crm.ParamLookupEndpoint, other.URL)
		w.sam.Must("crm.lead", "action_fetch_company_data", map[string]any{"ids": []any{id}})
		r := w.sam.Read("crm.lead", id, "partner_name", "street", "city", "zip", "country_id", "state_id", "vat")
		if r["partner_name"] != "OMV PETROM S.A." || r["zip"] != "013329" || !strings.Contains(r["street"].(string), "Coralilor") || m2o(r["state_id"]) == 0 {
			t.Errorf("lead after fetch: %v", r)
		}
		// a code the registry does not know
		unknown, _ := anafServer(t, 200)
		setParam(t, w, crm.ParamLookupEndpoint, unknown.URL)
		if st, out := w.sam.Call("res.partner", "lookup_company", map[string]any{"vat": "14399840"}); st != 422 || !strings.Contains(out.(map[string]any)["message"].(string), "no company") {
			t.Errorf("unknown company: %d %v", st, out)
		}
		// the registry is down: a clear message, and the user types the data by hand
		down, _ := anafServer(t, 503)
		setParam(t, w, crm.ParamLookupEndpoint, down.URL)
		if st, out := w.sam.Call("res.partner", "lookup_company", map[string]any{"vat": "1590082"}); st != 422 || !strings.Contains(out.(map[string]any)["message"].(string), "by hand") {
			t.Errorf("registry down: %d %v", st, out)
		}
		closed := httptest.NewServer(http.NotFoundHandler())
		closed.Close()
		setParam(t, w, crm.ParamLookupEndpoint, closed.URL)
		if st, out := w.sam.Call("res.partner", "lookup_company", map[string]any{"vat": "1590082"}); st != 422 || !strings.Contains(out.(map[string]any)["message"].(string), "by hand") {
			t.Errorf("registry unreachable: %d %v", st, out)
		}
	})
}
