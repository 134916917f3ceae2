package graph

import (
	"os/exec"
	"strings"
	"testing"
)

// The GraphQL layer reaches storage and Redis only through models
// interfaces: its dependency graph holds neither GORM nor go-redis.
func TestGraphImportsNoStorage(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "gorm.io/") || strings.Contains(dep, "go-redis") || strings.HasPrefix(dep, "github.com/redis/") {
			t.Errorf("graph depends on %s", dep)
		}
	}
}
