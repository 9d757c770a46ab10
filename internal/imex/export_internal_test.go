package imex

import (
	"io"
	"strings"
)

// LeadsXLSX writes an XLSX of n leads (see leadsXLSX).
var LeadsXLSX = leadsXLSX

// ReadRows reads a file as the importer does (format and encoding
// detection, streaming) and converts every cell of the non-relational
// mapped columns, for the measurements of bench_test.go.
func ReadRows(r io.Reader, name, lang string) (int, error) {
	o := Options{Lang: lang}
	src, err := openSource(r, name, &o)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	n := 0
	for {
		cells, _, err := src.Next()
		if err == io.EOF {
			return n - 1, nil
		}
		if err != nil {
			return n, err
		}
		n++
		if n == 1 {
			continue
		}
		// the conversions a lead row needs without the database
		for _, c := range cells {
			if c == "" {
				continue
			}
			if _, err := parseNumber(c, lang, true); err == nil {
				continue
			}
			_ = normalize(c)
			_ = strings.TrimSpace(c)
		}
	}
}
