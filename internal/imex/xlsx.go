package imex

// The XLSX reader: the first worksheet of a workbook, streamed.
//
// An XLSX file is a zip of XML parts. The workbook (xl/workbook.xml, found
// through _rels/.rels) lists the sheets; its relationships
// (xl/_rels/workbook.xml.rels) give the part of each sheet and of the
// shared strings table. The sheet is read as a stream of <row> and <c>
// elements by a small hand-written XML scanner (xmlScanner) over the
// decompressed bytes: encoding/xml's tokens cost about ten times more
// than the whole of this reader, and excelize's Rows are built on them.
// Cells come out as excelize's Rows.Columns with RawCellValue returns
// them (the importer was written against it): shared and inline strings
// as text, everything else as the raw <v> of the file (numbers and date
// serials as written, booleans as 1/0, errors as #N/A...), gaps in a row
// filled with "", empty cells at the end of a row dropped unless they
// hold a formula.
//
// The shared strings table is read at open, into one string with the end
// offset of each item; past sstMemLimit it goes to a temporary file read
// with ReadAt, removed by Close.

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Limits of the format (Excel's) and of the reader.
const (
	xlsxMaxRows = 1 << 20 // 1,048,576
	xlsxMaxCols = 1 << 14 // 16,384, column XFD
	// xlsxMaxString bounds a shared string (Excel allows 32,767
	// characters in a cell).
	xlsxMaxString = 16 << 20
	// xlsxMaxRow bounds the text of the cells of one row.
	xlsxMaxRow = 16 << 20
	// sstMaxBytes and sstMaxCount bound the shared strings table, in
	// memory or on disk.
	sstMaxBytes = 1 << 30
	sstMaxCount = 1 << 24
)

// sstMemLimit is the size of the shared strings kept in memory; a larger
// table is spilled to a temporary file. A variable for the tests.
var sstMemLimit = 64 << 20

var errNotWorkbook = errors.New("the file is a zip archive but not an Excel workbook (no xl/workbook.xml)")

// xlsxSource reads the rows of the first worksheet of an XLSX workbook.
type xlsxSource struct {
	date1904 bool // serial dates count from 1904 (old Mac workbooks)
	total    int  // the last row the sheet's <dimension> declares, 0: unknown
	part     string
	rc       io.ReadCloser
	sc       *xmlScanner
	sst      *sharedStrings
	row      int  // the number of the row read last
	inRow    bool // reading its cells
	done     bool
	// reused from row to row
	buf   []byte     // the text of the row's cells
	spans []cellSpan // the row's cells
}

// cellSpan is a cell of the row being read: a shared string, or text in
// xlsxSource.buf.
type cellSpan struct {
	str        string
	start, end int
	inBuf      bool
}

// cellText is where a <v> or an <is> of the cell being read is in
// xlsxSource.buf.
type cellText struct {
	start, end int
	ok         bool
}

func openXLSX(r io.Reader) (source, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	s, err := newXLSXSource(data)
	if err != nil {
		if err == errNoSheet {
			return nil, err
		}
		return nil, fmt.Errorf("cannot read the workbook: %w", err)
	}
	return s, nil
}

var errNoSheet = errors.New("the workbook has no worksheet")

func newXLSXSource(data []byte) (_ *xlsxSource, err error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, err
	}
	files := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		name := strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(f.Name, `\`, "/"), "/"))
		if _, dup := files[name]; !dup {
			files[name] = f
		}
	}
	// the workbook part: where the package's relationships say, else
	// the usual place
	wbPath := "xl/workbook.xml"
	if f := files["_rels/.rels"]; f != nil {
		if rels, err := readRels(f); err == nil {
			for _, r := range rels {
				if strings.HasSuffix(r.Type, "/officeDocument") && r.TargetMode != "External" {
					if p := partPath("", r.Target); files[strings.ToLower(p)] != nil {
						wbPath = p
					}
					break
				}
			}
		}
	}
	wbFile := files[strings.ToLower(wbPath)]
	if wbFile == nil {
		if m := files["mimetype"]; m != nil {
			if b, err := readPart(m, 256); err == nil && strings.Contains(string(b), "opendocument") {
				return nil, errors.New("this is an OpenDocument spreadsheet (.ods), which Kanso cannot read: open it in LibreOffice Calc or Excel, save it as an Excel workbook (.xlsx) or as CSV, and import that file")
			}
		}
		return nil, errNotWorkbook
	}
	b, err := readPart(wbFile, 32<<20)
	if err != nil {
		return nil, err
	}
	var wb struct {
		Pr struct {
			Date1904 string `xml:"date1904,attr"`
		} `xml:"workbookPr"`
		Sheets []struct {
			Name    string `xml:"name,attr"`
			SheetID string `xml:"sheetId,attr"`
			RID     string `xml:"id,attr"` // r:id
		} `xml:"sheets>sheet"`
	}
	if err := xml.Unmarshal(b, &wb); err != nil {
		return nil, fmt.Errorf("%s: %w", wbFile.Name, err)
	}
	if len(wb.Sheets) == 0 {
		return nil, errNoSheet
	}
	first := wb.Sheets[0]
	var sheet, sst *zip.File
	if f := files[strings.ToLower(path.Join(path.Dir(wbPath), "_rels", path.Base(wbPath)+".rels"))]; f != nil {
		rels, err := readRels(f)
		if err != nil {
			return nil, err
		}
		for _, r := range rels {
			if r.TargetMode == "External" {
				continue
			}
			switch {
			case r.ID == first.RID && sheet == nil:
				sheet = files[strings.ToLower(partPath(wbPath, r.Target))]
			case strings.HasSuffix(r.Type, "/sharedStrings") && sst == nil:
				sst = files[strings.ToLower(partPath(wbPath, r.Target))]
			}
		}
	}
	if sheet == nil {
		sheet = files[strings.ToLower(path.Join(path.Dir(wbPath), "worksheets/sheet"+first.SheetID+".xml"))]
	}
	if sheet == nil {
		return nil, fmt.Errorf("the part of the worksheet %q is missing", first.Name)
	}
	if sst == nil {
		sst = files[strings.ToLower(path.Join(path.Dir(wbPath), "sharedStrings.xml"))]
	}

	s := &xlsxSource{part: sheet.Name}
	s.date1904, _ = strconv.ParseBool(strings.TrimSpace(wb.Pr.Date1904))
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	if sst != nil {
		if s.sst, err = readSharedStrings(sst); err != nil {
			return nil, fmt.Errorf("%s: %w", sst.Name, err)
		}
	}
	if s.rc, err = sheet.Open(); err != nil {
		return nil, fmt.Errorf("%s: %w", sheet.Name, err)
	}
	if s.sc, err = newXMLScanner(s.rc); err != nil {
		return nil, fmt.Errorf("%s: %w", sheet.Name, err)
	}
	s.sc.maxText = xlsxMaxRow
	// up to <sheetData>, noting the <dimension>
	level, seen := 0, false // open elements, any element
	for {
		k, err := s.sc.next(nil)
		if err == io.EOF && seen && level == 0 {
			s.done = true // no sheetData: no rows
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sheet.Name, unexpected(err))
		}
		if k == xmlEnd {
			level--
			continue
		}
		seen = true
		if s.sc.is("dimension") {
			s.total = lastRow(s.sc.attr("ref"))
		} else if s.sc.is("sheetData") {
			s.done = s.sc.empty
			break
		}
		if !s.sc.empty {
			level++
		}
	}
	return s, nil
}

type xlsxRel struct {
	ID         string `xml:"Id,attr"`
	Type       string `xml:"Type,attr"`
	Target     string `xml:"Target,attr"`
	TargetMode string `xml:"TargetMode,attr"`
}

func readRels(f *zip.File) ([]xlsxRel, error) {
	b, err := readPart(f, 8<<20)
	if err != nil {
		return nil, err
	}
	var rels struct {
		Rels []xlsxRel `xml:"Relationship"`
	}
	if err := xml.Unmarshal(b, &rels); err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	return rels.Rels, nil
}

// readPart reads a small part whole.
func readPart(f *zip.File, limit int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is too large", f.Name)
	}
	return b, nil
}

// partPath resolves a relationship's target: absolute from the package
// root, or relative to the directory of the part the relationships
// belong to.
func partPath(from, target string) string {
	target = strings.ReplaceAll(target, `\`, "/")
	if strings.Contains(target, "%") {
		if t, err := url.PathUnescape(target); err == nil {
			target = t
		}
	}
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Join(path.Dir(from), target), "/")
}

// lastRow reads the last row of a range such as A1:L100001.
func lastRow(ref []byte) int {
	if i := bytes.LastIndexByte(ref, ':'); i >= 0 {
		ref = ref[i+1:]
	}
	i := 0
	for i < len(ref) && (ref[i] == '$' || ref[i] >= 'A' && ref[i] <= 'Z' || ref[i] >= 'a' && ref[i] <= 'z') {
		i++
	}
	n, err := strconv.Atoi(string(ref[i:]))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func (s *xlsxSource) Next() ([]string, int, error) {
	if s.done {
		return nil, s.row, io.EOF
	}
	cells, err := s.next()
	if err != nil {
		s.done = true
		if err == io.EOF {
			return nil, s.row, io.EOF
		}
		where := fmt.Sprintf("row %d", s.row)
		if !s.inRow {
			where = fmt.Sprintf("after row %d", s.row)
			if s.row == 0 {
				where = "before the first row"
			}
		}
		return nil, s.row, fmt.Errorf("cannot read the workbook: %s, %s: %w", s.part, where, err)
	}
	return cells, s.row, nil
}

func (s *xlsxSource) next() ([]string, error) {
	for {
		k, err := s.sc.next(nil)
		if err == io.EOF {
			return nil, io.ErrUnexpectedEOF // no </sheetData>
		}
		if err != nil {
			return nil, err
		}
		if k == xmlEnd && s.sc.is("sheetData") {
			// the rest, for the zip reader to check the part's checksum
			if err := s.sc.drain(); err != nil {
				return nil, err
			}
			return nil, io.EOF
		}
		if k != xmlStart || !s.sc.is("row") {
			continue
		}
		// rows without a number follow the one before, as cells without
		// a reference do
		n, _ := atoi(s.sc.attr("r"))
		if n <= 0 {
			n = s.row + 1
		}
		if n > xlsxMaxRows {
			return nil, fmt.Errorf("row number %d is past the last row of a worksheet", n)
		}
		s.row = n
		if s.sc.empty {
			return nil, nil
		}
		s.inRow = true
		cells, err := s.readRow()
		if err == nil {
			s.inRow = false
		}
		return cells, err
	}
}

// readRow reads the cells of a row, up to its </row>.
func (s *xlsxSource) readRow() ([]string, error) {
	s.buf, s.spans = s.buf[:0], s.spans[:0]
	col := 0
	inBuf := false
	for {
		k, err := s.sc.next(nil)
		if err != nil {
			return nil, unexpected(err)
		}
		if k == xmlEnd {
			if s.sc.is("row") {
				break
			}
			continue
		}
		if !s.sc.is("c") {
			continue
		}
		if ref := s.sc.attr("r"); len(ref) > 0 {
			if col, err = cellColumn(ref); err != nil {
				return nil, err
			}
		} else if col++; col > xlsxMaxCols {
			return nil, errors.New("too many cells in the row")
		}
		typ := s.sc.attr("t")
		shared, inline := string(typ) == "s", string(typ) == "inlineStr"
		var v, is cellText
		hasF := false
		if !s.sc.empty {
			if v, is, hasF, err = s.readCell(); err != nil {
				return nil, err
			}
		}
		cell := cellSpan{}
		switch {
		case shared && v.ok && v.end > v.start:
			idx, ok := atoi(bytes.TrimSpace(s.buf[v.start:v.end]))
			if !ok {
				return nil, fmt.Errorf("cell %s%d: %q is not a shared string index", columnName(col), s.row, s.buf[v.start:v.end])
			}
			if s.sst == nil {
				return nil, fmt.Errorf("cell %s%d: a shared string, but the workbook has no shared strings table", columnName(col), s.row)
			}
			if cell.str, err = s.sst.get(idx); err != nil {
				return nil, fmt.Errorf("cell %s%d: %w", columnName(col), s.row, err)
			}
			if v.end == len(s.buf) {
				s.buf = s.buf[:v.start]
			}
		case inline && is.ok:
			is.end = is.start + unescapeOOXML(s.buf[is.start:is.end])
			cell = cellSpan{start: is.start, end: is.end, inBuf: true}
		case v.ok && !shared:
			cell = cellSpan{start: v.start, end: v.end, inBuf: true}
		}
		if cell.str == "" && cell.end == cell.start && !hasF {
			continue // empty: not kept, as excelize does
		}
		if blank := col - len(s.spans); blank > 1 {
			for range blank - 1 {
				s.spans = append(s.spans, cellSpan{})
			}
		}
		s.spans = append(s.spans, cell)
		inBuf = inBuf || cell.inBuf
	}
	if len(s.spans) == 0 {
		return nil, nil
	}
	var text string
	if inBuf {
		if !utf8.Valid(s.buf) {
			return nil, errors.New("the text is not valid UTF-8")
		}
		text = string(s.buf)
	}
	cells := make([]string, len(s.spans))
	for i, c := range s.spans {
		if c.inBuf {
			cells[i] = text[c.start:c.end]
		} else {
			cells[i] = c.str
		}
	}
	return cells, nil
}

// readCell reads the content of a <c> element up to its </c>: where the
// text of its <v> (the last one) and of its <is> are in s.buf, and
// whether it has a formula. As encoding/xml does for excelize, the text
// of a <v> is its own character data (not its children's), and an inline
// string is the text of its <t> and of its runs' <t> (not of phonetic
// runs).
func (s *xlsxSource) readCell() (v, is cellText, hasF bool, err error) {
	// depths of the open elements inside the cell; 0: not open
	depth, skip, vDepth, isDepth, rDepth, tDepth := 0, 0, 0, 0, 0, 0
	var dst *[]byte
	for {
		k, err := s.sc.next(dst)
		if err != nil {
			return v, is, hasF, unexpected(err)
		}
		if k == xmlEnd {
			if depth == 0 {
				if !s.sc.is("c") {
					return v, is, hasF, fmt.Errorf("malformed XML: </%s> closes <c>", s.sc.name)
				}
				return v, is, hasF, nil
			}
			switch depth {
			case vDepth:
				v.end, vDepth = len(s.buf), 0
			case tDepth:
				tDepth = 0
			case rDepth:
				rDepth = 0
			case isDepth:
				is.end, isDepth = len(s.buf), 0
			}
			if skip == depth {
				skip = 0
			}
			depth--
		} else {
			d := depth + 1
			open := !s.sc.empty
			if open {
				depth = d
			}
			switch {
			case skip != 0:
			case vDepth != 0 || tDepth != 0:
				if open {
					skip = d // a child of <v> or <t>: its text is not theirs
				}
			case isDepth != 0:
				switch {
				case s.sc.is("t") && (d == isDepth+1 || rDepth != 0 && d == rDepth+1):
					if open {
						tDepth = d
					}
				case s.sc.is("r") && d == isDepth+1:
					if open {
						rDepth = d
					}
				}
			case s.sc.is("v"):
				v = cellText{start: len(s.buf), end: len(s.buf), ok: true}
				if open {
					vDepth = d
				}
			case s.sc.is("f"):
				hasF = true
				if open {
					skip = d
				}
			case s.sc.is("is"):
				is = cellText{start: len(s.buf), end: len(s.buf), ok: true}
				if open {
					isDepth = d
				}
			}
		}
		dst = nil
		if skip == 0 && depth != 0 && (depth == vDepth || depth == tDepth) {
			dst = &s.buf
		}
	}
}

// atoi reads a whole number (without allocating, unlike strconv.Atoi
// on a []byte); ok is false for anything else or a number past 2^31.
func atoi(b []byte) (n int, ok bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg || len(b) > 0 && b[0] == '+' {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 10 {
		return 0, false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if n > 1<<31 {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// cellColumn reads the column of a cell reference such as B7, $B$7 or
// b7 (1 for A).
func cellColumn(ref []byte) (int, error) {
	col, i := 0, 0
	for ; i < len(ref); i++ {
		c := ref[i]
		switch {
		case c >= 'A' && c <= 'Z':
			col = col*26 + int(c-'A') + 1
		case c >= 'a' && c <= 'z':
			col = col*26 + int(c-'a') + 1
		case c == '$':
			continue
		default:
			goto digits
		}
		if col > xlsxMaxCols {
			return 0, fmt.Errorf("the cell reference %q is past the last column", ref)
		}
	}
digits:
	row := ref[i:]
	if len(row) > 0 && row[0] == '+' {
		row = row[1:]
	}
	n := 0
	for _, c := range row {
		if c < '0' || c > '9' || n > xlsxMaxRows {
			n = -1
			break
		}
		n = n*10 + int(c-'0')
	}
	if col == 0 || len(row) == 0 || n < 1 || n > xlsxMaxRows {
		return 0, fmt.Errorf("%q is not a cell reference", ref)
	}
	return col, nil
}

// columnName is the letters of a column (1: A).
func columnName(col int) string {
	var b [4]byte
	i := len(b)
	for col > 0 && i > 0 {
		col--
		i--
		b[i] = byte('A' + col%26)
		col /= 26
	}
	return string(b[i:])
}

func (s *xlsxSource) Total() int {
	if s.total > 1 {
		return s.total - 1
	}
	return 0
}
func (s *xlsxSource) Kind() string     { return "xlsx" }
func (s *xlsxSource) Encoding() string { return "" }
func (s *xlsxSource) Delimiter() rune  { return 0 }

func (s *xlsxSource) Close() error {
	s.done = true
	var err error
	if s.rc != nil {
		err = s.rc.Close()
		s.rc = nil
	}
	if s.sst != nil {
		if e := s.sst.close(); err == nil {
			err = e
		}
		s.sst = nil
	}
	return err
}

// ---------------------------------------------------------------------
// Shared strings

// sharedStrings is the shared strings table: the items end to end, in
// memory or in a temporary file, and the end offset of each.
type sharedStrings struct {
	mem     string
	ends    []uint32
	file    *os.File
	scratch []byte
}

func (t *sharedStrings) get(i int) (string, error) {
	if i < 0 || i >= len(t.ends) {
		return "", fmt.Errorf("shared string %d does not exist (the table has %d)", i, len(t.ends))
	}
	var start uint32
	if i > 0 {
		start = t.ends[i-1]
	}
	end := t.ends[i]
	if t.file == nil {
		return t.mem[start:end], nil
	}
	n := int(end - start)
	if cap(t.scratch) < n {
		t.scratch = make([]byte, n)
	}
	b := t.scratch[:n]
	if _, err := t.file.ReadAt(b, int64(start)); err != nil {
		return "", fmt.Errorf("shared string %d: %w", i, err)
	}
	return string(b), nil
}

func (t *sharedStrings) close() error {
	if t.file == nil {
		return nil
	}
	err := t.file.Close()
	if e := os.Remove(t.file.Name()); err == nil {
		err = e
	}
	t.file = nil
	return err
}

// readSharedStrings reads the table: each <si> is the text of its <t> and
// of its runs' <t> (phonetic runs left out), with Excel's _xHHHH_ escapes
// decoded, as excelize reads it.
func readSharedStrings(f *zip.File) (_ *sharedStrings, err error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	sc, err := newXMLScanner(rc)
	if err != nil {
		return nil, err
	}
	sc.maxText = sstMemLimit + xlsxMaxString
	t := &sharedStrings{}
	var (
		arena []byte // the items not yet in the file
		base  int    // the bytes written to the file
		w     *bufio.Writer
		dst   *[]byte
		start = -1 // the start of the current <si> in arena; -1: outside
		// depths of the open elements inside the <si>; 0: not open
		depth, rDepth, tDepth int
	)
	defer func() {
		if err != nil {
			t.close()
		}
	}()
	finish := func() error {
		n := unescapeOOXML(arena[start:])
		arena = arena[:start+n]
		if n > xlsxMaxString {
			return fmt.Errorf("shared string %d is too long", len(t.ends))
		}
		if !utf8.Valid(arena[start:]) {
			return fmt.Errorf("shared string %d is not valid UTF-8", len(t.ends))
		}
		if base+len(arena) > sstMaxBytes || len(t.ends) >= sstMaxCount {
			return errors.New("the shared strings table is too large")
		}
		t.ends = append(t.ends, uint32(base+len(arena)))
		start = -1
		if w == nil && len(arena) > sstMemLimit {
			f, err := os.CreateTemp("", "kanso-sst-*")
			if err != nil {
				return err
			}
			t.file, w = f, bufio.NewWriterSize(f, 256<<10)
		}
		if w != nil && len(arena) >= 64<<10 {
			if _, err := w.Write(arena); err != nil {
				return err
			}
			base += len(arena)
			arena = arena[:0]
			if cap(arena) > 1<<20 {
				arena = make([]byte, 0, 64<<10)
			}
		}
		return nil
	}
	level, seen := 0, false // open elements, any element
	for {
		k, err := sc.next(dst)
		if err == io.EOF && seen && level == 0 {
			break
		}
		if err != nil {
			return nil, unexpected(err)
		}
		if k == xmlStart {
			open := !sc.empty
			seen = true
			if open {
				level++
			}
			switch {
			case start < 0:
				if sc.is("si") {
					start = len(arena)
					if !open {
						if err := finish(); err != nil {
							return nil, err
						}
					}
				} else if sc.is("sst") && len(t.ends) == 0 {
					if n, err := strconv.Atoi(string(sc.attr("uniqueCount"))); err == nil && n > 0 {
						t.ends = make([]uint32, 0, min(n, 1<<20))
					}
				}
			case !open:
			default:
				depth++
				switch {
				case tDepth != 0:
				case sc.is("t") && (depth == 1 || rDepth != 0 && depth == rDepth+1):
					tDepth = depth
				case sc.is("r") && depth == 1:
					rDepth = depth
				}
			}
		} else if level--; start >= 0 {
			switch depth {
			case 0: // </si>
				if err := finish(); err != nil {
					return nil, err
				}
			case tDepth:
				tDepth = 0
			case rDepth:
				rDepth = 0
			}
			depth = max(depth-1, 0)
		} else if sc.is("sst") && level == 0 {
			if err := sc.drain(); err != nil {
				return nil, err
			}
			break
		}
		dst = nil
		if start >= 0 && tDepth != 0 && depth == tDepth {
			dst = &arena
		}
	}
	if w == nil {
		t.mem = string(arena)
		return t, nil
	}
	if _, err := w.Write(arena); err != nil {
		return nil, err
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return t, nil
}

// unescapeOOXML decodes, in place, the _xHHHH_ escapes Excel writes for
// characters XML cannot carry (_x000D_ for a carriage return, _x005F_ for
// an underscore that would start an escape), as excelize does, and
// returns the new length. Escaped surrogates are dropped.
func unescapeOOXML(b []byte) int {
	i := bytes.Index(b, []byte("_x"))
	if i < 0 {
		return len(b)
	}
	w := i
	for i < len(b) {
		if b[i] == '_' && i+7 <= len(b) && b[i+1] == 'x' && b[i+6] == '_' {
			if r, ok := hex4(b[i+2 : i+6]); ok {
				if !(r >= 0xD800 && r <= 0xDFFF) {
					w += utf8.EncodeRune(b[w:], r) // at most 3 bytes: never past i
				}
				i += 7
				continue
			}
		}
		b[w] = b[i]
		w++
		i++
	}
	return w
}

func hex4(b []byte) (rune, bool) {
	var r rune
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// ---------------------------------------------------------------------
// XML scanner

// Kinds of markup xmlScanner.next returns.
const (
	xmlStart = iota + 1 // a start tag; xmlScanner.empty for <x/>
	xmlEnd              // an end tag
)

const (
	xmlBufSize = 64 << 10
	xmlMaxTag  = 1 << 20 // the longest tag, comment excepted
)

type xmlAttr struct{ name, value []byte }

// xmlScanner reads XML as a sequence of tags and the character data
// between them, for the regular XML of spreadsheet parts: it does not
// check that the document is well-formed (tags are not matched), decodes
// the five predefined entities and character references, turns CR LF and
// CR into LF as XML requires, skips comments, processing instructions and
// the DOCTYPE, reads CDATA sections as text and reduces names to their
// local part (x:row is row). Names and attributes are slices of its
// buffer, valid until the next call.
type xmlScanner struct {
	r        io.Reader
	buf      []byte
	pos, end int   // the unread bytes are buf[pos:end]
	err      error // the reader's (io.EOF at the end)
	maxText  int   // bound of the text appended to a dst
	// the tag read last
	name  []byte
	empty bool
	attrs []xmlAttr
	vals  []byte // attribute values with references, decoded
}

func newXMLScanner(r io.Reader) (*xmlScanner, error) {
	s := &xmlScanner{r: r, buf: make([]byte, xmlBufSize), maxText: xlsxMaxString}
	for s.end < 4 && s.more() {
	}
	head := s.buf[:s.end]
	var dec transform.Transformer
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		s.pos = 3
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		dec = xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM).NewDecoder()
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		dec = xunicode.UTF16(xunicode.BigEndian, xunicode.ExpectBOM).NewDecoder()
	case bytes.HasPrefix(head, []byte("<?xml")):
		// a single-byte encoding, if declared
		for !bytes.Contains(s.buf[:s.end], []byte("?>")) && s.end < 1024 && s.more() {
		}
		decl := s.buf[:s.end]
		if i := bytes.Index(decl, []byte("?>")); i >= 0 {
			decl = decl[:i]
		}
		if i := bytes.Index(decl, []byte("encoding=")); i >= 0 && i+10 < len(decl) {
			enc := decl[i+10:]
			if j := bytes.IndexAny(enc, `"'`); j >= 0 {
				enc = enc[:j]
			}
			switch name := encodingName(string(enc)); name {
			case "utf-8", "utf-16le", "", "us-ascii", "ascii":
			case "windows-1250", "windows-1252", "iso-8859-1", "iso-8859-2":
				dec = encodings[name].(*charmap.Charmap).NewDecoder()
			default:
				return nil, fmt.Errorf("the XML encoding %q is not supported", enc)
			}
		}
	}
	if dec != nil {
		rest := io.MultiReader(bytes.NewReader(append([]byte(nil), s.buf[s.pos:s.end]...)), &errReader{s.err, r})
		s.r, s.pos, s.end, s.err = transform.NewReader(rest, dec), 0, 0, nil
	}
	return s, nil
}

// errReader returns the error a reader has already returned (nil: it
// reads on).
type errReader struct {
	err error
	r   io.Reader
}

func (e *errReader) Read(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	return e.r.Read(p)
}

// more reads more input after the unread bytes, which it moves to the
// start of the buffer, growing the buffer when they fill it. It returns
// false when nothing more can be read (s.err says why).
func (s *xmlScanner) more() bool {
	if s.err != nil {
		return false
	}
	if s.pos > 0 {
		s.end = copy(s.buf, s.buf[s.pos:s.end])
		s.pos = 0
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= xmlMaxTag {
			s.err = errors.New("malformed XML: a tag or a character reference is too long")
			return false
		}
		b := make([]byte, 2*len(s.buf))
		copy(b, s.buf[:s.end])
		s.buf = b
	}
	for range 100 {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.err = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	s.err = io.ErrNoProgress
	return false
}

// fail is the error when the input ends or fails in the middle of
// something.
func (s *xmlScanner) fail() error {
	if s.err == nil || s.err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return s.err
}

// drain reads the rest of the input (so that a zip reader checks the
// part's checksum).
func (s *xmlScanner) drain() error {
	s.pos = s.end
	for s.more() {
		s.pos = s.end
	}
	if s.err == io.EOF {
		return nil
	}
	return s.err
}

func (s *xmlScanner) ensure(n int) bool {
	for s.end-s.pos < n {
		if !s.more() {
			return false
		}
	}
	return true
}

// is reports whether the tag read last has the local name name.
func (s *xmlScanner) is(name string) bool { return string(s.name) == name }

// attr returns the value of the attribute of the tag read last with the
// local name name (nil: none).
func (s *xmlScanner) attr(name string) []byte {
	for i := range s.attrs {
		if string(s.attrs[i].name) == name {
			return s.attrs[i].value
		}
	}
	return nil
}

// next reads up to the next start or end tag. The character data before
// it is appended, decoded, to *dst when dst is not nil. At the end of the
// input it returns io.EOF.
func (s *xmlScanner) next(dst *[]byte) (int, error) {
	for {
		if err := s.text(dst); err != nil {
			return 0, err
		}
		if s.end-s.pos < 2 && !s.ensure(2) {
			return 0, s.fail()
		}
		switch s.buf[s.pos+1] {
		case '/':
			return xmlEnd, s.endTag()
		case '?':
			s.pos += 2
			if err := s.skipPast("?>"); err != nil {
				return 0, err
			}
		case '!':
			s.ensure(9)
			switch b := s.buf[s.pos:s.end]; {
			case bytes.HasPrefix(b, []byte("<!--")):
				s.pos += 4
				if err := s.skipPast("-->"); err != nil {
					return 0, err
				}
			case bytes.HasPrefix(b, []byte("<![CDATA[")):
				s.pos += 9
				if err := s.cdata(dst); err != nil {
					return 0, err
				}
			default:
				s.pos += 2
				if err := s.skipDecl(); err != nil {
					return 0, err
				}
			}
		default:
			return xmlStart, s.startTag()
		}
	}
}

// text reads character data up to the next '<'.
func (s *xmlScanner) text(dst *[]byte) error {
	if s.pos < s.end && s.buf[s.pos] == '<' {
		return nil // tags next to each other, as spreadsheet parts are written
	}
	for {
		b := s.buf[s.pos:s.end]
		if i := bytes.IndexByte(b, '<'); i >= 0 {
			if dst != nil && i > 0 {
				if err := s.appendText(dst, b[:i]); err != nil {
					return err
				}
			}
			s.pos += i
			return nil
		}
		if dst == nil {
			s.pos = s.end
		} else {
			// keep a reference cut by the end of the buffer, or a CR
			// that may be followed by a LF, for after the refill
			n := len(b)
			if j := bytes.LastIndexByte(b, '&'); j >= 0 && n-j < 40 && bytes.IndexByte(b[j:], ';') < 0 {
				n = j
			} else if n > 0 && b[n-1] == '\r' {
				n--
			}
			if err := s.appendText(dst, b[:n]); err != nil {
				return err
			}
			s.pos += n
		}
		if !s.more() {
			if s.err == io.EOF && s.pos == s.end {
				return io.EOF
			}
			return s.fail()
		}
	}
}

// appendText appends character data to *dst, decoding references and
// line ends.
func (s *xmlScanner) appendText(dst *[]byte, b []byte) error {
	if len(*dst)+len(b) > s.maxText {
		return errors.New("a text is too long")
	}
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] != '&' && b[i] != '\r' {
			i++
		}
		*dst = append(*dst, b[:i]...)
		if i == len(b) {
			return nil
		}
		if b[i] == '\r' {
			*dst = append(*dst, '\n')
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
			b = b[i+1:]
			continue
		}
		j := bytes.IndexByte(b[i:], ';')
		if j < 0 || j > 32 {
			return errors.New("malformed XML: an & that starts no reference")
		}
		var err error
		if *dst, err = appendReference(*dst, b[i+1:i+j]); err != nil {
			return err
		}
		b = b[i+j+1:]
	}
	return nil
}

// appendReference appends the character of an entity or character
// reference (the name between & and ;).
func appendReference(dst, name []byte) ([]byte, error) {
	switch string(name) {
	case "amp":
		return append(dst, '&'), nil
	case "lt":
		return append(dst, '<'), nil
	case "gt":
		return append(dst, '>'), nil
	case "quot":
		return append(dst, '"'), nil
	case "apos":
		return append(dst, '\''), nil
	}
	if len(name) > 1 && name[0] == '#' {
		var n uint64
		var err error
		if name[1] == 'x' {
			n, err = strconv.ParseUint(string(name[2:]), 16, 32)
		} else {
			n, err = strconv.ParseUint(string(name[1:]), 10, 32)
		}
		if r := rune(n); err == nil && n <= utf8.MaxRune && isXMLChar(r) {
			return utf8.AppendRune(dst, r), nil
		}
		return dst, fmt.Errorf("malformed XML: &%s; is not a character", name)
	}
	return dst, fmt.Errorf("malformed XML: unknown entity &%s;", name)
}

// isXMLChar reports whether XML 1.0 allows a character.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// skipPast skips up to and including term.
func (s *xmlScanner) skipPast(term string) error {
	for {
		if i := bytes.Index(s.buf[s.pos:s.end], []byte(term)); i >= 0 {
			s.pos += i + len(term)
			return nil
		}
		if keep := len(term) - 1; s.end-s.pos > keep {
			s.pos = s.end - keep
		}
		if !s.more() {
			return s.fail()
		}
	}
}

// cdata reads a CDATA section after its <![CDATA[.
func (s *xmlScanner) cdata(dst *[]byte) error {
	cr := false // the byte before was a CR (written as LF)
	for {
		b := s.buf[s.pos:s.end]
		i := bytes.Index(b, []byte("]]>"))
		n := i
		if i < 0 {
			n = max(len(b)-2, 0)
		}
		if dst != nil {
			if len(*dst)+n > s.maxText {
				return errors.New("a text is too long")
			}
			for _, c := range b[:n] {
				switch {
				case c == '\r':
					*dst, cr = append(*dst, '\n'), true
				case c == '\n' && cr:
					cr = false
				default:
					*dst, cr = append(*dst, c), false
				}
			}
		}
		if i >= 0 {
			s.pos += i + 3
			return nil
		}
		s.pos += n
		if !s.more() {
			return s.fail()
		}
	}
}

// skipDecl skips a declaration such as <!DOCTYPE ...> with its internal
// subset, after its <!.
func (s *xmlScanner) skipDecl() error {
	depth, quote := 0, byte(0)
	for {
		for s.pos < s.end {
			c := s.buf[s.pos]
			s.pos++
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '"' || c == '\'':
				quote = c
			case c == '[':
				depth++
			case c == ']':
				depth--
			case c == '>' && depth <= 0:
				return nil
			}
		}
		if !s.more() {
			return s.fail()
		}
	}
}

func (s *xmlScanner) endTag() error {
	for {
		if i := bytes.IndexByte(s.buf[s.pos:s.end], '>'); i >= 0 {
			name := bytes.TrimSpace(s.buf[s.pos+2 : s.pos+i])
			if len(name) == 0 {
				return errors.New("malformed XML: an end tag without a name")
			}
			s.name = localName(name)
			s.pos += i + 1
			return nil
		}
		if !s.more() {
			return s.fail()
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

func localName(b []byte) []byte {
	if i := bytes.LastIndexByte(b, ':'); i >= 0 {
		return b[i+1:]
	}
	return b
}

// startTag reads a start tag (the whole tag is in the buffer once read:
// when it is not, more is read and the tag read again from its start).
func (s *xmlScanner) startTag() error {
again:
	s.attrs, s.empty = s.attrs[:0], false
	b := s.buf[s.pos:s.end]
	p := 1
	for p < len(b) && !isSpace(b[p]) && b[p] != '/' && b[p] != '>' {
		p++
	}
	if p == len(b) {
		if !s.more() {
			return s.fail()
		}
		goto again
	}
	name := b[1:p]
	if len(name) == 0 {
		return errors.New("malformed XML: a tag without a name")
	}
	refs := 0 // the length of the values with references
	for {
		for p < len(b) && isSpace(b[p]) {
			p++
		}
		if p+1 >= len(b) {
			if !s.more() {
				return s.fail()
			}
			goto again
		}
		switch b[p] {
		case '>':
			s.pos += p + 1
			s.name = localName(name)
			return s.decodeAttrs(refs)
		case '/':
			if b[p+1] != '>' {
				return errors.New("malformed XML: / in a tag")
			}
			s.pos += p + 2
			s.name, s.empty = localName(name), true
			return s.decodeAttrs(refs)
		}
		a := p
		for p < len(b) && b[p] != '=' && !isSpace(b[p]) && b[p] != '>' && b[p] != '/' {
			p++
		}
		an := b[a:p]
		for p < len(b) && isSpace(b[p]) {
			p++
		}
		if p < len(b) && b[p] != '=' {
			return fmt.Errorf("malformed XML: the attribute %q has no value", an)
		}
		p++
		for p < len(b) && isSpace(b[p]) {
			p++
		}
		if p >= len(b) {
			if !s.more() {
				return s.fail()
			}
			goto again
		}
		q := b[p]
		if q != '"' && q != '\'' {
			return fmt.Errorf("malformed XML: the value of the attribute %q is not quoted", an)
		}
		p++
		j := bytes.IndexByte(b[p:], q)
		if j < 0 {
			if !s.more() {
				return s.fail()
			}
			goto again
		}
		v := b[p : p+j]
		if bytes.IndexByte(v, '&') >= 0 {
			refs += len(v)
		}
		s.attrs = append(s.attrs, xmlAttr{localName(an), v})
		p += j + 1
	}
}

// decodeAttrs decodes the references in the attribute values, into
// s.vals (sized first: decoded values are never longer).
func (s *xmlScanner) decodeAttrs(refs int) error {
	if refs == 0 {
		return nil
	}
	if cap(s.vals) < refs {
		s.vals = make([]byte, 0, refs)
	}
	s.vals = s.vals[:0]
	for i := range s.attrs {
		v := s.attrs[i].value
		if bytes.IndexByte(v, '&') < 0 {
			continue
		}
		start := len(s.vals)
		for len(v) > 0 {
			k := bytes.IndexByte(v, '&')
			if k < 0 {
				s.vals = append(s.vals, v...)
				break
			}
			s.vals = append(s.vals, v[:k]...)
			j := bytes.IndexByte(v[k:], ';')
			if j < 0 {
				return errors.New("malformed XML: an & that starts no reference")
			}
			var err error
			if s.vals, err = appendReference(s.vals, v[k+1:k+j]); err != nil {
				return err
			}
			v = v[k+j+1:]
		}
		s.attrs[i].value = s.vals[start:len(s.vals):len(s.vals)]
	}
	return nil
}
