package imex

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/kanso-crm/kanso/internal/i18n"
	"github.com/kanso-crm/kanso/internal/orm"
)

// Message is a text shown to the user, kept as what translates it: its
// English format (marked with i18n.N where it is written, so that the
// catalogues have it) and its arguments. String gives the English text,
// Text the text in a language. Arguments of type Term and Terms (field
// labels, model descriptions, selection labels) are translated too.
//
// Messages travel in JSON (a job's result is recorded in the database
// and shown by any node): Args keeps the types of its arguments there.
type Message struct {
	Format string `json:",omitempty"`
	Args   Args   `json:",omitempty"`
}

// Term is an argument of a Message translated with it: a field label, a
// model description, a selection label, a word of the catalogues.
type Term string

// Terms is a list of terms, shown separated by commas.
type Terms []string

// Args are the arguments of a Message: strings, int64, float64, bool,
// Term and Terms.
type Args []any

// NewMessage builds a message from an English format marked with i18n.N;
// its arguments are normalised to the types Args holds (any integer
// becomes int64, an error or a Stringer its text).
func NewMessage(format string, args ...any) Message { return msg(format, args...) }

func msg(format string, args ...any) Message {
	m := Message{Format: format}
	if len(args) > 0 {
		m.Args = make(Args, len(args))
		for i, a := range args {
			m.Args[i], _ = normArg(a)
		}
	}
	return m
}

// normArg converts an argument to a type Args holds; ok is false when it
// had to be shown with fmt.Sprint (its verb may then print differently).
func normArg(a any) (any, bool) {
	switch x := a.(type) {
	case nil:
		return "", false
	case Term, Terms, string, int64, float64, bool:
		return x, true
	case error:
		return x.Error(), true
	case fmt.Stringer:
		return x.String(), true
	}
	v := reflect.ValueOf(a)
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return int64(v.Uint()), v.Uint() <= 1<<63-1
	case reflect.Float32, reflect.Float64:
		return v.Float(), true
	case reflect.String:
		return v.String(), true
	case reflect.Bool:
		return v.Bool(), true
	}
	return fmt.Sprint(a), false
}

// String is the message in English.
func (m Message) String() string { return m.Text("en_US") }

// Text is the message in lang ("ro_RO", "id_ID", …): its format and its
// Term arguments translated; what the catalogue lacks stays in English.
func (m Message) Text(lang string) string {
	if len(m.Args) == 0 {
		return i18n.T(lang, m.Format)
	}
	args := make([]any, len(m.Args))
	for i, a := range m.Args {
		switch x := a.(type) {
		case Term:
			args[i] = i18n.T(lang, string(x))
		case Terms:
			t := make([]string, len(x))
			for j, s := range x {
				t[j] = i18n.T(lang, s)
			}
			args[i] = strings.Join(t, ", ")
		default:
			args[i] = a
		}
	}
	return fmt.Sprintf(i18n.T(lang, m.Format), args...)
}

// MarshalJSON writes strings, integers and booleans as themselves, and
// floats, terms and lists of terms as {"float": …}, {"term": …} and
// {"terms": […]}, so that they read back as the same types.
func (a Args) MarshalJSON() ([]byte, error) {
	out := make([]any, len(a))
	for i, x := range a {
		switch v := x.(type) {
		case Term:
			out[i] = map[string]string{"term": string(v)}
		case Terms:
			out[i] = map[string][]string{"terms": v}
		case float64:
			out[i] = map[string]float64{"float": v}
		default:
			out[i] = v
		}
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (a *Args) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(Args, len(raw))
	for i, r := range raw {
		var obj struct {
			Term  *string  `json:"term"`
			Terms []string `json:"terms"`
			Float *float64 `json:"float"`
		}
		switch t := strings.TrimSpace(string(r)); {
		case strings.HasPrefix(t, "{"):
			if err := json.Unmarshal(r, &obj); err != nil {
				return err
			}
			switch {
			case obj.Term != nil:
				out[i] = Term(*obj.Term)
			case obj.Terms != nil:
				out[i] = Terms(obj.Terms)
			case obj.Float != nil:
				out[i] = *obj.Float
			default:
				return fmt.Errorf("imex: unknown message argument %s", t)
			}
		case strings.HasPrefix(t, `"`):
			var s string
			if err := json.Unmarshal(r, &s); err != nil {
				return err
			}
			out[i] = s
		case t == "true" || t == "false":
			out[i] = t == "true"
		default:
			var n int64
			if err := json.Unmarshal(r, &n); err != nil {
				return fmt.Errorf("imex: message argument %s: %w", t, err)
			}
			out[i] = n
		}
	}
	*a = out
	return nil
}

// msgError is an error of a row's cell (or record) with its message.
type msgError struct{ Message }

func (e *msgError) Error() string { return e.String() }

// errorf is a problem of a cell, in English and translatable.
func errorf(format string, args ...any) error { return &msgError{msg(format, args...)} }

// FileError stops an import because of the file, its mapping or the
// options: the user's to fix (shown, translated with Text), unlike a
// failure of the database. Import and Inspect return it for an empty,
// unreadable or legacy file, a file without header, a mapping naming a
// column the file lacks or a field that cannot be imported, an unknown
// model, preset or encoding, an update key without its column…
type FileError struct {
	Message
	Err error // the cause, if any (errors.Is(err, ErrLegacyXLS))
}

func (e *FileError) Error() string { return e.String() }
func (e *FileError) Unwrap() error { return e.Err }

// fileErrorf is a FileError.
func fileErrorf(format string, args ...any) *FileError {
	return &FileError{Message: msg(format, args...)}
}

// readError makes an error of the file's reader a FileError: the
// workbook reader's keep their English text and get a translated prefix.
func readError(err error) error {
	var fe *FileError
	switch {
	case err == nil || errors.As(err, &fe):
		return err
	case errors.Is(err, errNoSheet):
		return &FileError{Message: msg(i18n.N("the workbook has no worksheet")), Err: err}
	}
	const workbook = "cannot read the workbook: "
	if s := err.Error(); strings.HasPrefix(s, workbook) {
		return &FileError{Message: msg(i18n.N("cannot read the workbook: %s"), strings.TrimPrefix(s, workbook)), Err: err}
	}
	return &FileError{Message: msg(i18n.N("the file could not be read: %s"), err.Error()), Err: err}
}

// ormTerms are the messages of the ORM an import commonly meets, marked
// for translation here (the ORM does not mark its messages), with the
// indexes of their arguments that are words to translate (labels,
// descriptions, verbs).
var ormTerms = map[string][]int{
	i18n.N("The field %q (%s) is required on %s."):                                                                {0, 2},
	i18n.N("Wrong value for %s: %q is not one of %s"):                                                             nil,
	i18n.N("Invalid value for %s: record %s(%d) does not exist"):                                                  nil,
	i18n.N("Invalid value for field %q (%s): %s"):                                                                 nil,
	i18n.N("Record %s(%d) does not exist"):                                                                        nil,
	i18n.N("Record does not exist or has been deleted.\n(Record: %s(%s), User: %d)"):                              nil,
	i18n.N("You are not allowed to %s '%s' (%s) records."):                                                        {0, 1},
	i18n.N("Due to security restrictions, you are not allowed to %s '%s' (%s) records.\n\nRecords: %s\nUser: %d"): {0, 1},
	// crm.lead's own check of the name, the commonest refusal of a lead
	i18n.N("The field \"Opportunity\" (name) is required: give the lead a name or a customer."): nil,
}

// The verbs of the ORM's access errors (orm.accessVerb).
var _ = []string{i18n.N("access"), i18n.N("modify"), i18n.N("create"), i18n.N("delete")}

// ormMessage is the message of an ORM error, when it was built from a
// format (and its arguments print alike once normalised).
func ormMessage(e *orm.Error) *Message {
	if e.Format == "" {
		return nil
	}
	terms := ormTerms[e.Format]
	m := Message{Format: e.Format, Args: make(Args, len(e.Args))}
	for i, a := range e.Args {
		v, ok := normArg(a)
		if !ok {
			return nil
		}
		for _, t := range terms {
			if t == i {
				if s, isStr := v.(string); isStr {
					v = Term(s)
				}
			}
		}
		m.Args[i] = v
	}
	if len(m.Args) == 0 {
		m.Args = nil
	}
	if m.String() != e.Msg {
		return nil
	}
	return &m
}

// MessageOf returns the translatable message of an error of Import or
// Inspect, or of a row: a FileError's, a row's problem, or an ORM error's
// built from a format (translated when the catalogues have it). It is nil
// when the error has none, or when err says more than the message (an
// error wrapping it): show err.Error() then.
func MessageOf(err error) *Message {
	var m *Message
	var fe *FileError
	var me *msgError
	var oe *orm.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &fe):
		m = &fe.Message
	case errors.As(err, &me):
		m = &me.Message
	case errors.As(err, &oe) && oe.Kind != orm.KindInternal:
		m = ormMessage(oe)
	}
	if m == nil || m.String() != err.Error() {
		return nil
	}
	c := *m
	return &c
}
