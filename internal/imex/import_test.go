package imex_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/imex"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

// An XLSX saved by LibreOffice Calc (testdata/leads_libreoffice.xlsx,
// converted from leads_libreoffice.source.csv with "detect special
// numbers", so the dates are real date cells and the amounts numeric
// cells): English labels, tags created on the way, stages and priorities
// by label, countries by name and by ISO code, Romanian diacritics.
func TestImportXLSXFromLibreOffice(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		fx := open(t, b)
		var prog [][2]int
		res := fx.importFile(adminUID, "testdata/leads_libreoffice.xlsx", imex.Options{Model: "crm.lead", CreateMissing: true,
			Progress: func(done, total int) { prog = append(prog, [2]int{done, total}) }})
		problems(t, res)
		if !res.Committed || res.Created != 3 || res.HasProblems() || res.Format != "xlsx" {
			t.Fatalf("result: %+v", res)
		}
		if len(prog) == 0 || prog[len(prog)-1] != [2]int{3, 3} {
			t.Errorf("progress: %v", prog)
		}
		if res.Mapping["Expected Closing"] != "date_deadline" || res.Mapping["Email"] != "email_from" || res.Mapping["Tags"] != "tag_ids" {
			t.Errorf("mapping: %v", res.Mapping)
		}
		recs := fx.read("crm.lead", orm.And{}, "name", "contact_name", "partner_name", "email_from", "phone", "expected_revenue",
			"probability", "date_deadline", "stage_id", "tag_ids", "priority", "country_id", "date_first_contact", "user_id")
		if len(recs) != 3 {
			t.Fatalf("leads: %d", len(recs))
		}
		r := recs[0]
		if r["name"] != "Rooftop solar" || r["contact_name"] != "Ana Pop" || r["email_from"] != "ana.pop@solaris.ro" || r["phone"] != "0721 234 567" ||
			r["expected_revenue"] != 12000.5 || r["probability"] != 30.0 || r["date_deadline"] != "2026-12-31" || r["priority"] != "2" {
			t.Errorf("first lead: %v", r)
		}
		if got := fx.names("crm.stage", r["stage_id"]); got[0] != "Qualified" {
			t.Errorf("stage: %v", got)
		}
		if got := fx.names("crm.tag", r["tag_ids"]); strings.Join(got, ",") != "Solar,VIP" && strings.Join(got, ",") != "VIP,Solar" {
			t.Errorf("tags: %v", got)
		}
		if r["country_id"] != fx.xid("base.ro") || recs[2]["country_id"] != fx.xid("base.ro") || recs[1]["country_id"] != fx.xid("base.id") {
			t.Errorf("countries: %v %v %v", r["country_id"], recs[1]["country_id"], recs[2]["country_id"])
		}
		// a datetime cell is the wall time of the user's zone (UTC for admin)
		if d, _ := r["date_first_contact"].(time.Time); !d.Equal(time.Date(2026, 1, 15, 9, 30, 0, 0, time.UTC)) {
			t.Errorf("first contact: %v", r["date_first_contact"])
		}
		if recs[1]["date_first_contact"] != nil || recs[1]["expected_revenue"] != 4500.0 {
			t.Errorf("second lead: %v", recs[1])
		}
		if recs[2]["name"] != "Șantier Brașov" || recs[2]["partner_name"] != "Construcții Ăâî SRL" || recs[2]["expected_revenue"] != 1234567.89 {
			t.Errorf("third lead: %v", recs[2])
		}
		// created through the ORM: the hooks ran (salesperson, team, timeline)
		if r["user_id"] != adminUID {
			t.Errorf("salesperson: %v", r["user_id"])
		}
		if n := fx.messages("crm.lead"); n < 3 {
			t.Errorf("timeline messages: %d", n)
		}
		// only one tag each, although two rows named Solar
		if n := fx.count("crm.tag", leaf("name", "=", "Solar")); n != 1 {
			t.Errorf("Solar tags: %d", n)
		}
	})
}

// A Windows-1250 CSV from a Romanian Excel: semicolons, decimal commas,
// DD.MM.YYYY dates, Romanian headers. Windows-1250 has only the cedilla ş
// and ţ; the fixture was written by mapping ș ț to them, and the import
// maps them back to the comma-below letters of Romanian, so a tag stored
// as "Școală" is found from the file's "Şcoală".
func TestImportWindows1250Romanian(t *testing.T) {
	data, err := os.ReadFile("testdata/leads_ro_windows1250.csv")
	testutil.Must(t, err, "read fixture")
	utf, err := os.ReadFile("testdata/leads_ro_windows1250.utf8.txt")
	testutil.Must(t, err, "read fixture text")
	// one way: comma-below text → cedilla → Windows-1250 gives the fixture
	cedilla := strings.NewReplacer("ș", "ş", "ț", "ţ", "Ș", "Ş", "Ț", "Ţ")
	enc, err := charmap.Windows1250.NewEncoder().String(strings.ReplaceAll(cedilla.Replace(string(utf)), "\n", "\r\n"))
	testutil.Must(t, err, "encode")
	if enc != string(data) {
		t.Fatal("the fixture is not the Windows-1250 form of the text")
	}
	if _, err := charmap.Windows1250.NewEncoder().String("ș"); err == nil {
		t.Fatal("Windows-1250 unexpectedly encodes ș")
	}
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		fx := open(t, b)
		ro := fx.user("ioana", "ro_RO", base.GroupSaleManager)
		school := fx.create("crm.tag", orm.Values{"name": "Școală"})
		res := fx.importFile(ro, "testdata/leads_ro_windows1250.csv", imex.Options{Model: "crm.lead", CreateMissing: true})
		problems(t, res)
		if !res.Committed || res.Created != 3 || res.Encoding != "windows-1250" || res.Delimiter != ";" {
			t.Fatalf("result: %+v", res)
		}
		for _, h := range []string{"Oraș", "Țară", "Închidere estimată", "Venit estimat", "Etichete", "Prioritate"} {
			if res.Mapping[h] == "" {
				t.Errorf("column %s not mapped: %v", h, res.Mapping)
			}
		}
		recs := fx.read("crm.lead", orm.And{}, "name", "contact_name", "partner_name", "city", "expected_revenue", "date_deadline", "tag_ids", "priority", "country_id")
		want := []struct {
			name, contact, company, city string
			rev                          float64
			date, prio                   string
		}{
			{"Ofertă panouri fotovoltaice", "Ștefan Țurcanu", "Construcții Șerban SRL", "Brașov", 1234.56, "2026-12-31", "2"},
			{"Iluminat hală", "Ioana Mureșan", "Oțelăria Bârlad SA", "Bârlad", 25000, "2026-03-15", "1"},
			{"Încălzire școală", "Andrei Stănescu", "Primăria Târgu Jiu", "Târgu Jiu", 999.9, "2027-02-01", "0"},
		}
		for i, w := range want {
			r := recs[i]
			if r["name"] != w.name || r["contact_name"] != w.contact || r["partner_name"] != w.company || r["city"] != w.city ||
				r["expected_revenue"] != w.rev || r["date_deadline"] != w.date || r["priority"] != w.prio || r["country_id"] != fx.xid("base.ro") {
				t.Errorf("lead %d: %v", i, r)
			}
			if strings.ContainsAny(r["name"].(string)+r["contact_name"].(string)+r["partner_name"].(string)+r["city"].(string), "şţŞŢ") {
				t.Errorf("lead %d kept cedilla letters: %v", i, r)
			}
		}
		// the other way: the cedilla "Şcoală" found the stored "Școală"
		if tags := recs[0]["tag_ids"].([]int64); len(tags) != 1 || tags[0] != school {
			t.Errorf("tags of the first lead: %v (Școală is %d)", tags, school)
		}
		if n := fx.count("crm.tag", orm.And{}); n != 2 { // Școală and the new Țesătorie
			t.Errorf("tags: %d", n)
		}
		if fx.count("crm.tag", leaf("name", "=", "Țesătorie")) != 1 {
			t.Error("Țesătorie was not created with the comma-below Ț")
		}
	})
}

// Semicolons, quoted values holding semicolons, quotes and line breaks,
// Indonesian headers, decimal commas and DD/MM/YYYY dates.
func TestImportSemicolonsDecimalCommas(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		fx := open(t, b)
		res := fx.importFile(adminUID, "testdata/leads_semicolon_id.csv", imex.Options{Model: "crm.lead", Lang: "id_ID"})
		problems(t, res)
		if !res.Committed || res.Created != 3 || res.Delimiter != ";" || res.Encoding != "utf-8" {
			t.Fatalf("result: %+v", res)
		}
		recs := fx.read("crm.lead", orm.And{}, "name", "contact_name", "expected_revenue", "probability", "date_deadline", "description")
		if r := recs[0]; r["name"] != "Proyek; gudang Jakarta" || r["expected_revenue"] != 1234567.89 || r["probability"] != 12.5 ||
			r["date_deadline"] != "2026-12-31" || r["description"] != "Baris satu\nbaris dua" {
			t.Errorf("first: %v", r)
		}
		if r := recs[1]; r["expected_revenue"] != 750.0 || r["probability"] != 40.0 || r["date_deadline"] != "2026-02-01" {
			t.Errorf("second: %v", r)
		}
		if r := recs[2]; r["contact_name"] != `Agus "Gus" Salim` || r["expected_revenue"] != 2500.0 || r["probability"] != 0.0 {
			t.Errorf("third: %v", r)
		}
	})
}

// Three bad rows: each reported with its row number and column, in a dry
// run and in a real run, and nothing written; with SkipInvalid the good
// rows go in. A row the ORM refuses (its hook's validation) is reported by
// row too.
func TestImportBadRowsWriteNothing(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		fx := open(t, b)
		want := []imex.Problem{
			{Row: 3, Column: "expected_revenue"},
			{Row: 4, Column: "date_deadline"},
			{Row: 6, Column: "stage_id"},
		}
		check := func(res *imex.Result) {
			t.Helper()
			if len(res.Problems) != len(want) {
				problems(t, res)
				t.Fatalf("%d problems, want %d", len(res.Problems), len(want))
			}
			for i, w := range want {
				p := res.Problems[i]
				if p.Row != w.Row || p.Column != w.Column || p.Reason == "" {
					t.Errorf("problem %d: %+v, want row %d column %s", i, p, w.Row, w.Column)
				}
			}
			if !strings.Contains(res.Problems[0].Reason, "12abc") || !strings.Contains(res.Problems[1].Reason, "February") ||
				!strings.Contains(res.Problems[2].Reason, "Negotiation") {
				problems(t, res)
				t.Error("reasons do not name the values")
			}
		}
		for _, dry := range []bool{true, false} {
			res := fx.importFile(adminUID, "testdata/leads_three_bad_rows.csv", imex.Options{Model: "crm.lead", DryRun: dry})
			check(res)
			if res.Committed || res.Created != 2 || res.Skipped != 3 {
				t.Errorf("dry %v: %+v", dry, res)
			}
			if n := fx.count("crm.lead", orm.And{}); n != 0 {
				t.Fatalf("dry %v: %d leads written", dry, n)
			}
			if n := fx.messages("crm.lead"); n != 0 {
				t.Fatalf("dry %v: %d messages left", dry, n)
			}
		}
		res := fx.importFile(adminUID, "testdata/leads_three_bad_rows.csv", imex.Options{Model: "crm.lead", SkipInvalid: true})
		check(res)
		if !res.Committed || res.Created != 2 || res.Skipped != 3 {
			t.Errorf("skip invalid: %+v", res)
		}
		recs := fx.read("crm.lead", orm.And{}, "name", "expected_revenue", "priority")
		if len(recs) != 2 || recs[0]["name"] != "Good one" || recs[1]["name"] != "Good two" || recs[1]["expected_revenue"] != 1200.5 || recs[1]["priority"] != "2" {
			t.Errorf("imported: %v", recs)
		}
		// the ORM's own checks: found in the dry run, by row
		csv := "name,probability\nFine,20\nToo likely,150\n,10\n"
		res, err := fx.importBytes(adminUID, "orm.csv", []byte(csv), imex.Options{Model: "crm.lead", DryRun: true})
		testutil.Must(t, err, "import")
		if len(res.Problems) != 2 || res.Problems[0].Row != 3 || !strings.Contains(res.Problems[0].Reason, "probability") ||
			res.Problems[1].Row != 4 || res.Problems[1].Column != "name" {
			problems(t, res)
			t.Errorf("ORM problems: %+v", res.Problems)
		}
		if n := fx.count("crm.lead", orm.And{}); n != 2 {
			t.Errorf("leads after the dry run: %d", n)
		}
	})
}

// Export → import with update by id changes nothing: no write, no
// tracking message, the same write_date; a changed cell updates just that
// record.
func TestRoundTripUpdateByID(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		fx := open(t, b)
		partner := fx.create("res.partner", orm.Values{"name": "Solaris SRL", "is_company": true, "email": "office@solaris.ro"})
		tag1 := fx.create("crm.tag", orm.Values{"name": "VIP"})
		tag2 := fx.create("crm.tag", orm.Values{"name": "Solar"})
		var ids []int64
		fx.as(adminUID, func(env *orm.Env) error {
			var err error
			ids, err = env.Create(env.Reg.Model("crm.lead"), []orm.Values{
				{"name": "Rooftop", "partner_id": partner, "expected_revenue": 12000.5, "probability": 35.5, "date_deadline": "2026-12-31",
					"tag_ids": []any{int64(tag1), int64(tag2)}, "priority": "2", "date_first_contact": "2026-01-15 09:30:00", "description": "<p>Hi</p>"},
				{"name": "Șantier", "contact_name": "Ștefan", "phone": "+40 721 234 567", "active": false},
				{"name": "Plain"},
			})
			return err
		})
		before := fx.read("crm.lead", orm.And{}, "write_date", "name")
		msgs := fx.messages("crm.lead")
		fields := []string{"id", "name", "partner_id", "contact_name", "phone", "expected_revenue", "probability", "date_deadline", "tag_ids",
			"priority", "date_first_contact", "description", "active", "stage_id", "user_id", "country_id"}
		for _, format := range []string{"csv", "xlsx"} {
			var buf bytes.Buffer
			n, err := imex.Export(context.Background(), fx.r, adminUID, &buf, imex.ExportOptions{Model: "crm.lead",
				Domain: []any{[]any{"active", "in", []any{true, false}}}, Fields: fields, Format: format})
			testutil.Must(t, err, "export %s", format)
			if n != 3 {
				t.Fatalf("%s: exported %d", format, n)
			}
			res, err := fx.importBytes(adminUID, "leads."+format, buf.Bytes(), imex.Options{Model: "crm.lead", UpdateBy: "id"})
			testutil.Must(t, err, "import %s", format)
			problems(t, res)
			if !res.Committed || res.Unchanged != 3 || res.Created+res.Updated+res.Skipped != 0 {
				t.Fatalf("%s: %+v", format, res)
			}
			after := fx.read("crm.lead", orm.And{}, "write_date", "name")
			for i := range before {
				if !before[i]["write_date"].(time.Time).Equal(after[i]["write_date"].(time.Time)) {
					t.Errorf("%s: %v was written", format, after[i]["name"])
				}
			}
			if n := fx.messages("crm.lead"); n != msgs {
				t.Errorf("%s: %d messages, was %d", format, n, msgs)
			}
		}
		// change one cell: exactly one update, with its tracking
		var buf bytes.Buffer
		_, err := imex.Export(context.Background(), fx.r, adminUID, &buf, imex.ExportOptions{Model: "crm.lead", IDs: ids[:1], Fields: []string{"id", "name", "expected_revenue"}})
		testutil.Must(t, err, "export")
		if !strings.HasPrefix(buf.String(), "id,name,expected_revenue\n__export__.crm_lead_") {
			t.Fatalf("export: %q", buf.String())
		}
		edited := strings.Replace(buf.String(), "12000.5", "15000", 1)
		res, err := fx.importBytes(adminUID, "leads.csv", []byte(edited), imex.Options{Model: "crm.lead"})
		testutil.Must(t, err, "import")
		if !res.Committed || res.Updated != 1 || res.Created != 0 {
			t.Fatalf("edit: %+v", res)
		}
		if r := fx.read("crm.lead", leaf("id", "=", ids[0]), "expected_revenue"); r[0]["expected_revenue"] != 15000.0 {
			t.Errorf("revenue: %v", r[0])
		}
		if n := fx.messages("crm.lead"); n != msgs+1 {
			t.Errorf("tracking messages: %d, want %d", n, msgs+1)
		}
	})
}

// A HubSpot contacts export through the hubspot-contacts preset: first and
// last names joined, the Record ID as an external id (a second import
// updates instead of duplicating), the company by name, the country by
// name, an existing contact matched by e-mail.
func TestHubSpotPreset(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		fx := open(t, b)
		solaris := fx.create("res.partner", orm.Values{"name": "Solaris SRL", "is_company": true})
		ana := fx.create("res.partner", orm.Values{"name": "Ana Pop", "email": "ana.pop@solaris.ro"})
		path := "testdata/hubspot-crm-exports-all-contacts-2026-01-15.csv"
		res := fx.importFile(adminUID, path, imex.Options{Preset: "hubspot-contacts", UpdateBy: "email"})
		problems(t, res)
		if !res.Committed || res.Created != 2 || res.Updated != 1 {
			t.Fatalf("result: %+v", res)
		}
		if res.Mapping["First Name"] != "name" || res.Mapping["Record ID"] != "id" || res.Mapping["Associated Company"] != "parent_id" {
			t.Errorf("mapping: %v", res.Mapping)
		}
		for _, c := range []string{"Lead Status", "Create Date", "Marketing contact status"} {
			found := false
			for _, i := range res.Ignored {
				found = found || i == c
			}
			if !found {
				t.Errorf("%s not ignored: %v", c, res.Ignored)
			}
		}
		maria := fx.read("res.partner", leaf("email", "=", "maria.ionescu@example.ro"), "name", "phone", "function", "parent_id", "city", "country_id")
		if len(maria) != 1 || maria[0]["name"] != "Maria Ionescu" || maria[0]["parent_id"] != solaris || maria[0]["function"] != "CEO" ||
			maria[0]["country_id"] != fx.xid("base.ro") || maria[0]["phone"] != "+40 721 000 111" {
			t.Fatalf("Maria: %v", maria)
		}
		if id := fx.xid("__import__.hubspot_contact_51"); id != maria[0]["id"] {
			t.Errorf("external id of Maria: %d", id)
		}
		if r := fx.read("res.partner", leaf("id", "=", ana), "parent_id", "city"); r[0]["parent_id"] != solaris || r[0]["city"] != "Cluj-Napoca" {
			t.Errorf("Ana updated: %v", r)
		}
		if fx.read("res.partner", leaf("name", "=", "John Smith"), "country_id")[0]["country_id"] != fx.xid("base.us") {
			t.Error("John's country")
		}
		// again: nothing new
		res = fx.importFile(adminUID, path, imex.Options{Preset: "hubspot-contacts", UpdateBy: "email"})
		if !res.Committed || res.Created != 0 || res.Unchanged != 3 {
			problems(t, res)
			t.Errorf("second import: %+v", res)
		}
		if n := fx.count("res.partner", leaf("name", "in", []any{"Maria Ionescu", "John Smith", "Ana Pop"})); n != 3 {
			t.Errorf("partners: %d", n)
		}
	})
}

// A legacy .xls (saved by LibreOffice as Excel 97) gets a clear message.
func TestLegacyXLS(t *testing.T) {
	data, err := os.ReadFile("testdata/legacy.xls")
	testutil.Must(t, err, "read")
	fx := open(t, testutil.SQLite(t))
	for _, name := range []string{"legacy.xls", "renamed.csv"} {
		_, err = fx.importBytes(adminUID, name, data, imex.Options{Model: "crm.lead"})
		if !errors.Is(err, imex.ErrLegacyXLS) || !strings.Contains(err.Error(), ".xlsx") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Cancelling the context mid-import leaves nothing behind: no lead, no
// tag created on the way, no message, no external id.
func TestImportCancel(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		fx := open(t, b)
		var csv strings.Builder
		csv.WriteString("id,name,tag_ids\n")
		for i := 0; i < 600; i++ {
			csv.WriteString("lead_" + itoa(i) + ",Lead " + itoa(i) + ",Tag " + itoa(i%7) + "\n")
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		_, err := imex.Import(ctx, fx.r, adminUID, strings.NewReader(csv.String()), "leads.csv", imex.Options{Model: "crm.lead", CreateMissing: true,
			BatchSize: 100, Progress: func(done, total int) {
				if done >= 400 {
					cancel()
				}
			}})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		if n := fx.count("crm.lead", orm.And{}); n != 0 {
			t.Errorf("%d leads left", n)
		}
		if n := fx.count("crm.tag", orm.And{}); n != 0 {
			t.Errorf("%d tags left", n)
		}
		if n := fx.messages("crm.lead"); n != 0 {
			t.Errorf("%d messages left", n)
		}
		if fx.xid("__import__.lead_1") != 0 {
			t.Error("external ids left")
		}
		// the database is usable afterwards
		res, err := imex.Import(context.Background(), fx.r, adminUID, strings.NewReader(csv.String()), "leads.csv", imex.Options{Model: "crm.lead", CreateMissing: true})
		testutil.Must(t, err, "import again")
		if res.Created != 600 || !res.Committed {
			t.Errorf("second import: %+v", res)
		}
		if id := fx.xid("__import__.lead_7"); id == 0 {
			t.Error("external id __import__.lead_7 missing")
		}
	})
}

func itoa(i int) string { return strconv.Itoa(i) }

// onlyReader hides the Seek of a reader: a file that cannot be read twice.
type onlyReader struct{ r *bytes.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// TestImportWriteFailure: a write the database refuses (a constraint the
// ORM does not know of) is reported with its row like any other problem.
// On PostgreSQL a file that can be read again is first imported with the
// writes behind and no savepoint per batch; the refused write makes the
// importer start over batch by batch, which finds the row. A file that
// cannot be read again is imported batch by batch from the start.
func TestImportWriteFailure(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		fx := open(t, b)
		fx.sudo(func(env *orm.Env) error {
			q := "ALTER TABLE crm_lead ADD CONSTRAINT crm_lead_refused CHECK (name <> 'Refused lead')"
			if b.Name == "sqlite" {
				q = "CREATE TRIGGER crm_lead_refused BEFORE INSERT ON crm_lead WHEN NEW.name = 'Refused lead' BEGIN SELECT RAISE(ABORT, 'refused'); END"
			}
			_, err := env.Exec(q)
			return err
		})
		csv := func(bad int) []byte {
			var sb strings.Builder
			sb.WriteString("Opportunity,Email\n")
			for i := 1; i <= 120; i++ {
				name := "Imported lead " + strconv.Itoa(i)
				if i == bad {
					name = "Refused lead"
				}
				sb.WriteString(name + ",buyer" + strconv.Itoa(i) + "@refusal.example\n")
			}
			return []byte(sb.String())
		}
		log := &testutil.SQLLog{}
		r := &orm.Runner{DB: fx.r.DB, Reg: fx.r.Reg, Log: slog.New(log), SlowQuery: 1}
		imp := func(file io.Reader, o imex.Options) *imex.Result {
			t.Helper()
			log.Reset()
			o.Model, o.BatchSize = "crm.lead", 50
			res, err := imex.Import(context.Background(), r, adminUID, file, "leads.csv", o)
			testutil.Must(t, err, "import")
			return res
		}
		savepoints := func() bool { return slices.Contains(log.Statements(), "SAVEPOINT imex_batch") }
		for _, seek := range []bool{true, false} {
			file := func(data []byte) io.Reader {
				if seek {
					return bytes.NewReader(data)
				}
				return onlyReader{bytes.NewReader(data)}
			}
			res := imp(file(csv(77)), imex.Options{})
			if res.Committed || len(res.Problems) != 1 || res.Problems[0].Row != 78 {
				t.Fatalf("seekable %v: %+v", seek, res)
			}
			res = imp(file(csv(77)), imex.Options{SkipInvalid: true})
			if !res.Committed || res.Created != 119 || res.Skipped != 1 || res.Problems[0].Row != 78 {
				t.Fatalf("seekable %v, skipping: %+v", seek, res)
			}
			if n := fx.count("crm.lead", leaf("email_from", "=ilike", "%@refusal.example")); n != 119 {
				t.Errorf("%d leads imported", n)
			}
			fx.sudo(func(env *orm.Env) error {
				_, err := env.Exec("DELETE FROM crm_lead")
				return err
			})
			// without a failure: batch by batch only when the file cannot
			// be read again, or on SQLite
			res = imp(file(csv(0)), imex.Options{})
			if !res.Committed || res.Created != 120 {
				t.Fatalf("seekable %v, no failure: %+v", seek, res)
			}
			if want := !seek || b.Name == "sqlite"; savepoints() != want {
				t.Errorf("seekable %v on %s: savepoints %v, want %v", seek, b.Name, savepoints(), want)
			}
			fx.sudo(func(env *orm.Env) error {
				_, err := env.Exec("DELETE FROM crm_lead")
				return err
			})
		}
	})
}
