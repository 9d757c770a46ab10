package orm

import (
	"fmt"
	"sort"
	"strings"
)

// Values holds field values of one record, keyed by field name. Inside the
// ORM values are canonical Go values: string, int64, float64, bool,
// time.Time (datetimes, UTC), "YYYY-MM-DD" strings (dates), []byte
// (binary), int64 ids (many2one) and []int64 (x2many); nil means unset.
type Values map[string]any

// Method is a public model method callable through the API. Params lists
// the named parameters in positional order, so that XML-RPC's positional
// arguments map onto JSON-2's named ones.
type Method struct {
	Name string
	// Model methods (@api.model in Odoo) take no record ids.
	Model  bool
	Params []string
	// ReadOnly methods may run on a read transaction.
	ReadOnly bool
	Doc      string
	Fn       func(env *Env, c *Call) (any, error)
}

// Call is one invocation of a Method.
type Call struct {
	Model *Model
	IDs   []int64
	Args  map[string]any
}

// Hooks let a module add business rules around the generic operations.
type Hooks struct {
	// BeforeCreate may fill or check values before the insert.
	BeforeCreate func(env *Env, vals Values) error
	// AfterCreate runs once the record exists.
	AfterCreate func(env *Env, id int64, vals Values) error
	// AfterCreateMany, when set, runs instead of AfterCreate once for the
	// records of one Create call, in their order, so that their follow-up
	// writes can be batched as well.
	AfterCreateMany func(env *Env, ids []int64, vals []Values) error
	// BeforeWrite may add values or refuse; old holds the records'
	// current stored values, in the order of ids.
	BeforeWrite func(env *Env, old []Values, vals Values) error
	// BeforeWriteRecord adjusts one record before it is written: old is
	// its stored state, rec the state about to be written (old merged
	// with vals), which the hook may change.
	BeforeWriteRecord func(env *Env, old, rec, vals Values) error
	// AfterWrite runs after the update, with the values written.
	AfterWrite func(env *Env, ids []int64, vals Values) error
	// BeforeUnlink may refuse a deletion.
	BeforeUnlink func(env *Env, ids []int64) error
}

// Model is a declared model: a table, its fields and its methods.
type Model struct {
	Name        string // e.g. "crm.lead"
	Table       string // e.g. "crm_lead"
	Description string
	// Order is the default order, in Odoo's syntax.
	Order string
	// RecName is the field giving the display name (default "name").
	RecName string
	// ParentName is the hierarchy field for child_of and parent_of.
	ParentName string
	// NameSearch lists the fields name_search and relational name
	// searches look in (default: RecName).
	NameSearch []string
	// DisplayName computes display names when RecName is not enough.
	DisplayName func(env *Env, recs []Values) []string
	// DisplayFields are the fields DisplayName needs.
	DisplayFields []string
	Hooks         []Hooks
	// BulkCreate inserts the records of one Create call with multi-row
	// INSERT statements (see Env.Create for what it asks of the hooks).
	BulkCreate bool
	// TrackSubtype names the subtype of tracking messages.
	TrackSubtype TrackingSubtype
	// Rollups are tables of counts and sums per group that ReadGroup
	// reads instead of Table when a query allows (rollup.go), the first
	// that does.
	Rollups []*Rollup
	// TextIndex is the SQLite text index over some of the fields, which
	// like and ilike use when it names few rows (text.go).
	TextIndex *TextIndex

	fields     map[string]*Field
	fieldOrder []string
	fieldList  []*Field // fields in fieldOrder, rebuilt by AddFields
	methods    map[string]*Method
	reg        *Registry
}

// Field returns a field by name, or nil.
func (m *Model) Field(name string) *Field { return m.fields[name] }

// Fields returns all fields in declaration order.
// The slice is shared: callers range over it and must not change it.
func (m *Model) Fields() []*Field { return m.fieldList }

// Method returns a public method by name, or nil.
func (m *Model) Method(name string) *Method { return m.methods[name] }

// Methods returns the public methods sorted by name.
func (m *Model) Methods() []*Method {
	out := make([]*Method, 0, len(m.methods))
	for _, x := range m.methods {
		out = append(out, x)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// HasActive tells whether records can be archived.
func (m *Model) HasActive() bool {
	f := m.fields["active"]
	return f != nil && f.Type == Boolean && f.Stored()
}

// AddFields declares fields; it is meant for module set-up only.
func (m *Model) AddFields(fs ...*Field) {
	for _, f := range fs {
		if _, dup := m.fields[f.Name]; !dup {
			m.fieldOrder = append(m.fieldOrder, f.Name)
		}
		f.model = m
		if f.String == "" {
			f.String = defaultLabel(f.Name)
		}
		if f.Aggregator == "" && f.Numeric() && f.Name != "id" && f.Name != "sequence" && f.Name != "color" {
			f.Aggregator = "sum"
		}
		if f.Type == Many2many && f.RelTable == "" && f.Relation != "" {
			a, b := m.Table, strings.ReplaceAll(f.Relation, ".", "_")
			if a > b {
				a, b = b, a
			}
			f.RelTable = a + "_" + b + "_rel"
			f.Column1 = m.Table + "_id"
			f.Column2 = b + "_id"
			if b == m.Table {
				f.Column2 = strings.ReplaceAll(f.Relation, ".", "_") + "_id"
			}
		}
		m.fields[f.Name] = f
	}
	list := make([]*Field, len(m.fieldOrder))
	for i, n := range m.fieldOrder {
		list[i] = m.fields[n]
	}
	m.fieldList = list
}

// MarkNotNull sets Field.NotNull on the stored fields whose column the
// schema declares NOT NULL (cols: table -> columns, see db.NotNullColumns).
// It is part of setting the registry up, before any call.
func (r *Registry) MarkNotNull(cols map[string]map[string]bool) {
	for _, m := range r.Models() {
		for _, f := range m.Fields() {
			if f.Stored() && cols[m.Table][f.Name] {
				f.NotNull = true
			}
		}
	}
}

// AddMethod registers a public method; a later registration with the
// same name replaces the earlier one (a module overriding a generic one).
func (m *Model) AddMethod(meth *Method) { m.methods[meth.Name] = meth }

func defaultLabel(name string) string {
	name = strings.TrimSuffix(strings.TrimSuffix(name, "_ids"), "_id")
	words := strings.Split(name, "_")
	for i, w := range words {
		if w != "" && i == 0 {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// Registry holds every model. It is built once at start-up and is not
// changed afterwards, so it is safe for concurrent use.
type Registry struct {
	models map[string]*Model
	order  []string
	ext    map[string][]any
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{models: map[string]*Model{}, ext: map[string][]any{}} }

// Extend registers a module extension point implementation under a name
// (e.g. "crm.merge": a function another module provides); set-up only.
func (r *Registry) Extend(name string, impl any) { r.ext[name] = append(r.ext[name], impl) }

// Extensions returns what modules registered under name.
func (r *Registry) Extensions(name string) []any { return r.ext[name] }

// Model returns a model by name, or nil.
func (r *Registry) Model(name string) *Model { return r.models[name] }

// Models returns every model sorted by name.
func (r *Registry) Models() []*Model {
	names := append([]string(nil), r.order...)
	sort.Strings(names)
	out := make([]*Model, len(names))
	for i, n := range names {
		out[i] = r.models[n]
	}
	return out
}

// Define declares a new model with its fields; the magic fields (id,
// display_name, create/write uid and date) are added here.
func (r *Registry) Define(m *Model, fields ...*Field) *Model {
	if _, dup := r.models[m.Name]; dup {
		panic("orm: model defined twice: " + m.Name)
	}
	if m.Table == "" {
		m.Table = strings.ReplaceAll(m.Name, ".", "_")
	}
	if m.Order == "" {
		m.Order = "id"
	}
	m.fields = map[string]*Field{}
	m.methods = map[string]*Method{}
	m.reg = r
	m.AddFields(&Field{Name: "id", Type: Integer, String: "ID", Readonly: true})
	m.AddFields(fields...)
	if m.RecName == "" {
		if m.fields["name"] != nil {
			m.RecName = "name"
		} else {
			m.RecName = "id"
		}
	}
	if len(m.NameSearch) == 0 {
		m.NameSearch = []string{m.RecName}
	}
	m.AddFields(
		&Field{Name: "display_name", Type: Char, String: "Display Name", Readonly: true, NotStored: true},
		&Field{Name: "create_uid", Type: Many2one, Relation: "res.users", String: "Created by", Readonly: true},
		// the ORM fills both dates on every create: no NULL to place in an
		// order on them, which lets SQLite walk their indexes (NotNull)
		&Field{Name: "create_date", Type: Datetime, String: "Created on", Readonly: true, Index: true, NotNull: true},
		&Field{Name: "write_uid", Type: Many2one, Relation: "res.users", String: "Last Updated by", Readonly: true},
		&Field{Name: "write_date", Type: Datetime, String: "Last Updated on", Readonly: true, NotNull: true},
	)
	r.models[m.Name] = m
	r.order = append(r.order, m.Name)
	addGenericMethods(m)
	return m
}

// Check verifies that relations point at declared models and fields.
func (r *Registry) Check() error {
	for _, m := range r.models {
		for _, f := range m.Fields() {
			if f.IsRelational() {
				co := r.models[f.Relation]
				if co == nil {
					return fmt.Errorf("orm: %s.%s: unknown comodel %q", m.Name, f.Name, f.Relation)
				}
				if f.Type == One2many {
					inv := co.fields[f.InverseName]
					if inv == nil || inv.Type != Many2one {
						return fmt.Errorf("orm: %s.%s: inverse %q is not a many2one of %s", m.Name, f.Name, f.InverseName, co.Name)
					}
				}
			}
			if f.Type == Selection && len(f.Selection) == 0 {
				return fmt.Errorf("orm: %s.%s: selection without values", m.Name, f.Name)
			}
		}
		if m.fields[m.RecName] == nil {
			return fmt.Errorf("orm: %s: rec name %q is not a field", m.Name, m.RecName)
		}
		if _, err := parseOrder(m, m.Order); err != nil {
			return fmt.Errorf("orm: %s: default order: %w", m.Name, err)
		}
	}
	return nil
}
