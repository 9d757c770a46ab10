package imex

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/kanso-crm/kanso/internal/orm"
)

// Past a worksheet's row limit the export goes on in another sheet, with
// the header again.
func TestXLSXSheetOverflow(t *testing.T) {
	defer func(n int) { maxSheetRows = n }(maxSheetRows)
	maxSheetRows = 10
	var buf bytes.Buffer
	w, err := newXLSXWriter(&buf, &orm.Model{Description: "Leads/Opportunities"})
	if err != nil {
		t.Fatal(err)
	}
	w.header([]any{"name", "n"})
	for i := 0; i < 25; i++ {
		if err := w.row([]any{"x", int64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) != 3 || sheets[0] != "Leads Opportunities" {
		t.Fatalf("sheets: %v", sheets)
	}
	total := 0
	for _, s := range sheets {
		rows, _ := f.GetRows(s)
		if rows[0][0] != "name" {
			t.Errorf("%s: no header", s)
		}
		total += len(rows) - 1
	}
	if total != 25 {
		t.Errorf("%d data rows", total)
	}
}

func TestGuardFormula(t *testing.T) {
	for in, want := range map[string]string{"=SUM(A1)": "'=SUM(A1)", "+40 721 234 567": "+40 721 234 567", "-12.5": "-12.5",
		"-foo": "'-foo", "+cmd|x": "'+cmd|x", "@x": "'@x", "plain": "plain"} {
		if got := guardFormula(in); got != want {
			t.Errorf("guardFormula(%q) = %q", in, got)
		}
	}
}
