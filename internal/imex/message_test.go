package imex_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kanso-crm/kanso/internal/base"
	"github.com/kanso-crm/kanso/internal/imex"
	"github.com/kanso-crm/kanso/internal/orm"
	"github.com/kanso-crm/kanso/internal/testutil"
)

// Every problem of a row keeps the English format it was written from
// and its arguments, the words among them (labels, descriptions,
// selection labels, month names) as terms: the reason reads in the
// user's language, and survives the JSON a job's result is recorded in.
func TestProblemMessages(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		fx := open(t, b)
		csv := "name,expected_revenue,date_deadline,priority,stage_id,probability\n" +
			"Bad number,12abc,,,,\n" + // 2
			"Bad date,,2026-02-30,,,\n" + // 3
			"Bad priority,,,Urgent,,\n" + // 4
			"Unknown stage,,,,Negotiation,\n" + // 5
			",,,,,10\n" // 6: the ORM refuses a lead without a name
		res, err := fx.importBytes(adminUID, "bad.csv", []byte(csv), imex.Options{Model: "crm.lead", DryRun: true})
		testutil.Must(t, err, "import")
		want := []struct {
			row          int
			column       string
			format       string
			args         imex.Args
			reason, ro   string
			id           string
			whatIsTested string
		}{
			{2, "expected_revenue", "%q is not a number", imex.Args{"12abc"},
				`"12abc" is not a number`, `"12abc" nu este un număr`, `"12abc" bukan angka`, "bad number"},
			{3, "date_deadline", "%q is not a valid date: %s %d has no day %d", imex.Args{"2026-02-30", imex.Term("February"), int64(2026), int64(30)},
				`"2026-02-30" is not a valid date: February 2026 has no day 30`, `"2026-02-30" nu este o dată validă: februarie 2026 nu are ziua 30`,
				`"2026-02-30" bukan tanggal yang valid: Februari 2026 tidak memiliki tanggal 30`, "bad date"},
			{4, "priority", "%q is not one of %s", imex.Args{"Urgent", imex.Terms{"Low", "Medium", "High", "Very High"}},
				`"Urgent" is not one of Low, Medium, High, Very High`, `"Urgent" nu este una dintre valorile: Scăzut, Mediu, Ridicat, Foarte ridicat`,
				"", "unknown selection"},
			{5, "stage_id", "no %s matches %q (the option to create missing records would create it)", imex.Args{imex.Term("CRM Stages"), "Negotiation"},
				`no CRM Stages matches "Negotiation" (the option to create missing records would create it)`,
				`nicio înregistrare de tip Etape CRM nu corespunde cu "Negotiation" (opțiunea de a crea înregistrările lipsă ar crea-o)`, "", "unknown relation"},
			{6, "name", `The field "Opportunity" (name) is required: give the lead a name or a customer.`, nil,
				`The field "Opportunity" (name) is required: give the lead a name or a customer.`,
				`Câmpul "Oportunitate" (name) este obligatoriu: dați pistei un nume sau un client.`,
				`Kolom "Peluang" (name) wajib diisi: beri prospek sebuah nama atau pelanggan.`, "required field missing (crm.lead's message)"},
		}
		if len(res.Problems) != len(want) {
			problems(t, res)
			t.Fatalf("%d problems, want %d", len(res.Problems), len(want))
		}
		// what the page shows comes back from the job's record
		data, err := json.Marshal(res.Problems)
		testutil.Must(t, err, "marshal")
		var back []imex.Problem
		testutil.Must(t, json.Unmarshal(data, &back), "unmarshal %s", data)
		if !reflect.DeepEqual(back, res.Problems) {
			t.Errorf("the problems change through JSON:\n%+v\n%+v\n%s", res.Problems, back, data)
		}
		for i, w := range want {
			p := res.Problems[i]
			t.Run(w.whatIsTested, func(t *testing.T) {
				if p.Row != w.row || p.Column != w.column || p.Format != w.format || !reflect.DeepEqual(p.Args, w.args) {
					t.Errorf("problem %+v (args %#v), want row %d column %s format %q args %#v", p, p.Args, w.row, w.column, w.format, w.args)
				}
				if p.Reason != w.reason || p.Text("en_US") != w.reason {
					t.Errorf("reason %q, in English %q, want %q", p.Reason, p.Text("en_US"), w.reason)
				}
				if got := p.Text("ro_RO"); got != w.ro {
					t.Errorf("in Romanian %q, want %q", got, w.ro)
				}
				if got := p.Text("id_ID"); w.id != "" && got != w.id {
					t.Errorf("in Indonesian %q, want %q", got, w.id)
				}
				if got := back[i].Text("ro_RO"); got != w.ro {
					t.Errorf("in Romanian after JSON %q, want %q", got, w.ro)
				}
			})
		}
		if got, want := res.Problems[0].Line("ro_RO"), `rândul 2, coloana "expected_revenue": "12abc" nu este un număr`; got != want {
			t.Errorf("line %q, want %q", got, want)
		}
		if got, want := res.Problems[0].String(), `row 2, column "expected_revenue": "12abc" is not a number`; got != want {
			t.Errorf("String %q, want %q", got, want)
		}

		// the ORM's own message for a required field: its label and the
		// model's description translated with it
		res, err = fx.importBytes(adminUID, "tags.csv", []byte("name,color\nHot,1\n,2\n"), imex.Options{Model: "crm.tag", DryRun: true})
		testutil.Must(t, err, "import tags")
		if len(res.Problems) != 1 {
			problems(t, res)
			t.Fatalf("tags: %d problems", len(res.Problems))
		}
		p := res.Problems[0]
		if p.Row != 3 || p.Column != "name" || p.Format != "The field %q (%s) is required on %s." ||
			!reflect.DeepEqual(p.Args, imex.Args{imex.Term("Tag Name"), "name", imex.Term("CRM Tag")}) ||
			p.Reason != `The field "Tag Name" (name) is required on CRM Tag.` ||
			p.Text("ro_RO") != `Câmpul "Nume etichetă" (name) este obligatoriu pentru Etichetă CRM.` ||
			p.Text("id_ID") != `Kolom "Nama Tag" (name) wajib diisi pada Tag CRM.` {
			t.Errorf("required field missing (the ORM's message): %+v %#v: %q %q", p, p.Args, p.Text("ro_RO"), p.Text("id_ID"))
		}

		// an ORM error that stops the whole import: translated too
		viewer := fx.user("viewer", "ro_RO", base.GroupUser)
		_, err = fx.importBytes(viewer, "v.csv", []byte("name\nX\n"), imex.Options{Model: "crm.lead"})
		m := imex.MessageOf(err)
		if err == nil || m == nil || m.String() != err.Error() ||
			m.Text("ro_RO") != "Nu aveți dreptul să creați înregistrări 'Pistă/Oportunitate' (crm.lead)." {
			t.Errorf("import without the right to create: %v; message %+v", err, m)
		}
	})
}

// The errors that stop an import because of the file, its mapping or the
// options are FileErrors, in English and translated.
func TestFileErrors(t *testing.T) {
	fx := open(t, testutil.SQLite(t))
	xls, err := os.ReadFile("testdata/legacy.xls")
	testutil.Must(t, err, "read")
	// an OpenDocument spreadsheet as LibreOffice writes it: its mimetype
	// first, stored
	var ods bytes.Buffer
	zw := zip.NewWriter(&ods)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	w.Write([]byte("application/vnd.oasis.opendocument.spreadsheet"))
	w, _ = zw.Create("content.xml")
	w.Write([]byte("<office:document-content/>"))
	testutil.Must(t, zw.Close(), "zip")
	for _, c := range []struct {
		name, file string
		data       []byte
		o          imex.Options
		english    string
		ro         string
	}{
		{"empty", "e.csv", nil, imex.Options{Model: "crm.lead"}, "the file is empty", "fișierul este gol"},
		{"no header", "h.csv", []byte("\n\n"), imex.Options{Model: "crm.lead"}, "the file has no header row", "fișierul nu are un rând de antet"},
		{"legacy xls", "l.xls", xls, imex.Options{Model: "crm.lead"}, "", "acesta este un registru Excel 97-2003 (.xls)"},
		{"OpenDocument", "s.ods", ods.Bytes(), imex.Options{Model: "crm.lead"}, "cannot read the workbook: this is an OpenDocument spreadsheet (.ods)",
			"registrul de calcul nu poate fi citit: este o foaie de calcul OpenDocument (.ods)"},
		{"not a workbook", "n.xlsx", []byte("PK\x03\x04 not really a zip"), imex.Options{Model: "crm.lead"}, "cannot read the workbook: ", "registrul de calcul nu poate fi citit: "},
		{"mapping a missing column", "m.csv", []byte("name\nX\n"), imex.Options{Model: "crm.lead", Map: map[string]string{"Phone": "phone"}},
			`the mapping names a column "phone" that the file does not have`, `asocierea menționează o coloană "phone" pe care fișierul nu o are`},
		{"mapping to no field", "f.csv", []byte("name\nX\n"), imex.Options{Model: "crm.lead", Map: map[string]string{"name": "nope"}},
			`column "name": "nope" is not an importable field of crm.lead`, `coloana "name": "nope" nu este un câmp care se poate importa în crm.lead`},
		{"no column matches", "c.csv", []byte("foo,bar\n1,2\n"), imex.Options{Model: "crm.lead"},
			"no column of the file matches a field of crm.lead (columns: foo, bar); map them explicitly", "nicio coloană a fișierului nu corespunde"},
		{"update by a key without its column", "u.csv", []byte("name\nX\n"), imex.Options{Model: "crm.lead", UpdateBy: "email"},
			"cannot update by email: no column of the file is mapped to email_from", "nu se poate actualiza după email"},
		{"unknown model", "x.csv", []byte("name\nX\n"), imex.Options{Model: "nope.model"}, `unknown model "nope.model"`, `model necunoscut: "nope.model"`},
		{"unknown encoding", "k.csv", []byte("name\nX\n"), imex.Options{Model: "crm.lead", Encoding: "ebcdic"}, `unknown encoding "ebcdic"`, `codificare necunoscută: "ebcdic"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := fx.importBytes(adminUID, c.file, c.data, c.o)
			var fe *imex.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("%T %v, want a FileError", err, err)
			}
			if !strings.HasPrefix(err.Error(), c.english) || fe.String() != err.Error() {
				t.Errorf("%q, want %q", err, c.english)
			}
			if got := fe.Text("ro_RO"); !strings.HasPrefix(got, c.ro) {
				t.Errorf("in Romanian %q, want %q", got, c.ro)
			}
			if m := imex.MessageOf(err); m == nil || m.Format != fe.Format {
				t.Errorf("MessageOf: %+v", m)
			}
		})
	}
	_, err = fx.importBytes(adminUID, "l.xls", xls, imex.Options{Model: "crm.lead"})
	if !errors.Is(err, imex.ErrLegacyXLS) {
		t.Errorf("legacy xls: %v is not ErrLegacyXLS", err)
	}
}

// MapIfPresent leaves out the mapped columns the file lacks; without it
// they are refused.
func TestMapIfPresent(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		fx := open(t, b)
		csv := []byte("Opportunity,Contact mail\nKept,k@example.com\n")
		m := map[string]string{"contact MAIL": "email_from", "Mobile number": "phone", "Old column": "nope"}
		for _, c := range []struct {
			name    string
			o       imex.Options
			refused bool
		}{
			{"without MapIfPresent", imex.Options{Model: "crm.lead", Map: m}, true},
			{"with MapIfPresent", imex.Options{Model: "crm.lead", Map: m, MapIfPresent: true}, false},
		} {
			t.Run(c.name, func(t *testing.T) {
				res, err := fx.importBytes(adminUID, "p.csv", csv, c.o)
				var fe *imex.FileError
				if c.refused {
					if !errors.As(err, &fe) || fe.Format != "the mapping names a column %q that the file does not have" {
						t.Errorf("%v, want the mapping refused", err)
					}
					return
				}
				testutil.Must(t, err, "import")
				if !res.Committed || res.Created != 1 || res.Mapping["Contact mail"] != "email_from" || res.Mapping["Opportunity"] != "name" || len(res.Mapping) != 2 {
					t.Errorf("result %+v", res)
				}
			})
		}
		if recs := fx.read("crm.lead", leaf("name", "=", "Kept"), "email_from"); len(recs) != 1 || recs[0]["email_from"] != "k@example.com" {
			t.Errorf("imported: %v", recs)
		}
	})
}

// Inspect reads the header and maps it, without importing anything.
func TestInspect(t *testing.T) {
	testutil.Run(t, func(t *testing.T, b testutil.Backend) {
		fx := open(t, b)
		csv := []byte("Opportunity;Contact mail;Expected Revenue\nFirst;a@example.com;10\nSecond;b@example.com;20\n")
		for _, c := range []struct {
			name    string
			o       imex.Options
			mapping map[string]string
			ignored []string
			err     string // the FileError's format
		}{
			{"automatic", imex.Options{Model: "crm.lead"},
				map[string]string{"Opportunity": "name", "Expected Revenue": "expected_revenue"}, []string{"Contact mail"}, ""},
			{"explicit", imex.Options{Model: "crm.lead", Map: map[string]string{"Contact mail": "email_from", "Expected Revenue": ""}},
				map[string]string{"Opportunity": "name", "Contact mail": "email_from"}, []string{"Expected Revenue"}, ""},
			{"explicit, a column missing", imex.Options{Model: "crm.lead", Map: map[string]string{"Contact mail": "email_from", "Phone": "phone"}},
				nil, nil, "the mapping names a column %q that the file does not have"},
			{"explicit, a column missing, MapIfPresent", imex.Options{Model: "crm.lead", Map: map[string]string{"Contact mail": "email_from", "Phone": "phone"}, MapIfPresent: true},
				map[string]string{"Opportunity": "name", "Contact mail": "email_from", "Expected Revenue": "expected_revenue"}, nil, ""},
			{"update key without its column", imex.Options{Model: "crm.lead", UpdateBy: "email"},
				nil, nil, "cannot update by %s: no column of the file is mapped to %s"},
			{"unknown preset", imex.Options{Preset: "nope"}, nil, nil, "unknown preset %q (known: %s)"},
		} {
			t.Run(c.name, func(t *testing.T) {
				ins, err := imex.Inspect(t.Context(), fx.r, adminUID, strings.NewReader(string(csv)), "i.csv", c.o)
				if c.err != "" {
					var fe *imex.FileError
					if !errors.As(err, &fe) || fe.Format != c.err {
						t.Errorf("%v, want %q", err, c.err)
					}
					return
				}
				testutil.Must(t, err, "inspect")
				if !slices.Equal(ins.Header, []string{"Opportunity", "Contact mail", "Expected Revenue"}) || ins.Model != "crm.lead" ||
					ins.Format != "csv" || ins.Delimiter != ";" || ins.Encoding != "utf-8" || ins.Total != 2 {
					t.Errorf("inspection %+v", ins)
				}
				if !reflect.DeepEqual(ins.Mapping, c.mapping) || !slices.Equal(ins.Ignored, c.ignored) {
					t.Errorf("mapping %v ignored %q, want %v %q", ins.Mapping, ins.Ignored, c.mapping, c.ignored)
				}
			})
		}
		if n := fx.count("crm.lead", orm.And{}); n != 0 {
			t.Errorf("Inspect wrote %d leads", n)
		}
		// a file none of whose columns is a field: an empty mapping, no error
		ins, err := imex.Inspect(t.Context(), fx.r, adminUID, strings.NewReader("foo,bar\n1,2\n"), "n.csv", imex.Options{Model: "crm.lead"})
		if err != nil || len(ins.Mapping) != 0 || !slices.Equal(ins.Ignored, []string{"foo", "bar"}) {
			t.Errorf("no matching column: %+v %v", ins, err)
		}
		// an empty file: a FileError
		_, err = imex.Inspect(t.Context(), fx.r, adminUID, strings.NewReader(""), "e.csv", imex.Options{Model: "crm.lead"})
		var fe *imex.FileError
		if !errors.As(err, &fe) || fe.Format != "the file is empty" {
			t.Errorf("an empty file: %v", err)
		}
	})
}
