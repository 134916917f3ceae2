// Command seed fills a Rollcall store with one large, realistic
// organization: accounts, an owner, members with mixed roles and names,
// pending invitations and contacts, written with batched multi-row inserts.
//
//	go run ./cmd/seed -database mysql://root@127.0.0.1:3306/rollcall_bench -create-db \
//	  -members 100000 -invitations 5000 -contacts 1000 \
//	  -owner owner@example.com -password 'correct horse battery'
//
// Every generated member signs in with the same password as the owner.
//
// With -accounts 1 every member is on the root account: the one large
// account the directory benchmarks page, search and export (docs/seed.md
// has the three sizes cmd/bench measures):
//
//	go run ./cmd/seed -database mysql://root@127.0.0.1:3306/rollcall_bench_1m -create-db \
//	  -accounts 1 -members 1000000 -invitations 50000 -contacts 0
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"time"

	_ "github.com/go-sql-driver/mysql" // for -create-db

	"github.com/rollcall/rollcall/db"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	defaultURL := os.Getenv("DATABASE_URL")
	if defaultURL == "" {
		defaultURL = "sqlite:rollcall.db"
	}
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		databaseURL = fs.String("database", defaultURL, "store: sqlite:PATH or mysql://USER:PASS@HOST:PORT/DB (default $DATABASE_URL)")
		createDB    = fs.Bool("create-db", false, "create the MySQL database if it does not exist")
		orgName     = fs.String("org", "Acme Corporation", "organization name")
		owner       = fs.String("owner", "owner@example.com", "login email of the organization's owner")
		password    = fs.String("password", "correct horse battery", "password of the owner and of every generated member")
		accounts    = fs.Int("accounts", 10, "accounts, the root included (1: every member on the root account)")
		members     = fs.Int("members", 100000, "members to generate (the owner not included)")
		invitations = fs.Int("invitations", 5000, "pending invitations")
		contacts    = fs.Int("contacts", 1000, "contacts per account")
		batch       = fs.Int("batch", 1000, "rows per transaction")
		seed        = fs.Int64("seed", 1, "random seed")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	// Zero means "none" on the command line (SeedSpec reads zero as the default).
	none := func(n int) int {
		if n == 0 {
			return -1
		}
		return n
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	if *createDB {
		if err := db.CreateMySQLDatabase(ctx, *databaseURL); err != nil {
			return err
		}
	}
	d, err := db.Open(ctx, *databaseURL, log)
	if err != nil {
		return err
	}
	defer d.Close()

	fmt.Fprintf(stdout, "seeding %s (%s): %d accounts, %d members, %d invitations, %d contacts per account\n",
		redact(*databaseURL), d.Dialect, *accounts, *members, *invitations, *contacts)
	lastStage, lastPct := "", -1
	progress := func(stage string, done, total int) {
		pct := done * 100 / max(total, 1)
		if stage == lastStage && pct/10 == lastPct/10 && done < total {
			return
		}
		lastStage, lastPct = stage, pct
		fmt.Fprintf(stdout, "  %-12s %7d / %d (%d%%)\n", stage, done, total, pct)
	}
	res, err := d.SeedOrganization(ctx, db.SeedSpec{
		OrgName: *orgName, OwnerEmail: *owner, Password: *password,
		Accounts: max(*accounts, 1), Members: none(*members), PendingInvitations: none(*invitations),
		ContactsPerAccount: none(*contacts), BatchSize: *batch, Seed: *seed,
	}, progress)
	if err != nil {
		return err
	}
	secs := res.Took.Seconds()
	fmt.Fprintf(stdout, "organization %d, root account %d, accounts %v\n", res.OrganizationID, res.RootAccountID, res.AccountIDs)
	fmt.Fprintf(stdout, "owner user %d (%s), password %q for every member\n", res.OwnerUserID, *owner, *password)
	fmt.Fprintf(stdout, "members %d, memberships %d, pending invitations %d, contacts %d\n", res.Members, res.Memberships, res.Invitations, res.Contacts)
	fmt.Fprintf(stdout, "%d rows in %s: %.0f rows/s\n", res.Rows, res.Took.Round(10*time.Millisecond), float64(res.Rows)/secs)
	return nil
}

// redact hides a password in a database URL.
func redact(databaseURL string) string {
	u, err := url.Parse(databaseURL)
	if err != nil || u.User == nil {
		return databaseURL
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
