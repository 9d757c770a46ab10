// Package lookup fetches a company's registered data from a national registry
// by its tax code, so that a user can fill a partner from a VAT number instead
// of typing it. Each country is a Provider; ANAF (Romania) is the first.
//
// Errors are meant to be shown to the user as they are:
//
//   - a code that cannot be right (syntax, check digit) is an
//     *InvalidCodeError (errors.Is(err, ErrInvalidCode)), returned before any
//     network call;
//   - a registry that answers "no such company" gives ErrNotFound;
//   - a registry that cannot be reached, times out, fails (5xx, 429) or answers
//     something that is not its normal format gives an *UnavailableError
//     (errors.Is(err, ErrUnavailable)), whose message tells the user to type
//     the data by hand. An outage is never reported as "not found".
//
// The package uses only the standard library and knows nothing of the ORM; the
// caller maps a Company onto res.partner.
package lookup

import (
	"context"
	"errors"
	"sort"
	"strings"
)

// Sentinel errors. Returned errors wrap them with detail; test with errors.Is.
var (
	ErrInvalidCode        = errors.New("the tax code is not valid")
	ErrNotFound           = errors.New("the national registry has no company with this tax code")
	ErrUnavailable        = errors.New("the national registry did not answer; type the data by hand")
	ErrUnsupportedCountry = errors.New("there is no company lookup for this country")
)

// Company is what a registry knows about a company, already mapped to the
// shape of res.partner. Text is trimmed and uses the correct Romanian letters
// (Ș ș Ț ț with comma below, not the cedilla forms registries often send).
type Company struct {
	Name            string // registered name, as the registry writes it (often upper-case)
	VAT             string // the value for res.partner.vat: "RO"+CUI for VAT payers, else the bare CUI
	CompanyRegistry string // trade-register number, as text (J40/8302/1997 or J2002000372404)
	Street          string // street and number, e.g. "Str. Coralilor Nr. 22"
	Street2         string // building, floor, office
	City            string
	Zip             string // text: Romanian postal codes may start with 0
	StateName       string // county; the ISO subdivision name when StateCode is known
	StateCode       string // ISO 3166-2 subdivision code without the country ("CJ", "B"), "" if unknown
	CountryCode     string // ISO 3166-1 alpha-2, "RO"
	Phone           string

	VATPayer bool // registered for VAT at Date
	// Active is false when the company is declared inactive by the tax office
	// or struck off the register; Status then says which, in English.
	Active       bool
	Inactive     bool   // declared inactive by the tax office at Date
	Deregistered bool   // struck off the register (radiat)
	Status       string // English explanation when !Active, "" otherwise

	RegistrationStatus string // the registry's own status text, e.g. "INREGISTRAT din data 02.01.1998"
	ActivityCode       string // main activity (CAEN / NACE), 4 digits
	EInvoiceRegister   bool   // listed in the RO e-Factura register at Date (false is normal)
	Date               string // YYYY-MM-DD the registry evaluated the data for

	// Raw is the registry's record as decoded from JSON (numbers as
	// json.Number), for fields Company has no place for.
	Raw map[string]any
}

// Provider looks companies up in one country's registry.
type Provider interface {
	// Country is the ISO 3166-1 alpha-2 code the provider serves, e.g. "RO".
	Country() string
	// Lookup finds the company with the given tax code, as the user typed it
	// (prefix, spaces and all). Errors: *InvalidCodeError, ErrNotFound,
	// ErrUnavailable (see the package documentation).
	Lookup(ctx context.Context, taxCode string) (*Company, error)
}

// Providers holds one Provider per country.
type Providers map[string]Provider

// NewProviders indexes providers by their country; a later one replaces an
// earlier one for the same country.
func NewProviders(ps ...Provider) Providers {
	m := make(Providers, len(ps))
	for _, p := range ps {
		m[strings.ToUpper(p.Country())] = p
	}
	return m
}

// Countries lists the supported countries, sorted.
func (m Providers) Countries() []string {
	cs := make([]string, 0, len(m))
	for c := range m {
		cs = append(cs, c)
	}
	sort.Strings(cs)
	return cs
}

// Lookup asks the provider of country; ErrUnsupportedCountry if there is none.
func (m Providers) Lookup(ctx context.Context, country, taxCode string) (*Company, error) {
	p, ok := m[strings.ToUpper(strings.TrimSpace(country))]
	if !ok {
		return nil, ErrUnsupportedCountry
	}
	return p.Lookup(ctx, taxCode)
}

// UnavailableError says why a registry gave no usable answer. Error() is the
// user-facing sentence of ErrUnavailable with a short reason; Err, if set, is
// the low-level cause for the logs (errors.Is also sees through it, e.g. to
// context.DeadlineExceeded).
type UnavailableError struct {
	Registry string // "ANAF"
	Reason   string // short English reason, e.g. "ANAF answered HTTP 500"
	Err      error  // cause, may be nil
}

func (e *UnavailableError) Error() string {
	if e.Reason == "" {
		return ErrUnavailable.Error()
	}
	return ErrUnavailable.Error() + " (" + e.Reason + ")"
}

// Unwrap returns ErrUnavailable and the cause.
func (e *UnavailableError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrUnavailable}
	}
	return []error{ErrUnavailable, e.Err}
}
