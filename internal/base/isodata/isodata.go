// Package isodata ships ISO reference data inside the binary: ISO 3166-1
// countries, ISO 3166-2 subdivisions (for a selection of countries) and
// ISO 4217 currencies. The data is loaded into res.country,
// res.country.state and res.currency at install time.
//
// The CSV files are embedded and parsed on every call; callers are expected
// to call each function once (at install) and keep the result if needed.
package isodata

import (
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// Names of the embedded data files.
const (
	countriesFile  = "countries.csv"
	statesFile     = "states.csv"
	currenciesFile = "currencies.csv"
)

//go:embed countries.csv states.csv currencies.csv
var files embed.FS

// Symbol positions used by Currency.Position.
const (
	PositionBefore = "before"
	PositionAfter  = "after"
)

// Country is an ISO 3166-1 country or territory.
type Country struct {
	Code      string // ISO 3166-1 alpha-2, e.g. "RO"
	Name      string // English short name, e.g. "Romania"
	PhoneCode int    // international dialling code without "+", e.g. 40
	Currency  string // ISO 4217 code of the main currency; empty for Antarctica
}

// State is an ISO 3166-2 subdivision.
type State struct {
	CountryCode string // ISO 3166-1 alpha-2 of the country, e.g. "RO"
	Code        string // subdivision code after the dash, e.g. "CJ"
	Name        string // local name, e.g. "Cluj"
}

// Currency is an ISO 4217 currency.
type Currency struct {
	Code     string // e.g. "RON"
	Name     string // e.g. "Romanian leu"
	Symbol   string // e.g. "lei"
	Decimals int    // ISO 4217 minor units, e.g. 2
	Position string // PositionBefore or PositionAfter the amount
}

// Countries returns all countries in file order (sorted by name).
func Countries() ([]Country, error) {
	var out []Country
	err := parse(countriesFile, []string{"code", "name", "phone_code", "currency"}, func(rec []string) error {
		phone, err := strconv.Atoi(rec[2])
		if err != nil || phone <= 0 {
			return fmt.Errorf("invalid phone_code %q", rec[2])
		}
		if rec[0] == "" || rec[1] == "" {
			return errors.New("empty code or name")
		}
		out = append(out, Country{Code: rec[0], Name: rec[1], PhoneCode: phone, Currency: rec[3]})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// States returns all subdivisions in file order (grouped by country).
func States() ([]State, error) {
	var out []State
	err := parse(statesFile, []string{"country_code", "code", "name"}, func(rec []string) error {
		if rec[0] == "" || rec[1] == "" || rec[2] == "" {
			return errors.New("empty field")
		}
		out = append(out, State{CountryCode: rec[0], Code: rec[1], Name: rec[2]})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Currencies returns all currencies in file order (sorted by code).
func Currencies() ([]Currency, error) {
	var out []Currency
	err := parse(currenciesFile, []string{"code", "name", "symbol", "decimal_places", "position"}, func(rec []string) error {
		if rec[0] == "" || rec[1] == "" || rec[2] == "" {
			return errors.New("empty code, name or symbol")
		}
		dec, err := strconv.Atoi(rec[3])
		if err != nil || dec < 0 || dec > 4 {
			return fmt.Errorf("invalid decimal_places %q", rec[3])
		}
		if rec[4] != PositionBefore && rec[4] != PositionAfter {
			return fmt.Errorf("invalid position %q", rec[4])
		}
		out = append(out, Currency{Code: rec[0], Name: rec[1], Symbol: rec[2], Decimals: dec, Position: rec[4]})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// parse reads the embedded CSV file name, checks that its header equals
// header and calls fn for every data record. Errors are prefixed with the
// file name and line number.
func parse(name string, header []string, fn func(rec []string) error) error {
	f, err := files.Open(name)
	if err != nil {
		return fmt.Errorf("isodata: %s: %w", name, err)
	}
	defer f.Close()

	r := csv.NewReader(f)
	r.FieldsPerRecord = len(header)

	got, err := r.Read()
	if err != nil {
		return fmt.Errorf("isodata: %s: header: %w", name, err)
	}
	if !slices.Equal(got, header) {
		return fmt.Errorf("isodata: %s:1: header is %q, want %q", name, got, header)
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			// *csv.ParseError already carries the line and column.
			return fmt.Errorf("isodata: %s: %w", name, err)
		}
		if err := fn(rec); err != nil {
			line, _ := r.FieldPos(0)
			return fmt.Errorf("isodata: %s:%d: %w", name, line, err)
		}
	}
}
