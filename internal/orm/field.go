package orm

// FieldType is the kind of value a field holds; the names are Odoo's.
type FieldType string

const (
	Char      FieldType = "char"
	Text      FieldType = "text"
	HTML      FieldType = "html"
	Integer   FieldType = "integer"
	Float     FieldType = "float"
	Monetary  FieldType = "monetary"
	Boolean   FieldType = "boolean"
	Date      FieldType = "date"
	Datetime  FieldType = "datetime"
	Selection FieldType = "selection"
	Many2one  FieldType = "many2one"
	One2many  FieldType = "one2many"
	Many2many FieldType = "many2many"
	Binary    FieldType = "binary"
)

// Field declares one field of a model. Everything else (SQL, validation,
// the API's fields_get and /doc, list columns, import mapping) is derived
// from this declaration.
type Field struct {
	Name     string
	Type     FieldType
	String   string // label
	Help     string
	Required bool
	Readonly bool
	Index    bool
	// NotNull says the column holds no NULL: the schema declares it NOT
	// NULL (set from the database by Registry.MarkNotNull), or the ORM
	// fills it on every create (the creation and write dates). Orders on
	// it need no NULLS FIRST/LAST, which lets SQLite walk an index instead
	// of sorting (its NULLs sort first ascending, PostgreSQL's last).
	NotNull bool
	// NotStored fields have no column: computed on read (Compute) or
	// relational fields stored elsewhere (one2many, many2many).
	NotStored bool
	Default   func(env *Env) any
	Selection [][2]string // key, label
	// Relational fields.
	Relation    string // comodel
	InverseName string // one2many: the many2one on the comodel
	RelTable    string // many2many: relation table
	Column1     string // many2many: column pointing to this model
	Column2     string // many2many: column pointing to the comodel
	OnDelete    string // many2one: "set null", "restrict", "cascade"
	// Compute fills the field for a batch of records (stored computed
	// fields are recomputed when a field in Depends changes).
	Compute func(env *Env, recs []Values) error
	Depends []string
	// Tracking records changes of the field in the record's timeline.
	Tracking bool
	// Groups restricts the field to members of these groups (external ids).
	Groups     []string
	Aggregator string // "sum" (default for numbers), "avg", "max", "min", "" none
	Copy       *bool
	// Related is a dotted path read through relations (not stored).
	Related string
	// Translate marks a user-visible name translated per language.
	Translate bool
	// OrderSQL makes a computed field sortable: it returns the SQL
	// expression of the field for the record aliased as alias, binding
	// its values with q.
	OrderSQL func(env *Env, bind func(v any) string, alias string) string
	// Secret fields (passwords) are written but never read back.
	Secret bool
	// Currency is the many2one field giving a monetary field its currency.
	Currency string
	model    *Model
}

// Stored tells whether the field has a column in the model's table.
func (f *Field) Stored() bool {
	if f.NotStored || f.Related != "" {
		return false
	}
	return f.Type != One2many && f.Type != Many2many
}

// IsRelational is true for many2one, one2many and many2many.
func (f *Field) IsRelational() bool {
	return f.Type == Many2one || f.Type == One2many || f.Type == Many2many
}

// IsX2Many is true for one2many and many2many.
func (f *Field) IsX2Many() bool { return f.Type == One2many || f.Type == Many2many }

// Numeric is true for fields that aggregate.
func (f *Field) Numeric() bool {
	return f.Type == Integer || f.Type == Float || f.Type == Monetary
}

// Copied tells whether copy() carries the value over.
func (f *Field) Copied() bool {
	if f.Copy != nil {
		return *f.Copy
	}
	if f.Type == One2many || !f.Stored() && f.Type != Many2many {
		return false
	}
	switch f.Name {
	case "id", "create_uid", "create_date", "write_uid", "write_date":
		return false
	}
	return true
}

// SelectionLabel returns the label of a selection key.
func (f *Field) SelectionLabel(key string) string {
	for _, s := range f.Selection {
		if s[0] == key {
			return s[1]
		}
	}
	return key
}

// Model returns the model the field belongs to.
func (f *Field) Model() *Model { return f.model }

// Bool is a helper for Field.Copy.
func Bool(b bool) *bool { return &b }
