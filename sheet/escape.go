package sheet

// EscapeFormula returns s made safe to write into a cell of an exported CSV or xlsx: a value
// beginning with =, +, -, @, a tab or a carriage return would be run as a formula (or a DDE
// command) by Excel, WPS or LibreOffice, so it gets a leading single quote, which they show
// as text (OWASP, "CSV Injection"). Other values are returned as they are. Imports store cells
// as given; every export must pass each text cell through this (WriteXLSX does).
func EscapeFormula(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
