package warehouse

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonNumber is the text of a JSON number, kept exact until its column type
// says how to read it.
type jsonNumber string

// jsonParser decodes ClickHouse's JSON output. encoding/json would replace
// bytes that are not UTF-8 (ClickHouse strings are arbitrary bytes and are
// written out unvalidated) with U+FFFD; this keeps them byte for byte.
type jsonParser struct {
	data []byte
	pos  int
}

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) atEnd() bool {
	p.skipSpace()
	return p.pos >= len(p.data)
}

func (p *jsonParser) errorf(format string, args ...any) error {
	return fmt.Errorf("offset %d: %s", p.pos, fmt.Sprintf(format, args...))
}

func (p *jsonParser) stringArray() ([]string, error) {
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, p.errorf("want an array of strings")
	}
	out := make([]string, len(arr))
	for i, e := range arr {
		if out[i], ok = e.(string); !ok {
			return nil, p.errorf("want an array of strings")
		}
	}
	return out, nil
}

// value decodes one JSON value: nil, bool, jsonNumber, string, []any or
// map[string]any.
func (p *jsonParser) value() (any, error) {
	p.skipSpace()
	if p.pos >= len(p.data) {
		return nil, p.errorf("unexpected end of result")
	}
	switch c := p.data[p.pos]; {
	case c == '"':
		return p.str()
	case c == '[':
		p.pos++
		arr := []any{}
		p.skipSpace()
		if p.pos < len(p.data) && p.data[p.pos] == ']' {
			p.pos++
			return arr, nil
		}
		for {
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
			p.skipSpace()
			if p.pos >= len(p.data) {
				return nil, p.errorf("unterminated array")
			}
			switch p.data[p.pos] {
			case ',':
				p.pos++
			case ']':
				p.pos++
				return arr, nil
			default:
				return nil, p.errorf("unexpected byte in array")
			}
		}
	case c == '{':
		p.pos++
		obj := map[string]any{}
		p.skipSpace()
		if p.pos < len(p.data) && p.data[p.pos] == '}' {
			p.pos++
			return obj, nil
		}
		for {
			p.skipSpace()
			if p.pos >= len(p.data) || p.data[p.pos] != '"' {
				return nil, p.errorf("want an object key")
			}
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			p.skipSpace()
			if p.pos >= len(p.data) || p.data[p.pos] != ':' {
				return nil, p.errorf("want ':' after object key")
			}
			p.pos++
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			obj[k] = v
			p.skipSpace()
			if p.pos >= len(p.data) {
				return nil, p.errorf("unterminated object")
			}
			switch p.data[p.pos] {
			case ',':
				p.pos++
			case '}':
				p.pos++
				return obj, nil
			default:
				return nil, p.errorf("unexpected byte in object")
			}
		}
	case c == '-' || c == '+' || ('0' <= c && c <= '9'):
		start := p.pos
		for p.pos < len(p.data) && strings.IndexByte("+-0123456789.eE", p.data[p.pos]) >= 0 {
			p.pos++
		}
		return jsonNumber(p.data[start:p.pos]), nil
	default:
		for _, lit := range []struct {
			text string
			v    any
		}{{"null", nil}, {"true", true}, {"false", false}, {"nan", jsonNumber("nan")},
			{"inf", jsonNumber("inf")}} {
			if bytes.HasPrefix(p.data[p.pos:], []byte(lit.text)) {
				p.pos += len(lit.text)
				return lit.v, nil
			}
		}
		return nil, p.errorf("unexpected byte")
	}
}

// str decodes a JSON string starting at the opening quote.
func (p *jsonParser) str() (string, error) {
	p.pos++ // opening quote
	var out []byte
	start := p.pos
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c == '"' {
			var s string
			if out == nil {
				s = string(p.data[start:p.pos])
			} else {
				s = string(append(out, p.data[start:p.pos]...))
			}
			p.pos++
			return s, nil
		}
		if c != '\\' {
			p.pos++
			continue
		}
		out = append(out, p.data[start:p.pos]...)
		p.pos++
		if p.pos >= len(p.data) {
			break
		}
		e := p.data[p.pos]
		p.pos++
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", p.errorf("bad \\u escape")
			}
			if utf16.IsSurrogate(r) {
				// A pair encodes one rune beyond the BMP.
				if p.pos+1 < len(p.data) && p.data[p.pos] == '\\' && p.data[p.pos+1] == 'u' {
					save := p.pos
					p.pos += 2
					if r2, ok := p.hex4(); ok {
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							out = utf8.AppendRune(out, d)
							break
						}
					}
					p.pos = save
				}
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
		default:
			out = append(out, e)
		}
		start = p.pos
	}
	return "", p.errorf("unterminated string")
}

func (p *jsonParser) hex4() (rune, bool) {
	if p.pos+4 > len(p.data) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.data[p.pos:p.pos+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.pos += 4
	return rune(n), true
}
