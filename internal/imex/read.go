package imex

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/kanso-crm/kanso/internal/i18n"
)

// ErrLegacyXLS is returned (as the cause of a FileError) for Excel
// 97-2003 (.xls) files, which Kanso does not read.
var ErrLegacyXLS = errors.New(legacyXLS)

const legacyXLS = "this is a legacy Excel 97-2003 workbook (.xls), which Kanso cannot read: open it in Excel or LibreOffice Calc, save it as an Excel workbook (.xlsx) or as CSV, and import that file"

// odsMime starts an OpenDocument spreadsheet written as the format asks
// (its mimetype entry first and stored).
var odsMime = []byte("mimetypeapplication/vnd.oasis.opendocument.spreadsheet")

// oleSignature starts every OLE2 compound file (.xls, .doc, ...).
var oleSignature = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// source yields the rows of a file: the header first, then the data.
type source interface {
	// Next returns the next row (io.EOF at the end); row is its number
	// as a spreadsheet shows it (the header is row 1).
	Next() (cells []string, row int, err error)
	// Total estimates the number of data rows (0: unknown).
	Total() int
	// Kind is "csv" or "xlsx".
	Kind() string
	// Encoding and Delimiter describe a CSV file ("" for XLSX).
	Encoding() string
	Delimiter() rune
	Close() error
}

// openSource detects the file format from its first bytes (the name only
// breaks ties) and returns a row source.
func openSource(r io.Reader, name string, o *Options) (source, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(8)
	switch {
	case bytes.HasPrefix(head, oleSignature):
		return nil, &FileError{Message: msg(i18n.N(legacyXLS)), Err: ErrLegacyXLS}
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		if b, _ := br.Peek(128); bytes.Contains(b, odsMime) {
			// (the workbook reader says the same, untranslated)
			return nil, fileErrorf(i18n.N("cannot read the workbook: this is an OpenDocument spreadsheet (.ods), which Kanso cannot read: open it in LibreOffice Calc or Excel, save it as an Excel workbook (.xlsx) or as CSV, and import that file"))
		}
		s, err := openXLSX(br)
		return s, readError(err)
	case len(head) == 0:
		return nil, fileErrorf(i18n.N("the file is empty"))
	}
	if ext := strings.ToLower(path.Ext(name)); ext == ".xlsx" || ext == ".xlsm" || ext == ".ods" {
		return nil, fileErrorf(i18n.N("%s is not a valid %s file"), name, ext)
	}
	// CSV: reading from the start again needs the original reader when
	// it can seek (the whole file is scanned once to choose the
	// encoding and count the lines); bufio has only peeked so far.
	return openCSV(r, br, o)
}

// ---------------------------------------------------------------------
// XLSX: see xlsx.go

// ---------------------------------------------------------------------
// CSV

type csvSource struct {
	r      *csv.Reader
	closer func() error
	row    int
	total  int
	enc    string
	delim  rune
	width  int
	held   []heldRow // short rows held back: a footer if nothing follows
	ready  []heldRow
}

type heldRow struct {
	cells []string
	row   int
}

// Encodings the importer reads, by the names Options.Encoding accepts.
var encodings = map[string]encoding.Encoding{
	"utf-8":        encoding.Nop,
	"utf-16le":     xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM),
	"utf-16be":     xunicode.UTF16(xunicode.BigEndian, xunicode.UseBOM),
	"windows-1250": charmap.Windows1250,
	"iso-8859-2":   charmap.ISO8859_2,
	"windows-1252": charmap.Windows1252,
	"iso-8859-1":   charmap.ISO8859_1,
}

func encodingName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	switch s {
	case "utf8":
		return "utf-8"
	case "cp1250", "win1250", "windows1250":
		return "windows-1250"
	case "cp1252", "win1252", "windows1252":
		return "windows-1252"
	case "latin2", "iso8859-2", "iso88592":
		return "iso-8859-2"
	case "latin1", "iso8859-1", "iso88591":
		return "iso-8859-1"
	case "utf-16", "utf16":
		return "utf-16le"
	}
	return s
}

func openCSV(orig io.Reader, br *bufio.Reader, o *Options) (source, error) {
	s := &csvSource{}
	st, err := scanBytes(orig, br)
	if err != nil {
		return nil, readError(err)
	}
	if st.seeked {
		br.Reset(orig)
	}
	s.total = st.lines - 1
	head, _ := br.Peek(4)
	var in io.Reader = br
	var enc encoding.Encoding
	switch {
	case o.Encoding != "":
		name := encodingName(o.Encoding)
		e, ok := encodings[name]
		if !ok {
			return nil, fileErrorf(i18n.N("unknown encoding %q (known: utf-8, utf-16le, utf-16be, windows-1250, iso-8859-2, windows-1252, iso-8859-1)"), o.Encoding)
		}
		s.enc, enc = name, e
		if name == "utf-8" && bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}) {
			br.Discard(3)
		}
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
		s.enc, enc = "utf-8", encoding.Nop
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		s.enc, enc = "utf-16le", xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM)
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		s.enc, enc = "utf-16be", xunicode.UTF16(xunicode.BigEndian, xunicode.ExpectBOM)
	case st.validUTF8:
		s.enc, enc = "utf-8", encoding.Nop
	default:
		s.enc = guessCharset(st.high, o.Lang)
		enc = encodings[s.enc]
	}
	if enc != encoding.Nop {
		in = transform.NewReader(in, enc.NewDecoder())
	}
	if s.enc == "windows-1250" || s.enc == "iso-8859-2" {
		// The legacy Central European code pages have only the cedilla
		// forms of Romanian ş and ţ; Romanian is written with the comma
		// below (ș, ț), so decoded text is given the right letters.
		in = transform.NewReader(in, commaBelow{})
	}
	dr := bufio.NewReaderSize(in, 64<<10)
	sample, _ := dr.Peek(32 << 10)
	s.delim = o.delimiter()
	if s.delim == 0 {
		s.delim = guessDelimiter(sample)
	}
	s.r = csv.NewReader(dr)
	s.r.Comma = s.delim
	s.r.LazyQuotes = true
	s.r.FieldsPerRecord = -1
	return s, nil
}

func (s *csvSource) Next() ([]string, int, error) {
	for {
		if len(s.ready) > 0 {
			r := s.ready[0]
			s.ready = s.ready[1:]
			return r.cells, r.row, nil
		}
		rec, err := s.r.Read()
		if err == io.EOF {
			// short rows at the very end are a footer (a Salesforce
			// report's): dropped
			s.held = nil
			return nil, s.row, io.EOF
		}
		s.row++
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, s.row, &FileError{Message: msg(i18n.N("row %d: the CSV is malformed: %s"), s.row, pe.Err.Error()), Err: err}
			}
			return nil, s.row, &FileError{Message: msg(i18n.N("row %d: %s"), s.row, err.Error()), Err: err}
		}
		if s.width == 0 {
			s.width = len(rec)
			return rec, s.row, nil
		}
		if n := nonEmpty(rec); n == 0 {
			continue
		} else if len(rec) < s.width && s.width > 2 && n == 1 {
			s.held = append(s.held, heldRow{rec, s.row})
			continue
		}
		// the rows held back were not a footer after all
		s.ready = append(s.held, heldRow{rec, s.row})
		s.held = nil
	}
}

func nonEmpty(rec []string) int {
	n := 0
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			n++
		}
	}
	return n
}

func (s *csvSource) Total() int       { return max(s.total, 0) }
func (s *csvSource) Kind() string     { return "csv" }
func (s *csvSource) Encoding() string { return s.enc }
func (s *csvSource) Delimiter() rune  { return s.delim }
func (s *csvSource) Close() error     { return nil }

type byteStats struct {
	validUTF8 bool
	lines     int
	high      [256]int // counts of bytes >= 0x80
	seeked    bool
}

// scanBytes reads the whole file when it can seek back (counting lines for
// the progress total and checking UTF-8 validity everywhere), else only the
// first 64 KiB the buffer holds.
func scanBytes(orig io.Reader, br *bufio.Reader) (*byteStats, error) {
	st := &byteStats{validUTF8: true}
	var carry []byte
	feed := func(b []byte, final bool) {
		st.lines += bytes.Count(b, []byte{'\n'})
		for _, c := range b {
			if c >= 0x80 {
				st.high[c]++
			}
		}
		if !st.validUTF8 {
			return
		}
		b = append(carry, b...)
		carry = nil
		// keep an incomplete sequence at the end for the next chunk
		if !final {
			for i := len(b) - 1; i >= 0 && i >= len(b)-3; i-- {
				if utf8.RuneStart(b[i]) {
					if !utf8.FullRune(b[i:]) {
						carry = append([]byte(nil), b[i:]...)
						b = b[:i]
					}
					break
				}
			}
		}
		if !utf8.Valid(b) {
			st.validUTF8 = false
		}
	}
	seeker, ok := orig.(io.Seeker)
	if ok {
		if pos, err := seeker.Seek(0, io.SeekCurrent); err != nil || pos < 0 {
			ok = false
		}
	}
	if !ok {
		b, _ := br.Peek(64 << 10)
		feed(b, len(b) < 64<<10)
		return st, nil
	}
	start, _ := seeker.Seek(0, io.SeekCurrent)
	// bufio may have read ahead: count from where the file started
	start -= int64(br.Buffered())
	if _, err := seeker.Seek(start, io.SeekStart); err != nil {
		return nil, err
	}
	buf := make([]byte, 256<<10)
	for {
		n, err := orig.Read(buf)
		if n > 0 {
			feed(buf[:n], false)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	feed(nil, true)
	if len(carry) > 0 {
		st.validUTF8 = false
	}
	if _, err := seeker.Seek(start, io.SeekStart); err != nil {
		return nil, err
	}
	st.seeked = true
	return st, nil
}

// Letters common in the languages each family of code pages serves.
const (
	centralLetters = "ăâîşţșțĂÂÎŞŢąćęłńśźżčďěňřšťůžĺľŕőűáéíóúýöüäçÁÉÍÓÚÝÖÜÄČĎĚŇŘŠŤŮŽĄĆĘŁŃŚŹŻĹĽŔŐŰÇß„”–—€"
	westernLetters = "àâäçéèêëîïôöùûüÿñáíóúãõåæøœßÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸÑÁÍÓÚÃÕÅÆØŒ€“”‘’–—…«»°"
)

// guessCharset chooses between Windows-1250, ISO-8859-2 and Windows-1252
// for a file that is not UTF-8: each decodes the file's bytes above 0x7F,
// and earns points for the letters its languages use and loses points for
// control characters and unlikely symbols. Ties go to the Central
// European pages for Romanian users, to Windows-1252 otherwise.
func guessCharset(high [256]int, lang string) string {
	order := []string{"windows-1252", "windows-1250", "iso-8859-2"}
	if strings.HasPrefix(lang, "ro") {
		order = []string{"windows-1250", "iso-8859-2", "windows-1252"}
	}
	best, bestScore := order[0], -1<<62
	for _, name := range order {
		dec := encodings[name].(*charmap.Charmap)
		letters := westernLetters
		if name != "windows-1252" {
			letters = centralLetters
		}
		score := 0
		for b := 0x80; b < 0x100; b++ {
			n := high[b]
			if n == 0 {
				continue
			}
			r := dec.DecodeByte(byte(b))
			switch {
			case strings.ContainsRune(letters, r):
				score += 2 * n
			case r == utf8.RuneError || unicode.IsControl(r):
				score -= 5 * n
			case unicode.IsLetter(r):
				// ª º þ ð ...: letters, but rare inside words
			default:
				score -= n
			}
		}
		if score > bestScore {
			best, bestScore = name, score
		}
	}
	return best
}

// commaBelow turns the cedilla ş ţ Ş Ţ into the comma-below ș ț Ș Ț.
type commaBelow struct{ transform.NopResetter }

func (commaBelow) Transform(dst, src []byte, atEOF bool) (int, int, error) {
	nDst, nSrc := 0, 0
	for nSrc < len(src) {
		r, size := utf8.DecodeRune(src[nSrc:])
		if r == utf8.RuneError && !atEOF && !utf8.FullRune(src[nSrc:]) {
			return nDst, nSrc, transform.ErrShortSrc
		}
		switch r {
		case 'ş':
			r = 'ș'
		case 'ţ':
			r = 'ț'
		case 'Ş':
			r = 'Ș'
		case 'Ţ':
			r = 'Ț'
		}
		var out [utf8.UTFMax]byte
		n := size
		if r != utf8.RuneError || size != 1 {
			n = utf8.EncodeRune(out[:], r)
		} else {
			out[0] = src[nSrc]
		}
		if nDst+n > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		copy(dst[nDst:], out[:n])
		nDst += n
		nSrc += size
	}
	return nDst, nSrc, nil
}

// guessDelimiter parses the sample with each candidate and keeps the one
// giving the most rows with the header's number of fields (more than one).
func guessDelimiter(sample []byte) rune {
	// drop a possibly cut last line
	if i := bytes.LastIndexByte(sample, '\n'); i > 0 && len(sample) >= 32<<10 {
		sample = sample[:i+1]
	}
	best, bestScore := ',', -1
	for _, d := range []rune{',', ';', '\t', '|'} {
		r := csv.NewReader(bytes.NewReader(sample))
		r.Comma, r.LazyQuotes, r.FieldsPerRecord = d, true, -1
		header, err := r.Read()
		if err != nil || len(header) < 2 {
			continue
		}
		score := 1
		for i := 0; i < 50; i++ {
			rec, err := r.Read()
			if err != nil {
				break
			}
			if len(rec) == len(header) {
				score++
			}
		}
		score = score*1000 + len(header)
		if score > bestScore {
			best, bestScore = d, score
		}
	}
	return best
}

// prefetch reads a source in a goroutine, up to 512 rows ahead, so that
// parsing the file overlaps with the database work of the rows before.
type prefetch struct {
	source
	ch   chan fetched
	done chan struct{}
}

type fetched struct {
	cells []string
	row   int
	err   error
}

func newPrefetch(src source) *prefetch {
	p := &prefetch{source: src, ch: make(chan fetched, 512), done: make(chan struct{})}
	go func() {
		defer close(p.ch)
		for {
			cells, row, err := src.Next()
			select {
			case p.ch <- fetched{cells, row, err}:
			case <-p.done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return p
}

func (p *prefetch) Next() ([]string, int, error) {
	f, ok := <-p.ch
	if !ok {
		return nil, 0, io.EOF
	}
	return f.cells, f.row, f.err
}

// Close stops the reader goroutine and waits for it, so that the file
// can then be closed (the sources are not safe for concurrent use).
// It does not close the source.
func (p *prefetch) Close() error {
	close(p.done)
	for range p.ch {
	}
	return nil
}
