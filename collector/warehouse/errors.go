package warehouse

import (
	"regexp"
	"strconv"
	"strings"
)

// Errors of Exec, Query and Insert end up stored (collector_runs.error) and
// served (GET /api/v1/collectors), and DESIGN.md §3 allows them to name the
// table and the problem, never the data. ClickHouse's exception text quotes
// bound literals, whole statements ("In scope SELECT ... 'value'") and the
// rows it could not parse, so neither backend passes it on: a failure reads
// as backend, operation, table and the exception's code and name, e.g.
//
//	chdb: query SELECT (table runway.issues): Code: 60 UNKNOWN_TABLE (mentions runway.issues)
//	clickhouse: insert into sprints: Code: 16 NO_SUCH_COLUMN_IN_TABLE (mentions goal)

// opError is a failed statement: msg is safe to store, and err, the cause
// kept for errors.Is and errors.As, carries no data either.
type opError struct {
	msg string
	err error
}

func (e *opError) Error() string { return e.msg }
func (e *opError) Unwrap() error { return e.err }

// engineError is a ClickHouse exception without its message. names are
// identifiers the message mentions that the statement template holds too:
// words of code, never of data, so they are safe to show.
type engineError struct {
	code  int
	name  string // "UNKNOWN_TABLE"; empty when not known
	names []string
	// system is the operating-system error the message reports, one of
	// systemErrors ("Read-only file system"), or "".
	system string
}

func (e *engineError) Error() string {
	if e.code == 0 {
		return "engine error without a code (message withheld: it may quote data)"
	}
	s := "Code: " + strconv.Itoa(e.code)
	if e.name != "" {
		s += " " + e.name
	}
	if e.system != "" {
		s += ": " + e.system
	}
	if len(e.names) > 0 {
		s += " (mentions " + strings.Join(e.names, ", ") + ")"
	}
	return s
}

// newEngineError reduces an exception to its code, a name (the given one, a
// known one for the code, or none) and the names message shares with
// template.
func newEngineError(code int, name, message, template string) *engineError {
	if known := errorCodeNames[code]; known != "" {
		name = known
	}
	e := &engineError{code: code, name: name, system: systemError(message)}
	// The version trailer is no name of the statement's ("version" is a
	// column), nor is any word of a C++ exception's text.
	if code != codeSTDException {
		e.names = sharedNames(versionRE.ReplaceAllString(message, ""), template)
	}
	return e
}

const codeSTDException = 1001

var (
	// libchdb's text: "Code: 60. DB::Exception: ... (UNKNOWN_TABLE) (version 26.7.3.1)",
	// or for a C++ exception "std::exception. Code: 1001, type: ..., e.what() = ...".
	engineCodeRE = regexp.MustCompile(`^(?:std::exception\. )?Code: (\d+)[.,]`)
	engineNameRE = regexp.MustCompile(`\(([A-Z][A-Z0-9_]+)\)(?: \(version [^()]*\))?$`)
	versionRE    = regexp.MustCompile(`\(version [^()]*\)\s*$`)
)

// systemErrors are the operating-system errors (strerror's words) a
// storage failure reports: they name the problem (a full or read-only
// disk) and never data, so an error passes them on.
var systemErrors = []string{"Read-only file system", "No space left on device", "Disk quota exceeded",
	"Permission denied", "Operation not permitted", "Input/output error", "Too many open files"}

// systemError returns the first of systemErrors that message reports.
func systemError(message string) string {
	for _, s := range systemErrors {
		if strings.Contains(message, s) {
			return s
		}
	}
	return ""
}

// parseEngineMessage turns a libchdb error text into an engineError.
func parseEngineMessage(text, template string) *engineError {
	text = strings.TrimSpace(text)
	m := engineCodeRE.FindStringSubmatch(text)
	if m == nil {
		return &engineError{}
	}
	code, _ := strconv.Atoi(m[1])
	name := ""
	if n := engineNameRE.FindStringSubmatch(text); n != nil {
		name = n[1]
	}
	return newEngineError(code, name, text, template)
}

// maxNamesInError bounds the identifiers an engineError lists.
const maxNamesInError = 4

// echoMarkers introduce the statement the engine quotes back; what follows
// them names every identifier of the statement, so it is not searched.
var echoMarkers = []string{" in scope ", " while processing", ": while executing", " while executing", " in query"}

// sharedNames lists, in message order, the identifiers of message (before
// any quoted-back statement) that template uses outside its literals,
// keywords and one-letter words aside.
func sharedNames(message, template string) []string {
	lower := strings.ToLower(message)
	for _, m := range echoMarkers {
		if i := strings.Index(lower, m); i >= 0 {
			message, lower = message[:i], lower[:i]
		}
	}
	inTemplate := map[string]bool{}
	for _, w := range templateWords(template) {
		inTemplate[w] = true
	}
	var out []string
	seen := map[string]bool{}
	for _, w := range words(message) {
		if len(out) == maxNamesInError {
			break
		}
		if len(w) < 2 || seen[w] || !inTemplate[w] || sqlKeywords[strings.ToUpper(w)] {
			continue
		}
		seen[w] = true
		out = append(out, w)
	}
	return out
}

// words splits s into identifiers, dotted ones (db.table) kept whole.
func words(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		if !isIdentStart(s[i]) {
			i++
			continue
		}
		j := identEnd(s, i)
		out = append(out, s[i:j])
		i = j
	}
	return out
}

func isIdentStart(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// identEnd returns the end of the (possibly dotted) identifier at s[i].
func identEnd(s string, i int) int {
	j := i
	for j < len(s) {
		c := s[j]
		switch {
		case isIdentStart(c) || '0' <= c && c <= '9':
			j++
		case c == '.' && j+1 < len(s) && isIdentStart(s[j+1]):
			j++
		default:
			return j
		}
	}
	return j
}

// templateWords lists the identifiers of a statement template and its "("
// tokens, skipping string literals, quoted identifiers and comments: the
// template is code, but its literals are left out all the same.
func templateWords(query string) []string {
	var out []string
	for i := 0; i < len(query); {
		c := query[i]
		switch {
		case c == '\'' || c == '"' || c == '`':
			i, _ = skipQuoted(query, i)
		case c == '-' && i+1 < len(query) && query[i+1] == '-', c == '#':
			if nl := strings.IndexByte(query[i:], '\n'); nl >= 0 {
				i += nl + 1
			} else {
				i = len(query)
			}
		case c == '/' && i+1 < len(query) && query[i+1] == '*':
			if end := strings.Index(query[i+2:], "*/"); end >= 0 {
				i += end + 4
			} else {
				i = len(query)
			}
		case c == '(':
			out = append(out, "(")
			i++
		case isIdentStart(c) && (i == 0 || !isWordByte(query[i-1])):
			j := identEnd(query, i)
			out = append(out, query[i:j])
			i = j
		default:
			i++
		}
	}
	return out
}

// describeStatement names a statement template for an error without
// quoting it: its first keyword and the first table (or database) it names,
// as in "SELECT (table runway.issues)".
func describeStatement(template string) string {
	ws := templateWords(template)
	first := "statement"
	for _, w := range ws {
		if w != "(" {
			first = strings.ToUpper(w)
			break
		}
	}
	for i, w := range ws {
		kind := ""
		switch strings.ToUpper(w) {
		case "FROM", "INTO", "TABLE", "JOIN":
			kind = "table"
		case "DATABASE":
			kind = "database"
		default:
			continue
		}
		j := i + 1
		for j < len(ws) && (strings.EqualFold(ws[j], "IF") || strings.EqualFold(ws[j], "NOT") || strings.EqualFold(ws[j], "EXISTS")) {
			j++
		}
		if j < len(ws) && ws[j] != "(" && !sqlKeywords[strings.ToUpper(ws[j])] {
			return first + " (" + kind + " " + ws[j] + ")"
		}
	}
	return first
}

// sqlKeywords are words never reported as names.
var sqlKeywords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`SELECT FROM WHERE PREWHERE AND OR NOT IN IS NULL AS ON JOIN INNER LEFT RIGHT FULL
		OUTER CROSS ANY ALL USING GROUP BY ORDER LIMIT OFFSET HAVING UNION DISTINCT INSERT INTO VALUES
		CREATE TABLE DATABASE IF EXISTS DROP ALTER OPTIMIZE FINAL WITH CASE WHEN THEN ELSE END ASC DESC
		BETWEEN LIKE ILIKE GLOBAL ARRAY ENGINE PARTITION PRIMARY KEY SETTINGS FORMAT DEFAULT INTERVAL
		TRUE FALSE CAST`) {
		m[w] = true
	}
	return m
}()

// errorCodeNames names the exception codes Runway is likely to meet.
// ClickHouse 18.16 sends no name with an exception; 26.7 does, and its name
// for a code is the same.
var errorCodeNames = map[int]string{
	1: "UNSUPPORTED_METHOD", 2: "UNSUPPORTED_PARAMETER", 6: "CANNOT_PARSE_TEXT",
	7: "INCORRECT_NUMBER_OF_COLUMNS", 8: "THERE_IS_NO_COLUMN", 10: "NOT_FOUND_COLUMN_IN_BLOCK",
	15: "DUPLICATE_COLUMN", 16: "NO_SUCH_COLUMN_IN_TABLE", 20: "NUMBER_OF_COLUMNS_DOESNT_MATCH",
	26: "CANNOT_PARSE_QUOTED_STRING", 27: "CANNOT_PARSE_INPUT_ASSERTION_FAILED",
	32: "ATTEMPT_TO_READ_AFTER_EOF", 33: "CANNOT_READ_ALL_DATA", 34: "TOO_MANY_ARGUMENTS_FOR_FUNCTION",
	35: "TOO_FEW_ARGUMENTS_FOR_FUNCTION", 36: "BAD_ARGUMENTS", 38: "CANNOT_PARSE_DATE",
	41: "CANNOT_PARSE_DATETIME", 42: "NUMBER_OF_ARGUMENTS_DOESNT_MATCH", 43: "ILLEGAL_TYPE_OF_ARGUMENT",
	44: "ILLEGAL_COLUMN", 46: "UNKNOWN_FUNCTION", 47: "UNKNOWN_IDENTIFIER", 48: "NOT_IMPLEMENTED",
	49: "LOGICAL_ERROR", 50: "UNKNOWN_TYPE", 53: "TYPE_MISMATCH", 57: "TABLE_ALREADY_EXISTS",
	60: "UNKNOWN_TABLE", 62: "SYNTAX_ERROR", 63: "UNKNOWN_AGGREGATE_FUNCTION",
	69: "ARGUMENT_OUT_OF_BOUND", 70: "CANNOT_CONVERT_TYPE", 72: "CANNOT_PARSE_NUMBER",
	74: "CANNOT_READ_FROM_FILE_DESCRIPTOR", 75: "CANNOT_WRITE_TO_FILE_DESCRIPTOR", 76: "CANNOT_OPEN_FILE",
	80: "INCORRECT_QUERY", 81: "UNKNOWN_DATABASE", 82: "DATABASE_ALREADY_EXISTS",
	115: "UNKNOWN_SETTING", 117: "INCORRECT_DATA", 130: "CANNOT_READ_ARRAY_FROM_TEXT",
	158: "TOO_MANY_ROWS", 159: "TIMEOUT_EXCEEDED", 164: "READONLY",
	179: "MULTIPLE_EXPRESSIONS_FOR_ALIAS", 184: "ILLEGAL_AGGREGATION", 192: "UNKNOWN_USER",
	193: "WRONG_PASSWORD", 194: "REQUIRED_PASSWORD", 195: "IP_ADDRESS_NOT_ALLOWED",
	202: "TOO_MANY_SIMULTANEOUS_QUERIES", 207: "AMBIGUOUS_IDENTIFIER", 209: "SOCKET_TIMEOUT",
	210: "NETWORK_ERROR", 215: "NOT_AN_AGGREGATE", 241: "MEMORY_LIMIT_EXCEEDED",
	242: "TABLE_IS_READ_ONLY", 243: "NOT_ENOUGH_SPACE", 252: "TOO_MANY_PARTS",
	291: "DATABASE_ACCESS_DENIED", 321: "VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE",
	349: "CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN", 352: "AMBIGUOUS_COLUMN_NAME", 386: "NO_COMMON_TYPE",
	394: "QUERY_WAS_CANCELLED", 395: "FUNCTION_THROW_IF_VALUE_IS_NON_ZERO", 407: "DECIMAL_OVERFLOW",
	497: "ACCESS_DENIED", 516: "AUTHENTICATION_FAILED", 691: "UNKNOWN_ELEMENT_OF_ENUM",
	1000: "POCO_EXCEPTION", codeSTDException: "STD_EXCEPTION",
}
