package schema

import (
	"golang.org/x/net/idna"

	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"sort"
	"strconv"
	"strings"
)

// Explain puts each validation error of an action's input in words for a
// person at a terminal: the misspelt key named with the closest valid key,
// the allowed values of an enum, the missing field of a conditional
// requirement with its condition, the line and column of a JSON syntax
// error, a hint when a host holds host:port. doc is the input the errors
// are about. The agent's array (FieldError) is left as it is.
func (s *Set) Explain(action string, kind Kind, doc []byte, errs []FieldError) []string {
	w := &walker{set: s, action: action, kind: kind}
	var instance any
	json.Unmarshal(doc, &instance) //nolint:errcheck // a syntax error is explained from doc itself
	var out []string
	seen := map[string]bool{}
	for _, e := range errs {
		if composite[e.Type] && explainedWithin(e, errs) {
			continue // "allOf failed" beside the error that says why
		}
		msg := e.Message
		if msg == "" {
			msg = w.explain(e, doc, instance)
		}
		// anyOf reports a value once per alternative: say it once.
		if msg != "" && !seen[msg] {
			seen[msg] = true
			out = append(out, msg)
		}
	}
	return out
}

// composite are the errors of allOf, anyOf and oneOf: they say that a
// part failed, which another error of the same field says better when
// there is one.
var composite = map[string]bool{"number_all_of": true, "number_any_of": true, "number_one_of": true}

func explainedWithin(e FieldError, errs []FieldError) bool {
	for _, o := range errs {
		if !composite[o.Type] && o.Type != "condition_then" && o.Type != "condition_else" &&
			(o.Field == e.Field || strings.HasPrefix(o.Field, e.Field+".")) {
			return true
		}
	}
	return false
}

// name is how a field is called in words: its dotted path, or "the input".
func name(field string) string {
	if field == "" || field == "(root)" {
		return "the input"
	}
	return field
}

func quote(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 60 {
		return string(b[:57]) + "..."
	}
	return string(b)
}

// explain is the words of one error; "" leaves out an error another one
// already explains (the condition_then beside its missing field).
func (w *walker) explain(e FieldError, doc []byte, instance any) string {
	f := name(e.Field)
	switch e.Type {
	case "invalid_json":
		return syntaxError(doc)
	case "input_too_large":
		return "the input is larger than 1 MiB"
	case "unreadable_input":
		return "the input could not be read"
	case "additional_property_not_allowed":
		return w.unknownKey(e)
	case "required":
		return w.required(e, instance)
	case "condition_then", "condition_else":
		return ""
	case "enum":
		return w.enum(e)
	case "invalid_type":
		return fmt.Sprintf("%s must be %s, not %s (%s)", f, article(e.Details["expected"]), article(e.Details["given"]), quote(e.Value))
	case "number_gte", "number_gt":
		return fmt.Sprintf("%s must be at least %v (it is %s)", f, bound(e, "min"), quote(e.Value))
	case "number_lte", "number_lt":
		return fmt.Sprintf("%s must be at most %v (it is %s)", f, bound(e, "max"), quote(e.Value))
	case "string_gte":
		return fmt.Sprintf("%s must be at least %v characters long", f, e.Details["min"])
	case "string_lte":
		return fmt.Sprintf("%s must be at most %v characters long (it has %d)", f, e.Details["max"], len([]rune(fmt.Sprint(e.Value))))
	case "array_max_items":
		return fmt.Sprintf("%s may hold at most %v items", f, e.Details["max"])
	}
	return w.form(e)
}

func bound(e FieldError, key string) string {
	s := fmt.Sprint(e.Details[key])
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		return strconv.FormatFloat(n, 'f', -1, 64)
	}
	return s
}

// article names a JSON type as a value of it ("an integer", "a string").
func article(t any) string {
	var parts []string
	for _, p := range strings.FieldsFunc(fmt.Sprint(t), func(r rune) bool { return strings.ContainsRune("[],/ ", r) }) {
		switch p {
		case "null":
		case "integer", "object", "array":
			p = "an " + p
		default:
			p = "a " + p
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, " or ")
}

// form explains a value of the wrong form (pattern, format, anyOf): the
// description of the field's schema when it has one, and the host:port
// hint.
func (w *walker) form(e FieldError) string {
	f := name(e.Field)
	v, _ := e.Value.(string)
	if host, port, err := net.SplitHostPort(v); err == nil && host != "" && isDigits(port) && strings.HasSuffix(e.Field, "host") {
		portField := strings.TrimSuffix(e.Field, "host") + "port"
		return fmt.Sprintf("%s is %s, a host and a port: put the host in %s (%s) and the port in %s (%s)",
			f, quote(v), f, quote(host), portField, port)
	}
	what := "does not have the form it must have"
	if d := w.description(e.Field); d != "" {
		what = "is not " + lowerFirst(strings.TrimSuffix(d, "."))
		// An internationalized name: the form to type (RFC 5891 A-labels).
		if a, err := idna.Lookup.ToASCII(strings.TrimSuffix(v, ".")); err == nil && a != v && strings.Contains(d, "host name") {
			what += fmt.Sprintf("; type it as %s", a)
		}
	} else if p, ok := e.Details["pattern"]; ok {
		what = fmt.Sprintf("does not match the pattern %v", p)
	} else if ft, ok := e.Details["format"]; ok {
		what = fmt.Sprintf("is not a valid %v", ft)
	}
	return fmt.Sprintf("%s %s %s", f, quote(e.Value), what)
}

func isDigits(s string) bool {
	_, err := strconv.ParseUint(s, 10, 16)
	return err == nil
}

// lowerFirst lower-cases the first letter of a sentence, not of an
// acronym ("NS7's").
func lowerFirst(s string) string {
	if len(s) < 2 || s[1] >= 'A' && s[1] <= 'Z' {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// unknownKey names the key that is not allowed, the closest valid key and
// the valid keys there.
func (w *walker) unknownKey(e FieldError) string {
	prop, _ := e.Details["property"].(string)
	full := prop
	if e.Field != "" && e.Field != "(root)" {
		full = e.Field + "." + prop
	}
	keys := w.keys(e.Field)
	msg := fmt.Sprintf("unknown key %q", full)
	if c := Closest(prop, keys); c != "" {
		msg += fmt.Sprintf(": did you mean %q?", strings.TrimPrefix(strings.TrimSuffix(full, prop)+c, "."))
	}
	if len(keys) > 0 {
		msg += " (valid keys" + where(e.Field) + ": " + strings.Join(keys, ", ") + ")"
	}
	return msg
}

func where(field string) string {
	if field == "" || field == "(root)" {
		return ""
	}
	return " in " + field
}

// enum lists the allowed values and the closest one.
func (w *walker) enum(e FieldError) string {
	allowed := fmt.Sprint(e.Details["allowed"])
	msg := fmt.Sprintf("%s is %s; allowed values: %s", name(e.Field), quote(e.Value), allowed)
	if v, ok := e.Value.(string); ok {
		var opts []string
		for _, a := range strings.Split(allowed, ", ") {
			opts = append(opts, strings.Trim(a, `"`))
		}
		if c := Closest(v, opts); c != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", c)
		}
	}
	return msg
}

// required names the missing field and, for a conditional requirement
// (if/then), the condition that asks for it.
func (w *walker) required(e FieldError, instance any) string {
	prop, _ := e.Details["property"].(string)
	full := prop
	if e.Field != "" && e.Field != "(root)" {
		full = e.Field + "." + prop
	}
	if cond := w.condition(e.Field, prop, instance); cond != "" {
		return fmt.Sprintf("%s is required when %s", full, cond)
	}
	return full + " is required"
}

// Closest returns the candidate nearest to s by edit distance when it is
// near enough to be a slip (at most half the length, at least 2), else "".
func Closest(s string, candidates []string) string {
	best, bestD := "", -1
	for _, c := range candidates {
		d := distance(strings.ToLower(s), strings.ToLower(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if bestD < 0 || bestD > max(2, len(s)/2) {
		return ""
	}
	return best
}

// distance is the Levenshtein distance between a and b (in bytes: keys
// and values here are ASCII).
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// syntaxError is the words of a JSON syntax error: line and column, what
// was found, and the likely slip.
func syntaxError(doc []byte) string {
	var v any
	err := json.Unmarshal(doc, &v)
	var se *json.SyntaxError
	switch {
	case err != nil && strings.Contains(err.Error(), "unexpected end"):
		line, col := position(doc, len(doc))
		return fmt.Sprintf("the input is not valid JSON: it ends early, at line %d, column %d (a missing } or ] or \"?)", line, col)
	case err == nil || !errors.As(err, &se):
		return "the input is not valid JSON"
	}
	off := int(se.Offset)
	if off > 0 {
		off-- // Offset counts the bytes read, the bad one included
	}
	line, col := position(doc, off)
	msg := fmt.Sprintf("the input is not valid JSON: line %d, column %d: %s", line, col, se.Error())
	if prev := lastNonBlank(doc[:off]); prev == ',' && off < len(doc) && (doc[off] == '}' || doc[off] == ']') {
		msg += " (a comma before a closing bracket: JSON allows no trailing comma)"
	} else if off < len(doc) && doc[off] == '\'' {
		msg += " (JSON strings take double quotes)"
	}
	return msg
}

func lastNonBlank(b []byte) byte {
	for i := len(b) - 1; i >= 0; i-- {
		if !strings.ContainsRune(" \t\r\n", rune(b[i])) {
			return b[i]
		}
	}
	return 0
}

// position is the 1-based line and column (in characters) of byte offset off.
func position(doc []byte, off int) (int, int) {
	off = min(off, len(doc))
	line := 1 + strings.Count(string(doc[:off]), "\n")
	start := strings.LastIndexByte(string(doc[:off]), '\n') + 1
	return line, len([]rune(string(doc[start:off]))) + 1
}

// walker finds the schema of a field of an action's document, following
// $ref into the definitions file and through allOf, anyOf and oneOf.
type walker struct {
	set    *Set
	action string
	kind   Kind
}

func (w *walker) load(file string) map[string]any {
	raw, err := fs.ReadFile(w.set.fsys, file)
	if err != nil {
		return nil
	}
	var m map[string]any
	json.Unmarshal(raw, &m) //nolint:errcheck // a broken schema has no words to give
	return m
}

// node is a schema object and the document it belongs to (for local $ref).
type node struct {
	m    map[string]any
	root map[string]any
}

// resolve follows $ref: local (#/...) or into the definitions file (by its $id).
func (w *walker) resolve(n node) node {
	for i := 0; i < 10 && n.m != nil; i++ {
		ref, ok := n.m["$ref"].(string)
		if !ok {
			return n
		}
		docPart, ptr, _ := strings.Cut(ref, "#")
		root := n.root
		if docPart != "" {
			root = w.load(DefinitionsFile)
		}
		n = node{m: pointer(root, ptr), root: root}
	}
	return n
}

// pointer follows a JSON pointer (RFC 6901, without escapes: the schemas
// use none) in doc.
func pointer(doc map[string]any, ptr string) map[string]any {
	cur := doc
	for _, p := range strings.Split(strings.Trim(ptr, "/"), "/") {
		if p == "" {
			continue
		}
		next, _ := cur[p].(map[string]any)
		if next == nil {
			return nil
		}
		cur = next
	}
	return cur
}

// alternatives are a node and the members of its allOf, anyOf and oneOf,
// resolved.
func (w *walker) alternatives(n node) []node {
	n = w.resolve(n)
	if n.m == nil {
		return nil
	}
	out := []node{n}
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		list, _ := n.m[k].([]any)
		for _, x := range list {
			if m, ok := x.(map[string]any); ok {
				out = append(out, w.alternatives(node{m: m, root: n.root})...)
			}
		}
	}
	return out
}

// at is the schema nodes of a field path ("ns7.host", "ignore.0", "(root)").
func (w *walker) at(field string) []node {
	root := w.load(File(w.action, w.kind))
	nodes := []node{{m: root, root: root}}
	if field == "" || field == "(root)" {
		return nodes
	}
	for _, el := range strings.Split(field, ".") {
		var next []node
		for _, n := range nodes {
			for _, a := range w.alternatives(n) {
				if props, ok := a.m["properties"].(map[string]any); ok {
					if m, ok := props[el].(map[string]any); ok {
						next = append(next, node{m: m, root: a.root})
					}
				}
				if items, ok := a.m["items"].(map[string]any); ok && isDigits(el) {
					next = append(next, node{m: items, root: a.root})
				}
			}
		}
		nodes = next
	}
	return nodes
}

// keys are the property names the schema of field allows, sorted.
func (w *walker) keys(field string) []string {
	seen := map[string]bool{}
	for _, n := range w.at(field) {
		for _, a := range w.alternatives(n) {
			props, _ := a.m["properties"].(map[string]any)
			for k := range props {
				seen[k] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// description is the first description of the schema of field (its own or
// its referenced definition's).
func (w *walker) description(field string) string {
	for _, n := range w.at(field) {
		for _, a := range w.alternatives(n) {
			if d, ok := a.m["description"].(string); ok && d != "" {
				return d
			}
		}
	}
	return ""
}

// condition says when prop is required at field by an if/then of its
// schema, as "provider.type is \"remote-ad\"" with the instance's value;
// "" when prop is required unconditionally.
func (w *walker) condition(field, prop string, instance any) string {
	obj, _ := valueAt(instance, field).(map[string]any)
	for _, n := range w.at(field) {
		for _, a := range w.alternatives(n) {
			then := w.resolve(node{m: mapOf(a.m["then"]), root: a.root})
			if !contains(then.m["required"], prop) {
				continue
			}
			ifProps := mapOf(mapOf(a.m["if"])["properties"])
			for k := range ifProps {
				v, ok := obj[k]
				if !ok {
					continue
				}
				full := k
				if field != "" && field != "(root)" {
					full = field + "." + k
				}
				return fmt.Sprintf("%s is %s", full, quote(v))
			}
		}
	}
	return ""
}

func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func contains(list any, s string) bool {
	l, _ := list.([]any)
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// valueAt is the value at a field path in a decoded document.
func valueAt(doc any, field string) any {
	if field == "" || field == "(root)" {
		return doc
	}
	cur := doc
	for _, el := range strings.Split(field, ".") {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[el]
		case []any:
			i, err := strconv.Atoi(el)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}
