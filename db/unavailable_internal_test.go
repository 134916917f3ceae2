package db

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"syscall"
	"testing"

	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"github.com/rollcall/rollcall/models"
)

// TestTranslateUnavailable holds the classification of store faults: a
// store that cannot be reached or cannot write answers UNAVAILABLE, a
// caller's mistake keeps its code, and anything else stays internal.
func TestTranslateUnavailable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: fmt.Errorf("connect: %w", syscall.ECONNREFUSED)}
	for _, tc := range []struct {
		name string
		err  error
		want models.Code
	}{
		{"ConnectionRefused", refused, models.CodeUnavailable},
		{"InvalidConnection", fmt.Errorf("query: %w", mysqldriver.ErrInvalidConn), models.CodeUnavailable},
		{"ServerGoneAway", &mysqldriver.MySQLError{Number: 2006, Message: "MySQL server has gone away"}, models.CodeUnavailable},
		{"DiskFull", &mysqldriver.MySQLError{Number: 1021, Message: "Disk full"}, models.CodeUnavailable},
		{"ReadOnly", &mysqldriver.MySQLError{Number: 1290, Message: "--read-only"}, models.CodeUnavailable},
		{"NoSpace", fmt.Errorf("write: %w", syscall.ENOSPC), models.CodeUnavailable},
		{"Duplicate", &mysqldriver.MySQLError{Number: 1062, Message: "Duplicate entry"}, models.CodeConflict},
		{"SyntaxError", &mysqldriver.MySQLError{Number: 1064, Message: "syntax"}, models.CodeInternal},
		{"Other", errors.New("something odd"), models.CodeInternal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := models.ErrorCode(translate(tc.err)); got != tc.want {
				t.Fatalf("translate(%v) = %s, want %s", tc.err, got, tc.want)
			}
		})
	}
	t.Run("CancelledIsNotAFault", func(t *testing.T) {
		if err := translate(context.Canceled); !errors.Is(err, context.Canceled) {
			t.Fatalf("a cancelled request stays cancelled, got %v", err)
		}
	})
	t.Run("CauseKeptForTheLog", func(t *testing.T) {
		if err := translate(refused); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("the cause is lost: %v", err)
		}
	})
}

// TestSQLiteFullIsUnavailable fills a real SQLite database (its page count
// capped where it stands, as a full disk would) and holds that the write
// fails with UNAVAILABLE, not INTERNAL.
func TestSQLiteFullIsUnavailable(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "full.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	d.sql.SetMaxOpenConns(1) // the cap below is per connection
	var pages int
	if err := d.sql.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := d.sql.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages)); err != nil {
		t.Fatal(err)
	}
	err = d.tx(ctx, func(tx *gorm.DB) error {
		return tx.Exec("CREATE TABLE filler (b BLOB)").Error
	})
	if err == nil {
		t.Fatal("the write succeeded on a full database")
	}
	if got := models.ErrorCode(err); got != models.CodeUnavailable {
		t.Fatalf("full database answered %s (%v), want UNAVAILABLE", got, err)
	}
}

// TestCheckWritable holds that readiness proves the store can write: a
// SQLite connection made read-only still answers Ping, and fails
// CheckWritable with UNAVAILABLE.
func TestCheckWritable(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "probe.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	if err := d.CheckWritable(ctx); err != nil {
		t.Fatalf("a healthy store: %v", err)
	}
	d.sql.SetMaxOpenConns(1) // query_only is per connection
	if _, err := d.sql.ExecContext(ctx, "PRAGMA query_only = 1"); err != nil {
		t.Fatal(err)
	}
	if err := d.Ping(ctx); err != nil {
		t.Fatalf("ping fails on a read-only store (the test no longer shows the difference): %v", err)
	}
	if err := d.CheckWritable(ctx); models.ErrorCode(err) != models.CodeUnavailable {
		t.Fatalf("a store that cannot write passed readiness: %v", err)
	}
}

func TestDeadlineIsNotAConnectionFault(t *testing.T) {
	if models.IsConnectionFault(context.DeadlineExceeded) || models.IsConnectionFault(fmt.Errorf("read: %w", context.Canceled)) {
		t.Fatal("a request out of time or cancelled is not a service that is down")
	}
}
