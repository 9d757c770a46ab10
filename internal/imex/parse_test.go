package imex

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
)

func TestParseNumber(t *testing.T) {
	for _, c := range []struct {
		in, lang string
		want     float64
	}{
		{"1.234,56", "ro_RO", 1234.56}, {"1.234,56", "id_ID", 1234.56}, {"1,234.56", "en_US", 1234.56},
		{"1234.56", "ro_RO", 1234.56}, {"1234,56", "en_US", 1234.56}, {"12000.0", "ro_RO", 12000},
		{"1.234", "ro_RO", 1234}, {"1.234", "en_US", 1.234}, {"1,234", "en_US", 1234}, {"1,234", "ro_RO", 1.234},
		{"1.234.567", "en_US", 1234567}, {"1 234 567,5", "ro_RO", 1234567.5}, {"1\u00a0234,5", "ro_RO", 1234.5},
		{"-12,5", "ro_RO", -12.5}, {"(100)", "en_US", -100}, {"€ 1.500,00", "ro_RO", 1500}, {"1.500,00 RON", "ro_RO", 1500},
		{"Rp 1.500.000", "id_ID", 1500000}, {"Rp1.500", "id_ID", 1500}, {"$1,200.50", "en_US", 1200.5}, {"45%", "en_US", 45},
		{"1.5e3", "en_US", 1500}, {"0", "en_US", 0}, {",5", "ro_RO", 0.5}, {"100 lei", "ro_RO", 100},
	} {
		got, err := parseNumber(c.in, c.lang, false)
		if err != nil || got != c.want {
			t.Errorf("parseNumber(%q, %s) = %v, %v; want %v", c.in, c.lang, got, err, c.want)
		}
	}
	// a spreadsheet's numeric cell is plain whatever the language
	if got, _ := parseNumber("1.234", "ro_RO", true); got != 1.234 {
		t.Errorf("plain 1.234 in ro = %v", got)
	}
	for _, bad := range []string{"12abc", "abc", "1.2.3,4,5", "1,23,4", "--5", "", "1.234,5,6", "12 34x"} {
		if v, err := parseNumber(bad, "en_US", false); err == nil {
			t.Errorf("parseNumber(%q) = %v, want an error", bad, v)
		}
	}
}

func TestParseDates(t *testing.T) {
	for _, c := range []struct{ in, lang, want string }{
		{"31.12.2026", "ro_RO", "2026-12-31"}, {"31/12/2026", "id_ID", "2026-12-31"}, {"12/31/2026", "en_US", "2026-12-31"},
		{"2026-12-31", "en_US", "2026-12-31"}, {"2026-12-31", "ro_RO", "2026-12-31"}, {"31.12.2026", "en_US", "2026-12-31"},
		{"3/1/2025", "en_US", "2025-03-01"}, {"3/1/2025", "ro_RO", "2025-01-03"}, {"1.2.26", "ro_RO", "2026-02-01"},
		{"2026-12-31 10:00:00", "en_US", "2026-12-31"}, {"2025-03-31T12:00:00.000Z", "en_US", "2025-03-31"},
		{"31-12-2026", "id_ID", "2026-12-31"},
	} {
		got, err := parseDate(c.in, c.lang, false, false)
		if err != nil || got != c.want {
			t.Errorf("parseDate(%q, %s) = %q, %v; want %s", c.in, c.lang, got, err, c.want)
		}
	}
	for _, bad := range []struct{ in, lang string }{{"12/31/2026", "ro_RO"}, {"31/12/2026", "en_US"}, {"2026-02-30", "en_US"},
		{"31.12", "ro_RO"}, {"tomorrow", "en_US"}, {"31.12/2026", "ro_RO"}, {"46387", "en_US"}} {
		if v, err := parseDate(bad.in, bad.lang, false, false); err == nil {
			t.Errorf("parseDate(%q, %s) = %q, want an error", bad.in, bad.lang, v)
		}
	}
	// Excel serials in spreadsheets: 46387 is 2026-12-31
	if got, err := parseDate("46387", "ro_RO", true, false); err != nil || got != "2026-12-31" {
		t.Errorf("serial: %q %v", got, err)
	}
	bucharest, _ := time.LoadLocation("Europe/Bucharest")
	for _, c := range []struct {
		in, lang string
		loc      *time.Location
		want     time.Time
	}{
		{"31.12.2026 14:30", "ro_RO", bucharest, time.Date(2026, 12, 31, 12, 30, 0, 0, time.UTC)},
		{"3/31/2025 2:05 PM", "en_US", time.UTC, time.Date(2025, 3, 31, 14, 5, 0, 0, time.UTC)},
		{"2025-03-31T12:00:00.000Z", "en_US", bucharest, time.Date(2025, 3, 31, 12, 0, 0, 0, time.UTC)},
		{"2026-01-10 14:22", "en_US", time.UTC, time.Date(2026, 1, 10, 14, 22, 0, 0, time.UTC)},
		{"2026-07-01", "ro_RO", bucharest, time.Date(2026, 6, 30, 21, 0, 0, 0, time.UTC)},
		{"46037.5", "en_US", time.UTC, time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)},
	} {
		got, err := parseDatetime(c.in, c.lang, c.loc, true, false)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("parseDatetime(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

func TestParseBool(t *testing.T) {
	for in, want := range map[string]bool{"yes": true, "No": false, "TRUE": true, "False": false, "1": true, "0": false,
		"da": true, "Nu": false, "ya": true, "Tidak": false} {
		if got, err := parseBool(in); err != nil || got != want {
			t.Errorf("parseBool(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := parseBool("maybe"); err == nil {
		t.Error("maybe is a boolean")
	}
}

func readAll(t *testing.T, data []byte, o Options) (source, [][]string) {
	t.Helper()
	src, err := openSource(bytes.NewReader(data), "x.csv", &o)
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	for {
		r, _, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	return src, rows
}

func TestEncodings(t *testing.T) {
	text := "Nume;Oraș\nȘtefan Țurcanu;Brașov\n"
	cedilla := strings.NewReplacer("ș", "ş", "ț", "ţ", "Ș", "Ş", "Ț", "Ţ").Replace(text)
	utf16le, _ := xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewEncoder().String(text)
	utf16be, _ := xunicode.UTF16(xunicode.BigEndian, xunicode.UseBOM).NewEncoder().String(text)
	cp1250, _ := charmap.Windows1250.NewEncoder().String(cedilla)
	iso2, _ := charmap.ISO8859_2.NewEncoder().String(cedilla)
	for _, c := range []struct {
		name, data, enc, lang string
	}{
		{"utf-8", text, "utf-8", "en_US"},
		{"utf-8 bom", "\ufeff" + text, "utf-8", "en_US"},
		{"utf-16le", utf16le, "utf-16le", "en_US"},
		{"utf-16be", utf16be, "utf-16be", "en_US"},
		{"windows-1250 (ro user)", cp1250, "windows-1250", "ro_RO"},
		{"windows-1250 (en user)", cp1250, "windows-1250", "en_US"},
		{"iso-8859-2 (same letters: read as windows-1250)", iso2, "windows-1250", "ro_RO"},
	} {
		src, rows := readAll(t, []byte(c.data), Options{Lang: c.lang})
		if src.Encoding() != c.enc || len(rows) != 2 || rows[0][1] != "Oraș" || rows[1][0] != "Ștefan Țurcanu" || rows[1][1] != "Brașov" {
			t.Errorf("%s: %s %q", c.name, src.Encoding(), rows)
		}
	}
	// Western European text in Windows-1252
	fr, _ := charmap.Windows1252.NewEncoder().String("Nom,Ville\nFrançoise Müller,Orléans – Centre\n")
	src, rows := readAll(t, []byte(fr), Options{Lang: "en_US"})
	if src.Encoding() != "windows-1252" || rows[1][0] != "Françoise Müller" || rows[1][1] != "Orléans – Centre" {
		t.Errorf("windows-1252: %s %q", src.Encoding(), rows)
	}
	// ISO-8859-2 Polish letters that Windows-1250 places elsewhere
	pl, _ := charmap.ISO8859_2.NewEncoder().String("Nazwa,Miasto\nŚląsk Żółć,Łódź\nĄę Śś Źź,Ślęża\n")
	src, rows = readAll(t, []byte(pl), Options{Lang: "en_US"})
	if src.Encoding() != "iso-8859-2" || rows[1][0] != "Śląsk Żółć" {
		t.Errorf("iso-8859-2: %s %q", src.Encoding(), rows)
	}
	// forced
	src, rows = readAll(t, []byte(cp1250), Options{Encoding: "cp1252"})
	if src.Encoding() != "windows-1252" || rows[1][0] == "Ștefan Țurcanu" {
		t.Errorf("forced: %s %q", src.Encoding(), rows)
	}
}

func TestDelimitersAndFooters(t *testing.T) {
	for _, c := range []struct {
		data  string
		delim rune
		rows  int
	}{
		{"a,b,c\n1,2,3\n4,5,6\n", ',', 3},
		{"a;b;c\n1,5;2;3\n4;5,5;6\n", ';', 3},
		{"a\tb\tc\n1\t2\t3\n", '\t', 2},
		{"a|b\n1|2\n", '|', 2},
		{"\"x;y\",b,c\n\"1;2\",2,3\n", ',', 2},
		// a Salesforce report's footer lines are dropped; blank rows skipped
		{"\"a\",\"b\",\"c\"\n\"1\",\"2\",\"3\"\n\n\"Leads report\"\n\"Copyright (c) 2000-2025 salesforce.com, inc.\"\n", ',', 2},
	} {
		src, rows := readAll(t, []byte(c.data), Options{})
		if src.Delimiter() != c.delim || len(rows) != c.rows {
			t.Errorf("%q: delimiter %q, rows %q", c.data, src.Delimiter(), rows)
		}
	}
	// a short row in the middle is kept (and reported by the importer)
	_, rows := readAll(t, []byte("a,b,c\n1,2,3\nlonely\n4,5,6\n"), Options{})
	if len(rows) != 4 || rows[2][0] != "lonely" {
		t.Errorf("short row: %q", rows)
	}
}

func TestHeaderNormalize(t *testing.T) {
	for in, want := range map[string]string{"  Deal – Title* ": "deal - title", "Person  -  Email": "person - email", "\ufeffName": "name"} {
		if got := normalize(in); got != want {
			t.Errorf("normalize(%q) = %q", in, got)
		}
	}
}
