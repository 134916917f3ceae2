package db_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/rollcall/rollcall/db"
	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/mailer"
)

// openStore opens store's database for the test (closed at its end) and
// the services over it, with sign-up open and mail rendered.
func openStore(t *testing.T, store testenv.Store) (*db.DB, *db.Store) {
	t.Helper()
	d, err := db.Open(context.Background(), store.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	u, _ := url.Parse("http://localhost:8080")
	return d, db.NewStore(d, db.Options{PublicURL: u, SignupEnabled: true, Mail: mailer.NewRenderer()})
}
