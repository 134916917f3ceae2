package db

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestAuditDetailsBounded(t *testing.T) {
	name := strings.Repeat("<😀&", 66) // 198 characters, 396 bytes
	grant := func(n int) map[string]any {
		ids, names := make([]string, n), make([]string, n)
		for i := range n {
			ids[i], names[i] = fmt.Sprintf("QWNjb3VudDo%d", i), fmt.Sprintf("%02d", i)+name
		}
		return map[string]any{"role": "AGENT", "accounts": ids, "accountNames": names,
			"restrictions": map[string]bool{"dataExportBlocked": true}}
	}
	for _, tt := range []struct {
		name      string
		v         map[string]any
		truncated bool
	}{
		{"OK/Small", map[string]any{"name": "Acme <Support> & Co"}, false},
		{"OK/FiftyAccountsTwice", map[string]any{"before": grant(50), "after": grant(50)}, false},
		{"Shortened/HundredAccountsTwice", map[string]any{"before": grant(100), "after": grant(100)}, true},
		{"Cut/Huge", map[string]any{"accounts": grant(5000)}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := details(tt.v)
			if len(got) > maxAuditDetails {
				t.Fatalf("%d bytes, over %d", len(got), maxAuditDetails)
			}
			var back map[string]any
			if err := json.Unmarshal([]byte(got), &back); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			if (back["truncated"] == true) != tt.truncated {
				t.Fatalf("truncated = %v, want %v (%d bytes)", back["truncated"], tt.truncated, len(got))
			}
			if strings.Contains(got, `\u003c`) {
				t.Fatal("HTML escaping inflates the details")
			}
		})
	}
}
