package api

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// reference is what encoding/json writes for v, the way writeJSON used it.
func reference(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return buf.Bytes(), err
}

// TestAppendJSONAsEncodingJSON: appendJSON writes byte for byte what
// encoding/json writes, for chosen values (escapes, float formats, nil
// collections, types it hands over to encoding/json) and for random
// nested values like the methods' results.
func TestAppendJSONAsEncodingJSON(t *testing.T) {
	type pair struct {
		A int    `json:"a"`
		B string `json:"b,omitempty"`
	}
	values := []any{
		nil, true, false, "", "plain", `quote " backslash \ slash /`, "<b>&amp;</b>", "tab\tnew\nline\rcr\bbs\fff\x00\x01\x1f\x7f",
		"Ștefan Popescu — Ofertă", "invalid \xff\xfe utf-8 \xc3", "line\u2028separator\u2029", "emoji 😀",
		0, -1, int64(math.MaxInt64), int64(math.MinInt64), int32(-7),
		0.0, math.Copysign(0, -1), 1.5, -2.25, 1e20, 1e21, 123456789012345678901234.0, 1e-6, 1e-7, 0.000001234, 5e-324, math.MaxFloat64, 100.0, 3.0,
		[]any(nil), []any{}, []any{1, "a", nil, []any{false}}, map[string]any(nil), map[string]any{},
		map[string]any{"z": 1, "a": []any{1, 2}, "m": map[string]any{"b": nil, "a": "x"}, "é": "accent", "": "empty"},
		[]map[string]any(nil), []map[string]any{{"id": int64(1), "name": "A"}, {}},
		[]int64(nil), []int64{}, []int64{3, -4}, []string(nil), []string{"a", "\"b\""},
		json.Number("12.50"), pair{A: 1}, []pair{{2, "x"}}, map[string]int{"b": 2, "a": 1}, uint8(9), float32(0.1),
	}
	for _, v := range values {
		want, werr := reference(v)
		got, err := appendJSON(nil, v)
		if (err != nil) != (werr != nil) || !bytes.Equal(got, want) {
			t.Errorf("%#v:\n got %q (%v)\nwant %q (%v)", v, got, err, want, werr)
		}
	}
	for _, bad := range []any{math.NaN(), math.Inf(1), []any{"ok", math.Inf(-1)}} {
		if _, err := appendJSON(nil, bad); err == nil {
			t.Errorf("%v encoded", bad)
		}
	}

	r := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", "Ș", "\"", "\\", "\n", "\x03", "<", "&", "\u2028", "\xff", "😀", " ", "é"}
	text := func() string {
		var b strings.Builder
		for i := r.IntN(8); i > 0; i-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		return b.String()
	}
	var random func(depth int) any
	random = func(depth int) any {
		switch k := r.IntN(9); {
		case k == 0 && depth < 4:
			m := map[string]any{}
			for i := r.IntN(5); i > 0; i-- {
				m[text()] = random(depth + 1)
			}
			return m
		case k == 1 && depth < 4:
			s := make([]any, r.IntN(5))
			for i := range s {
				s[i] = random(depth + 1)
			}
			return s
		case k == 2:
			return r.Int64() - r.Int64()
		case k == 3:
			return (r.Float64() - 0.5) * math.Pow(10, float64(r.IntN(60)-30))
		case k == 4:
			return r.IntN(2) == 0
		case k == 5:
			return nil
		default:
			return text()
		}
	}
	for i := 0; i < 3000; i++ {
		v := random(0)
		want, _ := reference(v)
		got, err := appendJSON(nil, v)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%#v:\n got %q (%v)\nwant %q", v, got, err, want)
		}
	}
}

// TestWriteJSONRefusesWhatJSONCannotHold: a result with NaN is an error
// in Odoo's shape with status 500, not a truncated document.
func TestWriteJSONRefusesWhatJSONCannotHold(t *testing.T) {
	rec := httptest.NewRecorder()
	writeJSON(rec, http.StatusOK, []any{map[string]any{"probability": math.NaN()}})
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != http.StatusInternalServerError ||
		body["name"] != "builtins.ValueError" || !strings.Contains(body["message"].(string), "cannot be written as JSON") {
		t.Errorf("%d %s (%v)", rec.Code, rec.Body, err)
	}
	rec = httptest.NewRecorder()
	writeJSON(rec, http.StatusCreated, map[string]any{"id": int64(7)})
	if rec.Code != http.StatusCreated || rec.Body.String() != "{\"id\":7}\n" || rec.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("%d %q %q", rec.Code, rec.Body, rec.Header().Get("Content-Type"))
	}
}

// BenchmarkWriteJSON: a search_read of 80 leads with six fields, as the
// JSON-2 budget's request returns it.
func BenchmarkWriteJSON(b *testing.B) {
	recs := make([]map[string]any, 80)
	for i := range recs {
		recs[i] = map[string]any{"id": int64(900000 + i), "name": "Ofertă 15 laptopuri pentru birou", "partner_id": []any{int64(4000 + i), "Bucegi Com SRL, Ștefan Ionescu"},
			"user_id": []any{int64(7), "Maria Popescu"}, "stage_id": []any{int64(3), "Proposition"}, "expected_revenue": 12500.5, "probability": 35.0}
	}
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			if _, err := reference(recs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("appendJSON", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			var err error
			if buf, err = appendJSON(buf[:0], recs); err != nil {
				b.Fatal(err)
			}
		}
	})
}
