package imex

import (
	"sort"
	"strings"

	"github.com/kanso-crm/kanso/internal/i18n"
	"github.com/kanso-crm/kanso/internal/orm"
)

// kind says what a target column holds.
type kind int

const (
	kValue   kind = iota // a field's value (names for relational fields)
	kXID                 // field/id: the related record's external id
	kDBID                // field/.id: the related record's database id
	kRecXID              // id: the record's own external id
	kRecDBID             // .id: the record's own database id
)

// target is one field path fed by one or more columns.
type target struct {
	path  string // "name", "partner_id/id", "id", ".id"
	field *orm.Field
	kind  kind
	cols  []int // column indexes, in file order
	join  bool  // join the columns' values with a space (else first non-empty)
	// per column transformations from a preset
	values    map[int]map[string]string
	percent01 bool
	idPrefix  string
}

// Importable tells whether a field can be imported: stored (or
// many2many), writable, not computed, not binary, not secret.
func Importable(f *orm.Field) bool {
	if f.Readonly || f.Compute != nil || f.Related != "" || f.Secret || f.Type == orm.Binary || f.Type == orm.One2many {
		return false
	}
	switch f.Name {
	case "id", "display_name", "create_uid", "create_date", "write_uid", "write_date":
		return false
	}
	return f.Stored() || f.Type == orm.Many2many
}

// ImportableFields lists a model's importable fields in declaration order.
func ImportableFields(m *orm.Model) []*orm.Field {
	var out []*orm.Field
	for _, f := range m.Fields() {
		if Importable(f) {
			out = append(out, f)
		}
	}
	return out
}

var (
	xidHeaders  = []string{"id", "external id", "id extern", "id eksternal", "xml id"}
	dbidHeaders = []string{".id", "database id", "id bază de date", "id basis data"}
)

// fieldIndex finds importable fields by technical name or by label in
// English, Indonesian and Romanian (normalized); technical names win over
// labels, English labels over translated ones, earlier fields over later
// ones.
type fieldIndex struct {
	byName  map[string]*orm.Field
	byLabel map[string]*orm.Field
}

func newFieldIndex(m *orm.Model, lang string) *fieldIndex {
	ix := &fieldIndex{byName: map[string]*orm.Field{}, byLabel: map[string]*orm.Field{}}
	fields := ImportableFields(m)
	for _, f := range fields {
		ix.byName[strings.ToLower(f.Name)] = f
	}
	langs := []string{"en_US", "id_ID", "ro_RO"}
	for i, l := range langs { // the import's language first, then English
		if langFamily(l) == langFamily(lang) {
			langs[0], langs[i] = langs[i], langs[0]
		}
	}
	if langs[0] != "en_US" && langs[1] != "en_US" {
		langs[1], langs[2] = langs[2], langs[1]
	}
	for _, lang := range langs {
		for _, f := range fields {
			l := normalize(i18n.T(lang, f.String))
			if _, taken := ix.byLabel[l]; !taken {
				ix.byLabel[l] = f
			}
		}
	}
	return ix
}

func (ix *fieldIndex) find(h string) *orm.Field {
	if f := ix.byName[strings.ToLower(strings.TrimSpace(h))]; f != nil {
		return f
	}
	return ix.byLabel[normalize(h)]
}

// parsePath resolves a header or a mapping value ("partner_id",
// "Customer", "partner_id/id", "Customer/External ID", "id", ".id") to a
// target kind and field.
func (ix *fieldIndex) parsePath(h string) (kind, *orm.Field, bool) {
	n := normalize(h)
	for _, x := range xidHeaders {
		if n == x {
			return kRecXID, nil, true
		}
	}
	for _, x := range dbidHeaders {
		if n == x {
			return kRecDBID, nil, true
		}
	}
	if f := ix.find(h); f != nil {
		return kValue, f, true
	}
	if i := strings.LastIndex(h, "/"); i > 0 {
		f := ix.find(h[:i])
		if f == nil || (f.Type != orm.Many2one && f.Type != orm.Many2many) {
			return 0, nil, false
		}
		sub := normalize(h[i+1:])
		for _, x := range xidHeaders {
			if sub == x {
				return kXID, f, true
			}
		}
		for _, x := range dbidHeaders {
			if sub == x {
				return kDBID, f, true
			}
		}
	}
	return 0, nil, false
}

func pathOf(k kind, f *orm.Field) string {
	switch k {
	case kRecXID:
		return "id"
	case kRecDBID:
		return ".id"
	case kXID:
		return f.Name + "/id"
	case kDBID:
		return f.Name + "/.id"
	}
	return f.Name
}

// buildTargets maps the header row: the explicit map first (a column
// mapped to "" is ignored), then the preset, then labels and technical
// names. It returns the targets, the mapping (column → field paths) and
// the ignored columns. With ifPresent, explicit mappings of columns the
// file lacks are left out instead of refused.
func buildTargets(m *orm.Model, lang string, header []string, explicit map[string]string, ifPresent bool, p *preset) ([]*target, map[string]string, []string, error) {
	ix := newFieldIndex(m, lang)
	byPath := map[string]*target{}
	var order []string
	add := func(col int, k kind, f *orm.Field, pc *presetCol) {
		path := pathOf(k, f)
		t := byPath[path]
		if t == nil {
			t = &target{path: path, field: f, kind: k, values: map[int]map[string]string{}}
			byPath[path] = t
			order = append(order, path)
		}
		for _, c := range t.cols {
			if c == col {
				return
			}
		}
		t.cols = append(t.cols, col)
		if pc != nil {
			t.join = t.join || pc.Join
			t.percent01 = t.percent01 || pc.Percent01
			if pc.IDPrefix != "" {
				t.idPrefix = pc.IDPrefix
			}
			if len(pc.Values) > 0 {
				vm := map[string]string{}
				for k, v := range pc.Values {
					vm[normalize(k)] = v
				}
				t.values[col] = vm
			}
		}
	}
	// explicit mappings, keyed by normalized header
	exp := map[string]string{}
	for k, v := range explicit {
		exp[normalize(k)] = strings.TrimSpace(v)
	}
	used := map[string]bool{}
	done := make([]bool, len(header))
	skipped := make([]bool, len(header))
	for i, h := range header {
		v, ok := exp[normalize(h)]
		if !ok {
			continue
		}
		used[normalize(h)] = true
		done[i] = true
		if v == "" {
			skipped[i] = true
			continue
		}
		for _, part := range strings.Split(v, ",") {
			k, f, ok := ix.parsePath(strings.TrimSpace(part))
			if !ok {
				return nil, nil, nil, fileErrorf(i18n.N("column %q: %q is not an importable field of %s"), h, part, m.Name)
			}
			add(i, k, f, nil)
		}
	}
	for k := range exp {
		if !used[k] && !ifPresent {
			return nil, nil, nil, fileErrorf(i18n.N("the mapping names a column %q that the file does not have"), k)
		}
	}
	if p != nil {
		for i, h := range header {
			if done[i] {
				continue
			}
			for j := range p.Cols {
				pc := &p.Cols[j]
				if normalize(pc.Header) != normalize(h) {
					continue
				}
				if pc.Field == "id" {
					add(i, kRecXID, nil, pc)
					done[i] = true
					continue
				}
				k, f, ok := ix.parsePath(pc.Field)
				if !ok {
					continue // a field this installation lacks
				}
				add(i, k, f, pc)
				done[i] = true
			}
		}
	}
	for i, h := range header {
		if done[i] || strings.TrimSpace(h) == "" {
			continue
		}
		if k, f, ok := ix.parsePath(h); ok {
			add(i, k, f, nil)
			done[i] = true
		}
	}
	mapping := map[string]string{}
	var ignored []string
	for i, h := range header {
		if (!done[i] || skipped[i]) && strings.TrimSpace(h) != "" {
			ignored = append(ignored, h)
		}
	}
	targets := make([]*target, 0, len(order))
	for _, p := range order {
		t := byPath[p]
		sort.Ints(t.cols)
		targets = append(targets, t)
		for _, c := range t.cols {
			if mapping[header[c]] == "" {
				mapping[header[c]] = p
			} else {
				mapping[header[c]] += "," + p
			}
		}
	}
	// a field given both by name and by id columns: the id columns win
	seen := map[string]*target{}
	var out []*target
	for _, t := range targets {
		if t.field == nil {
			out = append(out, t)
			continue
		}
		if prev := seen[t.field.Name]; prev != nil {
			if prev.kind == kValue && t.kind != kValue {
				*prev = *t
			}
			continue
		}
		seen[t.field.Name] = t
		out = append(out, t)
	}
	// .id wins over id
	var rec, dbid *target
	for _, t := range out {
		switch t.kind {
		case kRecXID:
			rec = t
		case kRecDBID:
			dbid = t
		}
	}
	if rec != nil && dbid != nil {
		return nil, nil, nil, fileErrorf(i18n.N("the file has both an external id column (%s) and a database id column (%s): keep one"), header[rec.cols[0]], header[dbid.cols[0]])
	}
	return out, mapping, ignored, nil
}
