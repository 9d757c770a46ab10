package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// TestDemoIntoANewFile: `kanso demo` fills a new SQLite file under another
// name (without a journal) and moves it into place when complete, in WAL
// mode like every Kanso database, replacing what an interrupted run left;
// into an existing file it writes in place.
func TestDemoIntoANewFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "demo.db")
	// what a crash of an earlier run left
	if err := os.WriteFile(path+".building", []byte("half a database"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"demo", "--leads", "300", "--db", path}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "300 leads") {
		t.Errorf("kanso demo printed %q", out.String())
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "demo.db" {
		t.Errorf("files after the run: %v, want demo.db alone", names)
	}
	check := func(wantLeads int) {
		t.Helper()
		d, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		var mode, ok string
		var leads int
		if err := d.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
			t.Errorf("journal mode %q (%v), want wal", mode, err)
		}
		if err := d.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
			t.Errorf("integrity check: %q (%v)", ok, err)
		}
		if err := d.QueryRow("SELECT count(*) FROM crm_lead").Scan(&leads); err != nil || leads != wantLeads {
			t.Errorf("%d leads (%v), want %d", leads, err, wantLeads)
		}
	}
	check(300)
	// an existing file is written in place: the demo refuses a second
	// data set, and the file is left as it was
	if err := run(context.Background(), []string{"demo", "--leads", "300", "--db", path}, nil, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "already has demo data") {
		t.Errorf("a second demo into the same file: %v", err)
	}
	if _, err := os.Stat(path + ".building"); err == nil {
		t.Error("a run into an existing file made a .building file")
	}
	check(300)
	// a file that cannot be made: the error names it
	bad := filepath.Join(dir, "no-such-dir", "demo.db")
	if err := run(context.Background(), []string{"demo", "--leads", "300", "--db", bad}, nil, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "new database "+bad) {
		t.Errorf("kanso demo into %s: %v", bad, err)
	}
}
