package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The import and export commands on a real database file: a dry run
// that reports problems by row and column and exits non-zero, a real
// import, an export to CSV and XLSX files, a template.
func TestImportExportCommands(t *testing.T) {
	progressOut = io.Discard
	dir := t.TempDir()
	db := filepath.Join(dir, "kanso.db")
	ctx := context.Background()
	file := filepath.Join(dir, "leads.csv")
	os.WriteFile(file, []byte("Opportunity;Email;Expected Revenue;Tags\nSolar;a@example.com;1.234,5;VIP\nWind;b@example.com;12x;\n"), 0o644)
	var out bytes.Buffer
	err := importCmd(ctx, []string{"crm.lead", file, "--dry-run", "--lang", "ro_RO", "--db", db, "--create-missing"}, &out, discardLog())
	// the problems are reported in the language given (else the user's)
	if err == nil || !strings.Contains(out.String(), `rândul 3, coloana "Expected Revenue": "12x" nu este un număr`) {
		t.Fatalf("dry run: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := importCmd(ctx, []string{"crm.lead", file, "--dry-run", "--db", db}, &out, discardLog()); err == nil ||
		!strings.Contains(out.String(), `row 3, column "Expected Revenue": "12x" is not a number`) {
		t.Fatalf("dry run in the user's language: %v\n%s", err, out.String())
	}
	empty := filepath.Join(dir, "empty.csv")
	os.WriteFile(empty, nil, 0o644)
	if err := importCmd(ctx, []string{"crm.lead", empty, "--lang", "ro_RO", "--db", db}, io.Discard, discardLog()); err == nil || err.Error() != "fișierul este gol" {
		t.Errorf("an empty file: %v", err)
	}
	out.Reset()
	err = importCmd(ctx, []string{"crm.lead", file, "--db", db, "--lang", "ro_RO", "--create-missing"}, &out, discardLog())
	if err == nil || !strings.Contains(out.String(), "nothing imported") {
		t.Fatalf("import with problems: %v\n%s", err, out.String())
	}
	out.Reset()
	err = importCmd(ctx, []string{"--db", db, "crm.lead", "--skip-invalid", file, "--map", "Tags=", "--lang", "ro_RO"}, &out, discardLog())
	if err != nil || !strings.Contains(out.String(), "imported: 1 created") || !strings.Contains(out.String(), "ignored columns: Tags") {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	out.Reset()
	csvOut := filepath.Join(dir, "out.csv")
	err = exportCmd(ctx, []string{"crm.lead", "--db", db, "--fields", "id,name,expected_revenue,stage_id", "--output", csvOut,
		"--domain", `[["expected_revenue", ">", 1000]]`}, &out, discardLog())
	if err != nil || !strings.Contains(out.String(), "exported 1 rows") {
		t.Fatalf("export: %v\n%s", err, out.String())
	}
	data, _ := os.ReadFile(csvOut)
	rows, _ := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if len(rows) != 2 || rows[1][1] != "Solar" || rows[1][2] != "1234.5" || rows[1][3] != "New" {
		t.Errorf("exported: %q", rows)
	}
	// re-import the export: unchanged
	out.Reset()
	if err := importCmd(ctx, []string{"crm.lead", csvOut, "--update-by", "id", "--db", db}, &out, discardLog()); err != nil || !strings.Contains(out.String(), "1 unchanged") {
		t.Errorf("re-import: %v\n%s", err, out.String())
	}
	out.Reset()
	xlsx := filepath.Join(dir, "out.xlsx")
	if err := exportCmd(ctx, []string{"crm.lead", "--db", db, "--output", xlsx}, &out, discardLog()); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(xlsx); !bytes.HasPrefix(data, []byte("PK")) {
		t.Error("not an XLSX file")
	}
	tpl := filepath.Join(dir, "template.xlsx")
	if err := exportCmd(ctx, []string{"res.partner", "--template", "--db", db, "--output", tpl}, &out, discardLog()); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := importCmd(ctx, []string{"presets"}, &out, discardLog()); err != nil || !strings.Contains(out.String(), "hubspot-contacts") {
		t.Errorf("presets: %v %s", err, out.String())
	}
	if err := importCmd(ctx, []string{"crm.lead", "--db", db}, io.Discard, discardLog()); err == nil {
		t.Error("import without a file")
	}
	if err := exportCmd(ctx, []string{"crm.lead", "--db", db, "--login", "nobody"}, io.Discard, discardLog()); err == nil {
		t.Error("export as an unknown user")
	}
	if err := exportCmd(ctx, []string{"crm.lead", "--db", db, "--fields", "nope", "--output", filepath.Join(dir, "bad.csv")}, io.Discard, discardLog()); err == nil {
		t.Error("export of an unknown field")
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.csv")); err == nil {
		t.Error("a failed export left its file")
	}
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
