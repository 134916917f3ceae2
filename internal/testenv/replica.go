package testenv

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rollcall/rollcall/db"
)

// Replica is a MariaDB server of its own replicating one test database from
// the TEST_MYSQL_DSN server.
type Replica struct {
	// URL is the replica's DATABASE_URL for the test database.
	URL   string
	conn  *sql.DB
	cmd   *exec.Cmd
	done  chan struct{}
	dir   string
	dbURL string // the primary's
}

// replicaStartTimeout bounds the replica's install, start and first catch-up.
const replicaStartTimeout = 40 * time.Second

// MySQLReplica starts a MariaDB server on a free loopback port replicating
// the database of primaryURL (a URL from MySQL, before anything wrote to
// it) from the TEST_MYSQL_DSN server, which must log its binary log. Only
// that database is replicated, so other tests' databases on the shared
// server do not disturb it. The server is stopped and its files removed
// when the test ends. Outside CI, a missing server binary or a primary
// without a binary log skips the test; under CI it fails it.
func MySQLReplica(t testing.TB, primaryURL string) *Replica {
	t.Helper()
	missing := func(format string, args ...any) {
		t.Helper()
		if os.Getenv("CI") != "" {
			t.Fatalf(format, args...)
		}
		t.Skipf(format, args...)
	}
	server, install := findCmd("mariadbd", "mysqld"), findCmd("mariadb-install-db", "mysql_install_db")
	if server == "" || install == "" {
		missing("mariadbd and mariadb-install-db are needed for a read replica")
	}
	pu, err := url.Parse(primaryURL)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.Trim(pu.Path, "/")
	primary := OpenSQL(t, Store{Name: "mysql", URL: primaryURL})
	ctx, cancel := context.WithTimeout(context.Background(), replicaStartTimeout)
	defer cancel()
	var logBin int
	if err := primary.QueryRowContext(ctx, "SELECT @@log_bin").Scan(&logBin); err != nil {
		t.Fatalf("primary: %v", err)
	}
	if logBin != 1 {
		missing("the TEST_MYSQL_DSN server runs without a binary log (start it with --log-bin --server-id=1 --binlog-format=ROW)")
	}

	// Not t.TempDir: the server runs as mysql when the test runs as root,
	// and must reach its directory.
	dir, err := os.MkdirTemp("", "rollcall-replica-")
	if err != nil {
		t.Fatal(err)
	}
	r := &Replica{dir: dir, done: make(chan struct{}), dbURL: primaryURL}
	t.Cleanup(r.stop)
	var asUser []string
	if os.Geteuid() == 0 {
		// mariadbd refuses to run as root.
		asUser = []string{"--user=mysql"}
		if err := chownToMySQL(dir); err != nil {
			t.Fatal(err)
		}
	}
	data := filepath.Join(dir, "data")
	out, err := exec.CommandContext(ctx, install, append([]string{"--no-defaults", "--datadir=" + data,
		"--auth-root-authentication-method=normal", "--skip-test-db"}, asUser...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	r.cmd = exec.Command(server, append([]string{"--no-defaults", "--datadir=" + data,
		"--bind-address=127.0.0.1", "--port=" + port, "--socket=" + filepath.Join(dir, "mysqld.sock"),
		"--pid-file=" + filepath.Join(dir, "mysqld.pid"), "--log-error=" + filepath.Join(dir, "error.log"),
		// Any user, no password: a throwaway server on loopback.
		"--skip-grant-tables", "--skip-log-bin",
		"--server-id=" + strconv.Itoa(1000+rand.IntN(1_000_000)),
		"--replicate-wild-do-table=" + name + ".%",
		"--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci",
		"--innodb-buffer-pool-size=32M", "--skip-name-resolve"}, asUser...)...)
	r.cmd.SysProcAttr = &syscall.SysProcAttr{}
	// Where the platform has it (Linux), the server dies with the test
	// binary, even when a timeout panic skips the cleanups.
	if f := reflect.ValueOf(r.cmd.SysProcAttr).Elem().FieldByName("Pdeathsig"); f.IsValid() && f.CanSet() {
		f.Set(reflect.ValueOf(syscall.SIGKILL))
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", server, err)
	}
	go func() {
		_ = r.cmd.Wait()
		close(r.done)
	}()

	ru := url.URL{Scheme: "mysql", User: url.User("root"), Host: "127.0.0.1:" + port, Path: "/"}
	dsn, err := db.MySQLDSN(ru.String())
	if err != nil {
		t.Fatal(err)
	}
	if r.conn, err = sql.Open("mysql", dsn); err != nil {
		t.Fatal(err)
	}
	for r.conn.PingContext(ctx) != nil {
		select {
		case <-r.done:
			t.Fatalf("the replica server exited: %s", r.errorLog())
		case <-ctx.Done():
			t.Fatalf("the replica server did not answer within %s: %s", replicaStartTimeout, r.errorLog())
		case <-time.After(50 * time.Millisecond): // polling a starting server: it has no event to wait on
		}
	}

	// The database as it is on the primary (empty), then every change from
	// the primary's current binary log position on.
	var file string
	var pos int64
	var ignored1, ignored2 sql.NullString
	if err := primary.QueryRowContext(ctx, "SHOW MASTER STATUS").Scan(&file, &pos, &ignored1, &ignored2); err != nil {
		t.Fatalf("SHOW MASTER STATUS on the primary: %v", err)
	}
	if _, err := r.conn.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("replica: %v", err)
	}
	user, pass := "root", ""
	if pu.User != nil {
		user = pu.User.Username()
		pass, _ = pu.User.Password()
	}
	host, pport := pu.Hostname(), pu.Port()
	if pport == "" {
		pport = "3306"
	}
	change := fmt.Sprintf("CHANGE MASTER TO MASTER_HOST=%s, MASTER_PORT=%s, MASTER_USER=%s, MASTER_PASSWORD=%s, MASTER_LOG_FILE=%s, MASTER_LOG_POS=%d, MASTER_CONNECT_RETRY=1",
		quote(host), pport, quote(user), quote(pass), quote(file), pos)
	if _, err := r.conn.ExecContext(ctx, change); err != nil {
		t.Fatalf("replica: CHANGE MASTER: %v", err)
	}
	if _, err := r.conn.ExecContext(ctx, "START SLAVE"); err != nil {
		t.Fatalf("replica: START SLAVE: %v", err)
	}
	r.waitRunning(t, ctx)
	ru.Path = "/" + name
	r.URL = ru.String()
	return r
}

// waitRunning waits until both replication threads run.
func (r *Replica) waitRunning(t testing.TB, ctx context.Context) {
	t.Helper()
	for {
		st, err := r.status(ctx)
		if err == nil && st["Slave_IO_Running"] == "Yes" && st["Slave_SQL_Running"] == "Yes" {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("replication did not start: %v %v; %s", err, st, r.errorLog())
		case <-time.After(50 * time.Millisecond): // polling the replica's status: it has no event to wait on
		}
	}
}

// status is SHOW SLAVE STATUS by column name.
func (r *Replica) status(ctx context.Context) (map[string]string, error) {
	rows, err := r.conn.QueryContext(ctx, "SHOW SLAVE STATUS")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	if !rows.Next() {
		return nil, errors.New("no replication configured")
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, err
	}
	st := make(map[string]string, len(cols))
	for i, c := range cols {
		st[c] = vals[i].String
	}
	return st, rows.Err()
}

// StopSQLThread stops applying the primary's changes (they keep arriving):
// the replica's data stays as it is, as under a long lag.
func (r *Replica) StopSQLThread(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := r.conn.ExecContext(ctx, "STOP SLAVE SQL_THREAD"); err != nil {
		t.Fatalf("replica: STOP SLAVE SQL_THREAD: %v", err)
	}
}

// CatchUp starts applying changes again and waits until the replica has
// applied everything the primary had written when it was called.
func (r *Replica) CatchUp(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var file string
	var pos int64
	var ignored1, ignored2 sql.NullString
	primary := OpenSQL(t, Store{Name: "mysql", URL: r.dbURL})
	if err := primary.QueryRowContext(ctx, "SHOW MASTER STATUS").Scan(&file, &pos, &ignored1, &ignored2); err != nil {
		t.Fatalf("SHOW MASTER STATUS on the primary: %v", err)
	}
	if _, err := r.conn.ExecContext(ctx, "START SLAVE"); err != nil {
		t.Fatalf("replica: START SLAVE: %v", err)
	}
	var res sql.NullInt64
	if err := r.conn.QueryRowContext(ctx, "SELECT MASTER_POS_WAIT(?, ?, 15)", file, pos).Scan(&res); err != nil || !res.Valid || res.Int64 < 0 {
		t.Fatalf("replica did not catch up with %s:%d: %v %v", file, pos, res, err)
	}
}

// Kill stops the replica server at once, as a crash would.
func (r *Replica) Kill(t testing.TB) {
	t.Helper()
	_ = r.cmd.Process.Kill()
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the replica server did not exit")
	}
}

func (r *Replica) stop() {
	if r.conn != nil {
		_ = r.conn.Close()
	}
	if r.cmd != nil && r.cmd.Process != nil {
		_ = r.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			_ = r.cmd.Process.Kill()
			<-r.done
		}
	}
	_ = os.RemoveAll(r.dir)
}

func (r *Replica) errorLog() string {
	b, _ := os.ReadFile(filepath.Join(r.dir, "error.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// findCmd is the path of the first of names on PATH or in the sbin
// directories, where Debian installs the server.
func findCmd(names ...string) string {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
		for _, d := range []string{"/usr/sbin", "/usr/local/sbin", "/sbin"} {
			if p := filepath.Join(d, n); isExecutable(p) {
				return p
			}
		}
	}
	return ""
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

func chownToMySQL(dir string) error {
	u, err := user.Lookup("mysql")
	if err != nil {
		return fmt.Errorf("the server must run as mysql: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return os.Chown(dir, uid, gid)
}

// quote is a SQL string literal.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
