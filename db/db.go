// Package db is the GORM implementation of Rollcall's services on MySQL
// (production) or an embedded SQLite file (the zero-config default).
// *gorm.DB never leaves this package.
package db

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"strings"
	"time"

	sqlitedriver "github.com/glebarez/go-sqlite"
	"github.com/glebarez/sqlite"
	mysqldriver "github.com/go-sql-driver/mysql"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/rollcall/rollcall/models"
)

//go:embed migrations
var migrations embed.FS

// Dialect is the SQL dialect of the store.
type Dialect string

const (
	MySQL  Dialect = "mysql"
	SQLite Dialect = "sqlite"
)

// DB is an open store: a GORM handle, its dialect and clock.
type DB struct {
	gorm    *gorm.DB
	sql     *sql.DB
	Dialect Dialect
	// Now is the store's clock; tests may replace it.
	Now func() time.Time
	// replicas routes the directory reads to read replicas (nil: none).
	replicas *Replicas
}

// Open connects to databaseURL (sqlite:PATH or mysql://USER:PASS@HOST:PORT/DB),
// sets the pool, and applies pending migrations under a lock so two nodes
// starting at once migrate once.
func Open(ctx context.Context, databaseURL string, log *slog.Logger) (*DB, error) {
	d, err := open(ctx, databaseURL, log)
	// Two processes opening one SQLite file at once may find it locked
	// while the other switches it to WAL or migrates: try again shortly.
	for attempt := 1; err != nil && strings.HasPrefix(databaseURL, "sqlite:") && isBusy(err) && attempt <= 10; attempt++ {
		select {
		case <-time.After(time.Duration(attempt) * 20 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		d, err = open(ctx, databaseURL, log)
	}
	return d, err
}

func isBusy(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked") || strings.Contains(msg, "already exists")
}

func open(ctx context.Context, databaseURL string, log *slog.Logger) (*DB, error) {
	dialector, dialect, err := dialectorFor(databaseURL)
	if err != nil {
		return nil, err
	}
	g, err := gorm.Open(dialector, &gorm.Config{
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		TranslateError:         true,
		SkipDefaultTransaction: true,
		PrepareStmt:            false,
	})
	if err != nil {
		return nil, fmt.Errorf("open %s store: %w", dialect, err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	if dialect == SQLite {
		// One writer at a time is SQLite's model; a small pool with
		// immediate transactions and a busy timeout serialises writers
		// without "database is locked" failures.
		sqlDB.SetMaxOpenConns(4)
		sqlDB.SetMaxIdleConns(4)
	} else {
		sqlDB.SetMaxOpenConns(50)
		sqlDB.SetMaxIdleConns(25)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	d := &DB{gorm: g, sql: sqlDB, Dialect: dialect, Now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("connect to %s store: %w", dialect, err)
	}
	if err := d.migrate(ctx, log); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	if err := d.ensureSearchIndex(ctx, log); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	return d, nil
}

func dialectorFor(databaseURL string) (gorm.Dialector, Dialect, error) {
	switch {
	case strings.HasPrefix(databaseURL, "sqlite:"):
		path := strings.TrimPrefix(databaseURL, "sqlite:")
		path, query, _ := strings.Cut(path, "?")
		q, _ := url.ParseQuery(query)
		if err := checkSQLitePath(path, q); err != nil {
			return nil, SQLite, err
		}
		for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)"} {
			q.Add("_pragma", p)
		}
		// Immediate transactions take the write lock at BEGIN, so a
		// transaction that reads then writes waits its turn instead of
		// failing. (No _time_format: the driver stops reading options after
		// it, and its default is already SQLite's own format.)
		q.Set("_txlock", "immediate")
		return sqlite.Open("file:" + path + "?" + q.Encode()), SQLite, nil
	case strings.HasPrefix(databaseURL, "mysql://"):
		dsn, err := MySQLDSN(databaseURL)
		if err != nil {
			return nil, "", err
		}
		return mysql.New(mysql.Config{DSN: dsn}), MySQL, nil
	}
	return nil, "", errors.New("DATABASE_URL: expected sqlite:PATH or mysql://USER:PASS@HOST:PORT/DB")
}

// MySQLDSN turns mysql://USER:PASS@HOST:PORT/DB?opts into a go-sql-driver DSN
// with UTC times, utf8mb4 and parsed timestamps.
func MySQLDSN(databaseURL string) (string, error) {
	u, err := url.Parse(databaseURL)
	if err != nil || u.Scheme != "mysql" || u.Host == "" {
		return "", errors.New("DATABASE_URL: expected mysql://USER:PASS@HOST:PORT/DB")
	}
	cfg := mysqldriver.NewConfig()
	cfg.Net = "tcp"
	cfg.Addr = u.Host
	if !strings.Contains(u.Host, ":") {
		cfg.Addr = u.Host + ":3306"
	}
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	cfg.DBName = strings.Trim(u.Path, "/")
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.Collation = "utf8mb4_unicode_ci"
	cfg.MultiStatements = true
	// Arguments are interpolated by the driver (utf8mb4 only, so safely):
	// one round trip per statement instead of prepare, execute and close.
	cfg.InterpolateParams = true
	cfg.Timeout = 5 * time.Second
	cfg.Params = map[string]string{"time_zone": "'+00:00'"}
	for k, v := range u.Query() {
		cfg.Params[k] = v[0]
	}
	return cfg.FormatDSN(), nil
}

func (d *DB) migrate(ctx context.Context, log *slog.Logger) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(d.Dialect))
	if err != nil {
		return err
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	gooseDialect := goose.DialectSQLite3
	if d.Dialect == MySQL {
		gooseDialect = goose.DialectMySQL
		locker, err := lock.NewMySQLTableLocker(
			lock.WithTableLockTimeout(500*time.Millisecond, 600),
			lock.WithTableHeartbeatInterval(2*time.Second),
		)
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithLocker(locker))
	}
	p, err := goose.NewProvider(gooseDialect, d.sql, sub, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	// SQLite has no migration lock: when two processes start on one file,
	// the loser's migration fails on a table the winner just made and rolls
	// back whole; Open tries again and then sees the winner's versions.
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	for _, r := range results {
		if log != nil {
			log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path)
		}
	}
	return nil
}

// Close releases the pools (the replicas' too).
func (d *DB) Close() error {
	if d.replicas != nil {
		d.replicas.close()
	}
	return d.sql.Close()
}

// Use registers a GORM plugin (the tracing one) on the handle every store
// method derives from; a nil plugin is ignored.
func (d *DB) Use(p gorm.Plugin) error {
	if p == nil {
		return nil
	}
	return d.gorm.Use(p)
}

// Ping checks the store answers (for /readyz).
func (d *DB) Ping(ctx context.Context) error { return d.sql.PingContext(ctx) }

// CheckWritable proves the store can write, for readiness: it rewrites the
// one row of store_probe. A store that answers but cannot write (a full
// disk, a read-only file or server) fails it, where Ping would pass.
func (d *DB) CheckWritable(ctx context.Context) error {
	_, err := d.sql.ExecContext(ctx, "UPDATE store_probe SET checked_at = ? WHERE id = 1", d.Now().UTC())
	return translate(err)
}

// Stats exposes the pool statistics (for metrics).
func (d *DB) Stats() sql.DBStats { return d.sql.Stats() }

// SQL is the database handle, for the pool's metrics.
func (d *DB) SQL() *sql.DB { return d.sql }

// conn is the handle bound to ctx.
func (d *DB) conn(ctx context.Context) *gorm.DB { return d.gorm.WithContext(ctx) }

// tx runs fn in one transaction. Domain errors pass through untouched; store
// errors are translated.
// With read replicas, the sessions it wrote for are marked once it
// committed (read-your-writes).
func (d *DB) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	ctx, committed := d.withPendingMarks(ctx)
	err := d.gorm.WithContext(ctx).Transaction(fn)
	if err == nil {
		committed()
	}
	return translate(err)
}

// forUpdate adds a row lock on MySQL (SQLite transactions are immediate and
// already exclusive).
func (d *DB) forUpdate(q *gorm.DB) *gorm.DB {
	if d.Dialect == MySQL {
		return q.Clauses(lockingClause)
	}
	return q
}

// translate maps store errors to domain errors; unknown errors stay internal.
func translate(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := models.AsError(err); ok {
		return err
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.NotFound("object")
	}
	if isDuplicate(err) {
		return models.Errorf(models.CodeConflict, "that already exists")
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if isUnavailable(err) {
		return models.Unavailable(fmt.Errorf("store: %w", err))
	}
	return fmt.Errorf("store: %w", err)
}

// isUnavailable reports a store that cannot be reached or cannot write: the
// connection faults every client shares, MySQL's "gone away", "lost
// connection", shutdown, disk-full and read-only errors, and SQLite's
// full, I/O, read-only, busy and cannot-open results. Clients get
// UNAVAILABLE for these (and retry), never INTERNAL.
func isUnavailable(err error) bool {
	if models.IsConnectionFault(err) || errors.Is(err, mysqldriver.ErrInvalidConn) || errors.Is(err, sql.ErrConnDone) ||
		strings.Contains(err.Error(), "sql: database is closed") {
		return true
	}
	var me *mysqldriver.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1021, // ER_DISK_FULL
			1040,                   // ER_CON_COUNT_ERROR: too many connections
			1053,                   // ER_SERVER_SHUTDOWN
			1114,                   // ER_RECORD_FILE_FULL: the table is full
			1290,                   // ER_OPTION_PREVENTS_STATEMENT (--read-only)
			1836,                   // ER_READ_ONLY_MODE
			2002, 2003, 2006, 2013, // client: cannot connect, gone away, lost connection
			3: // EE_WRITE: error writing file (often no space)
			return true
		}
	}
	var se *sqlitedriver.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // the primary result code of an extended one
		case 5, // SQLITE_BUSY: the write lock was not had within busy_timeout
			8,  // SQLITE_READONLY
			10, // SQLITE_IOERR
			13, // SQLITE_FULL
			14: // SQLITE_CANTOPEN
			return true
		}
	}
	return false
}

func isDuplicate(err error) bool {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	var me *mysqldriver.MySQLError
	if errors.As(err, &me) && me.Number == 1062 {
		return true
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// isDeadlock reports a MySQL deadlock or lock wait timeout, which are safe
// to retry.
func isDeadlock(err error) bool {
	var me *mysqldriver.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}

// CreateMySQLDatabase creates the database named by a mysql:// URL when it
// is missing (utf8mb4), connecting to the server without selecting one. The
// seed and load tools use it; the server itself expects the database to
// exist.
func CreateMySQLDatabase(ctx context.Context, databaseURL string) error {
	if !strings.HasPrefix(databaseURL, "mysql://") {
		return errors.New("creating a database applies to mysql:// stores only (SQLite creates its file)")
	}
	u, err := url.Parse(databaseURL)
	if err != nil {
		return err
	}
	name := strings.Trim(u.Path, "/")
	if name == "" || strings.ContainsAny(name, "`/\\. ") {
		return fmt.Errorf("%q is not a database name to create", name)
	}
	u.Path = "/"
	dsn, err := MySQLDSN(u.String())
	if err != nil {
		return err
	}
	conn, err := sql.Open("mysql", dsn)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}
