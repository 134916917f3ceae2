package models

// SafeCSVCell neutralises a cell a spreadsheet would read as a formula: one
// starting with =, +, -, @, a tab or a carriage return gets a leading
// apostrophe (OWASP's CSV injection advice), so it shows as text.
func SafeCSVCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
