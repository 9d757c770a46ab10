package imex_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/i18n"
	"github.com/kanso-crm/kanso/internal/imex"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(b))
	rows, err := r.ReadAll()
	testutil.Must(t, err, "read exported CSV")
	return rows
}

// A salesperson with "own documents only" exports leads: only theirs and
// the unassigned ones, whatever the domain; explicit ids of a colleague's
// lead are refused; the manager gets everything.
func TestExportRespectsRights(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		fx := open(t, b)
		sam := fx.user("sam", "en_US", base.GroupSaleSalesman)
		sue := fx.user("sue", "en_US", base.GroupSaleSalesman)
		boss := fx.user("boss", "en_US", base.GroupSaleManager)
		var samLead, sueLead int64
		fx.as(sam, func(env *orm.Env) error {
			ids, err := env.Create(env.Reg.Model("crm.lead"), []orm.Values{{"name": "Sam 1"}, {"name": "Sam 2"}})
			samLead = ids[0]
			return err
		})
		fx.as(sue, func(env *orm.Env) error {
			ids, err := env.Create(env.Reg.Model("crm.lead"), []orm.Values{{"name": "Sue 1"}})
			sueLead = ids[0]
			return err
		})
		fx.create("crm.lead", orm.Values{"name": "Nobody's"}) // superuser: no salesperson
		export := func(uid int64, o imex.ExportOptions) ([][]string, error) {
			var buf bytes.Buffer
			o.Model = "crm.lead"
			_, err := imex.Export(context.Background(), fx.r, uid, &buf, o)
			if err != nil {
				return nil, err
			}
			return readCSV(t, buf.Bytes()), nil
		}
		rows, err := export(sam, imex.ExportOptions{Fields: []string{"name", "user_id"}})
		testutil.Must(t, err, "export as sam")
		var names []string
		for _, r := range rows[1:] {
			names = append(names, r[0])
		}
		if strings.Join(names, "|") != "Sam 1|Sam 2|Nobody's" || rows[1][1] != "sam" {
			t.Errorf("sam exported %v", rows)
		}
		rows, err = export(sam, imex.ExportOptions{Fields: []string{"name"}, Domain: []any{[]any{"name", "ilike", "Sue"}}})
		testutil.Must(t, err, "export as sam")
		if len(rows) != 1 {
			t.Errorf("sam sees Sue's lead: %v", rows)
		}
		if _, err := export(sam, imex.ExportOptions{Fields: []string{"name"}, IDs: []int64{samLead, sueLead}}); orm.AsError(err).Kind != orm.KindAccess {
			t.Errorf("explicit ids of Sue's lead: %v", err)
		}
		rows, err = export(boss, imex.ExportOptions{Fields: []string{"name"}})
		testutil.Must(t, err, "export as manager")
		if len(rows) != 5 {
			t.Errorf("manager exported %d rows", len(rows)-1)
		}
		// a user without rights on leads
		plain := fx.user("plain", "en_US", base.GroupUser)
		if _, err := export(plain, imex.ExportOptions{Fields: []string{"name"}}); orm.AsError(err).Kind != orm.KindAccess {
			t.Errorf("user without rights: %v", err)
		}
	})
}

// Related paths in both spellings, labels in the user's language,
// selection labels, XLSX typed cells, many batches.
func TestExportPathsAndXLSX(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		fx := open(t, b)
		ro := fx.user("ana", "ro_RO", base.GroupSaleManager)
		solaris := fx.create("res.partner", orm.Values{"name": "Solaris SRL", "is_company": true, "country_id": fx.xid("base.ro"), "email": "=cmd@solaris.ro"})
		fx.as(ro, func(env *orm.Env) error {
			var vals []orm.Values
			for i := 0; i < 25; i++ {
				vals = append(vals, orm.Values{"name": "Lead " + itoa(i), "partner_id": solaris, "expected_revenue": float64(i) * 1000.25,
					"date_deadline": "2026-12-31", "priority": "3", "date_first_contact": "2026-01-15 09:30:00"})
			}
			_, err := env.Create(env.Reg.Model("crm.lead"), vals)
			return err
		})
		fields := []string{"name", "partner_id/country_id/name", "partner_id.email", "priority", "expected_revenue", "date_deadline", "date_first_contact", "partner_id/id"}
		var buf bytes.Buffer
		var prog []int
		n, err := imex.Export(context.Background(), fx.r, ro, &buf, imex.ExportOptions{Model: "crm.lead", Fields: fields, Labels: true, BatchSize: 10,
			Progress: func(done, total int) { prog = append(prog, done) }})
		testutil.Must(t, err, "export")
		rows := readCSV(t, buf.Bytes())
		if n != 25 || len(rows) != 26 || len(prog) != 3 || prog[2] != 25 {
			t.Fatalf("exported %d rows, progress %v", n, prog)
		}
		label := func(model, field string) string { return i18n.T("ro_RO", fx.a.Reg.Model(model).Field(field).String) }
		wantHeader := strings.Join([]string{label("crm.lead", "name"), label("crm.lead", "partner_id") + "/" + label("res.partner", "country_id") + "/" + label("res.country", "name"),
			label("crm.lead", "partner_id") + "/" + label("res.partner", "email"), label("crm.lead", "priority"), label("crm.lead", "expected_revenue"),
			label("crm.lead", "date_deadline"), label("crm.lead", "date_first_contact"), label("crm.lead", "partner_id") + "/External ID"}, "|")
		if !strings.HasPrefix(wantHeader, "Oportunitate|Client/Țară/") {
			t.Errorf("Romanian labels: %s", wantHeader)
		}
		if got := strings.Join(rows[0], "|"); got != wantHeader {
			t.Errorf("header %s", got)
		}
		// the admin's time zone is UTC, Ana's too (default)
		if got := strings.Join(rows[2], "|"); !strings.HasPrefix(got, "Lead 1|Romania|'=cmd@solaris.ro|Foarte ridicat|1000.25|2026-12-31|2026-01-15 09:30:00|__export__.res_partner_") &&
			!strings.HasPrefix(got, "Lead 1|Romania|'=cmd@solaris.ro|Very High|1000.25|2026-12-31|2026-01-15 09:30:00|__export__.res_partner_") {
			t.Errorf("row: %s", got)
		}
		// XLSX: real numbers and dates
		buf.Reset()
		_, err = imex.Export(context.Background(), fx.r, ro, &buf, imex.ExportOptions{Model: "crm.lead", Fields: fields, Format: "xlsx"})
		testutil.Must(t, err, "export xlsx")
		f, err := excelize.OpenReader(&buf)
		testutil.Must(t, err, "open xlsx")
		defer f.Close()
		sheet := f.GetSheetList()[0]
		hdr, _ := f.GetCellValue(sheet, "B1")
		typ, _ := f.GetCellType(sheet, "E3")
		rev, _ := f.GetCellValue(sheet, "E3", excelize.Options{RawCellValue: true})
		date, _ := f.GetCellValue(sheet, "F3")
		email, _ := f.GetCellValue(sheet, "C3")
		if hdr != "partner_id/country_id/name" || (typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset) || rev != "1000.25" || date != "2026-12-31" || email != "=cmd@solaris.ro" {
			t.Errorf("xlsx: %q %v %q %q %q", hdr, typ, rev, date, email)
		}
		// wrong paths
		for _, p := range []string{"nope", "tag_ids/name", "partner_id/nope", "id/name"} {
			_, err := imex.Export(context.Background(), fx.r, ro, &buf, imex.ExportOptions{Model: "crm.lead", Fields: []string{p}})
			if err == nil {
				t.Errorf("%s: no error", p)
			}
		}
	})
}

// The template has the importable fields' labels in the user's language;
// filled in, it imports.
func TestTemplate(t *testing.T) {
	fx := open(t, testutil.SQLite(t))
	for _, format := range []string{"csv", "xlsx"} {
		var buf bytes.Buffer
		testutil.Must(t, imex.Template(fx.a.Reg, "crm.lead", "ro_RO", format, &buf), "template")
		var header []string
		if format == "csv" {
			if !bytes.HasPrefix(buf.Bytes(), []byte("\ufeff")) {
				t.Error("no byte order mark")
			}
			r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\ufeff"))))
			r.Comma = ';'
			h, err := r.Read()
			testutil.Must(t, err, "read")
			header = h
		} else {
			f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
			testutil.Must(t, err, "open")
			rows, _ := f.GetRows(f.GetSheetList()[0])
			f.Close()
			header = rows[0]
		}
		joined := "|" + strings.Join(header, "|") + "|"
		for _, want := range []string{"|Oportunitate|", "|E-mail|", "|Etichete|", "|Etapă|"} {
			if !strings.Contains(joined, want) {
				t.Errorf("%s template lacks %s: %v", format, want, header)
			}
		}
		for _, no := range []string{"Prorated Revenue", "Created on", "ID", "Normalized Email"} {
			if strings.Contains(joined, "|"+no+"|") {
				t.Errorf("%s template has %s", format, no)
			}
		}
		if format == "csv" {
			row := make([]string, len(header))
			for i, h := range header {
				switch h {
				case "Oportunitate":
					row[i] = "Din șablon"
				case "Venit estimat":
					row[i] = "1.500,50"
				}
			}
			var in bytes.Buffer
			in.Write(buf.Bytes())
			w := csv.NewWriter(&in)
			w.Comma = ';'
			w.Write(row)
			w.Flush()
			res, err := fx.importBytes(adminUID, "template.csv", in.Bytes(), imex.Options{Model: "crm.lead", Lang: "ro_RO"})
			testutil.Must(t, err, "import the template")
			problems(t, res)
			if !res.Committed || res.Created != 1 || len(res.Ignored) != 0 {
				t.Fatalf("template import: %+v", res)
			}
			if r := fx.read("crm.lead", leaf("name", "=", "Din șablon"), "expected_revenue"); len(r) != 1 || r[0]["expected_revenue"] != 1500.5 {
				t.Errorf("imported: %v", r)
			}
		}
	}
}
