package orm

import (
	"errors"
	"fmt"
)

// Kind classifies an error the way Odoo's exceptions do, so that every
// transport maps it to the same name and HTTP status in one place.
type Kind int

const (
	KindInternal Kind = iota
	KindUser
	KindValidation
	KindAccess
	KindAccessDenied // wrong login or password
	KindMissing
	KindConflict
	KindNotFound // unknown model or method
)

// Error is a Kanso error with an Odoo-compatible class.
type Error struct {
	Kind Kind
	Msg  string
	Err  error
	// Format and Args are what Msg was written from by the constructors
	// (UserErrorf, ValidationErrorf, …): the English format and its
	// arguments, so that a caller that knows the format can show the
	// message in the user's language (see imex.MessageOf). Empty for an
	// error built otherwise.
	Format string
	Args   []any
}

func (e *Error) Error() string {
	if e.Err != nil && e.Msg == "" {
		return e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// OdooName is the Python class name Odoo would report.
func (e *Error) OdooName() string {
	switch e.Kind {
	case KindUser:
		return "odoo.exceptions.UserError"
	case KindValidation:
		return "odoo.exceptions.ValidationError"
	case KindAccess:
		return "odoo.exceptions.AccessError"
	case KindAccessDenied:
		return "odoo.exceptions.AccessDenied"
	case KindMissing:
		return "odoo.exceptions.MissingError"
	case KindConflict:
		return "odoo.exceptions.ConcurrencyError"
	case KindNotFound:
		return "werkzeug.exceptions.NotFound"
	}
	return "builtins.Exception"
}

// HTTPStatus is the status JSON-2 answers with for this error.
func (e *Error) HTTPStatus() int {
	switch e.Kind {
	case KindUser, KindValidation:
		return 422
	case KindAccess:
		return 403
	case KindAccessDenied:
		return 401
	case KindMissing, KindNotFound:
		return 404
	case KindConflict:
		return 409
	}
	return 500
}

func newErr(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// UserErrorf reports a business rule the user broke.
func UserErrorf(format string, args ...any) error { return newErr(KindUser, format, args...) }

// ValidationErrorf reports invalid values.
func ValidationErrorf(format string, args ...any) error {
	return newErr(KindValidation, format, args...)
}

// AccessErrorf reports missing rights.
func AccessErrorf(format string, args ...any) error { return newErr(KindAccess, format, args...) }

// MissingErrorf reports records that do not exist (or were deleted).
func MissingErrorf(format string, args ...any) error { return newErr(KindMissing, format, args...) }

// NotFoundf reports an unknown model or method.
func NotFoundf(format string, args ...any) error { return newErr(KindNotFound, format, args...) }

// AccessDenied is returned for a wrong login, password or API key.
var AccessDenied = &Error{Kind: KindAccessDenied, Msg: "Access Denied"}

// AsError finds the Kanso error in err's chain, or wraps err as internal.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: KindInternal, Msg: err.Error(), Err: err}
}
