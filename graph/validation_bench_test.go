package graph

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"

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
				cpu0 := cpuTime()
				b.ResetTimer()
				for b.Loop() {
					if errs := validator.ValidateWithRules(schema, doc, rules); len(errs) > 0 {
						b.Fatal(errs)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/field")
				// CPU time of the process (garbage collection included) is
				// less disturbed than wall time on a shared machine.
				b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/field")
			})
		}
	}
}

// BenchmarkValidationGqlparserRule is the same document validated with
// gqlparser's own OverlappingFieldsCanBeMerged, for comparison: its cost per
// field grows with the number of fields.
func BenchmarkValidationGqlparserRule(b *testing.B) {
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	for _, n := range []int{1_000, 2_000, 4_000} {
		b.Run(fmt.Sprintf("repeated/fields=%d", n), func(b *testing.B) {
			doc, err := parser.ParseQuery(&ast.Source{Input: "{ me {" + strings.Repeat(" id", n) + " } }"})
			if err != nil {
				b.Fatal(err)
			}
			defaults := rules.NewDefaultRules()
			for b.Loop() {
				validator.ValidateWithRules(schema, doc, defaults)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/field")
		})
	}
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
