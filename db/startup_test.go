package db_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/db"
)

// A SQLite path that cannot work says what is wrong with it, instead of the
// driver's "unable to open database file: out of memory (14)".
func TestSQLiteBadPathsSayWhatIsWrong(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "afile")
	if err := os.WriteFile(file, []byte("not a folder"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path string
		want       []string
	}{
		{"missing directory", filepath.Join(dir, "missing", "rollcall.db"), []string{"directory " + filepath.Join(dir, "missing") + " does not exist"}},
		{"a directory instead of a file", dir, []string{dir + " is a directory", "sqlite:" + filepath.Join(dir, "rollcall.db")}},
		{"a file as the directory", filepath.Join(file, "rollcall.db"), []string{"is a file, not a directory"}},
		{"a file deeper under a file", filepath.Join(file, "sub", "rollcall.db"), []string{"is a file, not a directory"}},
	}
	if os.Geteuid() != 0 { // root writes anywhere: permissions cannot be tested as root
		ro := filepath.Join(dir, "readonly")
		if err := os.Mkdir(ro, 0o555); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, struct {
			name, path string
			want       []string
		}{"a directory without write permission", filepath.Join(ro, "rollcall.db"), []string{"cannot create files in " + ro, "permission denied"}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := db.Open(context.Background(), "sqlite:"+c.path, nil)
			if err == nil {
				t.Fatal("opened")
			}
			msg := err.Error()
			for _, w := range append(c.want, "DATABASE_URL=sqlite:"+c.path) {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
			if strings.Contains(msg, "out of memory") || strings.Contains(msg, "(14)") {
				t.Errorf("error still speaks of memory: %q", msg)
			}
			if db.Unreachable(err) {
				t.Errorf("a bad path is not something start-up waits out: %v", err)
			}
		})
	}
	// A good path leaves nothing of the write check behind.
	good := filepath.Join(dir, "ok", "rollcall.db")
	if err := os.Mkdir(filepath.Dir(good), 0o755); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(context.Background(), "sqlite:"+good, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = d.Close()
	entries, _ := os.ReadDir(filepath.Dir(good))
	for _, e := range entries {
		if strings.Contains(e.Name(), "write-check") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// What start-up waits out and what it does not; and passwords never shown.
func TestUnreachableAndRedact(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there now
	url := "mysql://rollcall:s3cr3t-pw@" + addr + "/rollcall"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = db.Reachable(ctx, url)
	if err == nil || !db.Unreachable(err) {
		t.Fatalf("a closed port: %v (unreachable %v)", err, db.Unreachable(err))
	}
	if _, err := db.Open(ctx, url, nil); err == nil || !db.Unreachable(err) {
		t.Fatalf("Open on a closed port: %v", err)
	}
	if db.Unreachable(context.Canceled) || !db.Unreachable(context.DeadlineExceeded) || db.Unreachable(errors.New("Error 1045: Access denied")) {
		t.Fatal("classification of canceled / deadline / other")
	}
	if got := db.Redact(url); strings.Contains(got, "s3cr3t-pw") || !strings.Contains(got, "rollcall:xxxxx@") {
		t.Fatalf("Redact: %s", got)
	}
	if got := db.RedactError(errors.New("cannot use rollcall:s3cr3t-pw@tcp(127.0.0.1:3306)/rollcall"), url); strings.Contains(got, "s3cr3t-pw") || !strings.Contains(got, "rollcall:xxxxx@tcp(") {
		t.Fatalf("RedactError: %s", got)
	}
	// A short password redacts the credentials, not every "p" of the message.
	if got := db.RedactError(errors.New("dial tcp 127.0.0.1:1: connect: connection refused; as u:p@tcp"), "mysql://u:p@127.0.0.1:1/x"); got != "dial tcp 127.0.0.1:1: connect: connection refused; as u:xxxxx@tcp" {
		t.Fatalf("RedactError with a short password: %s", got)
	}
}
