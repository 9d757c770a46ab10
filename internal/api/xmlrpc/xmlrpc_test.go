package xmlrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"
)

// call wraps value XML (a complete <value> element) into a methodCall.
func call(values ...string) string {
	var sb strings.Builder
	sb.WriteString(`<?xml version="1.0"?><methodCall><methodName>m</methodName><params>`)
	for _, v := range values {
		sb.WriteString("<param>" + v + "</param>")
	}
	sb.WriteString(`</params></methodCall>`)
	return sb.String()
}

func decodeOne(t *testing.T, doc string) any {
	t.Helper()
	method, params, err := DecodeCall(strings.NewReader(doc))
	if err != nil {
		t.Fatalf("DecodeCall: %v\ndoc: %s", err, doc)
	}
	if method != "m" {
		t.Fatalf("method = %q, want m", method)
	}
	if len(params) != 1 {
		t.Fatalf("got %d params, want 1: %#v", len(params), params)
	}
	return params[0]
}

func TestDecodeTypes(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  any
	}{
		{"int", `<value><int>42</int></value>`, int64(42)},
		{"i4", `<value><i4>-7</i4></value>`, int64(-7)},
		{"i8", `<value><i8>9223372036854775807</i8></value>`, int64(math.MaxInt64)},
		{"i8 min", `<value><i8>-9223372036854775808</i8></value>`, int64(math.MinInt64)},
		{"i1", `<value><i1>5</i1></value>`, int64(5)},
		{"i2", `<value><i2>300</i2></value>`, int64(300)},
		{"int plus sign", `<value><int>+3</int></value>`, int64(3)},
		{"int big as int", `<value><int>10000000000</int></value>`, int64(10000000000)},
		{"int whitespace", `<value><int> 12
		</int></value>`, int64(12)},
		{"double", `<value><double>3.25</double></value>`, 3.25},
		{"double negative", `<value><double>-0.5</double></value>`, -0.5},
		{"double exponent", `<value><double>1e+21</double></value>`, 1e21},
		{"double integer", `<value><double>3</double></value>`, 3.0},
		{"boolean true", `<value><boolean>1</boolean></value>`, true},
		{"boolean false", `<value><boolean>0</boolean></value>`, false},
		{"string", `<value><string>hello</string></value>`, "hello"},
		{"string whitespace preserved", "<value><string>  a\tb \n c  </string></value>", "  a\tb \n c  "},
		{"string escaped", `<value><string>&lt;&amp;&gt;&quot;&apos;&#x21;&#228;</string></value>`, `<&>"'!ä`},
		{"string CDATA", `<value><string><![CDATA[<raw & text>]]></string></value>`, "<raw & text>"},
		{"string with comment", `<value><string>ab<!-- c -->cd</string></value>`, "abcd"},
		{"string unicode", `<value><string>ț ș ă 👍</string></value>`, "ț ș ă 👍"},
		{"string CR reference", `<value><string>a&#xD;b</string></value>`, "a\rb"},
		{"empty string element", `<value><string/></value>`, ""},
		{"empty string pair", `<value><string></string></value>`, ""},
		{"bare string", `<value>plain text</value>`, "plain text"},
		{"bare string whitespace preserved", `<value>  spaced  </value>`, "  spaced  "},
		{"bare string escaped", `<value>a &amp; b</value>`, "a & b"},
		{"empty value", `<value/>`, ""},
		{"empty value pair", `<value></value>`, ""},
		{"nil", `<value><nil/></value>`, nil},
		{"nil pair", `<value><nil></nil></value>`, nil},
		{"ex:nil", `<value><ex:nil xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions"/></value>`, nil},
		{"dateTime", `<value><dateTime.iso8601>20240131T10:00:00</dateTime.iso8601></value>`, "20240131T10:00:00"},
		{"dateTime other format kept", `<value><dateTime.iso8601>2024-01-31T10:00:00Z</dateTime.iso8601></value>`, "2024-01-31T10:00:00Z"},
		{"base64", `<value><base64>aGVsbG8=</base64></value>`, []byte("hello")},
		{"base64 wrapped", "<value><base64>\naGVs\nbG8=\n</base64></value>", []byte("hello")},
		{"base64 unpadded", `<value><base64>aGVsbG8</base64></value>`, []byte("hello")},
		{"base64 empty", `<value><base64></base64></value>`, []byte{}},
		{"array", `<value><array><data><value><int>1</int></value><value>two</value><value><nil/></value></data></array></value>`,
			[]any{int64(1), "two", nil}},
		{"empty array", `<value><array><data></data></array></value>`, []any{}},
		{"empty array self-closing data", `<value><array><data/></array></value>`, []any{}},
		{"struct", `<value><struct><member><name>a</name><value><int>1</int></value></member><member><name>b</name><value>x</value></member></struct></value>`,
			map[string]any{"a": int64(1), "b": "x"}},
		{"struct value before name", `<value><struct><member><value><boolean>1</boolean></value><name>ok</name></member></struct></value>`,
			map[string]any{"ok": true}},
		{"struct escaped name", `<value><struct><member><name>a&amp;b</name><value/></member></struct></value>`,
			map[string]any{"a&b": ""}},
		{"struct duplicate member last wins", `<value><struct><member><name>a</name><value><int>1</int></value></member><member><name>a</name><value><int>2</int></value></member></struct></value>`,
			map[string]any{"a": int64(2)}},
		{"empty struct", `<value><struct></struct></value>`, map[string]any{}},
		{"empty struct self-closing", `<value><struct/></value>`, map[string]any{}},
		{"nested", `<value><struct>
			<member><name>ids</name><value><array><data><value><int>1</int></value><value><int>2</int></value></data></array></value></member>
			<member><name>ctx</name><value><struct><member><name>lang</name><value><string>ro_RO</string></value></member>
				<member><name>rows</name><value><array><data><value><array><data><value><struct/></value></data></array></value></data></array></value></member>
			</struct></value></member>
		</struct></value>`,
			map[string]any{
				"ids": []any{int64(1), int64(2)},
				"ctx": map[string]any{"lang": "ro_RO", "rows": []any{[]any{map[string]any{}}}},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeOne(t, call(tt.value))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestDecodeWhitespaceAndLayout(t *testing.T) {
	doc := `<?xml version='1.0' encoding='utf-8'?>
<!-- a comment before the root -->
<methodCall>
	<methodName>
		execute_kw
	</methodName>
	<params>
		<param>
			<value><string>db</string></value>
		</param>
		<param>
			<value>
				<int>2</int>
			</value>
		</param>
		<param>
			<value>
				<array>
					<data>
						<value><string>res.partner</string></value>
						<value>
							<struct>
								<member>
									<name>limit</name>
									<value><int>5</int></value>
								</member>
							</struct>
						</value>
					</data>
				</array>
			</value>
		</param>
		<param><value> </value></param>
	</params>
</methodCall>
`
	method, params, err := DecodeCall(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if method != "execute_kw" {
		t.Errorf("method = %q", method)
	}
	want := []any{"db", int64(2), []any{"res.partner", map[string]any{"limit": int64(5)}}, " "}
	if !reflect.DeepEqual(params, want) {
		t.Errorf("params = %#v, want %#v", params, want)
	}
}

func TestDecodeNoParams(t *testing.T) {
	for _, doc := range []string{
		`<methodCall><methodName>version</methodName></methodCall>`,
		`<methodCall><methodName>version</methodName><params/></methodCall>`,
		`<methodCall><methodName>version</methodName><params>  </params></methodCall>`,
	} {
		method, params, err := DecodeCall(strings.NewReader(doc))
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		if method != "version" || params == nil || len(params) != 0 {
			t.Errorf("%s: got %q %#v", doc, method, params)
		}
	}
}

func TestDecodeLatin1(t *testing.T) {
	doc := "<?xml version='1.0' encoding='iso-8859-1'?><methodCall><methodName>m</methodName><params><param><value><string>caf\xe9 \xe2</string></value></param></params></methodCall>"
	got := decodeOne(t, doc)
	if got != "café â" {
		t.Errorf("got %q", got)
	}
}

// strictReader returns data and then fails any further read.
type strictReader struct {
	data []byte
}

func (s *strictReader) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, errors.New("read past the end of the document")
	}
	n := copy(p, s.data)
	s.data = s.data[n:]
	return n, nil
}

func TestDecodeStopsAtEndOfCall(t *testing.T) {
	doc := call(`<value><int>1</int></value>`)
	if _, _, err := DecodeCall(&strictReader{data: []byte(doc)}); err != nil {
		t.Fatalf("DecodeCall read beyond </methodCall>: %v", err)
	}
	// Trailing content is not read/validated.
	if _, _, err := DecodeCall(strings.NewReader(doc + "<garbage")); err != nil {
		t.Fatalf("trailing data: %v", err)
	}
}

func TestDecodeReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader(`<methodCall><methodName>m</methodName><params>`), &errReader{boom})
	_, _, err := DecodeCall(r)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want wrapping boom", err)
	}
	if errors.Is(err, ErrMalformed) {
		t.Errorf("read error reported as malformed: %v", err)
	}
}

type errReader struct{ err error }

func (e *errReader) Read([]byte) (int, error) { return 0, e.err }

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		wantMsg string
	}{
		{"empty input", ``, "unexpected end of document"},
		{"only whitespace", "  \n", "unexpected end of document"},
		{"not xml", `hello`, "unexpected text"},
		{"unclosed", `<methodCall><methodName>m</methodName><params>`, "unexpected EOF"},
		{"mismatched tags", `<methodCall><methodName>m</methodName></params></methodCall>`, "element <methodCall> closed by </params>"},
		{"bad entity", call(`<value><string>&bogus;</string></value>`), "invalid character entity"},
		{"doctype", `<!DOCTYPE x [<!ENTITY a "b">]><methodCall><methodName>m</methodName></methodCall>`, "unexpected directive"},
		{"wrong root", `<methodResponse><params/></methodResponse>`, "root element is <methodResponse>, want <methodCall>"},
		{"missing methodName", `<methodCall><params/></methodCall>`, "missing <methodName>"},
		{"empty methodName", `<methodCall><methodName> </methodName></methodCall>`, "empty <methodName>"},
		{"duplicate methodName", `<methodCall><methodName>a</methodName><methodName>b</methodName></methodCall>`, "duplicate <methodName>"},
		{"element in methodName", `<methodCall><methodName><b>m</b></methodName></methodCall>`, "unexpected element <b> inside <methodName>"},
		{"unknown element in methodCall", `<methodCall><methodName>m</methodName><foo/></methodCall>`, "unexpected element <foo> inside <methodCall>"},
		{"text in params", `<methodCall><methodName>m</methodName><params>x</params></methodCall>`, "unexpected text"},
		{"value directly in params", `<methodCall><methodName>m</methodName><params><value/></params></methodCall>`, "want <param>"},
		{"empty param", call(``), "<param> must contain <value>"},
		{"two values in param", call(`<value/><value/>`), "unexpected <value> inside <param>"},
		{"unknown type", call(`<value><float>1.5</float></value>`), "unknown value type <float>"},
		{"int overflow", call(`<value><int>9223372036854775808</int></value>`), "invalid <int> value"},
		{"i8 negative overflow", call(`<value><i8>-9223372036854775809</i8></value>`), "value out of range"},
		{"int not a number", call(`<value><int>12a</int></value>`), "invalid <int> value \"12a\""},
		{"int empty", call(`<value><int/></value>`), "invalid <int> value"},
		{"double bad", call(`<value><double>1.2.3</double></value>`), "invalid <double> value"},
		{"double overflow", call(`<value><double>1e400</double></value>`), "invalid <double> value"},
		{"boolean bad", call(`<value><boolean>true</boolean></value>`), "invalid <boolean> value \"true\""},
		{"base64 bad", call(`<value><base64>!!!!</base64></value>`), "invalid <base64> value"},
		{"nil not empty", call(`<value><nil>x</nil></value>`), "<nil> must be empty"},
		{"element inside string", call(`<value><string>a<b/>c</string></value>`), "unexpected element <b> inside <string>"},
		{"mixed text and type", call(`<value>abc<int>1</int></value>`), "mixed text and <int>"},
		{"text after type", call(`<value><int>1</int>abc</value>`), "unexpected text \"abc\" after typed value"},
		{"two types in value", call(`<value><int>1</int><int>2</int></value>`), "unexpected second element <int>"},
		{"array without data", call(`<value><array><value/></array></value>`), "<array> must contain <data>"},
		{"empty array without data", call(`<value><array/></value>`), "<array> must contain <data>"},
		{"array bad child", call(`<value><array><data><int>1</int></data></array></value>`), "unexpected element <int> inside <data>"},
		{"array content after data", call(`<value><array><data/><data/></array></value>`), "unexpected <data> inside <array>"},
		{"struct bad child", call(`<value><struct><name>a</name></struct></value>`), "want <member>"},
		{"member without name", call(`<value><struct><member><value/></member></struct></value>`), "<member> without <name>"},
		{"member without value", call(`<value><struct><member><name>a</name></member></struct></value>`), "<member> \"a\" without <value>"},
		{"member duplicate name", call(`<value><struct><member><name>a</name><name>b</name><value/></member></struct></value>`), "duplicate <name>"},
		{"member bad child", call(`<value><struct><member><name>a</name><int>1</int></member></struct></value>`), "unexpected element <int> inside <member>"},
		{"nested error", call(`<value><array><data><value><struct><member><name>x</name><value><i4>zz</i4></value></member></struct></value></data></array></value>`), "invalid <i4> value"},
		{"unsupported charset", `<?xml version="1.0" encoding="ebcdic"?><methodCall/>`, "ebcdic"},
		{"invalid utf-8", call("<value><string>\xff</string></value>"), "invalid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method, params, err := DecodeCall(strings.NewReader(tt.doc))
			if err == nil {
				t.Fatalf("no error; got %q %#v", method, params)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("error %q does not wrap ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
		})
	}
}

func nestedArrays(depth int) string {
	return strings.Repeat("<value><array><data>", depth-1) + "<value><int>1</int></value>" + strings.Repeat("</data></array></value>", depth-1)
}

func nestedStructs(depth int) string {
	return strings.Repeat("<value><struct><member><name>k</name>", depth-1) + "<value/>" + strings.Repeat("</member></struct></value>", depth-1)
}

func TestDecodeDepthLimit(t *testing.T) {
	for name, gen := range map[string]func(int) string{"arrays": nestedArrays, "structs": nestedStructs} {
		t.Run(name, func(t *testing.T) {
			if _, _, err := DecodeCall(strings.NewReader(call(gen(MaxDepth)))); err != nil {
				t.Fatalf("depth %d: %v", MaxDepth, err)
			}
			_, _, err := DecodeCall(strings.NewReader(call(gen(MaxDepth + 1))))
			if err == nil || !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "nested deeper than 100") {
				t.Fatalf("depth %d: err = %v", MaxDepth+1, err)
			}
			// Far beyond the limit must fail fast, not exhaust the stack.
			_, _, err = DecodeCall(strings.NewReader(call(gen(100_000))))
			if err == nil {
				t.Fatal("depth 100000: no error")
			}
		})
	}
}

type partnerID int64

type selection struct{ key, label string }

func (s selection) XMLRPCValue() any { return []any{s.key, s.label} }

type ptrMarshaler struct{ v int }

func (p *ptrMarshaler) XMLRPCValue() any { return p.v }

type selfMarshaler struct{}

func (s selfMarshaler) XMLRPCValue() any { return s }

const (
	respPrefix = `<?xml version="1.0"?>` + "\n<methodResponse><params><param>"
	respSuffix = "</param></params></methodResponse>\n"
)

func TestEncodeResponse(t *testing.T) {
	str := "hi"
	var nilStr *string
	var nilMarshaler *ptrMarshaler
	tests := []struct {
		name string
		in   any
		want string // the <value> element
	}{
		{"nil", nil, `<value><nil/></value>`},
		{"true", true, `<value><boolean>1</boolean></value>`},
		{"false", false, `<value><boolean>0</boolean></value>`},
		{"int", 42, `<value><int>42</int></value>`},
		{"int8", int8(-8), `<value><int>-8</int></value>`},
		{"int16", int16(16), `<value><int>16</int></value>`},
		{"int32", int32(-32), `<value><int>-32</int></value>`},
		{"int64 beyond 32 bits", int64(1) << 40, `<value><int>1099511627776</int></value>`},
		{"uint", uint(7), `<value><int>7</int></value>`},
		{"uint8", uint8(255), `<value><int>255</int></value>`},
		{"uint64 max", uint64(math.MaxUint64), `<value><int>18446744073709551615</int></value>`},
		{"named int", partnerID(9), `<value><int>9</int></value>`},
		{"float64", 0.1, `<value><double>0.1</double></value>`},
		{"float64 integral", 3.0, `<value><double>3</double></value>`},
		{"float64 big", 1e21, `<value><double>1e+21</double></value>`},
		{"float64 small", -2.5e-7, `<value><double>-2.5e-07</double></value>`},
		{"float32", float32(0.1), `<value><double>0.1</double></value>`},
		{"string", "hello", `<value><string>hello</string></value>`},
		{"empty string", "", `<value><string></string></value>`},
		{"string escaping", `a<b>&c"d'`, `<value><string>a&lt;b&gt;&amp;c"d'</string></value>`},
		{"string whitespace", "\t a\nb ", "<value><string>\t a\nb </string></value>"},
		{"string CR", "a\r\nb", "<value><string>a&#xD;\nb</string></value>"},
		{"string control chars", "a\x00b\x1bc\x7f", "<value><string>a\uFFFDb\uFFFDc\x7f</string></value>"},
		{"string invalid utf-8", "a\xffb", "<value><string>a\uFFFDb</string></value>"},
		{"string U+FFFE", "a\uFFFEb", "<value><string>a\uFFFDb</string></value>"},
		{"string unicode", "ț ș ă 👍", "<value><string>ț ș ă 👍</string></value>"},
		{"bytes", []byte("hello"), `<value><base64>aGVsbG8=</base64></value>`},
		{"empty bytes", []byte{}, `<value><base64></base64></value>`},
		{"byte array", [3]byte{1, 2, 3}, `<value><base64>AQID</base64></value>`},
		{"time", time.Date(2024, 1, 31, 10, 0, 0, 123, time.UTC), `<value><dateTime.iso8601>20240131T10:00:00</dateTime.iso8601></value>`},
		{"pointer", &str, `<value><string>hi</string></value>`},
		{"nil pointer", nilStr, `<value><nil/></value>`},
		{"[]any", []any{1, "a", nil, false}, `<value><array><data><value><int>1</int></value><value><string>a</string></value><value><nil/></value><value><boolean>0</boolean></value></data></array></value>`},
		{"empty []any", []any{}, `<value><array><data></data></array></value>`},
		{"nil []any", []any(nil), `<value><array><data></data></array></value>`},
		{"[]int64", []int64{1, 2}, `<value><array><data><value><int>1</int></value><value><int>2</int></value></data></array></value>`},
		{"[]string", []string{"x", "<"}, `<value><array><data><value><string>x</string></value><value><string>&lt;</string></value></data></array></value>`},
		{"int array", [2]int{1, 2}, `<value><array><data><value><int>1</int></value><value><int>2</int></value></data></array></value>`},
		{"map[string]any sorted", map[string]any{"b": 1, "a": "x", "c": nil},
			`<value><struct><member><name>a</name><value><string>x</string></value></member><member><name>b</name><value><int>1</int></value></member><member><name>c</name><value><nil/></value></member></struct></value>`},
		{"empty map", map[string]any{}, `<value><struct></struct></value>`},
		{"nil map", map[string]any(nil), `<value><struct></struct></value>`},
		{"map[string]int sorted", map[string]int{"z": 1, "y": 2},
			`<value><struct><member><name>y</name><value><int>2</int></value></member><member><name>z</name><value><int>1</int></value></member></struct></value>`},
		{"map escaped key", map[string]bool{"a&b": true}, `<value><struct><member><name>a&amp;b</name><value><boolean>1</boolean></value></member></struct></value>`},
		{"[]map[string]any", []map[string]any{{"id": int64(1)}, {}},
			`<value><array><data><value><struct><member><name>id</name><value><int>1</int></value></member></struct></value><value><struct></struct></value></data></array></value>`},
		{"marshaler", selection{"draft", "Draft"}, `<value><array><data><value><string>draft</string></value><value><string>Draft</string></value></data></array></value>`},
		{"pointer marshaler", &ptrMarshaler{5}, `<value><int>5</int></value>`},
		{"nil pointer marshaler", nilMarshaler, `<value><nil/></value>`},
		{"marshaler in slice", []selection{{"a", "A"}}, `<value><array><data><value><array><data><value><string>a</string></value><value><string>A</string></value></data></array></value></data></array></value>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := EncodeResponse(&buf, tt.in); err != nil {
				t.Fatalf("EncodeResponse: %v", err)
			}
			if want := respPrefix + tt.want + respSuffix; buf.String() != want {
				t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	tests := []struct {
		name    string
		in      any
		wantMsg string
	}{
		{"NaN", math.NaN(), "non-finite"},
		{"+Inf", math.Inf(1), "non-finite"},
		{"-Inf", math.Inf(-1), "non-finite"},
		{"float32 NaN", float32(math.NaN()), "non-finite"},
		{"NaN in slice", []float64{1, math.NaN()}, "non-finite"},
		{"struct", struct{ A int }{1}, "unsupported type struct"},
		{"chan", make(chan int), "unsupported type chan int"},
		{"func", func() {}, "unsupported type func()"},
		{"complex", complex(1, 2), "unsupported type complex128"},
		{"int-keyed map", map[int]string{1: "a"}, "unsupported map key type int"},
		{"nested unsupported", []any{1, map[string]any{"x": struct{}{}}}, "unsupported type struct {}"},
		{"cyclic", cyclic, "nested deeper than 100"},
		{"self marshaler", selfMarshaler{}, "nested deeper than 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := EncodeResponse(&buf, tt.in)
			if err == nil {
				t.Fatalf("no error; output %s", buf.String())
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
			if buf.Len() != 0 {
				t.Errorf("partial output written on error: %q", buf.String())
			}
		})
	}
}

func TestEncodeDepthLimit(t *testing.T) {
	nest := func(depth int) any {
		var v any = 1
		for range depth - 1 {
			v = []any{v}
		}
		return v
	}
	if err := EncodeResponse(io.Discard, nest(MaxDepth)); err != nil {
		t.Fatalf("depth %d: %v", MaxDepth, err)
	}
	if err := EncodeResponse(io.Discard, nest(MaxDepth+1)); err == nil {
		t.Fatalf("depth %d: no error", MaxDepth+1)
	}
}

// responseToCall rewrites an encoded response into a methodCall for method m
// so that DecodeCall can parse it.
func responseToCall(t *testing.T, resp string) string {
	t.Helper()
	if !strings.HasPrefix(resp, `<?xml version="1.0"?>`) {
		t.Fatalf("response lacks XML declaration: %q", resp)
	}
	resp = strings.Replace(resp, "<methodResponse>", "<methodCall><methodName>m</methodName>", 1)
	return strings.Replace(resp, "</methodResponse>", "</methodCall>", 1)
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want any
	}{
		{"romanian", "ț ș ă Ț Ș Ă î â", "ț ș ă Ț Ș Ă î â"},
		{"romanian cedilla forms", "ţ ş", "ţ ş"},
		{"emoji", "👍🏽 🇷🇴 👨‍👩‍👧", "👍🏽 🇷🇴 👨‍👩‍👧"},
		{"markup chars", "<&>", "<&>"},
		{"cdata end", "]]>", "]]>"},
		{"entity lookalike", "&amp; &lt;", "&amp; &lt;"},
		{"quotes", `"'`, `"'`},
		{"whitespace", "  \t lead\n\ntrail \t ", "  \t lead\n\ntrail \t "},
		{"CR LF", "a\r\nb\rc", "a\r\nb\rc"},
		{"empty string", "", ""},
		{"control char replaced", "a\x01b", "a\uFFFDb"},
		{"nil", nil, nil},
		{"bools", []bool{true, false}, []any{true, false}},
		{"int64 extremes", []int64{math.MaxInt64, math.MinInt64, 0}, []any{int64(math.MaxInt64), int64(math.MinInt64), int64(0)}},
		{"floats", []float64{0.1, -2.5e-300, 1e21, math.MaxFloat64, math.SmallestNonzeroFloat64, 123456.789},
			[]any{0.1, -2.5e-300, 1e21, math.MaxFloat64, math.SmallestNonzeroFloat64, 123456.789}},
		{"bytes", []byte{0, 1, 2, 0xfe, 0xff}, []byte{0, 1, 2, 0xfe, 0xff}},
		{"time", time.Date(2024, 1, 31, 10, 0, 0, 0, time.UTC), "20240131T10:00:00"},
		{"struct", map[string]any{
			"name":   "Ștefan <Ionescu> & Co 😀",
			"ids":    []int{1, 2, 3},
			"nested": map[string]any{"empty": []any{}, "none": nil, "s": map[string]string{"ț": "ș"}},
		}, map[string]any{
			"name":   "Ștefan <Ionescu> & Co 😀",
			"ids":    []any{int64(1), int64(2), int64(3)},
			"nested": map[string]any{"empty": []any{}, "none": nil, "s": map[string]any{"ț": "ș"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := EncodeResponse(&buf, tt.in); err != nil {
				t.Fatalf("EncodeResponse: %v", err)
			}
			got := decodeOne(t, responseToCall(t, buf.String()))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v\nxml: %s", got, tt.want, buf.String())
			}
		})
	}
}

func TestEncodeFault(t *testing.T) {
	tests := []struct {
		name    string
		code    any
		message string
		want    string
	}{
		{"string code", "Access Denied", "Traceback (most recent call last):\n  File <x> & y",
			`<?xml version="1.0"?>` + "\n" + `<methodResponse><fault><value><struct><member><name>faultCode</name><value><string>Access Denied</string></value></member><member><name>faultString</name><value><string>Traceback (most recent call last):` + "\n" + `  File &lt;x&gt; &amp; y</string></value></member></struct></value></fault></methodResponse>` + "\n"},
		{"int code", 1, "boom",
			`<?xml version="1.0"?>` + "\n" + `<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value></member><member><name>faultString</name><value><string>boom</string></value></member></struct></value></fault></methodResponse>` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := EncodeFault(&buf, tt.code, tt.message); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", buf.String(), tt.want)
			}
			// The fault struct is well-formed XML-RPC: decode it as a value.
			doc := strings.Replace(buf.String(), "<methodResponse><fault>", "<methodCall><methodName>m</methodName><params><param>", 1)
			doc = strings.Replace(doc, "</fault></methodResponse>", "</param></params></methodCall>", 1)
			got := decodeOne(t, doc)
			code := tt.code
			if n, ok := code.(int); ok {
				code = int64(n)
			}
			if want := map[string]any{"faultCode": code, "faultString": tt.message}; !reflect.DeepEqual(got, want) {
				t.Errorf("decoded fault %#v, want %#v", got, want)
			}
		})
	}
	var buf bytes.Buffer
	if err := EncodeFault(&buf, math.NaN(), "x"); err == nil || buf.Len() != 0 {
		t.Errorf("bad fault code: err=%v output=%q", err, buf.String())
	}
}

// runPython runs a python3 script with stdin and returns its stdout.
func runPython(t *testing.T, script string, stdin []byte) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", "-c", script)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, stderr.String())
	}
	return out
}

const pyDumps = `
import sys, datetime, xmlrpc.client
params = (
    "kanso", 2, "admin-ț",
    [1, -2, 2**31 - 1, -2**31],
    {"name": "Ștefan <&> 👍 ț ș ă", "active": True, "score": 1.5, "none": None,
     "tags": ["a", "b"], "nested": {"x": [], "y": {}}},
    None, False, 0.1, 1e21,
    xmlrpc.client.Binary(b"\x00\x01binary\xff" * 30),
    datetime.datetime(2024, 1, 31, 10, 0, 0),
    "", "  spaced\n\ttext  ",
)
sys.stdout.buffer.write(xmlrpc.client.dumps(params, "execute_kw", allow_none=True).encode("utf-8"))
`

const pyLoads = `
import sys, json, base64, datetime, xmlrpc.client
data = sys.stdin.buffer.read().decode("utf-8")
try:
    (value,), method = xmlrpc.client.loads(data, use_builtin_types=True)
    out = {"ok": value}
except xmlrpc.client.Fault as f:
    out = {"fault": [f.faultCode, f.faultString]}
def conv(o):
    if isinstance(o, bytes):
        return {"bytes": base64.b64encode(o).decode()}
    if isinstance(o, datetime.datetime):
        return {"datetime": o.isoformat()}
    raise TypeError(repr(o))
print(json.dumps(out, default=conv, sort_keys=True))
`

func jsonValue(t *testing.T, data []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("bad JSON %q: %v", data, err)
	}
	return v
}

func TestPythonInterop(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not on PATH")
	}

	t.Run("python dumps, DecodeCall", func(t *testing.T) {
		doc := runPython(t, pyDumps, nil)
		method, params, err := DecodeCall(bytes.NewReader(doc))
		if err != nil {
			t.Fatalf("DecodeCall: %v\n%s", err, doc)
		}
		if method != "execute_kw" {
			t.Errorf("method = %q", method)
		}
		want := []any{
			"kanso", int64(2), "admin-ț",
			[]any{int64(1), int64(-2), int64(math.MaxInt32), int64(math.MinInt32)},
			map[string]any{
				"name": "Ștefan <&> 👍 ț ș ă", "active": true, "score": 1.5, "none": nil,
				"tags": []any{"a", "b"}, "nested": map[string]any{"x": []any{}, "y": map[string]any{}},
			},
			nil, false, 0.1, 1e21,
			[]byte(strings.Repeat("\x00\x01binary\xff", 30)),
			"20240131T10:00:00",
			"", "  spaced\n\ttext  ",
		}
		if !reflect.DeepEqual(params, want) {
			t.Errorf("params\n got %#v\nwant %#v\nxml: %s", params, want, doc)
		}
	})

	tests := []struct {
		name   string
		encode func(io.Writer) error
		want   string // JSON printed by pyLoads
	}{
		{"scalars", func(w io.Writer) error {
			return EncodeResponse(w, []any{nil, true, false, 42, int64(1) << 40, 0.1, 1e21, -2.5e-7, float32(1.5)})
		}, `{"ok": [null, true, false, 42, 1099511627776, 0.1, 1e+21, -2.5e-07, 1.5]}`},
		{"strings", func(w io.Writer) error {
			return EncodeResponse(w, []string{"ț ș ă Ț Ș Ă", "👍🏽 🇷🇴", "<&>", "]]>", "a\r\nb", "  \tx\n ", "", "bad\x01ctl"})
		}, `{"ok": ["\u021b \u0219 \u0103 \u021a \u0218 \u0102", "\ud83d\udc4d\ud83c\udffd \ud83c\uddf7\ud83c\uddf4", "<&>", "]]>", "a\r\nb", "  \tx\n ", "", "bad\ufffdctl"]}`},
		{"struct, bytes, time", func(w io.Writer) error {
			return EncodeResponse(w, map[string]any{
				"ids":     []int64{3, 1},
				"partner": map[string]any{"name": "Ștefan", "email": nil},
				"file":    []byte("\x00\x01\xff"),
				"when":    time.Date(2024, 1, 31, 10, 0, 0, 0, time.UTC),
				"sel":     selection{"draft", "Draft"},
				"empty":   map[string]int{},
			})
		}, `{"ok": {"empty": {}, "file": {"bytes": "AAH/"}, "ids": [3, 1], "partner": {"email": null, "name": "\u0218tefan"}, "sel": ["draft", "Draft"], "when": {"datetime": "2024-01-31T10:00:00"}}}`},
		{"fault string code", func(w io.Writer) error {
			return EncodeFault(w, "Access Denied", "Traceback <x> & ț")
		}, `{"fault": ["Access Denied", "Traceback <x> & \u021b"]}`},
		{"fault int code", func(w io.Writer) error {
			return EncodeFault(w, 2, "boom")
		}, `{"fault": [2, "boom"]}`},
	}
	for _, tt := range tests {
		t.Run("EncodeResponse, python loads: "+tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tt.encode(&buf); err != nil {
				t.Fatal(err)
			}
			out := runPython(t, pyLoads, buf.Bytes())
			if got, want := jsonValue(t, out), jsonValue(t, []byte(tt.want)); !reflect.DeepEqual(got, want) {
				t.Errorf("python printed\n%s\nwant\n%s\nxml: %s", out, tt.want, buf.String())
			}
		})
	}
}
