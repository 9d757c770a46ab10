package i18n

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The tests of this file read the application's source to find the
// strings users see, and check that every one is in the Indonesian and
// Romanian catalogues, with the same format verbs.
//
// A string is found when it reaches a translation call: v.T("…"),
// v.Tf("…", …), i18n.T(lang, "…"), i18n.Tf(lang, "…", …) or T(ctx, "…").
// When the argument is not a literal (v.T(label), v.T(c.Label),
// v.T(spec.Title), v.T(massLabel(m))…), the scanner follows it through
// the syntax of the package: range variables over literal slices and
// maps, function parameters to the literal arguments of their call
// sites, struct fields to the literals given to them (keyed, positional
// or assigned), and functions to the literals they return. The values of
// a map named formLabels and of struct fields named Label are always
// collected, and so are the labels, help texts, selection labels and
// descriptions the models declare (orm.Field and orm.Model literals) and
// the strings marked with i18n.N, which the pages translate at run time
// (see collectMetadata). What cannot be followed (a value read from the
// database, or a selection built by a function) is listed by go test -v.

// catalogues are the translations checked, by language.
func catalogues() []struct {
	lang string
	cat  map[string]string
} {
	return []struct {
		lang string
		cat  map[string]string
	}{{"id_ID", indonesian}, {"ro_RO", romanian}}
}

// moduleRoot is the module's directory, and sourceDirs the trees of it
// that are scanned.
const moduleRoot = "../.."

var sourceDirs = []string{"internal", "cmd"}

func TestCatalogsCoverSource(t *testing.T) {
	sc := scanSource(t)
	if len(sc.msgs) == 0 {
		t.Fatal("no translatable string found in the source: is the scanner broken?")
	}
	msgs := sc.messages()
	t.Logf("%d user-visible strings found", len(msgs))
	for _, u := range sc.unresolved {
		t.Logf("dynamic, not checked: %s", u)
	}
	for _, lang := range []string{"id_ID", "ro_RO"} {
		missing := Missing(lang, msgs)
		if len(missing) == 0 {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s lacks %d strings:\n", lang, len(missing))
		for _, m := range missing {
			fmt.Fprintf(&b, "\t%q: \"\", // %s\n", m, sc.where(m))
		}
		t.Error(b.String())
	}
	used := map[string]bool{}
	for _, m := range msgs {
		used[m] = true
	}
	for _, c := range catalogues() {
		for _, k := range sortedKeys(c.cat) {
			if !used[k] {
				t.Logf("%s: %q is no longer found in the source", c.lang, k)
			}
		}
	}
}

func TestCatalogsFormatVerbs(t *testing.T) {
	for _, c := range catalogues() {
		for _, k := range sortedKeys(c.cat) {
			want, got := verbs(k), verbs(c.cat[k])
			if !slices.Equal(want, got) {
				t.Errorf("%s: the verbs of %q are %v, its translation %q has %v", c.lang, k, want, c.cat[k], got)
			}
		}
	}
	// a Tf format found in the source but not in a catalogue is reported
	// by TestCatalogsCoverSource.
}

func TestCatalogsNotEmpty(t *testing.T) {
	for _, c := range catalogues() {
		for _, k := range sortedKeys(c.cat) {
			v := c.cat[k]
			switch {
			case k == "":
				t.Errorf("%s: the catalogue has an empty key", c.lang)
			case strings.TrimSpace(v) == "":
				t.Errorf("%s: the translation of %q is empty", c.lang, k)
			case lead(k) != lead(v) || trail(k) != trail(v):
				t.Errorf("%s: the translation of %q, %q, does not keep its leading or trailing spaces", c.lang, k, v)
			}
		}
	}
}

// TestRomanianDiacritics keeps Romanian in its standard spelling: ș and ț
// with a comma below, not the cedilla forms ş and ţ of older fonts.
func TestRomanianDiacritics(t *testing.T) {
	for _, k := range sortedKeys(romanian) {
		if strings.ContainsAny(romanian[k], "\u015f\u0163\u015e\u0162") {
			t.Errorf("ro_RO: the translation of %q, %q, has ş or ţ with a cedilla: write ș, ț (comma below)", k, romanian[k])
		}
	}
}

// TestCatalogsSorted keeps the catalogue files sorted by key, so that
// additions are easy to review and merge.
func TestCatalogsSorted(t *testing.T) {
	for file, name := range map[string]string{"catalog_id.go": "indonesian", "catalog_ro.go": "romanian"} {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		ast.Inspect(f, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok || len(vs.Names) != 1 || vs.Names[0].Name != name || len(vs.Values) != 1 {
				return true
			}
			lit, ok := vs.Values[0].(*ast.CompositeLit)
			if !ok {
				return true
			}
			found = true
			prev := ""
			for i, e := range lit.Elts {
				kv, ok := e.(*ast.KeyValueExpr)
				if !ok {
					continue
				}
				k, ok := stringLit(kv.Key)
				if !ok {
					t.Errorf("%s: key at %s is not a string literal", file, fset.Position(kv.Pos()))
					continue
				}
				if i > 0 && k <= prev {
					t.Errorf("%s: %q comes after %q: keep the map sorted by key", file, k, prev)
				}
				prev = k
			}
			return false
		})
		if !found {
			t.Errorf("%s: no map literal named %s", file, name)
		}
	}
}

func TestFormatting(t *testing.T) {
	ron := Currency{Symbol: "lei", Decimals: 2}
	idr := Currency{Symbol: "Rp", Decimals: 0, Before: true}
	usd := Currency{Symbol: "$", Decimals: 2, Before: true}
	day := time.Date(2026, time.March, 7, 15, 4, 0, 0, time.UTC)
	const nb = "\u00a0"
	tests := []struct {
		name string
		got  func(lang string) string
		want map[string]string // en_US, id_ID, ro_RO
	}{
		{"Number 2 decimals", func(l string) string { return Number(l, 1234567.891, 2) },
			map[string]string{"en_US": "1,234,567.89", "id_ID": "1.234.567,89", "ro_RO": "1.234.567,89"}},
		{"Number 0 decimals", func(l string) string { return Number(l, 999, 0) },
			map[string]string{"en_US": "999", "id_ID": "999", "ro_RO": "999"}},
		{"Number thousands", func(l string) string { return Number(l, 1000, 0) },
			map[string]string{"en_US": "1,000", "id_ID": "1.000", "ro_RO": "1.000"}},
		{"Number negative", func(l string) string { return Number(l, -1234.5, 2) },
			map[string]string{"en_US": "-1,234.50", "id_ID": "-1.234,50", "ro_RO": "-1.234,50"}},
		{"Number rounding", func(l string) string { return Number(l, 0.125, 2) },
			map[string]string{"en_US": "0.12", "id_ID": "0,12", "ro_RO": "0,12"}},
		{"Money after", func(l string) string { return Money(l, 1234.5, ron) },
			map[string]string{"en_US": "1,234.50" + nb + "lei", "id_ID": "1.234,50" + nb + "lei", "ro_RO": "1.234,50" + nb + "lei"}},
		{"Money before", func(l string) string { return Money(l, 15000000, idr) },
			map[string]string{"en_US": "Rp" + nb + "15,000,000", "id_ID": "Rp" + nb + "15.000.000", "ro_RO": "Rp" + nb + "15.000.000"}},
		{"Money negative", func(l string) string { return Money(l, -42, usd) },
			map[string]string{"en_US": "$" + nb + "-42.00", "id_ID": "$" + nb + "-42,00", "ro_RO": "$" + nb + "-42,00"}},
		{"Money no symbol", func(l string) string { return Money(l, 1234.5, Currency{Decimals: 2}) },
			map[string]string{"en_US": "1,234.50", "id_ID": "1.234,50", "ro_RO": "1.234,50"}},
		{"Compact small", func(l string) string { return Compact(l, 9500, ron) },
			map[string]string{"en_US": "9,500" + nb + "lei", "id_ID": "9.500" + nb + "lei", "ro_RO": "9.500" + nb + "lei"}},
		{"Compact thousands", func(l string) string { return Compact(l, 12400, ron) },
			map[string]string{"en_US": "12k" + nb + "lei", "id_ID": "12k" + nb + "lei", "ro_RO": "12k" + nb + "lei"}},
		{"Compact millions", func(l string) string { return Compact(l, 3260000, usd) },
			map[string]string{"en_US": "$3.3M", "id_ID": "$3,3M", "ro_RO": "$3,3M"}},
		{"Compact large", func(l string) string { return Compact(l, 1234567890, idr) },
			map[string]string{"en_US": "Rp1,234.6M", "id_ID": "Rp1.234,6M", "ro_RO": "Rp1.234,6M"}},
		{"Date", func(l string) string { return Date(l, day) },
			map[string]string{"en_US": "03/07/2026", "id_ID": "07/03/2026", "ro_RO": "07.03.2026"}},
		{"DateTime", func(l string) string { return DateTime(l, day, time.FixedZone("EET", 2*3600)) },
			map[string]string{"en_US": "03/07/2026 17:04", "id_ID": "07/03/2026 17:04", "ro_RO": "07.03.2026 17:04"}},
	}
	for _, tc := range tests {
		for _, lang := range Languages {
			want, ok := tc.want[lang]
			if !ok {
				t.Errorf("%s: no example for %s", tc.name, lang)
				continue
			}
			if got := tc.got(lang); got != want {
				t.Errorf("%s in %s = %q, want %q", tc.name, lang, got, want)
			}
		}
	}
}

func TestTranslate(t *testing.T) {
	for _, tc := range []struct{ name, got, want string }{
		{"id_ID", T("id_ID", "Save"), indonesian["Save"]},
		{"id", T("id", "Save"), indonesian["Save"]},
		{"ro_RO", T("ro_RO", "Save"), romanian["Save"]},
		{"ro", T("ro", "Save"), romanian["Save"]},
		{"en_US", T("en_US", "Save"), "Save"},
		{"unknown language", T("fr_FR", "Save"), "Save"},
		{"unknown string", T("id_ID", "\x00no such string"), "\x00no such string"},
		{"Tf", Tf("en_US", "%d of %s", 3, "x"), "3 of x"},
	} {
		if tc.got != tc.want || tc.got == "" {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func lead(s string) string  { return s[:len(s)-len(strings.TrimLeft(s, " \t\n"))] }
func trail(s string) string { return s[len(strings.TrimRight(s, " \t\n")):] }

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// verbs lists the formatting verbs of a fmt format in the order they are
// written, with their flags, width, precision and argument indexes
// ("%s", "%.2f", "%[2]d"). A translation must keep them in the same
// order: some formats are also filled in by app.js, which replaces each
// %s in turn.
func verbs(format string) []string {
	out := []string{}
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		j := i + 1
		if j < len(format) && format[j] == '%' {
			i = j
			continue
		}
		for j < len(format) && strings.IndexByte("+-# 0123456789.*[]", format[j]) >= 0 {
			j++
		}
		if j >= len(format) {
			out = append(out, format[i:]+"!(NOVERB)")
			break
		}
		_, size := utf8.DecodeRuneInString(format[j:])
		out = append(out, format[i:j+size])
		i = j + size - 1
	}
	return out
}

func TestVerbs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"plain", []string{}},
		{"100%% sure", []string{}},
		{"%s has %d leads", []string{"%s", "%d"}},
		{"%[2]d leads for %[1]s", []string{"%[2]d", "%[1]s"}},
		{"%-10s|%.2f|%q|%v", []string{"%-10s", "%.2f", "%q", "%v"}},
		{"%d–%d of %s", []string{"%d", "%d", "%s"}},
		{"50%", []string{"%!(NOVERB)"}},
	} {
		got := verbs(tc.in)
		if !slices.Equal(got, tc.want) {
			t.Errorf("verbs(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestScanner runs the scanner on a small module with each kind of call.
func TestScanner(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/m\n",
		"internal/i18n/i18n.go": `package i18n
func T(lang, msg string) string { return msg }
func Tf(lang, format string, args ...any) string { return format }
`,
		"internal/web/view.go": `package web
import tr "example.com/m/internal/i18n"
type View struct{ Lang, Title string }
func (v *View) T(s string) string { return tr.T(v.Lang, s) }
func (v *View) Tf(s string, args ...any) string { return tr.Tf(v.Lang, s, args...) }
type Column struct{ Field, Label string }
type Spec struct {
	Title   string
	Columns []Column
}
var formLabels = map[string]string{"name": "Opportunity name", "phone": "Phone number"}
var specs = []*Spec{{Title: "Spec title", Columns: []Column{{"a", "Positional label"}, {Field: "b", Label: "Keyed label"}}}}
func page(v *View, lang string, s *Spec, n int) {
	v.Title = v.T("Literal")
	_ = v.Tf("%d literal format", n)
	_ = tr.T(lang, "Qualified")
	_ = tr.Tf(lang, "Qualified %s", "not this")
	_ = v.T(s.Title)
	for _, c := range s.Columns {
		_ = v.T(c.Label)
	}
	for _, l := range []string{"Ranged one", "Ranged two"} {
		_ = v.T(l)
	}
	_ = v.T(kind(n))
	field(v, "x", "Parameter label")
	field(v, "y", "Second call")
	_ = v.T(v.Lang)
	_ = v.T(readSomething())
}
func field(v *View, id, label string) string { return v.T(label) }
func kind(n int) string {
	if n > 0 {
		return "Returned positive"
	}
	return "Returned zero"
}
func readSomething() string { var b []byte; return string(b) }
`,
		"internal/web/rows.go": `package web
var pages = [][2]string{{"a", "Page A"}, {"b", "Page B"}}
func tabs(v *View) {
	for _, d := range pages {
		_ = v.T(d[1])
	}
}
`,
		"internal/web/group.go": `package web
import "net/http"
type Group struct{ Name, Label string }
type Other struct{ Name string }
var groupList = []Group{{"Group name", "Group label"}}
var other = Other{Name: "other_key"}
func cookie() *http.Cookie { return &http.Cookie{Name: "session_cookie"} }
func groups(v *View, gs []Group) {
	for _, g := range gs {
		_ = v.T(g.Name)
	}
}
`,
		"internal/web/view_test.go": `package web
func TestX() { _ = (&View{}).T("Only in a test") }
`,
		"cmd/app/main.go": `package main
import "context"
func T(ctx context.Context, msg string) string { return msg }
func main() { _ = T(context.Background(), "Context call") }
`,
	}
	for name, src := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sc := scanTree(t, root, []string{"internal", "cmd"})
	want := []string{"%d literal format", "Context call", "Group label", "Group name", "Keyed label", "Literal", "Opportunity name", "Page A", "Page B", "Parameter label", "Phone number",
		"Positional label", "Qualified", "Qualified %s", "Ranged one", "Ranged two", "Returned positive", "Returned zero", "Second call", "Spec title"}
	if got := sc.messages(); !slices.Equal(got, want) {
		t.Errorf("found %q,\nwant %q", got, want)
	}
	if len(sc.unresolved) != 2 || !strings.Contains(sc.unresolved[0], "T(v.Lang)") || !strings.Contains(sc.unresolved[1], "T(readSomething(…))") {
		t.Errorf("unresolved: %q", sc.unresolved)
	}
}

// TestScannerMetadata runs the scanner on a small module declaring
// models: their labels, help texts, selections and descriptions, and the
// strings marked with i18n.N, are found wherever they are written.
func TestScannerMetadata(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/m\n",
		"internal/i18n/i18n.go": `package i18n
func N(s string) string { return s }
`,
		"internal/orm/orm.go": `package orm
type Field struct {
	Name, String, Help string
	Selection          [][2]string
}
type Model struct{ Name, Description string }
func base() []*Field {
	return []*Field{{Name: "id", String: "Orm label"}, {Name: "write_uid"}}
}
`,
		"internal/crm/models.go": `package crm
import (
	"example.com/m/internal/i18n"
	"example.com/m/internal/orm"
)
// Priorities are shared.
var Priorities = [][2]string{{"0", "Low"}, {"1", "High"}}
var notASelection = [][2]string{{"x", "Not a selection"}}
type stage struct{ Name string; Seq int }
var stages = []stage{{Name: i18n.N("Stage new"), Seq: 1}, {Name: "not marked"}}
func register() {
	kinds := [][2]string{{"a", "Local kind"}}
	_ = &orm.Model{Name: "crm.lead", Description: "Lead model"}
	_ = []any{
		&orm.Field{Name: "name", String: "Lead name", Help: "The help " + "text."},
		&orm.Field{Name: "type", String: "Type", Selection: [][2]string{{"lead", "Lead sel"}, {"opp", "Opportunity sel"}}},
		&orm.Field{Name: "priority", String: "Priority", Selection: Priorities},
		&orm.Field{Name: "kind", String: "Kind", Selection: kinds},
		&orm.Field{Name: "partner_id"},
		&orm.Field{Name: "tz", String: "Zone", Selection: zones()},
	}
	_ = []*orm.Field{{Name: "elided", String: "Elided label"}}
	_ = i18n.N("Marked " + "note")
}
func zones() [][2]string { return nil }
`,
		"internal/mail/mail.go": `package mail
import (
	"example.com/m/internal/crm"
	o "example.com/m/internal/orm"
)
type Field struct{ String string }
var local = Field{String: "Not an orm field"}
var f = &o.Field{Name: "prio", String: "Mail priority", Selection: crm.Priorities}
`,
		"internal/crm/models_test.go": `package crm
import "example.com/m/internal/orm"
var _ = &orm.Field{Name: "t", String: "Only in a test"}
`,
	}
	for name, src := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sc := scanTree(t, root, []string{"internal"})
	want := []string{"Elided label", "High", "Kind", "Lead model", "Lead name", "Lead sel", "Local kind", "Low", "Mail priority", "Marked note",
		"Opportunity sel", "Orm label", "Partner", "Priority", "Stage new", "The help text.", "Type", "Write uid", "Zone"}
	if got := sc.messages(); !slices.Equal(got, want) {
		t.Errorf("found %q,\nwant %q", got, want)
	}
	for msg, kind := range map[string]string{"Lead name": "field label", "The help text.": "field help", "Low": "selection label",
		"Lead model": "model description", "Stage new": "i18n.N", "Partner": "of its name"} {
		if w := sc.where(msg); !strings.Contains(w, "internal/") || !strings.Contains(w, kind) {
			t.Errorf("where(%q) = %q, want the file and %q", msg, w, kind)
		}
	}
	if len(sc.unresolved) != 1 || !strings.Contains(sc.unresolved[0], "Selection: zones(…)") {
		t.Errorf("unresolved: %q", sc.unresolved)
	}
}

// ---- the source scanner ----

// found is a string the resolver found, with where it is written.
type found struct {
	s   string
	pos token.Position
}

// occurrence is where a string reaches the user.
type occurrence struct {
	pos  token.Position // of the literal
	call token.Position // of the translation call (the literal's own when collected without one)
	kind string         // what the string is when collected without a call: "field label"…
}

type scan struct {
	root       string
	guessing   bool // resolving a field of an unknown type by its name
	fset       *token.FileSet
	pkgs       map[string]*pkgSrc // by directory
	byPath     map[string]*pkgSrc // by import path
	msgs       map[string][]occurrence
	unresolved []string
	module     string
}

type pkgSrc struct {
	dir, path string
	files     []*ast.File
	imports   map[*ast.File]map[string]string // local name → import path
	funcs     map[string][]fileNode           // functions and methods by name
	vars      map[string][]fileNode           // package-level var/const values by name
	structs   map[string][]*ast.Field         // struct type → its fields
	typed     map[string][]fileNode           // "Type.Field" → values literals of Type give it
	fields    map[string][]fileNode           // field name → values given to it, whatever the type
	setters   map[string][]selAssign          // field name → assignments x.Field = value
	calls     map[string][]callSite           // callee name → call sites
	assigns   map[*ast.Object][]fileNode      // plain assignments to local variables
	params    map[*ast.Field]paramOf          // parameter fields of functions
}

type fileNode struct {
	pkg  *pkgSrc
	file *ast.File
	e    ast.Expr
}

// selAssign is an assignment x.Field = value.
type selAssign struct {
	x, value fileNode
}

type callSite struct {
	pkg  *pkgSrc
	file *ast.File
	call *ast.CallExpr
}

type paramOf struct {
	fn    *ast.FuncDecl
	index int // of the field's first name among the parameters
}

var scanned *scan

// scanSource scans the application, once.
func scanSource(t *testing.T) *scan {
	t.Helper()
	if scanned == nil {
		scanned = scanTree(t, moduleRoot, sourceDirs)
	}
	return scanned
}

// scanTree finds the translated strings of the Go files (less tests)
// under the dirs of the module at root.
func scanTree(t *testing.T, root string, dirs []string) *scan {
	t.Helper()
	s := &scan{root: root, fset: token.NewFileSet(), pkgs: map[string]*pkgSrc{}, byPath: map[string]*pkgSrc{}, msgs: map[string][]occurrence{}}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(mod), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			s.module = strings.TrimSpace(rest)
		}
	}
	for _, top := range dirs {
		top := filepath.Join(root, top)
		err := filepath.WalkDir(top, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if d.IsDir() {
				if path != top && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor") {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(s.fset, path, nil, 0)
			if err != nil {
				return err
			}
			dir := filepath.Dir(path)
			p := s.pkgs[dir]
			if p == nil {
				rel, _ := filepath.Rel(root, dir)
				p = &pkgSrc{dir: dir, path: s.module + "/" + filepath.ToSlash(rel), imports: map[*ast.File]map[string]string{},
					funcs: map[string][]fileNode{}, vars: map[string][]fileNode{}, structs: map[string][]*ast.Field{}, typed: map[string][]fileNode{}, fields: map[string][]fileNode{}, setters: map[string][]selAssign{},
					calls: map[string][]callSite{}, assigns: map[*ast.Object][]fileNode{}, params: map[*ast.Field]paramOf{}}
				s.pkgs[dir] = p
				s.byPath[p.path] = p
			}
			p.files = append(p.files, f)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	pkgDirs := sortedDirs(s.pkgs)
	for _, d := range pkgDirs {
		for _, f := range s.pkgs[d].files {
			s.index(s.pkgs[d], f)
		}
	}
	// struct literals once every file's types are known (a literal may
	// come before its type's declaration in file order)
	for _, d := range pkgDirs {
		p := s.pkgs[d]
		for _, f := range p.files {
			ast.Inspect(f, func(n ast.Node) bool {
				if lit, ok := n.(*ast.CompositeLit); ok && lit.Type != nil {
					s.compositeFields(p, f, lit, lit.Type)
				}
				return true
			})
		}
	}
	for _, d := range pkgDirs {
		p := s.pkgs[d]
		for _, f := range p.files {
			s.collect(p, f)
			s.collectMetadata(p, f)
		}
	}
	// struct fields named Label are always collected
	for _, d := range pkgDirs {
		for _, fn := range s.pkgs[d].fields["Label"] {
			if v, ok := stringLit(fn.e); ok {
				s.add(v, occurrence{s.fset.Position(fn.e.Pos()), s.fset.Position(fn.e.Pos()), "Label field"})
			}
		}
	}
	return s
}

// index records what the resolver looks things up in.
func (s *scan) index(p *pkgSrc, f *ast.File) {
	imps := map[string]string{}
	for _, im := range f.Imports {
		path, _ := strconv.Unquote(im.Path.Value)
		name := path[strings.LastIndex(path, "/")+1:]
		if im.Name != nil {
			name = im.Name.Name
		}
		imps[name] = path
	}
	p.imports[f] = imps
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			p.funcs[d.Name.Name] = append(p.funcs[d.Name.Name], fileNode{p, f, nil})
			i := 0
			for _, fld := range d.Type.Params.List {
				p.params[fld] = paramOf{d, i}
				i += max(1, len(fld.Names))
			}
		case *ast.GenDecl:
			for _, sp := range d.Specs {
				switch sp := sp.(type) {
				case *ast.ValueSpec:
					for i, n := range sp.Names {
						if i < len(sp.Values) {
							p.vars[n.Name] = append(p.vars[n.Name], fileNode{p, f, sp.Values[i]})
						}
					}
				case *ast.TypeSpec:
					if st, ok := sp.Type.(*ast.StructType); ok {
						p.structs[sp.Name.Name] = st.Fields.List
					}
				}
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if name := calleeName(n.Fun); name != "" {
				p.calls[name] = append(p.calls[name], callSite{p, f, n})
			}
		case *ast.AssignStmt:
			if n.Tok != token.ASSIGN || len(n.Lhs) != len(n.Rhs) {
				break
			}
			for i, l := range n.Lhs {
				switch l := l.(type) {
				case *ast.Ident:
					if l.Obj != nil {
						p.assigns[l.Obj] = append(p.assigns[l.Obj], fileNode{p, f, n.Rhs[i]})
					}
				case *ast.SelectorExpr:
					p.fields[l.Sel.Name] = append(p.fields[l.Sel.Name], fileNode{p, f, n.Rhs[i]})
					p.setters[l.Sel.Name] = append(p.setters[l.Sel.Name], selAssign{fileNode{p, f, l.X}, fileNode{p, f, n.Rhs[i]}})
				}
			}
		}
		return true
	})
}

// compositeFields records the values a literal of one of the package's
// struct types gives its fields, going into the literals whose type is
// elided.
func (s *scan) compositeFields(p *pkgSrc, f *ast.File, lit *ast.CompositeLit, typ ast.Expr) {
	var elem ast.Expr
	switch t := typ.(type) {
	case *ast.ArrayType:
		elem = t.Elt
	case *ast.MapType:
		elem = t.Value
	}
	st := p.structOf(typ)
	fields := fieldNames(p.structs[st])
	for i, e := range lit.Elts {
		kv, keyed := e.(*ast.KeyValueExpr)
		name := ""
		if keyed {
			if k, ok := kv.Key.(*ast.Ident); ok && st != "" {
				name = k.Name
			}
			e = kv.Value
		} else if st != "" && i < len(fields) {
			name = fields[i]
		}
		if name != "" {
			p.typed[st+"."+name] = append(p.typed[st+"."+name], fileNode{p, f, e})
			p.fields[name] = append(p.fields[name], fileNode{p, f, e})
		}
		if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
			e = u.X
		}
		if sub, ok := e.(*ast.CompositeLit); ok && sub.Type == nil && elem != nil {
			s.compositeFields(p, f, sub, elem)
		}
	}
}

// fieldNames lists the names of struct fields in order; an embedded
// field is named by its type.
func fieldNames(list []*ast.Field) []string {
	var names []string
	for _, fld := range list {
		if len(fld.Names) == 0 {
			t := fld.Type
			if st, ok := t.(*ast.StarExpr); ok {
				t = st.X
			}
			switch t := t.(type) {
			case *ast.Ident:
				names = append(names, t.Name)
			case *ast.SelectorExpr:
				names = append(names, t.Sel.Name)
			default:
				names = append(names, "")
			}
		}
		for _, n := range fld.Names {
			names = append(names, n.Name)
		}
	}
	return names
}

// structOf names the struct type of the package that a type expression
// is, or points to; "" for anything else.
func (p *pkgSrc) structOf(t ast.Expr) string {
	switch t := t.(type) {
	case *ast.StarExpr:
		return p.structOf(t.X)
	case *ast.ParenExpr:
		return p.structOf(t.X)
	case *ast.Ident:
		if _, ok := p.structs[t.Name]; ok {
			return t.Name
		}
	}
	return ""
}

// fieldType is the type of a field of a struct type of the package.
func (p *pkgSrc) fieldType(st, name string) ast.Expr {
	for _, fld := range p.structs[st] {
		for _, n := range fld.Names {
			if n.Name == name {
				return fld.Type
			}
		}
	}
	return nil
}

// elemType is the element type of a slice, array or map type.
func elemType(t ast.Expr) ast.Expr {
	switch t := t.(type) {
	case *ast.ArrayType:
		return t.Elt
	case *ast.MapType:
		return t.Value
	case *ast.ParenExpr:
		return elemType(t.X)
	}
	return nil
}

// typeOf finds, from the syntax alone, the type of an expression of the
// package: nil when it cannot tell. It is enough to tell c.Label of a
// ListColumn from c.Label of a ConflictRow.
func (s *scan) typeOf(r fileNode, depth int) ast.Expr {
	if depth > maxDepth {
		return nil
	}
	p, f := r.pkg, r.file
	sub := func(e ast.Expr) fileNode { return fileNode{p, f, e} }
	switch e := r.e.(type) {
	case *ast.ParenExpr:
		return s.typeOf(sub(e.X), depth+1)
	case *ast.StarExpr:
		if t, ok := s.typeOf(sub(e.X), depth+1).(*ast.StarExpr); ok {
			return t.X
		}
	case *ast.UnaryExpr:
		if e.Op == token.AND {
			return s.typeOf(sub(e.X), depth+1)
		}
	case *ast.CompositeLit:
		return e.Type
	case *ast.SelectorExpr:
		t := s.typeOf(sub(e.X), depth+1)
		for {
			if x, ok := t.(*ast.StarExpr); ok {
				t = x.X
			} else if x, ok := t.(*ast.ParenExpr); ok {
				t = x.X
			} else {
				break
			}
		}
		if st, ok := t.(*ast.StructType); ok { // an anonymous struct
			for _, fld := range st.Fields.List {
				for _, n := range fld.Names {
					if n.Name == e.Sel.Name {
						return fld.Type
					}
				}
			}
			return nil
		}
		if st := p.structOf(t); st != "" {
			return p.fieldType(st, e.Sel.Name)
		}
	case *ast.IndexExpr:
		return elemType(s.typeOf(sub(e.X), depth+1))
	case *ast.CallExpr:
		var decls []fileNode
		switch fun := e.Fun.(type) {
		case *ast.Ident:
			decls = p.funcs[fun.Name]
		case *ast.SelectorExpr:
			if x, ok := fun.X.(*ast.Ident); ok && x.Obj == nil && p.imports[f][x.Name] != "" {
				return nil
			}
			decls = p.funcs[fun.Sel.Name]
		}
		for _, d := range decls {
			for _, fd := range d.file.Decls {
				if fn, ok := fd.(*ast.FuncDecl); ok && fn.Name.Name == calleeName(e.Fun) && fn.Type.Results != nil && len(fn.Type.Results.List) > 0 {
					return fn.Type.Results.List[0].Type
				}
			}
		}
	case *ast.Ident:
		if e.Obj == nil {
			if vals := p.vars[e.Name]; len(vals) > 0 {
				return s.typeOf(vals[0], depth+1)
			}
			return nil
		}
		switch d := e.Obj.Decl.(type) {
		case *ast.Field:
			return d.Type
		case *ast.ValueSpec:
			if d.Type != nil {
				return d.Type
			}
			for i, n := range d.Names {
				if n.Obj == e.Obj && i < len(d.Values) && len(d.Values) == len(d.Names) {
					return s.typeOf(sub(d.Values[i]), depth+1)
				}
			}
		case *ast.AssignStmt:
			idx := slices.IndexFunc(d.Lhs, func(l ast.Expr) bool { x, ok := l.(*ast.Ident); return ok && x.Obj == e.Obj })
			if idx < 0 {
				return nil
			}
			if len(d.Rhs) == 1 {
				if u, ok := d.Rhs[0].(*ast.UnaryExpr); ok && u.Op == token.RANGE {
					if len(d.Lhs) == 2 && idx == 1 {
						return elemType(s.typeOf(sub(u.X), depth+1))
					}
					return nil
				}
			}
			if len(d.Rhs) == len(d.Lhs) {
				return s.typeOf(sub(d.Rhs[idx]), depth+1)
			}
			if idx == 0 && len(d.Rhs) == 1 {
				return s.typeOf(sub(d.Rhs[0]), depth+1)
			}
		}
	}
	return nil
}

func calleeName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		return e.Sel.Name
	case *ast.IndexExpr: // generic instantiation
		return calleeName(e.X)
	}
	return ""
}

// collect finds the translation calls of a file, and the always-collected
// formLabels values and Label fields.
func (s *scan) collect(p *pkgSrc, f *ast.File) {
	isI18n := func(x ast.Expr) bool {
		id, ok := x.(*ast.Ident)
		return ok && id.Obj == nil && strings.HasSuffix(p.imports[f][id.Name], "/internal/i18n")
	}
	inI18n := strings.HasSuffix(p.path, "/internal/i18n")
	var walk func(n ast.Node, fn *ast.FuncDecl)
	walk = func(n ast.Node, fn *ast.FuncDecl) {
		ast.Inspect(n, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var name string
			qualified, bare := false, false
			switch fun := call.Fun.(type) {
			case *ast.Ident:
				name, bare = fun.Name, true
			case *ast.SelectorExpr:
				name, qualified = fun.Sel.Name, isI18n(fun.X)
			}
			if (name != "T" && name != "Tf") || len(call.Args) == 0 {
				return true
			}
			if fn != nil && (fn.Name.Name == "T" || fn.Name.Name == "Tf") {
				return true // the definition of a translation wrapper
			}
			idx := 0
			_, lit0 := stringLit(call.Args[0])
			switch {
			case qualified || (bare && inI18n):
				idx = 1
			case name == "T" && len(call.Args) >= 2:
				idx = 1 // T(ctx, "…")
			case name == "Tf" && bare && !lit0 && len(call.Args) >= 2:
				idx = 1 // Tf(ctx, "…", …)
			}
			if idx >= len(call.Args) {
				return true
			}
			arg := call.Args[idx]
			pos := s.fset.Position(arg.Pos())
			vals, complete := s.resolve(fileNode{p, f, arg}, 0, map[ast.Node]bool{})
			for _, v := range vals {
				s.add(v.s, occurrence{v.pos, pos, ""})
			}
			if !complete {
				how := "not followed"
				uniq := map[string]bool{}
				for _, v := range vals {
					uniq[v.s] = true
				}
				if len(uniq) > 0 {
					how = fmt.Sprintf("%d strings found, the rest not followed", len(uniq))
				}
				s.unresolved = append(s.unresolved, fmt.Sprintf("%s: %s(%s): %s", s.rel(pos), name, exprString(arg), how))
			}
			return true
		})
	}
	for _, d := range f.Decls {
		fd, _ := d.(*ast.FuncDecl)
		walk(d, fd)
		if gd, ok := d.(*ast.GenDecl); ok {
			for _, sp := range gd.Specs {
				vs, ok := sp.(*ast.ValueSpec)
				if !ok {
					continue
				}
				for i, n := range vs.Names {
					if n.Name == "formLabels" && i < len(vs.Values) {
						s.addElems(p, f, vs.Values[i])
					}
				}
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if as, ok := n.(*ast.AssignStmt); ok {
			for i, l := range as.Lhs {
				if id, ok := l.(*ast.Ident); ok && id.Name == "formLabels" && i < len(as.Rhs) {
					s.addElems(p, f, as.Rhs[i])
				}
			}
		}
		return true
	})
}

func (s *scan) addElems(p *pkgSrc, f *ast.File, e ast.Expr) {
	lit, ok := e.(*ast.CompositeLit)
	if !ok {
		return
	}
	for _, el := range lit.Elts {
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			el = kv.Value
		}
		if v, ok := stringLit(el); ok {
			s.add(v, occurrence{s.fset.Position(el.Pos()), s.fset.Position(el.Pos()), "formLabels value"})
		}
	}
}

func (s *scan) add(msg string, o occurrence) {
	if strings.TrimSpace(msg) == "" {
		return
	}
	if !slices.Contains(s.msgs[msg], o) {
		s.msgs[msg] = append(s.msgs[msg], o)
	}
}

func (s *scan) messages() []string {
	out := make([]string, 0, len(s.msgs))
	for m := range s.msgs {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

func sortedDirs(m map[string]*pkgSrc) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (s *scan) where(msg string) string {
	o := s.msgs[msg]
	if len(o) == 0 {
		return ""
	}
	if o[0].call != o[0].pos {
		return s.rel(o[0].pos) + ", translated at " + s.rel(o[0].call)
	}
	if o[0].kind != "" {
		return s.rel(o[0].pos) + " (" + o[0].kind + ")"
	}
	return s.rel(o[0].pos)
}

func (s *scan) rel(p token.Position) string {
	r, err := filepath.Rel(s.root, p.Filename)
	if err != nil {
		r = p.Filename
	}
	return fmt.Sprintf("%s:%d", filepath.ToSlash(r), p.Line)
}

func stringLit(e ast.Expr) (string, bool) {
	if b, ok := e.(*ast.BasicLit); ok && b.Kind == token.STRING {
		v, err := strconv.Unquote(b.Value)
		return v, err == nil
	}
	return "", false
}

func exprString(e ast.Expr) string {
	var b strings.Builder
	var w func(e ast.Expr)
	w = func(e ast.Expr) {
		switch e := e.(type) {
		case *ast.Ident:
			b.WriteString(e.Name)
		case *ast.SelectorExpr:
			w(e.X)
			b.WriteString("." + e.Sel.Name)
		case *ast.CallExpr:
			w(e.Fun)
			b.WriteString("(…)")
		case *ast.IndexExpr:
			w(e.X)
			b.WriteString("[")
			w(e.Index)
			b.WriteString("]")
		case *ast.BasicLit:
			b.WriteString(e.Value)
		case *ast.StarExpr:
			b.WriteString("*")
			w(e.X)
		case *ast.ParenExpr:
			b.WriteString("(")
			w(e.X)
			b.WriteString(")")
		default:
			fmt.Fprintf(&b, "%T", e)
		}
	}
	w(e)
	return b.String()
}

const maxDepth = 8

// resolve finds the strings an expression can hold, and whether they are
// all of them.
func (s *scan) resolve(r fileNode, depth int, seen map[ast.Node]bool) ([]found, bool) {
	if depth > maxDepth {
		return nil, false
	}
	if seen[r.e] {
		return nil, true
	}
	seen[r.e] = true
	defer delete(seen, r.e)
	p, f := r.pkg, r.file
	sub := func(e ast.Expr) fileNode { return fileNode{p, f, e} }
	switch e := r.e.(type) {
	case *ast.BasicLit:
		v, ok := stringLit(e)
		if !ok {
			return nil, false
		}
		return []found{{v, s.fset.Position(e.Pos())}}, true
	case *ast.ParenExpr:
		return s.resolve(sub(e.X), depth+1, seen)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return nil, false
		}
		a, oka := s.resolve(sub(e.X), depth+1, seen)
		b, okb := s.resolve(sub(e.Y), depth+1, seen)
		var out []found
		for _, x := range a {
			for _, y := range b {
				out = append(out, found{x.s + y.s, x.pos})
			}
		}
		return out, oka && okb
	case *ast.Ident:
		return s.resolveIdent(r, e, depth, seen)
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok && x.Obj == nil {
			if path, ok := p.imports[f][x.Name]; ok {
				q := s.byPath[path]
				if q == nil {
					return nil, false
				}
				return s.resolveAll(q.vars[e.Sel.Name], depth, seen)
			}
		}
		name := e.Sel.Name
		t := s.typeOf(sub(e.X), 0)
		st := p.structOf(t)
		if st != "" && p.fieldType(st, name) != nil {
			vals := p.typed[st+"."+name]
			for _, a := range p.setters[name] {
				if at := p.structOf(s.typeOf(a.x, 0)); at == st || at == "" {
					vals = append(vals, a.value)
				}
			}
			if len(vals) == 0 {
				return nil, false
			}
			return s.resolveAll(vals, depth, seen)
		}
		if t != nil && st == "" {
			return nil, false // a field of another package's type
		}
		// The type is not known: any field of that name, but only once in
		// a chain, lest x.Label lead to y.Name and so to every Name.
		vals := p.fields[name]
		if len(vals) == 0 || s.guessing {
			return nil, false
		}
		s.guessing = true
		defer func() { s.guessing = false }()
		return s.resolveAll(vals, depth, seen)
	case *ast.CallExpr:
		name := calleeName(e.Fun)
		if name == "T" || name == "Tf" {
			return nil, true // collected where it is called
		}
		return s.resolveResults(r, e, 0, depth, seen)
	case *ast.IndexExpr:
		if v, ok := s.resolveRowIndex(r, e, depth, seen); ok {
			return v, true
		}
		elems, ok := s.elems(sub(e.X), false, depth+1, seen)
		var out []found
		for _, el := range elems {
			v, okv := s.resolve(el, depth+1, seen)
			out = append(out, v...)
			ok = ok && okv
		}
		return out, ok && len(elems) > 0
	}
	return nil, false
}

// resolveRowIndex resolves row[k] where row ranges over a literal of
// literals, such as d[1] in for _, d := range [][2]string{{"a", "A"}}.
func (s *scan) resolveRowIndex(r fileNode, e *ast.IndexExpr, depth int, seen map[ast.Node]bool) ([]found, bool) {
	lit, ok := e.Index.(*ast.BasicLit)
	if !ok || lit.Kind != token.INT {
		return nil, false
	}
	k, err := strconv.Atoi(lit.Value)
	if err != nil {
		return nil, false
	}
	row, ok := e.X.(*ast.Ident)
	if !ok || row.Obj == nil {
		return nil, false
	}
	as, ok := row.Obj.Decl.(*ast.AssignStmt)
	if !ok || len(as.Lhs) != 2 || len(as.Rhs) != 1 {
		return nil, false
	}
	if x, ok := as.Lhs[1].(*ast.Ident); !ok || x.Obj != row.Obj {
		return nil, false
	}
	u, ok := as.Rhs[0].(*ast.UnaryExpr)
	if !ok || u.Op != token.RANGE {
		return nil, false
	}
	rows, ok := s.elems(fileNode{r.pkg, r.file, u.X}, false, depth+1, seen)
	if !ok || len(rows) == 0 {
		return nil, false
	}
	var out []found
	for _, rw := range rows {
		l, ok := rw.e.(*ast.CompositeLit)
		if !ok || k >= len(l.Elts) {
			return nil, false
		}
		el := l.Elts[k]
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			el = kv.Value
		}
		v, ok := s.resolve(fileNode{rw.pkg, rw.file, el}, depth+1, seen)
		if !ok {
			return nil, false
		}
		out = append(out, v...)
	}
	return out, true
}

func (s *scan) resolveAll(ns []fileNode, depth int, seen map[ast.Node]bool) ([]found, bool) {
	var out []found
	complete := true
	for _, n := range ns {
		v, ok := s.resolve(n, depth+1, seen)
		out = append(out, v...)
		complete = complete && ok
	}
	return out, complete
}

func (s *scan) resolveIdent(r fileNode, id *ast.Ident, depth int, seen map[ast.Node]bool) ([]found, bool) {
	p, f := r.pkg, r.file
	if id.Obj == nil {
		if vals, ok := p.vars[id.Name]; ok {
			return s.resolveAll(vals, depth, seen)
		}
		return nil, false
	}
	var out []found
	complete := true
	more := func(v []found, ok bool) {
		out = append(out, v...)
		complete = complete && ok
	}
	switch d := id.Obj.Decl.(type) {
	case *ast.Field:
		po, ok := p.params[d]
		if !ok {
			return nil, false // a parameter of a function literal, or a struct field
		}
		idx := po.index
		for i, n := range d.Names {
			if n.Name == id.Name {
				idx += i
			}
		}
		if d.Type != nil {
			if _, variadic := d.Type.(*ast.Ellipsis); variadic {
				return nil, false
			}
		}
		sites := s.callSites(p, po.fn)
		if len(sites) == 0 {
			return nil, false
		}
		for _, c := range sites {
			if idx < len(c.call.Args) {
				more(s.resolve(fileNode{c.pkg, c.file, c.call.Args[idx]}, depth+1, seen))
			}
		}
	case *ast.AssignStmt:
		idx := slices.IndexFunc(d.Lhs, func(e ast.Expr) bool { x, ok := e.(*ast.Ident); return ok && x.Obj == id.Obj })
		if idx < 0 {
			return nil, false
		}
		if len(d.Rhs) == 1 {
			if u, ok := d.Rhs[0].(*ast.UnaryExpr); ok && u.Op == token.RANGE {
				keys := len(d.Lhs) == 1 || idx == 0
				elems, ok := s.elems(fileNode{p, f, u.X}, keys, depth+1, seen)
				complete = ok && len(elems) > 0
				for _, el := range elems {
					more(s.resolve(el, depth+1, seen))
				}
				return out, complete
			}
		}
		switch {
		case len(d.Rhs) == len(d.Lhs):
			more(s.resolve(fileNode{p, f, d.Rhs[idx]}, depth+1, seen))
		case len(d.Rhs) == 1:
			if c, ok := d.Rhs[0].(*ast.CallExpr); ok {
				more(s.resolveResults(fileNode{p, f, c}, c, idx, depth+1, seen))
			} else {
				complete = false
			}
		}
	case *ast.ValueSpec:
		idx := slices.IndexFunc(d.Names, func(n *ast.Ident) bool { return n.Obj == id.Obj })
		switch {
		case idx < 0:
			return nil, false
		case idx < len(d.Values) && len(d.Values) == len(d.Names):
			more(s.resolve(fileNode{p, f, d.Values[idx]}, depth+1, seen))
		case len(d.Values) == 1:
			if c, ok := d.Values[0].(*ast.CallExpr); ok {
				more(s.resolveResults(fileNode{p, f, c}, c, idx, depth+1, seen))
			} else {
				complete = false
			}
		case len(d.Values) == 0 && len(p.assigns[id.Obj]) == 0:
			return nil, false // the zero value, or set in a way not followed
		}
	default:
		return nil, false
	}
	for _, a := range p.assigns[id.Obj] {
		more(s.resolve(a, depth+1, seen))
	}
	return out, complete
}

// callSites lists the calls of a function of package p.
func (s *scan) callSites(p *pkgSrc, fn *ast.FuncDecl) []callSite {
	var out []callSite
	name := fn.Name.Name
	for _, d := range sortedDirs(s.pkgs) {
		q := s.pkgs[d]
		for _, c := range q.calls[name] {
			switch fun := c.call.Fun.(type) {
			case *ast.Ident:
				if q == p && fn.Recv == nil {
					out = append(out, c)
				}
			case *ast.SelectorExpr:
				x, _ := fun.X.(*ast.Ident)
				pkgQualified := x != nil && x.Obj == nil && q.imports[c.file][x.Name] != ""
				switch {
				case fn.Recv != nil && !pkgQualified:
					out = append(out, c) // a method of that name
				case fn.Recv == nil && pkgQualified && q.imports[c.file][x.Name] == p.path:
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// resolveResults resolves the idx-th result of calling a function of the
// scanned source.
func (s *scan) resolveResults(r fileNode, call *ast.CallExpr, idx, depth int, seen map[ast.Node]bool) ([]found, bool) {
	p, f := r.pkg, r.file
	var decls []fileNode
	switch fun := call.Fun.(type) {
	case *ast.Ident:
		decls = p.funcs[fun.Name]
	case *ast.SelectorExpr:
		if x, ok := fun.X.(*ast.Ident); ok && x.Obj == nil {
			if path, ok := p.imports[f][x.Name]; ok {
				if q := s.byPath[path]; q != nil {
					decls = q.funcs[fun.Sel.Name]
				}
				break
			}
		}
		decls = p.funcs[fun.Sel.Name]
	}
	if len(decls) == 0 {
		return nil, false
	}
	var out []found
	complete := true
	for _, d := range decls {
		for _, fd := range d.file.Decls {
			fn, ok := fd.(*ast.FuncDecl)
			if !ok || fn.Body == nil || fn.Name.Name != calleeName(call.Fun) {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.FuncLit:
					return false
				case *ast.ReturnStmt:
					if idx < len(n.Results) {
						v, ok := s.resolve(fileNode{d.pkg, d.file, n.Results[idx]}, depth+1, seen)
						out = append(out, v...)
						complete = complete && ok
					} else {
						complete = false
					}
				}
				return true
			})
		}
	}
	return out, complete
}

// elems lists the element (or key) expressions of a slice or map.
func (s *scan) elems(r fileNode, keys bool, depth int, seen map[ast.Node]bool) ([]fileNode, bool) {
	if depth > maxDepth {
		return nil, false
	}
	p, f := r.pkg, r.file
	switch e := r.e.(type) {
	case *ast.CompositeLit:
		var out []fileNode
		for _, el := range e.Elts {
			if kv, ok := el.(*ast.KeyValueExpr); ok {
				if keys {
					el = kv.Key
				} else {
					el = kv.Value
				}
			} else if keys {
				return nil, false // indexes of a slice
			}
			out = append(out, fileNode{p, f, el})
		}
		return out, true
	case *ast.Ident:
		var defs []fileNode
		if e.Obj == nil {
			defs = p.vars[e.Name]
		} else if vs, ok := e.Obj.Decl.(*ast.ValueSpec); ok {
			for i, n := range vs.Names {
				if n.Obj == e.Obj && i < len(vs.Values) {
					defs = append(defs, fileNode{p, f, vs.Values[i]})
				}
			}
		} else if as, ok := e.Obj.Decl.(*ast.AssignStmt); ok && len(as.Lhs) == len(as.Rhs) {
			for i, l := range as.Lhs {
				if x, ok := l.(*ast.Ident); ok && x.Obj == e.Obj {
					defs = append(defs, fileNode{p, f, as.Rhs[i]})
				}
			}
		}
		if len(defs) == 0 {
			return nil, false
		}
		var out []fileNode
		complete := true
		for _, d := range defs {
			el, ok := s.elems(d, keys, depth+1, seen)
			out = append(out, el...)
			complete = complete && ok
		}
		return out, complete
	case *ast.CallExpr:
		if id, ok := e.Fun.(*ast.Ident); ok && id.Name == "append" && id.Obj == nil {
			var out []fileNode
			complete := true
			for i, a := range e.Args {
				if i > 0 && !e.Ellipsis.IsValid() {
					out = append(out, fileNode{p, f, a})
					continue
				}
				el, ok := s.elems(fileNode{p, f, a}, keys, depth+1, seen)
				out = append(out, el...)
				complete = complete && ok
			}
			return out, complete
		}
	}
	return nil, false
}

// ---- model metadata ----

// The pages also show what the models declare, translated at run time
// (v.T(f.String), v.T(label) of a selection…), which the scanner cannot
// follow from the calls. So it collects, wherever they are written:
//
//   - the String (label) and Help of orm.Field literals, and the label
//     the orm gives a field declared without a String (from its Name);
//   - the Description of orm.Model literals;
//   - the labels (second elements) of a Field's Selection, whether a
//     [][2]string literal or a variable holding one (of the package, or
//     another package's such as crm.Priorities);
//   - the argument of i18n.N("…"), which marks default data (stage
//     names, lost reasons, activity types…) for translation.
//
// Names, selection keys and other technical values are not collected.

// ormType tells whether a type expression is the orm package's type name
// (or a pointer to it), written in package p's file f.
func (s *scan) ormType(p *pkgSrc, f *ast.File, t ast.Expr, name string) bool {
	switch t := t.(type) {
	case *ast.StarExpr:
		return s.ormType(p, f, t.X, name)
	case *ast.ParenExpr:
		return s.ormType(p, f, t.X, name)
	case *ast.Ident:
		return t.Name == name && (t.Obj == nil || t.Obj.Kind == ast.Typ) && strings.HasSuffix(p.path, "/internal/orm")
	case *ast.SelectorExpr:
		x, ok := t.X.(*ast.Ident)
		return ok && x.Obj == nil && t.Sel.Name == name && strings.HasSuffix(p.imports[f][x.Name], "/internal/orm")
	}
	return false
}

// collectMetadata collects the labels, help texts and descriptions of
// the models declared in a file, and the strings marked with i18n.N.
func (s *scan) collectMetadata(p *pkgSrc, f *ast.File) {
	inI18n := strings.HasSuffix(p.path, "/internal/i18n")
	var lit func(l *ast.CompositeLit, typ ast.Expr)
	// lit looks at a composite literal of type typ (its own, or the
	// element type of the literal it is written in when elided).
	lit = func(l *ast.CompositeLit, typ ast.Expr) {
		switch {
		case s.ormType(p, f, typ, "Field"):
			s.fieldLit(p, f, l)
			return
		case s.ormType(p, f, typ, "Model"):
			for _, e := range l.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok && isKey(kv, "Description") {
					s.addMeta(p, f, kv.Value, "model description")
				}
			}
			return
		}
		// []*orm.Field{{…}, {…}}: elided element types
		if elem := elemType(typ); elem != nil {
			for _, e := range l.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					e = kv.Value
				}
				if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
					e = u.X
				}
				if sub, ok := e.(*ast.CompositeLit); ok && sub.Type == nil {
					lit(sub, elem)
				}
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CompositeLit:
			if n.Type != nil {
				lit(n, n.Type)
			}
		case *ast.CallExpr:
			if len(n.Args) != 1 {
				break
			}
			isN := false
			switch fun := n.Fun.(type) {
			case *ast.Ident:
				isN = fun.Name == "N" && inI18n
			case *ast.SelectorExpr:
				x, ok := fun.X.(*ast.Ident)
				isN = ok && x.Obj == nil && fun.Sel.Name == "N" && strings.HasSuffix(p.imports[f][x.Name], "/internal/i18n")
			}
			if isN {
				s.addMeta(p, f, n.Args[0], "marked with i18n.N")
			}
		}
		return true
	})
}

func isKey(kv *ast.KeyValueExpr, name string) bool {
	k, ok := kv.Key.(*ast.Ident)
	return ok && k.Name == name
}

// fieldLit collects the label, help and selection labels of an orm.Field
// literal.
func (s *scan) fieldLit(p *pkgSrc, f *ast.File, l *ast.CompositeLit) {
	var name ast.Expr
	labelled := false
	for _, e := range l.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		if !ok {
			continue // orm.Field is always written with keys
		}
		switch {
		case isKey(kv, "Name"):
			name = kv.Value
		case isKey(kv, "String"):
			labelled = true
			s.addMeta(p, f, kv.Value, "field label")
		case isKey(kv, "Help"):
			s.addMeta(p, f, kv.Value, "field help")
		case isKey(kv, "Selection"):
			s.selection(p, f, kv.Value)
		}
	}
	// a field without a String is labelled from its name by the orm
	// (defaultLabel): partner_id → "Partner".
	if n, ok := stringLit(name); ok && !labelled && n != "" {
		n = strings.TrimSuffix(strings.TrimSuffix(n, "_ids"), "_id")
		n = strings.ReplaceAll(strings.ToUpper(n[:1])+n[1:], "_", " ")
		s.add(n, occurrence{s.fset.Position(name.Pos()), s.fset.Position(name.Pos()), "field label the orm makes of its name"})
	}
}

// selection collects the labels of a Field's Selection: a [][2]string
// literal, or a variable holding one.
func (s *scan) selection(p *pkgSrc, f *ast.File, e ast.Expr) {
	r := fileNode{p, f, e}
	if sel, ok := e.(*ast.SelectorExpr); ok { // otherpkg.Var
		if x, ok := sel.X.(*ast.Ident); ok && x.Obj == nil {
			if q := s.byPath[p.imports[f][x.Name]]; q != nil {
				if vals := q.vars[sel.Sel.Name]; len(vals) == 1 {
					r = vals[0]
				}
			}
		}
	}
	rows, complete := s.elems(r, false, 0, map[ast.Node]bool{})
	for _, row := range rows {
		l, ok := row.e.(*ast.CompositeLit)
		if !ok || len(l.Elts) != 2 {
			complete = false
			continue
		}
		if !s.addMeta(row.pkg, row.file, l.Elts[1], "selection label") {
			complete = false
		}
	}
	if !complete || len(rows) == 0 {
		pos := s.fset.Position(e.Pos())
		s.unresolved = append(s.unresolved, fmt.Sprintf("%s: Selection: %s: labels not followed", s.rel(pos), exprString(e)))
	}
}

// addMeta collects the strings an expression of model metadata holds,
// and tells whether they are all of them (those not are listed by go
// test -v).
func (s *scan) addMeta(p *pkgSrc, f *ast.File, e ast.Expr, kind string) bool {
	vals, complete := s.resolve(fileNode{p, f, e}, 0, map[ast.Node]bool{})
	for _, v := range vals {
		s.add(v.s, occurrence{v.pos, v.pos, kind})
	}
	if !complete {
		pos := s.fset.Position(e.Pos())
		s.unresolved = append(s.unresolved, fmt.Sprintf("%s: %s %s: not followed", s.rel(pos), kind, exprString(e)))
	}
	return complete
}
