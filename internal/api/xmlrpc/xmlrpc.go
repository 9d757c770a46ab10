// Package xmlrpc implements the XML-RPC codec used by the Odoo-compatible
// endpoints (/xmlrpc/2/common and /xmlrpc/2/object).
//
// It interoperates with Python's standard xmlrpc.client, including the
// allow_none=True extension (<nil/>), and follows Odoo's conventions: integers
// are always sent as <int> (even beyond 32 bits), and faults carry the error
// message in faultCode and the detail/traceback in faultString.
//
// Decoded values map to Go types as follows:
//
//	<int>, <i4>, <i8>, <i1>, <i2>   int64
//	<double>                        float64
//	<boolean>                       bool
//	<string>, untyped text          string
//	<dateTime.iso8601>              string (as sent, surrounding space trimmed)
//	<base64>                        []byte
//	<array>                         []any
//	<struct>                        map[string]any
//	<nil/>                          nil
package xmlrpc

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxDepth is the maximum nesting depth of values (arrays, structs, and
// Marshaler/pointer indirections when encoding). A top-level param value is
// at depth 1.
const MaxDepth = 100

// DateTimeFormat is the layout used for <dateTime.iso8601> values.
const DateTimeFormat = "20060102T15:04:05"

// ErrMalformed is wrapped by every error DecodeCall returns for an invalid
// request document (as opposed to an error reading the input).
var ErrMalformed = errors.New("xmlrpc: malformed request")

// Marshaler is implemented by types that encode as another value.
// XMLRPCValue returns the value to encode in place of the receiver.
type Marshaler interface {
	XMLRPCValue() any
}

// ---------------------------------------------------------------------------
// Decoding

// DecodeCall reads an XML-RPC <methodCall> document from r and returns the
// method name and its params.
//
// DecodeCall imposes no size limit on its own; callers should bound r (for
// example with http.MaxBytesReader). Parsing stops at </methodCall>; anything
// after it is neither read on purpose nor validated.
func DecodeCall(r io.Reader) (method string, params []any, err error) {
	rec := &recordingReader{r: r}
	var in io.Reader = rec
	if br, ok := r.(io.ByteReader); ok {
		// Keep the caller's buffering: xml.Decoder only adds its own
		// read-ahead buffer when the input is not an io.ByteReader.
		in = &recordingByteReader{rec, br}
	}
	p := &parser{d: xml.NewDecoder(in), in: rec}
	p.d.CharsetReader = charsetReader

	tok, err := p.next()
	if err != nil {
		return "", nil, err
	}
	start, ok := tok.(xml.StartElement)
	if !ok || start.Name.Local != "methodCall" {
		return "", nil, p.errorf("root element is %s, want <methodCall>", describe(tok))
	}
	return p.methodCall()
}

type parser struct {
	d  *xml.Decoder
	in *recordingReader
}

// recordingReader remembers the last read error so that I/O failures (such
// as *http.MaxBytesError) can be told apart from malformed documents.
type recordingReader struct {
	r   io.Reader
	err error
}

func (rr *recordingReader) Read(b []byte) (int, error) {
	n, err := rr.r.Read(b)
	rr.record(err)
	return n, err
}

func (rr *recordingReader) record(err error) {
	if err != nil && err != io.EOF {
		rr.err = err
	}
}

type recordingByteReader struct {
	*recordingReader
	br io.ByteReader
}

func (rr *recordingByteReader) ReadByte() (byte, error) {
	c, err := rr.br.ReadByte()
	rr.record(err)
	return c, err
}

func (p *parser) errorf(format string, args ...any) error {
	line, _ := p.d.InputPos()
	return fmt.Errorf("%w: line %d: %w", ErrMalformed, line, fmt.Errorf(format, args...))
}

// token returns the next raw token, classifying errors.
func (p *parser) token() (xml.Token, error) {
	tok, err := p.d.Token()
	if err == nil {
		return tok, nil
	}
	switch {
	case p.in.err != nil && errors.Is(err, p.in.err):
		return nil, fmt.Errorf("xmlrpc: reading request: %w", err)
	case err == io.EOF:
		return nil, p.errorf("unexpected end of document")
	default:
		// *xml.SyntaxError, unsupported charset declarations, ...
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
}

// next returns the next start or end element, skipping whitespace, comments
// and processing instructions. Any other text is an error.
func (p *parser) next() (xml.Token, error) {
	for {
		tok, err := p.token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement, xml.EndElement:
			return t, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return nil, p.errorf("unexpected text %q", truncate(string(t)))
			}
		case xml.Comment, xml.ProcInst:
			// ignored
		case xml.Directive:
			return nil, p.errorf("unexpected directive <!%s>", truncate(string(t)))
		}
	}
}

// text returns the character data of the element whose start tag was just
// consumed, up to and including its end tag. Child elements are an error.
func (p *parser) text(elem string) (string, error) {
	var sb strings.Builder
	for {
		tok, err := p.token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			sb.Write(t)
		case xml.EndElement:
			return sb.String(), nil
		case xml.StartElement:
			return "", p.errorf("unexpected element <%s> inside <%s>", t.Name.Local, elem)
		case xml.Directive:
			return "", p.errorf("unexpected directive inside <%s>", elem)
		}
	}
}

// end consumes the end tag of the element elem, whose content is complete.
func (p *parser) end(elem string) error {
	tok, err := p.next()
	if err != nil {
		return err
	}
	if _, ok := tok.(xml.EndElement); !ok {
		return p.errorf("unexpected %s inside <%s>", describe(tok), elem)
	}
	return nil
}

func (p *parser) methodCall() (string, []any, error) {
	var (
		method             string
		params             []any
		haveName, haveArgs bool
	)
	for {
		tok, err := p.next()
		if err != nil {
			return "", nil, err
		}
		if _, ok := tok.(xml.EndElement); ok {
			break
		}
		start := tok.(xml.StartElement)
		switch start.Name.Local {
		case "methodName":
			if haveName {
				return "", nil, p.errorf("duplicate <methodName>")
			}
			s, err := p.text("methodName")
			if err != nil {
				return "", nil, err
			}
			method = strings.TrimSpace(s)
			if method == "" {
				return "", nil, p.errorf("empty <methodName>")
			}
			haveName = true
		case "params":
			if haveArgs {
				return "", nil, p.errorf("duplicate <params>")
			}
			if params, err = p.params(); err != nil {
				return "", nil, err
			}
			haveArgs = true
		default:
			return "", nil, p.errorf("unexpected element <%s> inside <methodCall>", start.Name.Local)
		}
	}
	if !haveName {
		return "", nil, p.errorf("missing <methodName>")
	}
	if params == nil {
		params = []any{}
	}
	return method, params, nil
}

func (p *parser) params() ([]any, error) {
	params := []any{}
	for {
		tok, err := p.next()
		if err != nil {
			return nil, err
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			return params, nil
		}
		if start.Name.Local != "param" {
			return nil, p.errorf("unexpected element <%s> inside <params>, want <param>", start.Name.Local)
		}
		if tok, err = p.next(); err != nil {
			return nil, err
		}
		if start, ok = tok.(xml.StartElement); !ok || start.Name.Local != "value" {
			return nil, p.errorf("<param> must contain <value>, found %s", describe(tok))
		}
		v, err := p.value(1)
		if err != nil {
			return nil, err
		}
		if err := p.end("param"); err != nil {
			return nil, err
		}
		params = append(params, v)
	}
}

// value parses the content of a <value> element whose start tag was just
// consumed, including its end tag.
func (p *parser) value(depth int) (any, error) {
	if depth > MaxDepth {
		return nil, p.errorf("values nested deeper than %d levels", MaxDepth)
	}
	var (
		text  strings.Builder
		v     any
		typed bool
	)
	for {
		tok, err := p.token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if typed {
				if len(bytes.TrimSpace(t)) != 0 {
					return nil, p.errorf("unexpected text %q after typed value in <value>", truncate(string(t)))
				}
				continue
			}
			text.Write(t)
		case xml.StartElement:
			if typed {
				return nil, p.errorf("unexpected second element <%s> inside <value>", t.Name.Local)
			}
			if strings.TrimSpace(text.String()) != "" {
				return nil, p.errorf("mixed text and <%s> inside <value>", t.Name.Local)
			}
			if v, err = p.typed(t, depth); err != nil {
				return nil, err
			}
			typed = true
		case xml.EndElement:
			if typed {
				return v, nil
			}
			// No type element: the text is a string (possibly empty).
			return text.String(), nil
		case xml.Directive:
			return nil, p.errorf("unexpected directive inside <value>")
		}
	}
}

func (p *parser) typed(start xml.StartElement, depth int) (any, error) {
	name := start.Name.Local
	switch name {
	case "int", "i4", "i8", "i1", "i2":
		s, err := p.text(name)
		if err != nil {
			return nil, err
		}
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, p.errorf("invalid <%s> value %q: %w", name, truncate(s), err)
		}
		return n, nil
	case "double":
		s, err := p.text(name)
		if err != nil {
			return nil, err
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, p.errorf("invalid <double> value %q: %w", truncate(s), err)
		}
		return f, nil
	case "boolean":
		s, err := p.text(name)
		if err != nil {
			return nil, err
		}
		switch strings.TrimSpace(s) {
		case "0":
			return false, nil
		case "1":
			return true, nil
		}
		return nil, p.errorf("invalid <boolean> value %q, want 0 or 1", truncate(s))
	case "string":
		return p.text(name)
	case "dateTime.iso8601":
		s, err := p.text(name)
		if err != nil {
			return nil, err
		}
		return strings.TrimSpace(s), nil
	case "base64":
		s, err := p.text(name)
		if err != nil {
			return nil, err
		}
		return p.base64(s)
	case "nil":
		s, err := p.text(name)
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(s) != "" {
			return nil, p.errorf("<nil> must be empty")
		}
		return nil, nil
	case "array":
		return p.array(depth)
	case "struct":
		return p.structure(depth)
	}
	return nil, p.errorf("unknown value type <%s>", name)
}

func (p *parser) base64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r':
			return -1
		}
		return r
	}, s)
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		// Tolerate missing padding.
		if b2, err2 := base64.RawStdEncoding.DecodeString(s); err2 == nil {
			return b2, nil
		}
		return nil, p.errorf("invalid <base64> value: %w", err)
	}
	return b, nil
}

func (p *parser) array(depth int) ([]any, error) {
	tok, err := p.next()
	if err != nil {
		return nil, err
	}
	if start, ok := tok.(xml.StartElement); !ok || start.Name.Local != "data" {
		return nil, p.errorf("<array> must contain <data>, found %s", describe(tok))
	}
	arr := []any{}
	for {
		tok, err := p.next()
		if err != nil {
			return nil, err
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			break // </data>
		}
		if start.Name.Local != "value" {
			return nil, p.errorf("unexpected element <%s> inside <data>, want <value>", start.Name.Local)
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
	}
	if err := p.end("array"); err != nil {
		return nil, err
	}
	return arr, nil
}

func (p *parser) structure(depth int) (map[string]any, error) {
	m := map[string]any{}
	for {
		tok, err := p.next()
		if err != nil {
			return nil, err
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			return m, nil // </struct>
		}
		if start.Name.Local != "member" {
			return nil, p.errorf("unexpected element <%s> inside <struct>, want <member>", start.Name.Local)
		}
		if err := p.member(m, depth); err != nil {
			return nil, err
		}
	}
}

func (p *parser) member(m map[string]any, depth int) error {
	var (
		name                string
		v                   any
		haveName, haveValue bool
	)
	for {
		tok, err := p.next()
		if err != nil {
			return err
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			break // </member>
		}
		switch start.Name.Local {
		case "name":
			if haveName {
				return p.errorf("duplicate <name> in <member>")
			}
			if name, err = p.text("name"); err != nil {
				return err
			}
			haveName = true
		case "value":
			if haveValue {
				return p.errorf("duplicate <value> in <member>")
			}
			if v, err = p.value(depth + 1); err != nil {
				return err
			}
			haveValue = true
		default:
			return p.errorf("unexpected element <%s> inside <member>", start.Name.Local)
		}
	}
	if !haveName {
		return p.errorf("<member> without <name>")
	}
	if !haveValue {
		return p.errorf("<member> %q without <value>", truncate(name))
	}
	m[name] = v
	return nil
}

func describe(tok xml.Token) string {
	switch t := tok.(type) {
	case xml.StartElement:
		return "<" + t.Name.Local + ">"
	case xml.EndElement:
		return "</" + t.Name.Local + ">"
	}
	return fmt.Sprintf("%T", tok)
}

func truncate(s string) string {
	const limit = 64
	if len(s) <= limit {
		return s
	}
	i := limit
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

// charsetReader supports the non-UTF-8 encodings a Python client may declare.
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "us-ascii", "ascii":
		return input, nil // ASCII is a subset of UTF-8
	case "iso-8859-1", "iso8859-1", "latin-1", "latin1":
		return &latin1Reader{r: bufio.NewReader(input)}, nil
	}
	return nil, fmt.Errorf("unsupported charset %q", charset)
}

type latin1Reader struct {
	r       *bufio.Reader
	pending []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(l.pending) > 0 {
			c := copy(p[n:], l.pending)
			l.pending = l.pending[c:]
			n += c
			continue
		}
		if n > 0 && l.r.Buffered() == 0 {
			break // don't block for more input
		}
		b, err := l.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if b < utf8.RuneSelf {
			p[n] = b
			n++
			continue
		}
		l.pending = utf8.AppendRune(l.pending[:0], rune(b))
	}
	return n, nil
}

// ---------------------------------------------------------------------------
// Encoding

const xmlHeader = `<?xml version="1.0"?>` + "\n"

// EncodeResponse writes a <methodResponse> with one <param> holding v.
// Nothing is written if v cannot be encoded.
//
// Supported values: nil, bool, all integer kinds (as <int>), float32/64
// (NaN and ±Inf are rejected), string, []byte, time.Time, slices and arrays,
// maps with string keys (members in sorted key order), pointers (nil encodes
// as <nil/>) and Marshaler. Named types with these underlying kinds are
// accepted too. Nil slices and maps encode as an empty array/struct.
func EncodeResponse(w io.Writer, v any) error {
	var e encoder
	e.buf.WriteString(xmlHeader)
	e.buf.WriteString("<methodResponse><params><param>")
	if err := e.value(v, 1); err != nil {
		return err
	}
	e.buf.WriteString("</param></params></methodResponse>\n")
	_, err := w.Write(e.buf.Bytes())
	return err
}

// EncodeFault writes a <methodResponse><fault> whose struct holds faultCode
// (code, normally a string as Odoo does, or an int) and faultString
// (message).
func EncodeFault(w io.Writer, code any, message string) error {
	var e encoder
	e.buf.WriteString(xmlHeader)
	e.buf.WriteString("<methodResponse><fault><value><struct><member><name>faultCode</name>")
	if err := e.value(code, 1); err != nil {
		return fmt.Errorf("xmlrpc: fault code: %w", err)
	}
	e.buf.WriteString("</member><member><name>faultString</name><value><string>")
	writeEscaped(&e.buf, message)
	e.buf.WriteString("</string></value></member></struct></value></fault></methodResponse>\n")
	_, err := w.Write(e.buf.Bytes())
	return err
}

type encoder struct {
	buf bytes.Buffer
}

func (e *encoder) value(v any, depth int) error {
	e.buf.WriteString("<value>")
	if err := e.inner(v, depth); err != nil {
		return err
	}
	e.buf.WriteString("</value>")
	return nil
}

func (e *encoder) inner(v any, depth int) error {
	if depth > MaxDepth {
		return fmt.Errorf("xmlrpc: cannot encode values nested deeper than %d levels (cyclic data?)", MaxDepth)
	}
	// Fast paths for the common concrete types.
	switch x := v.(type) {
	case nil:
		e.buf.WriteString("<nil/>")
		return nil
	case string:
		e.string(x)
		return nil
	case bool:
		e.bool(x)
		return nil
	case int:
		e.int(int64(x))
		return nil
	case int64:
		e.int(x)
		return nil
	case float64:
		return e.float(x, 64)
	case []byte:
		e.base64(x)
		return nil
	case time.Time:
		e.buf.WriteString("<dateTime.iso8601>")
		e.buf.WriteString(x.Format(DateTimeFormat))
		e.buf.WriteString("</dateTime.iso8601>")
		return nil
	case []any:
		e.buf.WriteString("<array><data>")
		for _, el := range x {
			if err := e.value(el, depth+1); err != nil {
				return err
			}
		}
		e.buf.WriteString("</data></array>")
		return nil
	case map[string]any:
		e.buf.WriteString("<struct>")
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if err := e.member(k, x[k], depth); err != nil {
				return err
			}
		}
		e.buf.WriteString("</struct>")
		return nil
	}

	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && rv.IsNil() {
		e.buf.WriteString("<nil/>")
		return nil
	}
	if m, ok := v.(Marshaler); ok {
		return e.inner(m.XMLRPCValue(), depth+1)
	}

	switch rv.Kind() {
	case reflect.Pointer:
		return e.inner(rv.Elem().Interface(), depth+1)
	case reflect.Bool:
		e.bool(rv.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.int(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		e.buf.WriteString("<int>")
		e.buf.WriteString(strconv.FormatUint(rv.Uint(), 10))
		e.buf.WriteString("</int>")
	case reflect.Float32:
		return e.float(rv.Float(), 32)
	case reflect.Float64:
		return e.float(rv.Float(), 64)
	case reflect.String:
		e.string(rv.String())
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			b := make([]byte, rv.Len())
			reflect.Copy(reflect.ValueOf(b), rv)
			e.base64(b)
			return nil
		}
		e.buf.WriteString("<array><data>")
		for i := range rv.Len() {
			if err := e.value(rv.Index(i).Interface(), depth+1); err != nil {
				return err
			}
		}
		e.buf.WriteString("</data></array>")
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return fmt.Errorf("xmlrpc: unsupported map key type %s in %T (struct keys must be strings)", rv.Type().Key(), v)
		}
		keys := rv.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		e.buf.WriteString("<struct>")
		for _, k := range keys {
			if err := e.member(k.String(), rv.MapIndex(k).Interface(), depth); err != nil {
				return err
			}
		}
		e.buf.WriteString("</struct>")
	default:
		return fmt.Errorf("xmlrpc: unsupported type %T", v)
	}
	return nil
}

func (e *encoder) member(name string, v any, depth int) error {
	e.buf.WriteString("<member><name>")
	writeEscaped(&e.buf, name)
	e.buf.WriteString("</name>")
	if err := e.value(v, depth+1); err != nil {
		return err
	}
	e.buf.WriteString("</member>")
	return nil
}

func (e *encoder) string(s string) {
	e.buf.WriteString("<string>")
	writeEscaped(&e.buf, s)
	e.buf.WriteString("</string>")
}

func (e *encoder) bool(b bool) {
	if b {
		e.buf.WriteString("<boolean>1</boolean>")
	} else {
		e.buf.WriteString("<boolean>0</boolean>")
	}
}

func (e *encoder) int(n int64) {
	e.buf.WriteString("<int>")
	e.buf.WriteString(strconv.FormatInt(n, 10))
	e.buf.WriteString("</int>")
}

func (e *encoder) float(f float64, bits int) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("xmlrpc: cannot encode non-finite float %v", f)
	}
	// 'g' output ("1e+21", "0.1", "-0") is accepted by Python's float().
	e.buf.WriteString("<double>")
	e.buf.WriteString(strconv.FormatFloat(f, 'g', -1, bits))
	e.buf.WriteString("</double>")
	return nil
}

func (e *encoder) base64(b []byte) {
	e.buf.WriteString("<base64>")
	e.buf.WriteString(base64.StdEncoding.EncodeToString(b))
	e.buf.WriteString("</base64>")
}

// writeEscaped writes s as XML character data. &, < and > are escaped; \r is
// written as a character reference so it survives XML line-end
// normalisation. Characters XML 1.0 does not allow (other C0 controls,
// U+FFFE, U+FFFF) and invalid UTF-8 are replaced with U+FFFD.
func writeEscaped(buf *bytes.Buffer, s string) {
	last := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		var repl string
		switch {
		case r == '&':
			repl = "&amp;"
		case r == '<':
			repl = "&lt;"
		case r == '>':
			repl = "&gt;"
		case r == '\r':
			repl = "&#xD;"
		case r == '\t' || r == '\n':
			i += size
			continue
		case r < 0x20, r == 0xFFFE, r == 0xFFFF, r == utf8.RuneError && size == 1:
			repl = "\uFFFD"
		default:
			i += size
			continue
		}
		buf.WriteString(s[last:i])
		buf.WriteString(repl)
		i += size
		last = i
	}
	buf.WriteString(s[last:])
}
