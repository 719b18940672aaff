package gitopsfile

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Decode decodes a section into v (a pointer) strictly, as yaml.v3's Decoder does with
// KnownFields, which a node's own Decode cannot: a key that names no field of its struct
// is an error ("line 3: field clusterr not found in type repoconfig.Target"), as is a
// value of the wrong type. All of them come in one *yaml.TypeError, in line order. A nil
// section leaves v as it is.
func Decode(section *yaml.Node, v any) error {
	if section == nil {
		return nil
	}
	var msgs []string
	if err := section.Decode(v); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return err
		}
		msgs = te.Errors
	}
	c := fieldCheck{seen: map[visit]bool{}}
	c.check(section, reflect.TypeOf(v))
	msgs = append(msgs, c.errs...)
	if len(msgs) == 0 {
		return nil
	}
	slices.SortStableFunc(msgs, func(a, b string) int { return messageLine(a) - messageLine(b) })
	return &yaml.TypeError{Errors: msgs}
}

// messageLine is the N of a yaml.v3 message "line N: ...", 0 without one.
func messageLine(msg string) int {
	var n int
	if _, err := fmt.Sscanf(msg, "line %d:", &n); err != nil {
		return 0
	}
	return n
}

var (
	unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()
	nodeType        = reflect.TypeFor[yaml.Node]()
)

type visit struct {
	n *yaml.Node
	t reflect.Type
}

// fieldCheck finds the keys of a node that name no field of the struct they decode
// into, following sequences, maps, aliases and merge keys (<<) as the decoder does.
// Each node is checked once per type, so aliases cost no more than their nodes.
type fieldCheck struct {
	seen map[visit]bool
	errs []string
}

func (c *fieldCheck) check(n *yaml.Node, t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		if t.Implements(unmarshalerType) {
			return
		}
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil || t == nodeType || t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType) {
		return
	}
	if c.seen[visit{n, t}] {
		return
	}
	c.seen[visit{n, t}] = true
	switch {
	case (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && n.Kind == yaml.SequenceNode:
		for _, item := range n.Content {
			c.check(item, t.Elem())
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		c.pairs(n, t, func(key, val *yaml.Node) { c.check(val, t.Elem()) })
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields, inline := structFields(t)
		c.pairs(n, t, func(key, val *yaml.Node) {
			switch ft, ok := fields[key.Value]; {
			case ok:
				c.check(val, ft)
			case inline != nil:
				c.check(val, inline.Elem())
			default:
				c.errs = append(c.errs, fmt.Sprintf("line %d: field %s not found in type %s", key.Line, key.Value, t))
			}
		})
	}
}

// pairs calls f for each key and value of mapping n, checking what a merge key brings
// in against t, as the decoder merges it. Like the decoder, it looks no further into a
// mapping with a repeated key (that is the error).
func (c *fieldCheck) pairs(n *yaml.Node, t reflect.Type, f func(key, val *yaml.Node)) {
	for i := 0; i < len(n.Content); i += 2 {
		for j := i + 2; j < len(n.Content); j += 2 {
			if n.Content[i].Kind == n.Content[j].Kind && n.Content[i].Value == n.Content[j].Value {
				return
			}
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		switch {
		case key.Kind == yaml.ScalarNode && key.ShortTag() == "!!merge":
			merged := []*yaml.Node{val}
			if val.Kind == yaml.SequenceNode {
				merged = val.Content
			}
			for _, m := range merged {
				c.check(m, t)
			}
		case key.Kind == yaml.ScalarNode:
			f(key, val)
		}
	}
}

// structFields maps the keys of struct t to their types as yaml.v3 names them (the tag's
// name, else the lower-cased field name; ",inline" structs spread, "-" and unexported
// fields left out), with the type of its ",inline" map if it has one.
func structFields(t reflect.Type) (map[string]reflect.Type, reflect.Type) {
	fields := map[string]reflect.Type{}
	var inline reflect.Type
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			if sf.PkgPath != "" && !sf.Anonymous {
				continue
			}
			tag := sf.Tag.Get("yaml")
			if tag == "" && !strings.Contains(string(sf.Tag), ":") {
				tag = string(sf.Tag)
			}
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if slices.Contains(strings.Split(opts, ","), "inline") {
				ft := sf.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				switch ft.Kind() {
				case reflect.Map:
					inline = ft
				case reflect.Struct:
					walk(ft)
				}
				continue
			}
			if name == "" {
				name = strings.ToLower(sf.Name)
			}
			fields[name] = sf.Type
		}
	}
	walk(t)
	return fields, inline
}
