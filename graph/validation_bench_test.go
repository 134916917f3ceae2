package graph

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/rollcall/rollcall/graph/generated"
)

// BenchmarkValidation validates documents of 1k to 100k fields with the
// rules NewHandler uses (no document limits: they would refuse all but the
// smallest). The ns/field metric must stay flat as the document grows:
//
//	go test -run '^$' -bench Validation ./graph/
func BenchmarkValidation(b *testing.B) {
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	shapes := map[string]func(i int) string{
		"repeated": func(int) string { return "id" },                                    // { me { id id id … } }
		"aliased":  func(i int) string { return fmt.Sprintf("a%d: email", i) },          // distinct response names
		"mixed":    func(i int) string { return []string{"id", "email", "x: id"}[i%3] }, // three groups
	}
	for _, shape := range []string{"repeated", "aliased", "mixed"} {
		for _, n := range []int{1_000, 10_000, 100_000} {
			b.Run(fmt.Sprintf("%s/fields=%d", shape, n), func(b *testing.B) {
				var q strings.Builder
				q.WriteString("{ me {")
				for i := range n {
					q.WriteString(" ")
					q.WriteString(shapes[shape](i))
				}
				q.WriteString(" } }")
				doc, err := parser.ParseQuery(&ast.Source{Input: q.String()})
				if err != nil {
					b.Fatal(err)
				}
				rules := ValidationRules()
				b.ResetTimer()
				for b.Loop() {
					if errs := validator.ValidateWithRules(schema, doc, rules); len(errs) > 0 {
						b.Fatal(errs)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/field")
			})
		}
	}
}
