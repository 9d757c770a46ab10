package imex

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// xlsxRow is a row as a source returns it.
type xlsxRow struct {
	n     int
	cells []string
}

func (r xlsxRow) String() string { return fmt.Sprintf("%d:%q", r.n, r.cells) }

// readXLSX reads every row of a workbook with the importer's reader.
func readXLSX(t testing.TB, data []byte) ([]xlsxRow, *xlsxSource, error) {
	t.Helper()
	src, err := openSource(bytes.NewReader(data), "x.xlsx", &Options{})
	if err != nil {
		return nil, nil, err
	}
	x := src.(*xlsxSource)
	defer x.Close()
	var rows []xlsxRow
	for {
		cells, n, err := x.Next()
		if err == io.EOF {
			return rows, x, nil
		}
		if err != nil {
			return rows, x, err
		}
		rows = append(rows, xlsxRow{n, cells})
	}
}

// excelizeRows reads the first worksheet as the importer did with
// excelize (Rows, Columns with RawCellValue), keeping the rows with
// cells: excelize also returns the rows a sheet skips, as empty rows.
func excelizeRows(t testing.TB, data []byte) (rows []xlsxRow, date1904 bool) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipXMLSizeLimit: 1 << 20, UnzipSizeLimit: 4 << 30})
	if err != nil {
		t.Fatalf("excelize: %v", err)
	}
	defer f.Close()
	if p, err := f.GetWorkbookProps(); err == nil && p.Date1904 != nil {
		date1904 = *p.Date1904
	}
	rs, err := f.Rows(f.GetSheetList()[0])
	if err != nil {
		t.Fatalf("excelize: %v", err)
	}
	defer rs.Close()
	for n := 1; rs.Next(); n++ {
		cells, err := rs.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatalf("excelize, row %d: %v", n, err)
		}
		if len(cells) > 0 {
			rows = append(rows, xlsxRow{n, cells})
		}
	}
	if err := rs.Error(); err != nil {
		t.Fatalf("excelize: %v", err)
	}
	return rows, date1904
}

func nonEmptyRows(rows []xlsxRow) []xlsxRow {
	var out []xlsxRow
	for _, r := range rows {
		if len(r.cells) > 0 {
			out = append(out, r)
		}
	}
	return out
}

// sameAsExcelize checks that our reader returns the rows excelize does.
func sameAsExcelize(t *testing.T, data []byte) []xlsxRow {
	t.Helper()
	ours, x, err := readXLSX(t, data)
	if err != nil {
		t.Fatal(err)
	}
	theirs, date1904 := excelizeRows(t, data)
	if got := nonEmptyRows(ours); !reflect.DeepEqual(got, theirs) {
		t.Errorf("rows differ from excelize's\n ours:     %v\n excelize: %v", got, theirs)
	}
	if x.date1904 != date1904 {
		t.Errorf("date1904 %v, excelize %v", x.date1904, date1904)
	}
	return ours
}

// ---------------------------------------------------------------------
// Hand-written workbooks

const (
	nsMain    = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	nsRel     = `xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	relSheet  = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
	relShared = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
)

// xlsxParts is the parts of a one-sheet workbook around the given sheet
// data and shared string items ("" for none).
func xlsxParts(sheetData, sst string) map[string]string {
	rels := `<Relationship Id="rId1" Type="` + relSheet + `" Target="worksheets/sheet1.xml"/>`
	types := `<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`
	p := map[string]string{
		"xl/workbook.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
			`<workbook ` + nsMain + ` ` + nsRel + `><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/worksheets/sheet1.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
			`<worksheet ` + nsMain + ` ` + nsRel + `><sheetData>` + sheetData + `</sheetData></worksheet>`,
	}
	if sst != "" {
		rels += `<Relationship Id="rId2" Type="` + relShared + `" Target="sharedStrings.xml"/>`
		types += `<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`
		p["xl/sharedStrings.xml"] = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" + `<sst ` + nsMain + `>` + sst + `</sst>`
	}
	p["xl/_rels/workbook.xml.rels"] = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` + rels + `</Relationships>`
	p["_rels/.rels"] = `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`
	p["[Content_Types].xml"] = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` + types + `</Types>`
	return p
}

// zipParts writes the parts as a zip (in name order).
func zipParts(t testing.TB, parts map[string]string) []byte {
	t.Helper()
	names := make([]string, 0, len(parts))
	for n := range parts {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, parts[n])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func with(p map[string]string, kv ...string) map[string]string {
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(p, kv[i])
		} else {
			p[kv[i]] = kv[i+1]
		}
	}
	return p
}

type xlsxCase struct {
	name     string
	parts    map[string]string
	want     []xlsxRow
	total    int
	date1904 bool
	// excelize reads it differently (or not at all): no comparison
	notExcelize string
	anyRows     bool // only compared with excelize
}

func xlsxCases() []xlsxCase {
	row := func(n int, cells ...string) xlsxRow { return xlsxRow{n, cells} }
	return []xlsxCase{
		{name: "cell types",
			parts: xlsxParts(`<row r="1" spans="1:10">`+
				`<c r="A1" t="s"><v>0</v></c>`+
				`<c r="B1" t="inlineStr"><is><t>inline</t></is></c>`+
				`<c r="C1" t="str"><f>A1&amp;"!"</f><v>formula text</v></c>`+
				`<c r="D1" t="b"><v>1</v></c>`+
				`<c r="E1" t="b"><v>0</v></c>`+
				`<c r="F1" t="e"><v>#N/A</v></c>`+
				`<c r="G1" t="n"><v>100.5</v></c>`+
				`<c r="H1" s="1"><v>45658</v></c>`+
				`<c r="I1" t="d"><v>2026-01-01T00:00:00Z</v></c>`+
				`<c r="J1"><v>1.5E-3</v></c>`+
				`<c r="K1"><f>SUM(G1:H1)</f><v>45758.5</v></c>`+
				`<c r="L1" t="s"><v> 1 </v></c>`+
				`</row>`, `<si><t>shared</t></si><si><t>second</t></si>`),
			want: []xlsxRow{row(1, "shared", "inline", "formula text", "1", "0", "#N/A", "100.5", "45658", "2026-01-01T00:00:00Z", "1.5E-3", "45758.5", "second")}},
		{name: "gaps in rows and columns",
			parts: xlsxParts(`<row r="2"><c r="B2"><v>1</v></c><c r="E2" t="s"><v>0</v></c></row>`+
				`<row r="5"><c r="C5" t="inlineStr"><is><t>x</t></is></c></row>`+
				`<row r="7"><c r="$A$7"><v>2</v></c><c r="c7"><v>3</v></c></row>`, `<si><t>s</t></si>`),
			want: []xlsxRow{row(2, "", "1", "", "", "s"), row(5, "", "", "x"), row(7, "2", "", "3")}},
		{name: "rows and cells without references",
			parts: xlsxParts(`<row><c><v>1</v></c><c t="s"><v>0</v></c></row><row><c/><c><v>3</v></c></row>`+
				`<row r="9"><c r="B9"><v>4</v></c><c><v>5</v></c></row><row><c r="A10"><v>6</v></c></row>`, `<si><t>s</t></si>`),
			want: []xlsxRow{row(1, "1", "s"), row(2, "", "3"), row(9, "", "4", "5"), row(10, "6")}},
		{name: "empty cells and rows",
			parts: xlsxParts(`<row r="1"><c r="A1"><v>7</v></c><c r="B1" s="2"/><c r="C1" t="s"/><c r="D1"><v></v></c><c r="E1" t="inlineStr"><is><t></t></is></c></row>`+
				`<row r="2"/><row r="3"></row><row r="4" spans="1:3"><c r="A4" s="1"/><c r="B4" t="inlineStr"/></row>`+
				`<row r="5"><c r="A5"><v>x</v></c><c r="C5"><f>B5</f><v></v></c><c r="D5" s="1"/></row>`+
				`<row r="6"><c r="B6" t="str"><f>""</f></c></row>`, ""),
			want: []xlsxRow{row(1, "7"), row(2), row(3), row(4), row(5, "x", "", ""), row(6, "", "")}},
		{name: "entities and character references",
			parts: xlsxParts(`<row r="1"><c r="A1" t="str"><v>&amp;&lt;&gt;&quot;&apos; &#233;&#xE9;&#x1F600; a&amp;b</v></c>`+
				`<c r="B1" t="&#115;"><v>0</v></c>`+
				`<c r="C1" t="inlineStr"><is><t>S&amp;P &#x219;&#537;</t></is></c></row>`, `<si><t>Ion &amp; Maria &#x21B;</t></si>`),
			want: []xlsxRow{row(1, `&<>"' éé😀 a&b`, "Ion & Maria ț", "S&P șș")}},
		{name: "excel escapes",
			parts: xlsxParts(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>`+
				`<c r="D1" t="inlineStr"><is><t>tab_x0009_end_xd83d_</t></is></c><c r="E1" t="str"><v>_x0041_</v></c></row>`,
				`<si><t>a_x000D__x000A_b</t></si><si><t>_x005F_x0041_</t></si><si><t>x_x0041_y_xZZZZ__x00e9_</t></si>`),
			want: []xlsxRow{row(1, "a\r\nb", "_x0041_", "xAy_xZZZZ_é", "tab\tend", "_x0041_")}},
		{name: "spaces, line ends and rich text",
			parts: xlsxParts(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>`+
				`<c r="D1" t="inlineStr"><is><r><t>a</t></r><r><rPr><b/></rPr><t xml:space="preserve"> b </t></r></is></c>`+
				"<c r=\"E1\" t=\"inlineStr\"><is><t>one\r\ntwo\rthree&#13;&#10;four</t></is></c>"+
				`<c r="F1" t="inlineStr"><is><t> </t></is></c></row>`,
				`<si><t xml:space="preserve">  lead  </t></si>`+
					`<si><r><rPr><b/><sz val="11"/></rPr><t>Bold</t></r><r><t xml:space="preserve"> and plain</t></r></si>`+
					`<si><t>東京</t><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><phoneticPr fontId="1"/></si>`),
			want: []xlsxRow{row(1, "  lead  ", "Bold and plain", "東京", "a b ", "one\ntwo\nthree\r\nfour", " ")}},
		{name: "prefixes, quotes, comments, CDATA",
			parts: with(xlsxParts("", `<si><t>s</t></si>`), "xl/worksheets/sheet1.xml",
				`<?xml version='1.0' encoding='UTF-8'?><!-- made by hand --><?mso-application progid="Excel.Sheet"?>`+
					`<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:dimension ref='A1:B2'/><x:sheetData>`+
					`<x:row r='1' ><x:c r='A1' t='inlineStr' ><x:is><x:t>p</x:t></x:is></x:c><!-- <c r="B1"><v>9</v></c> --><x:c r = "B1" t="s"><x:v>0</x:v></x:c></x:row>`+
					`<x:row r="2"><x:c r="A2" t="str"><x:v><![CDATA[<b>&amp;]]> &amp; <![CDATA[x]]></x:v></x:c><x:c r="B2" t="str"><x:v>1<x:extra>no</x:extra>2</x:v></x:c></x:row>`+
					`</x:sheetData></x:worksheet>`),
			want: []xlsxRow{row(1, "p", "s"), row(2, "<b>&amp; & x", "12")}, total: 1},
		{name: "first sheet through the relationships",
			parts: with(xlsxParts(`<row r="1"><c r="A1"><v>other sheet</v></c></row>`, ""),
				"xl/workbook.xml", `<workbook `+nsMain+` `+nsRel+`><fileVersion appName="xl"/><workbookPr date1904="1"/>`+
					`<sheets><sheet name="Data" sheetId="3" r:id="rId3"/><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
				"xl/_rels/workbook.xml.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+
					`<Relationship Id="rId1" Type="`+relSheet+`" Target="worksheets/sheet1.xml"/>`+
					`<Relationship Id="rId3" Type="`+relSheet+`" Target="/xl/worksheets/sheet3.xml"/>`+
					`<Relationship Id="rId4" Type="`+relShared+`" Target="sharedStrings.xml"/></Relationships>`,
				"xl/worksheets/sheet3.xml", `<worksheet `+nsMain+`><dimension ref="A1:B3"/><sheetData>`+
					`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>`+
					`<row r="3"><c r="A3"><v>1462</v></c></row></sheetData></worksheet>`,
				"xl/sharedStrings.xml", `<sst `+nsMain+` count="2" uniqueCount="2"><si><t>Name</t></si><si><t>Date</t></si></sst>`),
			want: []xlsxRow{row(1, "Name", "Date"), row(3, "1462")}, total: 2, date1904: true},
		{name: "relative targets and other cases",
			parts: with(xlsxParts("", ""),
				"xl/workbook.xml", `<workbook `+nsMain+` `+nsRel+`><workbookPr date1904="true"/><sheets><sheet name="Sheet 1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
				"xl/_rels/workbook.xml.rels", `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+
					`<Relationship Id="rId1" Type="`+relSheet+`" Target="../xl/Worksheets/Sheet%201.XML"/>`+
					`<Relationship Id="rId2" Type="`+relShared+`" Target="SharedStrings.xml"/></Relationships>`,
				"xl/worksheets/sheet1.xml", "",
				"xl/worksheets/sheet 1.xml", `<worksheet `+nsMain+`><dimension ref="A1"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>`,
				"xl/sharedStrings.xml", `<sst `+nsMain+`><si><t>only</t></si></sst>`),
			want: []xlsxRow{row(1, "only")}, date1904: true, notExcelize: "excelize does not unescape targets"},
		{name: "UTF-16 and Windows-1252 parts",
			parts: with(xlsxParts("", "x"),
				"xl/worksheets/sheet1.xml", utf16LE(`<?xml version="1.0" encoding="UTF-16"?><worksheet `+nsMain+`><sheetData>`+
					`<row r="1"><c r="A1" t="inlineStr"><is><t>Brașov €</t></is></c><c r="B1" t="s"><v>0</v></c></row></sheetData></worksheet>`),
				"xl/sharedStrings.xml", "<?xml version=\"1.0\" encoding=\"windows-1252\"?><sst "+nsMain+"><si><t>caf\xe9 \x80</t></si></sst>"),
			want:        []xlsxRow{row(1, "Brașov €", "café €")},
			notExcelize: "excelize reads neither"},
		{name: "no sheet data",
			parts: with(xlsxParts("", ""), "xl/worksheets/sheet1.xml", `<worksheet `+nsMain+`><dimension ref="A1:C5"/><sheetData/></worksheet>`),
			total: 4},
		{name: "many cells",
			parts: xlsxParts(func() string {
				var b strings.Builder
				for r := 1; r <= 300; r++ {
					fmt.Fprintf(&b, `<row r="%d">`, r)
					for c := 1; c <= 30; c += 1 + r%3 {
						fmt.Fprintf(&b, `<c r="%s%d" t="s"><v>%d</v></c><c t="inlineStr"><is><t>%d&amp;%d</t></is></c>`, columnName(c), r, (r*c)%50, r, c)
					}
					b.WriteString(`</row>`)
				}
				return b.String()
			}(), strings.Repeat(`<si><t>shared</t></si><si><r><t>rich </t></r><r><t>text &#x219;</t></r></si>`, 25)),
			anyRows: true},
	}
}

func TestXLSXReader(t *testing.T) {
	for _, c := range xlsxCases() {
		t.Run(c.name, func(t *testing.T) {
			data := zipParts(t, c.parts)
			rows, x, err := readXLSX(t, data)
			if err != nil {
				t.Fatal(err)
			}
			if !c.anyRows && !reflect.DeepEqual(nilEmpty(rows), nilEmpty(c.want)) {
				t.Errorf("rows\n got: %v\nwant: %v", rows, c.want)
			}
			if x.Total() != c.total || x.date1904 != c.date1904 {
				t.Errorf("total %d, date1904 %v", x.Total(), x.date1904)
			}
			if c.notExcelize == "" {
				sameAsExcelize(t, data)
			}
		})
	}
}

// utf16LE encodes s in UTF-16, little-endian, with a byte order mark.
func utf16LE(s string) string {
	b := []byte{0xFF, 0xFE}
	for _, r := range utf16.Encode([]rune(s)) {
		b = append(b, byte(r), byte(r>>8))
	}
	return string(b)
}

func nilEmpty(rows []xlsxRow) []xlsxRow {
	out := make([]xlsxRow, len(rows))
	for i, r := range rows {
		out[i] = r
		if len(r.cells) == 0 {
			out[i].cells = nil
		}
	}
	return out
}

func TestXLSXErrors(t *testing.T) {
	var digits strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&digits, `<row r="%d"><c r="A%d"><v>%d</v></c></row>`, i+1, i+1, i*7919%10007)
	}
	good := zipParts(t, xlsxParts(digits.String(), `<si><t>a</t></si>`))
	if _, _, err := readXLSX(t, good); err != nil {
		t.Fatal(err)
	}
	sheet := func(data string) []byte { return zipParts(t, xlsxParts(data, `<si><t>a</t></si>`)) }
	cut := func(data string) []byte {
		return zipParts(t, with(xlsxParts("", ""), "xl/worksheets/sheet1.xml", `<worksheet `+nsMain+`><sheetData>`+data))
	}
	// the compressed sheet with a few bytes changed in the middle
	corrupt := bytes.Clone(good)
	if i := bytes.Index(corrupt, []byte("xl/worksheets/sheet1.xml")); i > 0 {
		for j := i + 2000; j < i+2010; j++ {
			corrupt[j] ^= 0x55
		}
	}
	for _, c := range []struct {
		name string
		data []byte
		want string // in the message
	}{
		{"not a zip", []byte("PK\x03\x04 and then nothing of a zip"), "zip"},
		{"cut in half", good[:len(good)/2], "zip"},
		{"corrupt compressed data", corrupt, "cannot read the workbook"},
		{"truncated sheet", cut(`<row r="1"><c r="A1"><v>1`), "row 1: unexpected EOF"},
		{"truncated in a tag", cut(`<row r="1"><c r="A1" t="`), "unexpected EOF"},
		{"truncated between rows", cut(`<row r="1"><c r="A1"><v>1</v></c></row>`), "unexpected EOF"},
		{"truncated before the data", zipParts(t, with(xlsxParts("", ""), "xl/worksheets/sheet1.xml", `<worksheet `+nsMain+`><dimension ref="A1"/>`)), "sheet1.xml: unexpected EOF"},
		{"mismatched end", sheet(`<row r="1"><c r="A1"><v>1</v></row>`), "closes <c>"},
		{"no end of sheet data", zipParts(t, with(xlsxParts("", ""), "xl/worksheets/sheet1.xml", `<worksheet><sheetData><row r="1"/>`)), "unexpected EOF"},
		{"shared string out of range", sheet(`<row r="1"><c r="A1" t="s"><v>5</v></c></row>`), "shared string 5 does not exist"},
		{"negative shared string", sheet(`<row r="1"><c r="A1" t="s"><v>-1</v></c></row>`), "shared string -1"},
		{"shared string not a number", sheet(`<row r="1"><c r="A1" t="s"><v>x</v></c></row>`), "not a shared string index"},
		{"no shared strings", zipParts(t, xlsxParts(`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`, "")), "no shared strings"},
		{"bad cell reference", sheet(`<row r="1"><c r="1A"><v>1</v></c></row>`), `"1A" is not a cell reference`},
		{"column past XFD", sheet(`<row r="1"><c r="XFE1"><v>1</v></c></row>`), "past the last column"},
		{"row past the last", sheet(`<row r="1048577"><c><v>1</v></c></row>`), "past the last row"},
		{"unknown entity", sheet(`<row r="1"><c r="A1" t="str"><v>a&nbsp;b</v></c></row>`), "unknown entity &nbsp;"},
		{"bad character reference", sheet(`<row r="1"><c r="A1" t="str"><v>&#1;</v></c></row>`), "not a character"},
		{"lone ampersand", sheet(`<row r="1"><c r="A1" t="str"><v>a & b</v></c></row>`), "starts no reference"},
		{"unquoted attribute", sheet(`<row r=1><c><v>1</v></c></row>`), "not quoted"},
		{"invalid UTF-8", sheet("<row r=\"1\"><c r=\"A1\" t=\"str\"><v>\xff\xfe</v></c></row>"), "UTF-8"},
		{"bad shared strings", zipParts(t, with(xlsxParts("", `<si><t>a</t></si>`), "xl/sharedStrings.xml", `<sst><si><t>a&bad;</t></si></sst>`)), "sharedStrings.xml: malformed XML"},
		{"truncated shared strings", zipParts(t, with(xlsxParts("", `<si><t>a</t></si>`), "xl/sharedStrings.xml", `<sst><si><t>abc`)), "unexpected EOF"},
		{"truncated shared strings between items", zipParts(t, with(xlsxParts("", `<si><t>a</t></si>`), "xl/sharedStrings.xml", `<sst><si><t>abc</t></si>`)), "sharedStrings.xml: unexpected EOF"},
		{"no workbook part", zipParts(t, with(xlsxParts("", ""), "xl/workbook.xml", "")), "not an Excel workbook"},
		{"an OpenDocument file", zipParts(t, map[string]string{"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"}), "OpenDocument"},
		{"no worksheet", zipParts(t, with(xlsxParts("", ""), "xl/workbook.xml", `<workbook `+nsMain+`><sheets/></workbook>`)), "the workbook has no worksheet"},
		{"missing sheet part", zipParts(t, with(xlsxParts("", ""), "xl/worksheets/sheet1.xml", "")), `the part of the worksheet "Sheet1" is missing`},
		{"bad workbook XML", zipParts(t, with(xlsxParts("", ""), "xl/workbook.xml", `<workbook><sheets>`)), "xl/workbook.xml"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rows, _, err := readXLSX(t, c.data)
			if err == nil {
				t.Fatalf("no error; rows %v", rows)
			}
			t.Log(err)
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want %q", err, c.want)
			}
			if c.want != "the workbook has no worksheet" && !strings.HasPrefix(err.Error(), "cannot read the workbook: ") {
				t.Errorf("error %q without context", err)
			}
		})
	}
}

// A sheet cut anywhere is an error (or, past </sheetData>, none), never a
// panic.
func TestXLSXTruncated(t *testing.T) {
	sheet := xlsxParts(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><r><t>a&amp;b</t></r></is></c></row>`+
		`<row r="2"><c r="A2"><f>1+1</f><v>2</v></c><c r="C2" t="str"><v><![CDATA[x]]>&#x219;</v></c></row>`, `<si><t>a</t></si>`)["xl/worksheets/sheet1.xml"]
	end := strings.Index(sheet, "</sheetData>")
	for i := range len(sheet) {
		data := zipParts(t, with(xlsxParts("", `<si><t>a</t></si>`), "xl/worksheets/sheet1.xml", sheet[:i]))
		_, _, err := readXLSX(t, data)
		if i < end && err == nil {
			t.Errorf("cut at %d (%q): no error", i, sheet[max(i-10, 0):i])
		}
	}
}

// A large shared strings table goes to a temporary file, removed on Close.
func TestXLSXSharedStringsSpill(t *testing.T) {
	defer func(n int) { sstMemLimit = n }(sstMemLimit)
	sstMemLimit = 1000
	var sst, data strings.Builder
	var want []xlsxRow
	for i := range 3000 {
		fmt.Fprintf(&sst, `<si><t>string %d: %s</t></si>`, i, strings.Repeat("ș", i%50))
	}
	for r := 1; r <= 500; r++ {
		fmt.Fprintf(&data, `<row r="%d"><c r="A%d" t="s"><v>%d</v></c><c r="B%d" t="s"><v>%d</v></c></row>`, r, r, r*5, r, 2999-r)
		want = append(want, xlsxRow{r, []string{fmt.Sprintf("string %d: %s", r*5, strings.Repeat("ș", r*5%50)),
			fmt.Sprintf("string %d: %s", 2999-r, strings.Repeat("ș", (2999-r)%50))}})
	}
	src, err := openSource(bytes.NewReader(zipParts(t, xlsxParts(data.String(), sst.String()))), "x.xlsx", &Options{})
	if err != nil {
		t.Fatal(err)
	}
	x := src.(*xlsxSource)
	if x.sst.file == nil {
		t.Fatal("the shared strings were not spilled")
	}
	name := x.sst.file.Name()
	var rows []xlsxRow
	for {
		cells, n, err := x.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, xlsxRow{n, cells})
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows differ: %v", rows[:3])
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(name); !os.IsNotExist(err) {
		t.Errorf("%s not removed: %v", name, err)
	}
}

// ---------------------------------------------------------------------
// Workbooks written by other programs

// Every workbook of testdata (one saved by LibreOffice) reads as excelize
// reads it.
func TestXLSXTestdataAsExcelize(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.xlsx")
	if len(files) == 0 {
		t.Fatal("no XLSX in testdata")
	}
	for _, name := range files {
		t.Run(filepath.Base(name), func(t *testing.T) {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			rows := sameAsExcelize(t, data)
			if len(rows) < 2 {
				t.Errorf("%d rows", len(rows))
			}
		})
	}
}

func TestXLSXWrittenByExcelize(t *testing.T) {
	day := time.Date(2026, 3, 1, 14, 30, 0, 0, time.UTC)
	t.Run("cells", func(t *testing.T) {
		f := excelize.NewFile()
		defer f.Close()
		set := func(cell string, v any) {
			if err := f.SetCellValue("Sheet1", cell, v); err != nil {
				t.Fatal(err)
			}
		}
		set("A1", "Name")
		set("B1", "Amount")
		set("C1", "Closing")
		set("D1", "Won")
		set("A2", "Ion & Maria <SRL> \"Ș\"")
		set("B2", 1234.5)
		set("C2", day)
		set("D2", true)
		set("A3", "  spaces kept  ")
		set("B3", -7)
		set("C3", day.AddDate(0, 0, 30).Format(time.DateOnly))
		set("D3", false)
		set("A4", "line one\nline two\r\nthree")
		set("B4", 1e-7)
		set("E4", "_x005F_x0041_")
		set("A6", "after an empty row\x01")
		set("F6", 12345678901234567.0)
		if err := f.SetCellFormula("Sheet1", "B7", "B2*2"); err != nil {
			t.Fatal(err)
		}
		if err := f.SetCellRichText("Sheet1", "A8", []excelize.RichTextRun{{Text: "bold", Font: &excelize.Font{Bold: true}}, {Text: " and plain"}}); err != nil {
			t.Fatal(err)
		}
		f.SetCellValue("Sheet2", "A1", "second sheet")
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		rows := sameAsExcelize(t, buf.Bytes())
		if len(rows) < 7 || rows[1].cells[0] != "Ion & Maria <SRL> \"Ș\"" || rows[3].cells[0] != "line one\nline two\r\nthree" || rows[6].cells[0] != "bold and plain" {
			t.Errorf("rows: %v", rows)
		}
	})
	t.Run("stream", func(t *testing.T) {
		data := leadsXLSX(t, 2000)
		rows := sameAsExcelize(t, data)
		if len(rows) != 2001 || rows[1].cells[0] != "Lead 0" || rows[1].cells[6] != "46023" {
			t.Errorf("%d rows; row 2: %v", len(rows), rows[1])
		}
		// and with shared strings, rows skipped and formulas
		f := excelize.NewFile()
		defer f.Close()
		sw, err := f.NewStreamWriter("Sheet1")
		if err != nil {
			t.Fatal(err)
		}
		sw.SetRow("A1", []any{"Name", "When", "Amount", "Shared"})
		for i := range 300 {
			cell, _ := excelize.CoordinatesToCellName(1, i*2+3) // every other row
			if err := sw.SetRow(cell, []any{"n" + strconv.Itoa(i), day.AddDate(0, 0, i), float64(i) / 3,
				excelize.Cell{Formula: "C" + strconv.Itoa(i*2+3) + "*2"}, nil, i%2 == 0}); err != nil {
				t.Fatal(err)
			}
		}
		if err := sw.Flush(); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		rows = sameAsExcelize(t, buf.Bytes())
		if len(rows) != 301 || rows[1].n != 3 || rows[1].cells[1] != "46082.604166666664" {
			t.Errorf("%d rows; %v", len(rows), rows[:2])
		}
		// the stream-written sheet, opened and given shared strings
		g, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		defer g.Close()
		for i := range 50 {
			g.SetCellStr("Sheet1", "H"+strconv.Itoa(i*3+1), "shared "+strconv.Itoa(i%7))
		}
		buf.Reset()
		if err := g.Write(&buf); err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(buf.Bytes(), []byte("xl/sharedStrings.xml")) {
			t.Fatal("no shared strings")
		}
		rows = sameAsExcelize(t, buf.Bytes())
		if len(rows) != 326 || rows[0].cells[7] != "shared 0" || rows[1].cells[0] != "n0" {
			t.Errorf("%d rows; %v", len(rows), rows[:3])
		}
	})
}

// leadsXLSX writes n leads with excelize's stream writer (inline strings,
// dates with a number format, numbers), as an export of another CRM
// would: the file of the large import test and of BenchmarkReadXLSX.
func leadsXLSX(t testing.TB, n int) []byte {
	t.Helper()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	must(err)
	must(sw.SetRow("A1", []any{"Opportunity", "Contact Name", "Company Name", "Email", "Phone", "Expected Revenue", "Expected Closing", "Stage", "Tags", "Country", "City", "Priority"}))
	stages := []string{"New", "Qualified", "Proposition"}
	tags := []string{"VIP", "Solar", "Wind", "VIP,Solar", ""}
	cities := []string{"Cluj-Napoca", "București", "Brașov", "Jakarta", "Surabaya"}
	countries := []string{"RO", "RO", "RO", "ID", "ID"}
	prios := []string{"Low", "Medium", "High", "Very High"}
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		must(sw.SetRow(cell, []any{
			"Lead " + strconv.Itoa(i), "Contact " + strconv.Itoa(i), "Company " + strconv.Itoa(i%5000) + " SRL",
			fmt.Sprintf("contact%d@company%d.example", i, i%5000), fmt.Sprintf("+40 721 %03d %03d", i/1000%1000, i%1000),
			float64(i%997) * 100.5, day.AddDate(0, 0, i%365), stages[i%3], tags[i%5], countries[i%5], cities[i%5], prios[i%4],
		}))
	}
	must(sw.Flush())
	var buf bytes.Buffer
	must(f.Write(&buf))
	return buf.Bytes()
}

// ---------------------------------------------------------------------
// Fuzzing and benchmark

// FuzzXLSX reads mutated workbooks: whole files, and workbooks built
// around a mutated sheet and shared strings table. Errors are fine,
// panics and hangs are not.
//
//	go test -run '^$' -fuzz FuzzXLSX -fuzztime 60s ./internal/imex/
func FuzzXLSX(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.xlsx")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		sheet, sst := xlsxPartsOf(f, data)
		f.Add(data, sheet, sst)
	}
	for _, c := range xlsxCases() {
		p := c.parts
		sheet, sst := p["xl/worksheets/sheet1.xml"], p["xl/sharedStrings.xml"]
		f.Add([]byte(nil), sheet, sst)
	}
	f.Fuzz(func(t *testing.T, data []byte, sheet, sst string) {
		read := func(data []byte) {
			src, err := openSource(bytes.NewReader(data), "x.xlsx", &Options{})
			if err != nil {
				return
			}
			defer src.Close()
			for range 100000 {
				if _, _, err := src.Next(); err != nil {
					return
				}
			}
		}
		if len(data) > 0 {
			read(data)
		}
		parts := xlsxParts("", "")
		parts["xl/worksheets/sheet1.xml"] = sheet
		if sst != "" {
			parts = with(xlsxParts("", "x"), "xl/worksheets/sheet1.xml", sheet, "xl/sharedStrings.xml", sst)
		}
		read(zipParts(t, parts))
	})
}

// xlsxPartsOf returns the first sheet and the shared strings of a
// workbook, as text.
func xlsxPartsOf(t testing.TB, data []byte) (sheet, sst string) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == "xl/worksheets/sheet1.xml" || f.Name == "xl/sharedStrings.xml" {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			if strings.Contains(f.Name, "sheet1") {
				sheet = string(b)
			} else {
				sst = string(b)
			}
		}
	}
	return sheet, sst
}

var (
	benchXLSXOnce sync.Once
	benchXLSX     []byte
)

// BenchmarkReadXLSX reads 100,000 leads (a 6.7 MB workbook) with this
// reader, with excelize's Rows as the importer did before, and with the
// conversions of ReadRows (the large import test's "reading the file
// alone").
//
//	go test -run '^$' -bench ReadXLSX -benchtime 5x ./internal/imex/
func BenchmarkReadXLSX(b *testing.B) {
	benchXLSXOnce.Do(func() { benchXLSX = leadsXLSX(b, 100000) })
	data := benchXLSX
	count := func(b *testing.B, n int) {
		if n != 100001 {
			b.Fatalf("%d rows", n)
		}
	}
	b.Run("kanso", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			src, err := openSource(bytes.NewReader(data), "leads.xlsx", &Options{})
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for {
				_, _, err := src.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			src.Close()
			count(b, n)
		}
	})
	b.Run("excelize", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipXMLSizeLimit: 1 << 20, UnzipSizeLimit: 4 << 30})
			if err != nil {
				b.Fatal(err)
			}
			rows, err := f.Rows(f.GetSheetList()[0])
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rows.Next() {
				if _, err := rows.Columns(excelize.Options{RawCellValue: true}); err != nil {
					b.Fatal(err)
				}
				n++
			}
			rows.Close()
			f.Close()
			count(b, n)
		}
	})
	b.Run("ReadRows", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			n, err := ReadRows(bytes.NewReader(data), "leads.xlsx", "en_US")
			if err != nil {
				b.Fatal(err)
			}
			count(b, n+1)
		}
	})
}
