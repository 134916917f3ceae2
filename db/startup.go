package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	sqlitedriver "github.com/glebarez/go-sqlite"

	"github.com/rollcall/rollcall/config"
)

// checkSQLitePath says what is wrong with the path of a SQLite store before
// the driver tries it: SQLite reports every one of these as "unable to open
// database file" (code 14, which the driver prints as "out of memory").
// The file may be missing (it is created), but its folder must exist and be
// writable: SQLite in WAL mode writes PATH-wal and PATH-shm beside it.
func checkSQLitePath(path string, query url.Values) error {
	if path == ":memory:" || query.Get("mode") == "memory" || strings.HasPrefix(path, "file:") {
		return nil
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("DATABASE_URL=sqlite:%s: "+format, append([]any{path}, args...)...)
	}
	dir := filepath.Dir(path)
	if fi, err := os.Stat(path); err == nil {
		if fi.IsDir() {
			return bad("%s is a directory; give the path of a database file in it, such as sqlite:%s", path, filepath.Join(path, "rollcall.db"))
		}
		if !fi.Mode().IsRegular() {
			return bad("%s is not a regular file", path)
		}
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return bad("the database file cannot be opened for reading and writing: %v", unwrapPath(err))
		}
		_ = f.Close()
	} else if !errors.Is(err, os.ErrNotExist) {
		if errors.Is(err, syscall.ENOTDIR) {
			return bad("a part of %s is a file, not a directory", dir)
		}
		return bad("%v", unwrapPath(err))
	}
	di, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return bad("the directory %s does not exist; create it, or choose a path in an existing directory", dir)
	case errors.Is(err, syscall.ENOTDIR):
		return bad("a part of %s is a file, not a directory", dir)
	case err != nil:
		return bad("the directory %s cannot be used: %v", dir, unwrapPath(err))
	case !di.IsDir():
		return bad("%s is a file, not a directory", dir)
	}
	probe, err := os.CreateTemp(dir, ".rollcall-write-check-*")
	if err != nil {
		return bad("cannot create files in %s (SQLite writes the database and its -wal and -shm files there): %v", dir, unwrapPath(err))
	}
	_ = probe.Close()
	_ = os.Remove(probe.Name())
	return nil
}

// unwrapPath drops the operation and path of an *os.PathError (the message
// already names the path): "permission denied" rather than
// "open /x/y: permission denied".
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Unreachable reports an error of Open or Reachable that may pass by
// itself, which start-up waits out: the server cannot be reached (refused,
// reset, timed out, its name not resolved yet), is shutting down, or has
// too many connections. Configuration errors (bad credentials, a missing
// database, a bad SQLite path) are not.
func Unreachable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var se *sqlitedriver.Error
	if errors.As(err, &se) { // SQLite: a local file, nothing to wait for
		return false
	}
	return isUnavailable(err)
}

// Reachable connects to a mysql:// store once and pings it, within ctx: the
// check start-up repeats until the server answers (Open itself also
// migrates, which must not be cut by the start-up deadline). A sqlite:
// store is checked by Open.
func Reachable(ctx context.Context, databaseURL string) error {
	if !strings.HasPrefix(databaseURL, "mysql://") {
		return nil
	}
	dsn, err := MySQLDSN(databaseURL)
	if err != nil {
		return err
	}
	conn, err := sql.Open("mysql", dsn)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.PingContext(ctx)
}

// Redact returns databaseURL with its password replaced by xxxxx, for logs
// and error messages.
func Redact(databaseURL string) string { return config.Redact(databaseURL) }

// RedactError is err's message with the credentials of databaseURL, should
// a driver ever quote its DSN (USER:PASS@…), shown as USER:xxxxx@. Only the
// credentials pair is replaced, never the password alone: a short one
// would mangle the message ("p" in "tcp").
func RedactError(err error, databaseURL string) string {
	msg := err.Error()
	u, perr := url.Parse(databaseURL)
	if perr != nil || u.User == nil {
		return msg
	}
	pw, ok := u.User.Password()
	if !ok || pw == "" {
		return msg
	}
	name := u.User.Username()
	for _, creds := range []string{name + ":" + pw + "@", u.User.String() + "@"} {
		msg = strings.ReplaceAll(msg, creds, name+":xxxxx@")
	}
	return msg
}
