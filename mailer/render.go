package mailer

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"

	"golang.org/x/text/language"

	"github.com/rollcall/rollcall/models"
)

// Template layout under templates/:
//
//	layout.html          the HTML frame shared by every message ("layout",
//	                     "button", "link")
//	LANG/common.txt      "greeting", "signoff", "footer" in plain text
//	LANG/common.html     the same pieces in HTML, and "fallback"
//	LANG/KIND.txt        "subject" and "text"
//	LANG/KIND.html       "content" and, when the message has a link,
//	                     "button-label"
//
// KIND is the models.MailKind value. The templates see a view (below), never
// models types, so every string in them is already cleaned up.
//
//go:embed templates
var templateFS embed.FS

// DefaultProduct is the product name the templates show.
const DefaultProduct = "Rollcall"

// Languages the templates exist in; the first is the fallback.
var (
	languages = []string{"en", "fr"}
	matcher   = language.NewMatcher([]language.Tag{language.English, language.French})
)

var kinds = []models.MailKind{
	models.MailPasswordReset,
	models.MailEmailChangeConfirm,
	models.MailEmailChangeNotice,
	models.MailInvitation,
	models.MailEmailVerify,
	models.MailCommunicationEmailConfirm,
	models.MailCommunicationEmailNotice,
	models.MailEmailClaim,
	models.MailWebhookDisabled,
}

type templateSet struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

type templateKey struct {
	lang string
	kind models.MailKind
}

// templates is parsed once from the embedded files and only read afterwards.
// A parse failure is a bug in this package, caught by its tests.
var templates = mustParseTemplates()

func mustParseTemplates() map[templateKey]templateSet {
	out := make(map[templateKey]templateSet)
	for _, lang := range languages {
		for _, kind := range kinds {
			dir := "templates/" + lang + "/"
			text, err := texttemplate.New(string(kind)).Option("missingkey=error").
				ParseFS(templateFS, dir+"common.txt", dir+string(kind)+".txt")
			if err != nil {
				panic(fmt.Sprintf("mail: parse %s text templates: %v", dir+string(kind), err))
			}
			html, err := htmltemplate.New(string(kind)).Option("missingkey=error").
				ParseFS(templateFS, "templates/layout.html", dir+"common.html", dir+string(kind)+".html")
			if err != nil {
				panic(fmt.Sprintf("mail: parse %s HTML templates: %v", dir+string(kind), err))
			}
			out[templateKey{lang, kind}] = templateSet{text: text, html: html}
		}
	}
	return out
}

// Renderer is the models.MailRenderer: English and French templates for every
// models.MailKind. The zero value is ready to use and names the product
// DefaultProduct.
type Renderer struct {
	// Product is the product name shown in subjects and bodies.
	Product string
}

var _ models.MailRenderer = (*Renderer)(nil)

// NewRenderer returns a Renderer naming the product DefaultProduct.
func NewRenderer() *Renderer { return &Renderer{Product: DefaultProduct} }

// view is what the templates see.
type view struct {
	Lang         string
	Product      string
	Subject      string // set after the subject is rendered, for the HTML <title>
	Name         string
	Link         string
	Expires      string // ExpiresAt in UTC, formatted for Lang
	Organization string
	Accounts     []string
	Inviter      string
	ByAdmin      bool
	OldEmail     string
	NewEmail     string
	Endpoint     string
	FailingSince string // FailingSince in UTC, formatted for Lang
}

// Render renders e in the language that best matches e.Language.
func (r *Renderer) Render(e models.Email) (models.RenderedMail, error) {
	if err := validate(e); err != nil {
		return models.RenderedMail{}, err
	}
	lang := Language(e.Language)
	set, ok := templates[templateKey{lang, e.Kind}]
	if !ok {
		return models.RenderedMail{}, fmt.Errorf("mail: unknown mail kind %q", e.Kind)
	}
	product := oneLine(r.Product)
	if product == "" {
		product = DefaultProduct
	}
	d := e.Data
	v := view{
		Lang:         lang,
		Product:      product,
		Name:         oneLine(d.RecipientName),
		Link:         strings.TrimSpace(d.Link),
		Organization: oneLine(d.OrganizationName),
		Inviter:      oneLine(d.InviterName),
		ByAdmin:      d.RequestedByAdmin,
		OldEmail:     oneLine(d.OldEmail),
		NewEmail:     oneLine(d.NewEmail),
		Endpoint:     oneLine(d.Endpoint),
	}
	if !d.FailingSince.IsZero() {
		v.FailingSince = formatTime(lang, d.FailingSince)
	}
	if !d.ExpiresAt.IsZero() {
		v.Expires = formatTime(lang, d.ExpiresAt)
	}
	for _, a := range d.AccountNames {
		if a = oneLine(a); a != "" {
			v.Accounts = append(v.Accounts, a)
		}
	}

	var subject, text, html bytes.Buffer
	if err := set.text.ExecuteTemplate(&subject, "subject", v); err != nil {
		return models.RenderedMail{}, fmt.Errorf("mail: render %s/%s subject: %w", lang, e.Kind, err)
	}
	v.Subject = oneLine(subject.String())
	if err := set.text.ExecuteTemplate(&text, "text", v); err != nil {
		return models.RenderedMail{}, fmt.Errorf("mail: render %s/%s text: %w", lang, e.Kind, err)
	}
	if err := set.html.ExecuteTemplate(&html, "layout", v); err != nil {
		return models.RenderedMail{}, fmt.Errorf("mail: render %s/%s HTML: %w", lang, e.Kind, err)
	}
	return models.RenderedMail{
		Subject: v.Subject,
		Text:    strings.TrimSpace(text.String()) + "\n",
		HTML:    html.String(),
	}, nil
}

// validate refuses an Email that would render a message without its point
// (no link to click, no new address to name): a caller bug, not user input.
func validate(e models.Email) error {
	d := e.Data
	var missing []string
	need := func(ok bool, field string) {
		if !ok {
			missing = append(missing, field)
		}
	}
	link := httpURL(d.Link)
	switch e.Kind {
	case models.MailPasswordReset:
		need(link, "Link (an absolute http(s) URL)")
	case models.MailEmailChangeConfirm:
		need(link, "Link (an absolute http(s) URL)")
		need(oneLine(d.NewEmail) != "", "NewEmail")
	case models.MailEmailChangeNotice:
		need(oneLine(d.NewEmail) != "", "NewEmail")
	case models.MailEmailVerify, models.MailCommunicationEmailConfirm, models.MailEmailClaim:
		need(link, "Link (an absolute http(s) URL)")
		need(oneLine(d.NewEmail) != "", "NewEmail")
	case models.MailCommunicationEmailNotice:
		need(oneLine(d.NewEmail) != "", "NewEmail")
	case models.MailInvitation:
		need(link, "Link (an absolute http(s) URL)")
		need(oneLine(d.OrganizationName) != "", "OrganizationName")
		need(!d.ExpiresAt.IsZero(), "ExpiresAt")
	case models.MailWebhookDisabled:
		need(oneLine(d.OrganizationName) != "", "OrganizationName")
		need(oneLine(d.Endpoint) != "", "Endpoint")
		need(!d.FailingSince.IsZero(), "FailingSince")
	default:
		return fmt.Errorf("mail: unknown mail kind %q", e.Kind)
	}
	if len(missing) > 0 {
		return fmt.Errorf("mail: %s email lacks %s", e.Kind, strings.Join(missing, ", "))
	}
	return nil
}

// httpURL reports whether s is an absolute http or https URL with a host.
func httpURL(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Language returns the template language for a BCP 47 tag: "fr" for French
// (fr, fr-CA, fr-FR, fr-BE, ...; also languages whose speakers x/text
// matches to French with high confidence, such as Breton), "en" for
// anything else, including an empty or malformed tag.
func Language(tag string) string {
	t, err := language.Parse(strings.TrimSpace(tag))
	if err != nil {
		return languages[0]
	}
	_, i, conf := matcher.Match(t)
	if conf < language.High {
		return languages[0]
	}
	return languages[i]
}

// oneLine flattens a user-supplied string to one line: control characters
// (new lines included) become spaces, runs of spaces collapse. A name can
// then neither inject a header nor fake paragraphs in the plain-text body.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) ||
			r == '\u2028' || r == '\u2029' // line and paragraph separators
	}), " ")
}

var (
	enWeekdays = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	enMonths   = [...]string{"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"}
	frWeekdays = [...]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	frMonths   = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet",
		"août", "septembre", "octobre", "novembre", "décembre"}
)

// formatTime writes t in UTC, as a reader of lang writes dates:
//
//	en: Wednesday, March 5, 2025 at 14:30 UTC
//	fr: mercredi 5 mars 2025 à 14 h 30 UTC   (no-break spaces around "h";
//	    1er for the first of the month)
//
// A 24-hour clock in both: the English copy also serves every reader whose
// language has no template, and "14:30 UTC" reads the same everywhere.
func formatTime(lang string, t time.Time) string {
	t = t.UTC()
	if lang == "fr" {
		day := fmt.Sprint(t.Day())
		if t.Day() == 1 {
			day = "1er"
		}
		return fmt.Sprintf("%s %s %s %d à %d\u00a0h\u00a0%02d UTC",
			frWeekdays[t.Weekday()], day, frMonths[t.Month()-1], t.Year(), t.Hour(), t.Minute())
	}
	return fmt.Sprintf("%s, %s %d, %d at %02d:%02d UTC",
		enWeekdays[t.Weekday()], enMonths[t.Month()-1], t.Day(), t.Year(), t.Hour(), t.Minute())
}
