// Computes which JSON fields are present in the Go zero value of Kubernetes API structs after
// runtime.DefaultUnstructuredConverter.ToUnstructured, and which non-pointer scalars omitempty
// drops at their zero: core/api/patch/go-zero-fields.json. Static analysis with go/ast (stdlib
// only) of the published k8s.io repositories at tag kubernetes-1.32.13:
//
//	go run . <dir holding api/ apimachinery/ apiextensions-apiserver/ kube-aggregator/> ../go-zero-fields.json
//
// Then `npm run gen:zero-shapes` rebuilds zero-shapes.json from it.
package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

type pkg struct {
	importPath string
	dir        string
	types      map[string]*ast.TypeSpec
	fileOf     map[string]string // type -> file name
	imports    map[string]map[string]string // file -> alias -> import path
	output     bool
	outFiles   map[string]bool
}

var pkgs = map[string]*pkg{}
var warnings []string

func warn(f string, a ...interface{}) { warnings = append(warnings, fmt.Sprintf(f, a...)) }

func loadPkg(importPath, dir string, output bool, outFiles []string) {
	p := &pkg{importPath: importPath, dir: dir, types: map[string]*ast.TypeSpec{}, fileOf: map[string]string{}, imports: map[string]map[string]string{}, output: output, outFiles: map[string]bool{}}
	for _, f := range outFiles {
		p.outFiles[f] = true
	}
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") || strings.HasSuffix(n, ".pb.go") {
			continue
		}
		// FieldsV1 has build-tag alternative definitions on newer releases; skip the alternates.
		if n == "fieldsv1_byte.go" {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.ParseComments)
		if err != nil {
			panic(err)
		}
		imps := map[string]string{}
		for _, im := range f.Imports {
			path, _ := strconv.Unquote(im.Path.Value)
			alias := path[strings.LastIndex(path, "/")+1:]
			if im.Name != nil {
				alias = im.Name.Name
			}
			imps[alias] = path
		}
		p.imports[n] = imps
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, s := range gd.Specs {
				ts := s.(*ast.TypeSpec)
				if prev, dup := p.fileOf[ts.Name.Name]; dup {
					warn("duplicate type %s.%s in %s and %s", importPath, ts.Name.Name, prev, n)
					continue
				}
				p.types[ts.Name.Name] = ts
				p.fileOf[ts.Name.Name] = n
			}
		}
	}
	pkgs[importPath] = p
}

func defName(importPath, name string) string {
	ip := importPath
	if strings.HasPrefix(ip, "k8s.io/") {
		ip = "io.k8s." + strings.TrimPrefix(ip, "k8s.io/")
	}
	return strings.ReplaceAll(ip, "/", ".") + "." + name
}

// special scalar types with custom (un)structured conversion: zero value in JSON.
type special struct {
	null  bool
	value interface{}
}

var specials = map[string]special{
	"k8s.io/apimachinery/pkg/apis/meta/v1.Time":                             {null: true},
	"k8s.io/apimachinery/pkg/apis/meta/v1.MicroTime":                        {null: true},
	"k8s.io/apimachinery/pkg/apis/meta/v1.Duration":                         {value: "0s"},
	"k8s.io/apimachinery/pkg/apis/meta/v1.FieldsV1":                         {null: true},
	"k8s.io/apimachinery/pkg/apis/meta/v1.GroupVersion":                     {value: ""}, // MarshalJSON -> "" for empty
	"k8s.io/apimachinery/pkg/api/resource.Quantity":                         {value: "0"},
	"k8s.io/apimachinery/pkg/util/intstr.IntOrString":                       {value: 0},
	"k8s.io/apimachinery/pkg/runtime.RawExtension":                          {null: true},
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1.JSON":         {null: true},
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1.JSONSchemaPropsOrBool":        {value: false},
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1.JSONSchemaPropsOrStringArray": {null: true},
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1.JSONSchemaPropsOrArray":       {null: true},
}

// resolved kinds
const (
	kStruct = iota
	kSpecial
	kScalar
	kNullable // pointer, slice, map, interface
)

type resolved struct {
	kind    int
	zero    interface{}
	def     string // struct definition name
	key     string // importPath.Name
	spec    special
	hasZero bool // has IsZero method (for omitzero)
}

func basicZero(n string) (interface{}, bool) {
	switch n {
	case "string":
		return "", true
	case "bool":
		return false, true
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64", "byte", "rune":
		return 0, true
	}
	return nil, false
}

func resolve(p *pkg, file string, e ast.Expr, depth int) resolved {
	if depth > 20 {
		panic("too deep")
	}
	switch t := e.(type) {
	case *ast.StarExpr, *ast.ArrayType, *ast.MapType, *ast.InterfaceType:
		if at, ok := t.(*ast.ArrayType); ok && at.Len != nil {
			warn("fixed array type in %s", p.importPath)
		}
		return resolved{kind: kNullable}
	case *ast.StructType:
		return resolved{kind: kStruct, def: "<anonymous struct>"}
	case *ast.Ident:
		if z, ok := basicZero(t.Name); ok {
			if _, local := p.types[t.Name]; !local {
				return resolved{kind: kScalar, zero: z}
			}
		}
		return resolveNamed(p, t.Name, depth)
	case *ast.SelectorExpr:
		alias := t.X.(*ast.Ident).Name
		ip, ok := p.imports[file][alias]
		if !ok {
			panic(fmt.Sprintf("unknown import alias %s in %s/%s", alias, p.importPath, file))
		}
		q, ok := pkgs[ip]
		if !ok {
			panic(fmt.Sprintf("package not loaded: %s (type %s)", ip, t.Sel.Name))
		}
		return resolveNamed(q, t.Sel.Name, depth)
	}
	panic(fmt.Sprintf("unhandled type expr %T", e))
}

func resolveNamed(p *pkg, name string, depth int) resolved {
	key := p.importPath + "." + name
	if s, ok := specials[key]; ok {
		return resolved{kind: kSpecial, spec: s, key: key, hasZero: key == "k8s.io/apimachinery/pkg/apis/meta/v1.Time" || key == "k8s.io/apimachinery/pkg/apis/meta/v1.MicroTime"}
	}
	ts, ok := p.types[name]
	if !ok {
		panic("unknown type " + key)
	}
	if ts.Assign.IsValid() {
		// type alias
		return resolve(p, p.fileOf[name], ts.Type, depth+1)
	}
	if _, isStruct := ts.Type.(*ast.StructType); isStruct {
		return resolved{kind: kStruct, def: defName(p.importPath, name), key: key}
	}
	r := resolve(p, p.fileOf[name], ts.Type, depth+1)
	if r.kind == kStruct {
		// named type over a struct type from another package, e.g. type X metav1.Y
		warn("named type %s over struct %s", key, r.def)
		return resolved{kind: kStruct, def: defName(p.importPath, name), key: key}
	}
	return r
}

type fieldOut struct {
	name string
	val  map[string]interface{}
}

func structFields(p *pkg, file string, st *ast.StructType, owner string, depth int) []fieldOut {
	var out []fieldOut
	for _, f := range st.Fields.List {
		tag := ""
		if f.Tag != nil {
			s, _ := strconv.Unquote(f.Tag.Value)
			tag = reflect.StructTag(s).Get("json")
		}
		items := strings.Split(tag, ",")
		jname := items[0]
		omitempty, omitzero, inline := false, false, false
		for _, it := range items[1:] {
			switch it {
			case "omitempty":
				omitempty = true
			case "omitzero":
				omitzero = true
			case "inline":
				inline = true
			}
		}
		if jname == "-" && len(items) == 1 {
			continue
		}
		names := []string{}
		for _, n := range f.Names {
			if !ast.IsExported(n.Name) {
				continue
			}
			names = append(names, n.Name)
		}
		embedded := len(f.Names) == 0
		if len(f.Names) > 0 && len(names) == 0 {
			continue // unexported
		}
		r := resolve(p, file, f.Type, 0)
		if embedded && (jname == "" || inline) {
			// inlined: in converter, name "" -> toUnstructured(fv, dv) into the same map
			if inline && jname != "" {
				warn("inline tag with name %q in %s", jname, owner)
			}
			if r.kind == kStruct {
				// find the struct
				q, tname, tfile := findStruct(p, file, f.Type)
				ts := q.types[tname]
				out = append(out, structFields(q, tfile, ts.Type.(*ast.StructType), owner, depth+1)...)
				continue
			}
			if r.kind == kNullable && !omitempty {
				warn("inlined non-struct embedded field in %s", owner)
			}
			if r.kind == kNullable && omitempty {
				continue
			}
			warn("embedded non-struct inline in %s: %v", owner, r)
			continue
		}
		if embedded {
			// embedded with explicit name
			names = []string{exprName(f.Type)}
		}
		for _, gn := range names {
			jn := jname
			if jn == "" {
				jn = gn
				warn("field without json name in %s: %s", owner, gn)
			}
			var v map[string]interface{}
			switch r.kind {
			case kNullable:
				if !omitempty {
					v = map[string]interface{}{"null": true}
				}
			case kScalar:
				if !omitempty {
					v = map[string]interface{}{"value": r.zero}
				} else {
					// a non-pointer scalar behind omitempty: dropped when it holds its zero
					v = map[string]interface{}{"omit": r.zero}
				}
			case kStruct:
				if omitzero {
					warn("omitzero on plain struct field %s.%s (treated as absent)", owner, jn)
					continue
				}
				v = map[string]interface{}{"struct": r.def}
			case kSpecial:
				if omitzero {
					if r.hasZero {
						continue // IsZero() true for zero value
					}
					warn("omitzero on special %s.%s", owner, jn)
					continue
				}
				if r.spec.null {
					v = map[string]interface{}{"null": true}
				} else {
					v = map[string]interface{}{"value": r.spec.value}
				}
			}
			if omitzero && r.kind != kStruct && r.kind != kSpecial {
				// omitzero on scalar/pointer/slice/map: zero value omitted
				v = nil
			}
			if v != nil {
				out = append(out, fieldOut{jn, v})
			}
		}
	}
	return out
}

func exprName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.SelectorExpr:
		return t.Sel.Name
	case *ast.StarExpr:
		return exprName(t.X)
	}
	return "?"
}

func findStruct(p *pkg, file string, e ast.Expr) (*pkg, string, string) {
	switch t := e.(type) {
	case *ast.Ident:
		ts := p.types[t.Name]
		if ts.Assign.IsValid() {
			return findStruct(p, p.fileOf[t.Name], ts.Type)
		}
		return p, t.Name, p.fileOf[t.Name]
	case *ast.SelectorExpr:
		q := pkgs[p.imports[file][t.X.(*ast.Ident).Name]]
		return findStruct(q, q.fileOf[t.Sel.Name], ast.NewIdent(t.Sel.Name))
	}
	panic("findStruct")
}

func main() {
	root := os.Args[1]
	outPath := os.Args[2]
	// dependency packages (for type resolution only)
	loadPkg("k8s.io/apimachinery/pkg/types", root+"/apimachinery/pkg/types", false, nil)
	loadPkg("k8s.io/apimachinery/pkg/api/resource", root+"/apimachinery/pkg/api/resource", false, nil)
	loadPkg("k8s.io/apimachinery/pkg/util/intstr", root+"/apimachinery/pkg/util/intstr", false, nil)
	loadPkg("k8s.io/apimachinery/pkg/runtime", root+"/apimachinery/pkg/runtime", false, nil)
	loadPkg("k8s.io/apimachinery/pkg/apis/meta/v1", root+"/apimachinery/pkg/apis/meta/v1", true, []string{"types.go"})
	for _, g := range []string{"core/v1", "apps/v1", "batch/v1", "autoscaling/v1", "autoscaling/v2", "policy/v1", "scheduling/v1", "discovery/v1", "networking/v1", "coordination/v1", "storage/v1", "rbac/v1", "node/v1", "admissionregistration/v1", "certificates/v1"} {
		loadPkg("k8s.io/api/"+g, root+"/api/"+g, true, []string{"types.go"})
	}
	loadPkg("k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1", root+"/apiextensions-apiserver/pkg/apis/apiextensions/v1", true, []string{"types.go", "types_jsonschema.go"})
	loadPkg("k8s.io/kube-aggregator/pkg/apis/apiregistration/v1", root+"/kube-aggregator/pkg/apis/apiregistration/v1", true, []string{"types.go"})

	result := map[string][]fieldOut{}
	var keys []string
	var ips []string
	for ip := range pkgs {
		ips = append(ips, ip)
	}
	sort.Strings(ips)
	for _, ip := range ips {
		p := pkgs[ip]
		if !p.output {
			continue
		}
		for name, ts := range p.types {
			if !p.outFiles[p.fileOf[name]] || !ast.IsExported(name) || ts.Assign.IsValid() {
				continue
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			key := ip + "." + name
			if _, sp := specials[key]; sp {
				continue // custom-marshalled scalar types are not objects
			}
			dn := defName(ip, name)
			result[dn] = structFields(p, p.fileOf[name], st, dn, 0)
			keys = append(keys, dn)
		}
	}
	sort.Strings(keys)
	// emit JSON with stable key order, fields in struct order
	var b strings.Builder
	b.WriteString("{\n")
	for i, k := range keys {
		b.WriteString("  " + strconv.Quote(k) + ": {")
		for j, f := range result[k] {
			if j > 0 {
				b.WriteString(",")
			}
			vb, _ := json.Marshal(f.val)
			b.WriteString("\n    " + strconv.Quote(f.name) + ": " + string(vb))
		}
		if len(result[k]) > 0 {
			b.WriteString("\n  ")
		}
		b.WriteString("}")
		if i < len(keys)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("}\n")
	if err := os.WriteFile(outPath, []byte(b.String()), 0644); err != nil {
		panic(err)
	}
	for _, w := range warnings {
		fmt.Fprintln(os.Stderr, "WARN:", w)
	}
	fmt.Fprintf(os.Stderr, "%d definitions\n", len(keys))
}
