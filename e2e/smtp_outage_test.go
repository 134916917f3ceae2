package e2e

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/rollcall/rollcall/internal/smtptest"
	"github.com/rollcall/rollcall/internal/testenv"
	"github.com/rollcall/rollcall/mailer"
)

// TestSMTPOutageDeliversEachMailOnce cuts the SMTP relay while invitations
// are sent, then restores it: nothing is lost, every message is delivered
// exactly once (counted at the relay against the outbox rows), each with its
// own Message-ID, and the outbox is drained and redacted.
func TestSMTPOutageDeliversEachMailOnce(t *testing.T) {
	testenv.Each(t, func(t *testing.T, store testenv.Store) {
		relay := smtptest.Start(t, smtptest.Options{})
		proxy := testenv.StartProxy(t, relay.Addr)
		n := testenv.StartNode(t, store, testenv.NodeOptions{Env: map[string]string{
			"MAIL_URL": "smtp://" + proxy.Addr() + "?tls=none",
		}})
		tn := newTenant(t, n, "owner@example.com")

		proxy.Cut()
		const invited = 20
		var emails []string
		for i := range invited {
			emails = append(emails, fmt.Sprintf("person%02d@example.com", i))
		}
		out := mustInvite(t, tn.owner, map[string]any{"emails": strings.Join(emails, "\n"), "accountIds": []string{tn.root}})
		if len(out.InviteUsers.Invitations) != invited {
			t.Fatalf("invited %d, want %d", len(out.InviteUsers.Invitations), invited)
		}
		// The relay is down: attempts fail and the messages wait.
		waitFor(t, "failed attempts while the relay is down", func() bool {
			var failed int
			_ = testenv.OpenSQL(t, store).QueryRow("SELECT COUNT(*) FROM outbox_messages WHERE sent_at IS NULL AND attempts > 0").Scan(&failed)
			return failed > 0
		})
		if got := len(relay.Deliveries()); got != 0 {
			t.Fatalf("%d messages reached a relay that was cut", got)
		}

		proxy.Restore()
		waitFor(t, "the outbox to drain", func() bool {
			backlog, err := n.App.DB.OutboxBacklog(context.Background())
			return err == nil && backlog == 0
		})

		var rows, withBody int
		conn := testenv.OpenSQL(t, store)
		if err := conn.QueryRow("SELECT COUNT(*) FROM outbox_messages WHERE sent_at IS NOT NULL").Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRow("SELECT COUNT(*) FROM outbox_messages WHERE text_body <> '' OR html_body <> ''").Scan(&withBody); err != nil {
			t.Fatal(err)
		}
		got := relay.Deliveries()
		if rows != invited || len(got) != rows || withBody != 0 {
			t.Fatalf("outbox rows sent %d (with body %d), deliveries %d, want %d each and no body", rows, withBody, len(got), invited)
		}
		perRecipient := map[string]int{}
		ids := map[string]bool{}
		for _, d := range got {
			for _, to := range d.To {
				perRecipient[strings.ToLower(to)]++
			}
			m, err := mailer.ParseMessage(bytes.NewReader(d.Data))
			if err != nil {
				t.Fatal(err)
			}
			if ids[m.MessageID] {
				t.Fatalf("Message-ID %s delivered twice", m.MessageID)
			}
			ids[m.MessageID] = true
		}
		for _, e := range emails {
			if perRecipient[e] != 1 {
				t.Fatalf("%s received %d messages, want 1 (%v)", e, perRecipient[e], perRecipient)
			}
		}
	})
}
