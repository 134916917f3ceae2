package main

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/rollcall/rollcall/models"
)

// The README's example message verifies with its example secret, its
// payload has the shape we send, and its catalogue names every event.
func TestReadmeWebhookExample(t *testing.T) {
	raw, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	start := strings.Index(readme, "```http\nPOST /hooks/rollcall")
	if start < 0 {
		t.Fatal("no example message in the README")
	}
	block := readme[start+len("```http\n"):]
	block = block[:strings.Index(block, "\n```")]
	head, body, ok := strings.Cut(block, "\n\n")
	if !ok {
		t.Fatal("the example has no body")
	}
	h := http.Header{}
	for _, line := range strings.Split(head, "\n")[1:] {
		k, v, _ := strings.Cut(line, ": ")
		h.Set(k, v)
	}
	wh, err := standardwebhooks.NewWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.VerifyIgnoringTimestamp([]byte(body), h); err != nil {
		t.Fatalf("the README's example does not verify: %v", err)
	}
	var env struct {
		Type string         `json:"type"`
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &env); err != nil || !models.WebhookEventType(env.Type).Valid() || env.Data["organizationId"] == nil {
		t.Fatalf("example payload %s: %v", body, err)
	}
	for _, typ := range models.WebhookEventTypes {
		name := string(typ)
		short := name[strings.Index(name, "."):] // "invitation.resent" may be listed as ".resent"
		if !strings.Contains(readme, "`"+name+"`") && !strings.Contains(readme, "`"+short+"`") {
			t.Errorf("the README's catalogue does not name %s", name)
		}
	}
}
