package webhook

import (
	"encoding"
	"encoding/binary"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
)

// decodeRouting decodes payload into v (a pointer to one of the event types of
// events.go) with the result json.Unmarshal(payload, v) would give, in a fraction of
// its CPU: a pull_request payload is ~23 KiB of which the bot routes on ~200 bytes,
// and json.Unmarshal validated the whole of it and then walked it again to skip what
// v has no field for (55% of the CPU of an acknowledgement, docs/bench.md).
//
// One pass over the payload checks it is JSON (the grammar json.Valid checks) and
// copies out only the members v has a field for, at every depth; json.Unmarshal
// then decodes that small document into v, so every type check and error of v's
// fields is encoding/json's own. A member is kept when its key might match a field
// as encoding/json matches keys (case-insensitively; any key with an escape or a
// non-ASCII byte is kept and left to encoding/json), so dropping only ever drops what
// json.Unmarshal would ignore. A payload the pass finds invalid is decoded by
// json.Unmarshal as a whole, for its error.
func decodeRouting(payload []byte, v any) error {
	shape := shapeOf(reflect.TypeOf(v))
	p := projector{in: payload, out: make([]byte, 0, 512)}
	p.ws()
	ok := p.value(shape, 0)
	p.ws()
	if !ok || p.i != len(p.in) {
		return json.Unmarshal(payload, v) // invalid: encoding/json's own error
	}
	return json.Unmarshal(p.out, v)
}

// maxDepth is encoding/json's nesting limit: deeper payloads are left to it.
const maxDepth = 10000

// shape is which members of a JSON value a Go type reads: fields (by lower-cased
// json name) for a struct, elem for a slice or array; a nil *shape reads the whole
// value (a scalar, a map, an interface, a type that decodes itself).
type shape struct {
	fields map[string]*shape
	elem   *shape
	list   bool
}

var shapes sync.Map // reflect.Type → *shape

func shapeOf(t reflect.Type) *shape {
	if s, ok := shapes.Load(t); ok {
		return s.(*shape)
	}
	s := buildShape(t, map[reflect.Type]bool{})
	shapes.Store(t, s)
	return s
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// buildShape is t's shape; nil (read it whole) for anything but plain structs and
// slices or arrays of them, and for recursive types.
func buildShape(t reflect.Type, seen map[reflect.Type]bool) *shape {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if seen[t] || reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return nil
	}
	seen[t] = true
	defer delete(seen, t)
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return nil // []byte is base64; read it whole
		}
		if e := buildShape(t.Elem(), seen); e != nil {
			return &shape{elem: e, list: true}
		}
		return nil
	case reflect.Struct:
		s := &shape{fields: map[string]*shape{}}
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Anonymous || !f.IsExported() {
				return nil // embedded fields: read it whole, leave it to encoding/json
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			lower := strings.ToLower(name)
			if _, dup := s.fields[lower]; dup || len(name) > maxFieldName || !isASCII(name) {
				return nil // names that fold together, or that field() cannot match: read it whole
			}
			s.fields[lower] = buildShape(f.Type, seen)
		}
		return s
	}
	return nil
}

// maxFieldName is the longest json name of a field a shape has.
const maxFieldName = 64

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// projector is one pass over in, copying to out the members its shape reads.
type projector struct {
	in  []byte
	i   int
	out []byte
}

func (p *projector) ws() {
	for p.i < len(p.in) {
		switch p.in[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// value checks the value at p.i and copies it, as s reads it; false when the input
// is not JSON there (or nests deeper than maxDepth).
func (p *projector) value(s *shape, depth int) bool {
	if p.i >= len(p.in) {
		return false
	}
	switch c := p.in[p.i]; {
	case c == '{' && s != nil && !s.list:
		return p.object(s, depth+1)
	case c == '[' && s != nil && s.list:
		return p.array(s, depth+1)
	default:
		start := p.i
		if !p.skip(depth) {
			return false
		}
		p.out = append(p.out, p.in[start:p.i]...)
		return true
	}
}

// object copies the members of the object at p.i that s has a field for.
func (p *projector) object(s *shape, depth int) bool {
	if depth > maxDepth {
		return false
	}
	p.i++ // {
	p.out = append(p.out, '{')
	p.ws()
	if p.i < len(p.in) && p.in[p.i] == '}' {
		p.i++
		p.out = append(p.out, '}')
		return true
	}
	first := true
	for {
		keyStart := p.i
		if !p.str() {
			return false
		}
		key := p.in[keyStart+1 : p.i-1]
		p.ws()
		if p.i >= len(p.in) || p.in[p.i] != ':' {
			return false
		}
		p.i++
		p.ws()
		field, keep := s.field(key)
		if keep {
			if !first {
				p.out = append(p.out, ',')
			}
			first = false
			p.out = append(p.out, p.in[keyStart:keyStart+len(key)+2]...)
			p.out = append(p.out, ':')
			if !p.value(field, depth) {
				return false
			}
		} else if !p.skip(depth) {
			return false
		}
		p.ws()
		if p.i >= len(p.in) {
			return false
		}
		switch p.in[p.i] {
		case ',':
			p.i++
			p.ws()
		case '}':
			p.i++
			p.out = append(p.out, '}')
			return true
		default:
			return false
		}
	}
}

// field is the shape of the field a key (as written, between its quotes) may
// decode into, and whether to keep the member: encoding/json matches keys
// case-insensitively after unquoting them, so a key with an escape or a non-ASCII
// byte is kept whole, for encoding/json to match or ignore.
func (s *shape) field(key []byte) (*shape, bool) {
	for _, c := range key {
		if c == '\\' || c >= 0x80 {
			return nil, true
		}
	}
	var buf [maxFieldName]byte
	if len(key) > len(buf) {
		return nil, false // an ASCII key longer than any field's (ASCII) name
	}
	lower := buf[:len(key)]
	for i, c := range key {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	f, ok := s.fields[string(lower)]
	return f, ok
}

// array copies the array at p.i, each element as s.elem reads it.
func (p *projector) array(s *shape, depth int) bool {
	if depth > maxDepth {
		return false
	}
	p.i++ // [
	p.out = append(p.out, '[')
	p.ws()
	if p.i < len(p.in) && p.in[p.i] == ']' {
		p.i++
		p.out = append(p.out, ']')
		return true
	}
	for {
		if !p.value(s.elem, depth) {
			return false
		}
		p.ws()
		if p.i >= len(p.in) {
			return false
		}
		switch p.in[p.i] {
		case ',':
			p.i++
			p.out = append(p.out, ',')
			p.ws()
		case ']':
			p.i++
			p.out = append(p.out, ']')
			return true
		default:
			return false
		}
	}
}

// skip checks the value at p.i and moves past it, without recursion: nested
// objects and arrays are tracked on a stack of their closing brackets.
func (p *projector) skip(depth int) bool {
	var stackBuf [32]byte
	stack := stackBuf[:0]
	for {
		// A value.
		if p.i >= len(p.in) {
			return false
		}
		switch c := p.in[p.i]; c {
		case '{', '[':
			if depth+len(stack)+1 > maxDepth {
				return false
			}
			p.i++
			p.ws()
			closing := byte('}')
			if c == '[' {
				closing = ']'
			}
			if p.i < len(p.in) && p.in[p.i] == closing {
				p.i++
				break // an empty one: a whole value
			}
			stack = append(stack, closing)
			if c == '{' && !p.key() {
				return false
			}
			continue
		case '"':
			if !p.str() {
				return false
			}
		case 't':
			if !p.lit("true") {
				return false
			}
		case 'f':
			if !p.lit("false") {
				return false
			}
		case 'n':
			if !p.lit("null") {
				return false
			}
		default:
			if !p.number() {
				return false
			}
		}
		// After a value: the end, or the next member or element.
		for {
			if len(stack) == 0 {
				return true
			}
			p.ws()
			if p.i >= len(p.in) {
				return false
			}
			closing := stack[len(stack)-1]
			c := p.in[p.i]
			if c == closing {
				p.i++
				stack = stack[:len(stack)-1]
				continue
			}
			if c != ',' {
				return false
			}
			p.i++
			p.ws()
			if closing == '}' && !p.key() {
				return false
			}
			break
		}
	}
}

// key reads an object's key and its colon, and the space after.
func (p *projector) key() bool {
	if !p.str() {
		return false
	}
	p.ws()
	if p.i >= len(p.in) || p.in[p.i] != ':' {
		return false
	}
	p.i++
	p.ws()
	return true
}

// str moves past the string at p.i: no control character, only JSON's escapes.
func (p *projector) str() bool {
	if p.i >= len(p.in) || p.in[p.i] != '"' {
		return false
	}
	in := p.in
	for i := p.i + 1; i < len(in); i++ {
		// Eight bytes at a time while none of them ends the string, escapes or is
		// a control character.
		for i+8 <= len(in) && plainString(binary.LittleEndian.Uint64(in[i:])) {
			i += 8
		}
		if i >= len(in) {
			break
		}
		switch c := in[i]; {
		case c == '"':
			p.i = i + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			i++
			if i >= len(in) {
				return false
			}
			switch in[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(in) {
					return false
				}
				for _, h := range in[i+1 : i+5] {
					if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return false
					}
				}
				i += 4
			default:
				return false
			}
		}
	}
	return false
}

// plainString says whether none of the eight bytes of w is '"', '\\' or below 0x20.
// (x-ones)&^x has a lane's high bit set for some lane exactly when some byte of x is
// zero (x^'"' and x^'\\' per byte), and (w-0x20s)&^w when some byte is below 0x20.
func plainString(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q := w ^ (ones * '"')
	b := w ^ (ones * '\\')
	return ((q-ones)&^q|(b-ones)&^b|(w-ones*0x20)&^w)&highs == 0
}

func (p *projector) lit(word string) bool {
	if len(p.in)-p.i < len(word) || string(p.in[p.i:p.i+len(word)]) != word {
		return false
	}
	p.i += len(word)
	return true
}

// number moves past a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *projector) number() bool {
	in, i := p.in, p.i
	if i < len(in) && in[i] == '-' {
		i++
	}
	switch {
	case i < len(in) && in[i] == '0':
		i++
	case i < len(in) && '1' <= in[i] && in[i] <= '9':
		for i < len(in) && '0' <= in[i] && in[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(in) && in[i] == '.' {
		i++
		if i >= len(in) || in[i] < '0' || in[i] > '9' {
			return false
		}
		for i < len(in) && '0' <= in[i] && in[i] <= '9' {
			i++
		}
	}
	if i < len(in) && (in[i] == 'e' || in[i] == 'E') {
		i++
		if i < len(in) && (in[i] == '+' || in[i] == '-') {
			i++
		}
		if i >= len(in) || in[i] < '0' || in[i] > '9' {
			return false
		}
		for i < len(in) && '0' <= in[i] && in[i] <= '9' {
			i++
		}
	}
	p.i = i
	return true
}
