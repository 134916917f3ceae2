package mailer

import (
	"strings"
	"testing"
	"time"

	"github.com/rollcall/rollcall/models"
)

const (
	hostileName    = `<script>alert("name")</script>`
	hostileNameEsc = `&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;`
	hostileOrg     = `Acme & <b>Sons</b>`
	hostileOrgEsc  = `Acme &amp; &lt;b&gt;Sons&lt;/b&gt;`
	hostileAcct    = `<img src=x onerror=alert(1)>`
	hostileAcctEsc = `&lt;img src=x onerror=alert(1)&gt;`
)

var expires = time.Date(2025, time.March, 5, 15, 30, 0, 0, time.FixedZone("CET", 3600)) // 14:30 UTC

func hostileData(link string) models.MailData {
	return models.MailData{
		RecipientName:    hostileName,
		Link:             link,
		ExpiresAt:        expires,
		OrganizationName: hostileOrg,
		AccountNames:     []string{"Sales EMEA", hostileAcct},
		InviterName:      `Eve <eve@evil.example>`,
		OldEmail:         "ana@old.example",
		NewEmail:         "ana+new@new.example",
		Endpoint:         "hooks.example.com",
		FailingSince:     expires,
	}
}

func TestRender(t *testing.T) {
	type langCase struct {
		tag     string
		lang    string
		phrases map[models.MailKind][]string
	}
	en := map[models.MailKind][]string{
		models.MailPasswordReset:             {"Reset your Rollcall password", "30 minutes", "works only once", "did not ask"},
		models.MailEmailChangeConfirm:        {"Confirm your new Rollcall email address", "24 hours", "works only once", "ana+new@new.example", "ana@old.example"},
		models.MailEmailChangeNotice:         {"ana+new@new.example", "ana@old.example", "If this was not you", "reset your password"},
		models.MailEmailVerify:               {"Confirm your Rollcall email address", "ana+new@new.example", "24 hours", "works only once"},
		models.MailCommunicationEmailConfirm: {"notifications", "ana+new@new.example", "ana@old.example", "24 hours", "always goes to your sign-in address"},
		models.MailCommunicationEmailNotice:  {"ana+new@new.example", "ana@old.example", "If this was not you", "reset your password"},
		models.MailEmailClaim:                {"Finish creating your Rollcall account", "ana+new@new.example", "30 minutes", "never proved"},
		models.MailWebhookDisabled:           {"webhook endpoint was disabled", "hooks.example.com", hostileOrg, "Wednesday, March 5, 2025 at 14:30 UTC", "enabled again"},
		models.MailInvitation: {"Eve <eve@evil.example> invited you to join " + hostileOrg + " on Rollcall",
			"Sales EMEA", hostileAcct, "Wednesday, March 5, 2025 at 14:30 UTC", "works only once"},
	}
	fr := map[models.MailKind][]string{
		models.MailPasswordReset:             {"Réinitialisez votre mot de passe Rollcall", "30 minutes", "une seule fois", "Bonjour"},
		models.MailEmailChangeConfirm:        {"Confirmez votre nouvelle adresse e-mail", "24 heures", "une seule fois", "ana+new@new.example", "ana@old.example"},
		models.MailEmailChangeNotice:         {"ana+new@new.example", "ana@old.example", "Si ce n'est pas vous", "réinitialisez votre mot de passe"},
		models.MailEmailVerify:               {"Confirmez votre adresse e-mail", "ana+new@new.example", "24 heures", "une seule fois"},
		models.MailCommunicationEmailConfirm: {"notifications", "ana+new@new.example", "ana@old.example", "24 heures"},
		models.MailCommunicationEmailNotice:  {"ana+new@new.example", "ana@old.example", "Si ce n'est pas vous", "réinitialisez votre mot de passe"},
		models.MailEmailClaim:                {"Terminez la création", "ana+new@new.example", "30 minutes", "une seule fois"},
		models.MailWebhookDisabled:           {"point de terminaison webhook", "a été désactivé", "hooks.example.com", hostileOrg, "mercredi 5 mars 2025 à 14\u00a0h\u00a030 UTC", "réactivez-le"},
		models.MailInvitation: {"Eve <eve@evil.example> vous invite à rejoindre " + hostileOrg + " sur Rollcall",
			"Sales EMEA", hostileAcct, "mercredi 5 mars 2025 à 14\u00a0h\u00a030 UTC", "une seule fois"},
	}
	cases := []langCase{
		{"en", "en", en}, {"en-US", "en", en}, {"", "en", en}, {"de-DE", "en", en}, {"not a tag", "en", en},
		{"fr", "fr", fr}, {"fr-CA", "fr", fr}, {"fr-FR", "fr", fr},
	}
	paths := map[models.MailKind]string{
		models.MailPasswordReset:             "/reset-password",
		models.MailEmailChangeConfirm:        "/confirm-email",
		models.MailInvitation:                "/accept-invitation",
		models.MailEmailVerify:               "/verify-email",
		models.MailCommunicationEmailConfirm: "/verify-email",
		models.MailEmailClaim:                "/verify-email",
	}
	r := NewRenderer()
	for _, lc := range cases {
		for _, kind := range kinds {
			t.Run(lc.tag+"/"+string(kind), func(t *testing.T) {
				link := "https://app.example.com" + paths[kind] + "?token=tok_AbC-123&lang=x"
				out, err := r.Render(models.Email{Kind: kind, To: "ana@example.com", Language: lc.tag, Data: hostileData(link)})
				if err != nil {
					t.Fatalf("Render: %v", err)
				}
				if out.Subject == "" || strings.ContainsAny(out.Subject, "\r\n") {
					t.Errorf("Subject = %q", out.Subject)
				}
				all := out.Subject + "\n" + out.Text
				for _, p := range lc.phrases[kind] {
					if !strings.Contains(all, p) {
						t.Errorf("subject/text lack %q:\n%s", p, all)
					}
				}
				// Plain text carries the name as typed; HTML only escaped.
				if !strings.Contains(out.Text, hostileName) {
					t.Errorf("text lacks the recipient name:\n%s", out.Text)
				}
				if strings.Contains(out.HTML, "<script") || strings.Contains(out.HTML, "<img") || strings.Contains(out.HTML, "<b>Sons") {
					t.Errorf("HTML holds unescaped user input:\n%s", out.HTML)
				}
				if !strings.Contains(out.HTML, hostileNameEsc) {
					t.Errorf("HTML lacks the escaped name %s:\n%s", hostileNameEsc, out.HTML)
				}
				if !strings.Contains(out.HTML, `<html lang="`+lc.lang+`">`) {
					t.Errorf("HTML is not marked lang=%s", lc.lang)
				}
				if kind == models.MailInvitation {
					for _, want := range []string{hostileOrgEsc, hostileAcctEsc, "Eve &lt;eve@evil.example&gt;"} {
						if !strings.Contains(out.HTML, want) {
							t.Errorf("HTML lacks %s", want)
						}
					}
				}
				if p, ok := paths[kind]; ok {
					if got := LinkToken(out.Text, p); got != "tok_AbC-123" {
						t.Errorf("text link token = %q", got)
					}
					if got := LinkToken(out.HTML, p); got != "tok_AbC-123" {
						t.Errorf("HTML link token = %q", got)
					}
				} else if strings.Contains(out.Text, "https://") || strings.Contains(out.HTML, "href=") {
					t.Errorf("%s carries a link", kind)
				}
				if strings.Contains(out.Text, "{{") || strings.Contains(out.HTML, "{{") || strings.Contains(out.HTML, "ZgotmplZ") {
					t.Error("template residue in output")
				}
			})
		}
	}
}

func TestRenderPasswordResetByAdmin(t *testing.T) {
	r := NewRenderer()
	for lang, want := range map[string]string{"en": "An administrator sent you", "fr": "Un administrateur vous a envoyé"} {
		d := hostileData("https://app.example.com/reset-password?token=t")
		d.RequestedByAdmin = true
		out, err := r.Render(models.Email{Kind: models.MailPasswordReset, Language: lang, Data: d})
		if err != nil {
			t.Fatal(err)
		}
		for name, body := range map[string]string{"subject": out.Subject, "text": out.Text, "HTML": out.HTML} {
			if !strings.Contains(body, want) {
				t.Errorf("%s %s lacks %q:\n%s", lang, name, want, body)
			}
		}
		if !strings.Contains(out.Text, "30 minutes") {
			t.Errorf("%s: admin reset text lacks its lifetime", lang)
		}
	}
}

func TestRenderEdgeCases(t *testing.T) {
	r := &Renderer{} // zero value works
	t.Run("OK/NoNameNoInviterNoAccounts", func(t *testing.T) {
		out, err := r.Render(models.Email{Kind: models.MailInvitation, Language: "fr", Data: models.MailData{
			Link: "https://x.example/accept-invitation?token=t", OrganizationName: "Acme",
			ExpiresAt: time.Date(2025, 6, 1, 9, 5, 0, 0, time.UTC),
		}})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Bonjour,", "Invitation à rejoindre Acme sur Rollcall", "dimanche 1er juin 2025 à 9\u00a0h\u00a005 UTC"} {
			if !strings.Contains(out.Subject+"\n"+out.Text, want) {
				t.Errorf("lacks %q:\n%s\n%s", want, out.Subject, out.Text)
			}
		}
		if strings.Contains(out.Text, "accès à") {
			t.Error("empty account list rendered")
		}
	})
	t.Run("OK/NewlinesFlattened", func(t *testing.T) {
		out, err := r.Render(models.Email{Kind: models.MailInvitation, Data: models.MailData{
			Link: "https://x.example/accept-invitation?token=t", OrganizationName: "Acme\r\nBcc: victim@example.com",
			InviterName: "Eve\n\nPlease also wire money", ExpiresAt: expires,
		}})
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(out.Subject, "\r\n") || strings.Contains(out.Text, "Eve\n") {
			t.Errorf("user input broke lines: %q\n%s", out.Subject, out.Text)
		}
		if out.Subject != "Eve Please also wire money invited you to join Acme Bcc: victim@example.com on Rollcall" {
			t.Errorf("Subject = %q", out.Subject)
		}
	})
	t.Run("ErrNotHTTPLink", func(t *testing.T) {
		for _, link := range []string{"javascript:alert(1)", "/reset-password?token=t", "ftp://x.example/a"} {
			if _, err := r.Render(models.Email{Kind: models.MailPasswordReset, Data: models.MailData{Link: link}}); err == nil {
				t.Errorf("link %q accepted", link)
			}
		}
	})
	t.Run("ErrMissingData", func(t *testing.T) {
		for _, e := range []models.Email{
			{Kind: models.MailPasswordReset},
			{Kind: models.MailEmailChangeConfirm, Data: models.MailData{Link: "https://x/confirm-email?token=t"}},
			{Kind: models.MailEmailChangeNotice},
			{Kind: models.MailInvitation, Data: models.MailData{Link: "https://x/accept-invitation?token=t", OrganizationName: "A"}},
		} {
			if _, err := r.Render(e); err == nil {
				t.Errorf("Render(%+v) succeeded", e)
			}
		}
	})
	t.Run("ErrUnknownKind", func(t *testing.T) {
		if _, err := r.Render(models.Email{Kind: "welcome", Data: models.MailData{Link: "https://x"}}); err == nil {
			t.Error("unknown kind rendered")
		}
	})
}

func TestLanguage(t *testing.T) {
	for tag, want := range map[string]string{
		"fr": "fr", "fr-CA": "fr", "fr-FR": "fr", "fr-BE": "fr", "FR_ca": "fr",
		"en": "en", "en-GB": "en", "de": "en", "es-MX": "en", "": "en", "x!": "en", "zh-Hant-TW": "en",
	} {
		if got := Language(tag); got != want {
			t.Errorf("Language(%q) = %q, want %q", tag, got, want)
		}
	}
}

func TestFormatTime(t *testing.T) {
	ts := time.Date(2026, time.December, 31, 23, 59, 0, 0, time.UTC)
	if got := formatTime("en", ts); got != "Thursday, December 31, 2026 at 23:59 UTC" {
		t.Errorf("en: %q", got)
	}
	if got := formatTime("fr", ts); got != "jeudi 31 décembre 2026 à 23\u00a0h\u00a059 UTC" {
		t.Errorf("fr: %q", got)
	}
}
