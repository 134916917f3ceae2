package db

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/rollcall/rollcall/models"
)

// Webhooks: endpoints are managed by an organization's OWNERs and ADMINs;
// events are queued as webhook_deliveries rows, one per endpoint that wants
// them, in the transaction of the change they report (audit writes them
// for audited actions, sign-in and sign-out for sessions), so a rolled-back
// change sends nothing and a committed one is never lost. The webhook
// package's worker claims due rows under a lease, sends them and records
// each attempt through the methods at the end of this file.

// webhookData is the data of an audited action's event: its details (the
// before and after of a change), with the ids of the organization,
// account, person and actor, what changed, and why a person left.
func webhookData(ev *models.AuditEvent, reason string) map[string]any {
	data := map[string]any{}
	if ev.Details != "" {
		_ = json.Unmarshal([]byte(ev.Details), &data) // details() wrote valid JSON
	}
	data["organizationId"] = models.GlobalID(models.KindOrganization, ev.OrganizationID)
	data["auditEventId"] = models.GlobalID(models.KindAuditEvent, ev.ID)
	if ev.AccountID != nil {
		data["accountId"] = models.GlobalID(models.KindAccount, *ev.AccountID)
	}
	if ev.TargetUserID != nil || ev.TargetEmail != nil {
		user := map[string]any{}
		if ev.TargetUserID != nil {
			user["id"] = models.GlobalID(models.KindUser, *ev.TargetUserID)
		}
		if ev.TargetEmail != nil {
			user["email"] = *ev.TargetEmail
		}
		data["user"] = user
	}
	if ev.ActorID != nil {
		data["actor"] = map[string]any{"id": models.GlobalID(models.KindUser, *ev.ActorID)}
	} else {
		data["actor"] = nil
	}
	if reason != "" {
		data["reason"] = reason
	}
	before, okB := data["before"].(map[string]any)
	after, okA := data["after"].(map[string]any)
	if okB && okA {
		data["changes"] = models.ChangedKeys(before, after)
	}
	return data
}

// webhookTarget is an endpoint that may want an event: its id, its
// organization and the types it wants.
type webhookTarget struct {
	ID             int64
	OrganizationID int64
	EventTypes     models.StringList
}

// raiseWebhook queues event t with data for every enabled endpoint of
// orgID that wants it, inside tx.
func (s *Store) raiseWebhook(tx *gorm.DB, orgID int64, t models.WebhookEventType, data map[string]any) error {
	var targets []webhookTarget
	err := tx.Model(&models.WebhookEndpoint{}).Select("id, organization_id, event_types").
		Where("organization_id = ? AND enabled = ?", orgID, true).Find(&targets).Error
	if err != nil {
		return err
	}
	return s.queueWebhook(tx, targets, t, func(int64) map[string]any { return data })
}

// queueWebhook writes one delivery of event t per target that wants it.
// The deliveries of one organization's event share its message id
// (webhook-id) and payload; another organization's (a person's sign-in
// reported to each of theirs) has its own, so a receiver serving several
// organizations de-duplicating on webhook-id loses none.
func (s *Store) queueWebhook(tx *gorm.DB, targets []webhookTarget, t models.WebhookEventType, data func(orgID int64) map[string]any) error {
	now := s.Now()
	type message struct{ id, payload string }
	messages := map[int64]message{}
	var rows []models.WebhookDelivery
	for _, e := range targets {
		if !slices.Contains(e.EventTypes, string(t)) {
			continue
		}
		m, ok := messages[e.OrganizationID]
		if !ok {
			d := data(e.OrganizationID)
			d["organizationId"] = models.GlobalID(models.KindOrganization, e.OrganizationID)
			b, err := marshalDetails(map[string]any{"type": t, "timestamp": now.UTC().Format(time.RFC3339Nano), "data": d})
			if err != nil {
				return err
			}
			m = message{id: models.NewWebhookMessageID(), payload: string(b)}
			messages[e.OrganizationID] = m
		}
		rows = append(rows, models.WebhookDelivery{OrganizationID: e.OrganizationID, EndpointID: e.ID, MessageID: m.id, EventType: t,
			Payload: m.payload, Status: models.WebhookPending, NextAttemptAt: now, GiveUpAt: now.Add(s.opt.WebhookRetryFor), CreatedAt: now})
	}
	if len(rows) == 0 {
		return nil
	}
	if err := tx.Create(&rows).Error; err != nil {
		return err
	}
	s.markWebhooksQueued(tx)
	return nil
}

// userWebhookTargets are the enabled endpoints wanting t in the
// organizations where userID is an active (not suspended) member, and the
// person's email when there is any.
func userWebhookTargets(tx *gorm.DB, userID int64, t models.WebhookEventType) ([]webhookTarget, string, error) {
	var targets []webhookTarget
	err := tx.Table("webhook_endpoints e").Select("e.id, e.organization_id, e.event_types").
		Joins("JOIN organization_members om ON om.organization_id = e.organization_id").
		Where("om.user_id = ? AND om.suspended_at IS NULL AND e.enabled = ?", userID, true).Find(&targets).Error
	if err != nil {
		return nil, "", err
	}
	targets = slices.DeleteFunc(targets, func(e webhookTarget) bool { return !slices.Contains(e.EventTypes, string(t)) })
	if len(targets) == 0 {
		return nil, "", nil
	}
	email, err := userEmail(tx, userID)
	return targets, email, err
}

// PresenceWebhookUsers lists up to limit people, by id, who are active
// members of an organization with an enabled endpoint wanting
// presence.changed: the people whose presence the relay watches.
func (d *DB) PresenceWebhookUsers(ctx context.Context, limit int) ([]int64, error) {
	q := d.conn(ctx)
	var eps []webhookTarget
	pattern := "%" + string(models.WebhookPresenceChanged) + "%"
	if err := q.Model(&models.WebhookEndpoint{}).Select("id, organization_id, event_types").
		Where("enabled = ? AND event_types LIKE ?", true, pattern).Find(&eps).Error; err != nil {
		return nil, translate(err)
	}
	var orgs []int64
	for _, e := range eps {
		if slices.Contains(e.EventTypes, string(models.WebhookPresenceChanged)) && !slices.Contains(orgs, e.OrganizationID) {
			orgs = append(orgs, e.OrganizationID)
		}
	}
	if len(orgs) == 0 {
		return nil, nil
	}
	var ids []int64
	err := q.Model(&models.OrganizationMember{}).Distinct("user_id").
		Where("organization_id IN ? AND suspended_at IS NULL", orgs).Order("user_id").Limit(limit).Pluck("user_id", &ids).Error
	return ids, translate(err)
}

// RaisePresenceChanged queues presence.changed with st for every
// organization of the person whose endpoints want it.
func (s *Store) RaisePresenceChanged(ctx context.Context, st models.PresenceState) error {
	return s.tx(ctx, func(tx *gorm.DB) error {
		targets, email, err := userWebhookTargets(tx, st.UserID, models.WebhookPresenceChanged)
		if err != nil || len(targets) == 0 {
			return err
		}
		return s.queueWebhook(tx, targets, models.WebhookPresenceChanged, func(int64) map[string]any {
			d := map[string]any{"user": map[string]any{"id": models.GlobalID(models.KindUser, st.UserID), "email": email},
				"status": st.Status, "devices": st.Devices, "lastActiveAt": nil}
			if !st.LastActiveAt.IsZero() {
				d["lastActiveAt"] = st.LastActiveAt.UTC()
			}
			return d
		})
	})
}

// raiseSessionEvent queues session.signed_in or session.signed_out (t)
// for sessions of userID in every organization they belong to whose
// endpoints want it: a person's sessions concern all of them. Sessions
// ended together (sign out everywhere, a password reset) are one event;
// reason says why they ended. device names the device of a single session.
func (s *Store) raiseSessionEvent(tx *gorm.DB, userID int64, t models.WebhookEventType, sessionIDs []int64, device, reason string) error {
	if len(sessionIDs) == 0 {
		return nil
	}
	targets, email, err := userWebhookTargets(tx, userID, t)
	if err != nil || len(targets) == 0 {
		return err
	}
	ids := make([]string, len(sessionIDs))
	for i, id := range sessionIDs {
		ids[i] = models.GlobalID(models.KindSession, id)
	}
	return s.queueWebhook(tx, targets, t, func(int64) map[string]any {
		d := map[string]any{"user": map[string]any{"id": models.GlobalID(models.KindUser, userID), "email": email}, "sessionIds": ids}
		if len(ids) == 1 {
			sess := map[string]any{"id": ids[0]}
			if device != "" {
				sess["deviceName"] = device
			}
			d["session"] = sess
		}
		if reason != "" {
			d["reason"] = reason
		}
		return d
	})
}

// managedScope loads orgID's scope and checks the viewer manages its
// webhooks.
func (s *Store) managedScope(ctx context.Context, q *gorm.DB, orgID int64) (*scope, error) {
	sc, err := s.loadScope(ctx, q, orgID)
	if err != nil {
		return nil, err
	}
	if err := models.CanManageWebhooks(sc.viewerAccess(sc.rootID())); err != nil {
		return nil, err
	}
	return sc, nil
}

// managedEndpoint loads endpoint id for a viewer who manages its
// organization's webhooks; any other viewer gets NOT_FOUND or FORBIDDEN as
// for the organization itself.
func (s *Store) managedEndpoint(ctx context.Context, q *gorm.DB, id int64) (*scope, *models.WebhookEndpoint, error) {
	var e models.WebhookEndpoint
	if err := q.Where("id = ?", id).Take(&e).Error; err != nil {
		if models.ErrorCode(translate(err)) == models.CodeNotFound {
			return nil, nil, models.NotFound("webhook endpoint")
		}
		return nil, nil, translate(err)
	}
	sc, err := s.managedScope(ctx, q, e.OrganizationID)
	if models.ErrorCode(err) == models.CodeNotFound {
		return nil, nil, models.NotFound("webhook endpoint")
	}
	return sc, &e, err
}

// WebhookEndpoints lists an organization's endpoints, oldest first.
func (s *Store) WebhookEndpoints(ctx context.Context, orgID int64) ([]*models.WebhookEndpoint, error) {
	q := s.conn(ctx)
	if _, err := s.managedScope(ctx, q, orgID); err != nil {
		return nil, err
	}
	var out []*models.WebhookEndpoint
	err := q.Where("organization_id = ?", orgID).Order("id").Find(&out).Error
	return out, translate(err)
}

// WebhookEndpoint reads one endpoint for a viewer who manages it.
func (s *Store) WebhookEndpoint(ctx context.Context, id int64) (*models.WebhookEndpoint, error) {
	_, e, err := s.managedEndpoint(ctx, s.conn(ctx), id)
	return e, err
}

// checkWebhookURL validates an endpoint URL: its form, and the addresses
// its host resolves to now (checked again at every delivery).
func (s *Store) checkWebhookURL(ctx context.Context, raw string) (string, error) {
	u, err := models.ValidateWebhookURL(raw, s.opt.WebhooksAllowPrivate)
	if err != nil {
		return "", err
	}
	if s.opt.WebhookURLCheck != nil {
		if err := s.opt.WebhookURLCheck(ctx, u); err != nil {
			return "", err
		}
	}
	return u.String(), nil
}

// endpointDetails is an endpoint as its audit entries show it (never its
// secret).
func endpointDetails(e *models.WebhookEndpoint) map[string]any {
	return map[string]any{"endpoint": models.GlobalID(models.KindWebhookEndpoint, e.ID), "url": e.URL,
		"description": e.Description, "eventTypes": e.EventTypes, "enabled": e.Enabled}
}

// CreateWebhookEndpoint adds an endpoint to an organization and returns it
// with its signing secret, which is never shown again.
func (s *Store) CreateWebhookEndpoint(ctx context.Context, orgID int64, in models.WebhookEndpointInput) (*models.WebhookEndpoint, string, error) {
	if in.URL == nil {
		return nil, "", models.InvalidInput("url", "a URL is required")
	}
	u, err := s.checkWebhookURL(ctx, *in.URL)
	if err != nil {
		return nil, "", err
	}
	if in.EventTypes == nil {
		return nil, "", models.InvalidInput("eventTypes", "choose at least one event type")
	}
	types, err := models.NormalizeWebhookEventTypes(*in.EventTypes)
	if err != nil {
		return nil, "", err
	}
	desc := ""
	if in.Description != nil {
		if desc, err = models.NormalizeWebhookDescription(*in.Description); err != nil {
			return nil, "", err
		}
	}
	var e *models.WebhookEndpoint
	err = s.tx(ctx, func(tx *gorm.DB) error {
		sc, err := s.managedScope(ctx, tx, orgID)
		if err != nil {
			return err
		}
		// Counted under a lock on the organization, so two racing creates
		// cannot both take the last place.
		if err := s.forUpdate(tx.Model(&models.Organization{}).Select("id").Where("id = ?", orgID)).Scan(&struct{ ID int64 }{}).Error; err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&models.WebhookEndpoint{}).Where("organization_id = ?", orgID).Count(&n).Error; err != nil {
			return err
		}
		if err := models.CheckWebhookEndpoints(int(n)); err != nil {
			return err
		}
		now := s.Now()
		creator := sc.viewer.UserID
		e = &models.WebhookEndpoint{OrganizationID: orgID, URL: u, Description: desc, EventTypes: eventTypeList(types),
			Enabled: in.Enabled == nil || *in.Enabled, Secret: models.NewWebhookSecret(), CreatedByID: &creator, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(e).Error; err != nil {
			return err
		}
		root := sc.rootID()
		return s.audit(ctx, tx, &models.AuditEvent{OrganizationID: orgID, Action: models.AuditWebhookCreated, AccountID: &root,
			Details: details(map[string]any{"after": endpointDetails(e)})})
	})
	if err != nil {
		return nil, "", err
	}
	s.opt.OnWebhookEndpointsChanged()
	return e, e.Secret, nil
}

func eventTypeList(types []models.WebhookEventType) models.StringList {
	out := make(models.StringList, len(types))
	for i, t := range types {
		out[i] = string(t)
	}
	return out
}

// UpdateWebhookEndpoint changes an endpoint's URL, event types,
// description or state. Enabling a disabled endpoint clears its failure
// record; deliveries still pending for it go out again.
func (s *Store) UpdateWebhookEndpoint(ctx context.Context, id int64, in models.WebhookEndpointInput) (*models.WebhookEndpoint, error) {
	changes := map[string]any{}
	var err error
	if in.URL != nil {
		if changes["url"], err = s.checkWebhookURL(ctx, *in.URL); err != nil {
			return nil, err
		}
	}
	if in.EventTypes != nil {
		types, err := models.NormalizeWebhookEventTypes(*in.EventTypes)
		if err != nil {
			return nil, err
		}
		changes["event_types"] = eventTypeList(types)
	}
	if in.Description != nil {
		if changes["description"], err = models.NormalizeWebhookDescription(*in.Description); err != nil {
			return nil, err
		}
	}
	var e *models.WebhookEndpoint
	err = s.tx(ctx, func(tx *gorm.DB) error {
		sc, found, err := s.managedEndpoint(ctx, tx, id)
		if err != nil {
			return err
		}
		e = found
		before := endpointDetails(e)
		now := s.Now()
		if in.Enabled != nil && *in.Enabled != e.Enabled {
			changes["enabled"] = *in.Enabled
			if *in.Enabled {
				changes["failing_since"], changes["disabled_at"], changes["disabled_reason"] = nil, nil, nil
			} else {
				changes["disabled_at"], changes["disabled_reason"] = now, "disabled by a person"
			}
		}
		if len(changes) == 0 {
			return nil
		}
		changes["updated_at"] = now
		if err := tx.Model(e).Updates(changes).Error; err != nil {
			return err
		}
		if err := tx.Where("id = ?", id).Take(e).Error; err != nil {
			return err
		}
		root := sc.rootID()
		after := endpointDetails(e)
		if in.Enabled != nil && *in.Enabled {
			s.markWebhooksQueued(tx) // what waited for it goes out now
		}
		return s.audit(ctx, tx, &models.AuditEvent{OrganizationID: e.OrganizationID, Action: models.AuditWebhookUpdated, AccountID: &root,
			Details: details(map[string]any{"before": before, "after": after, "changes": models.ChangedKeys(before, after)})})
	})
	if err != nil {
		return nil, err
	}
	s.opt.OnWebhookEndpointsChanged()
	return e, nil
}

// DeleteWebhookEndpoint deletes an endpoint with its delivery log and
// anything still queued for it.
func (s *Store) DeleteWebhookEndpoint(ctx context.Context, id int64) error {
	defer s.opt.OnWebhookEndpointsChanged()
	return s.tx(ctx, func(tx *gorm.DB) error {
		sc, e, err := s.managedEndpoint(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := tx.Where("endpoint_id = ?", id).Delete(&models.WebhookAttempt{}).Error; err != nil {
			return err
		}
		if err := tx.Where("endpoint_id = ?", id).Delete(&models.WebhookDelivery{}).Error; err != nil {
			return err
		}
		if err := tx.Delete(e).Error; err != nil {
			return err
		}
		root := sc.rootID()
		return s.audit(ctx, tx, &models.AuditEvent{OrganizationID: e.OrganizationID, Action: models.AuditWebhookDeleted, AccountID: &root,
			Details: details(map[string]any{"before": endpointDetails(e)})})
	})
}

// RotateWebhookSecret gives an endpoint a new signing secret, returned
// once. Messages are signed with both the new and the old secret for
// keepPrevious (0: none; the old one stops at once), so the receiver can
// switch without losing any.
func (s *Store) RotateWebhookSecret(ctx context.Context, id int64, keepPrevious time.Duration) (*models.WebhookEndpoint, string, error) {
	if keepPrevious < 0 || keepPrevious > models.MaxSecretRotation {
		return nil, "", models.InvalidInput("keepPreviousForSeconds", "between 0 and %d seconds", int(models.MaxSecretRotation.Seconds()))
	}
	var e *models.WebhookEndpoint
	err := s.tx(ctx, func(tx *gorm.DB) error {
		sc, found, err := s.managedEndpoint(ctx, tx, id)
		if err != nil {
			return err
		}
		e = found
		now := s.Now()
		var prev *string
		var until *time.Time
		if keepPrevious > 0 {
			prev, until = ptr(e.Secret), ptr(now.Add(keepPrevious)) // a copy: e.Secret changes below
		}
		e.Secret, e.PreviousSecret, e.PreviousSecretExpiresAt, e.UpdatedAt = models.NewWebhookSecret(), prev, until, now
		if err := tx.Model(e).Select("secret", "previous_secret", "previous_secret_expires_at", "updated_at").Updates(e).Error; err != nil {
			return err
		}
		root := sc.rootID()
		d := map[string]any{"endpoint": models.GlobalID(models.KindWebhookEndpoint, e.ID), "previousSecretValidUntil": until}
		return s.audit(ctx, tx, &models.AuditEvent{OrganizationID: e.OrganizationID, Action: models.AuditWebhookSecretRotated, AccountID: &root,
			Details: details(d)})
	})
	if err != nil {
		return nil, "", err
	}
	return e, e.Secret, nil
}

// WebhookDeliveries lists an endpoint's deliveries, newest first, with the
// statuses asked for (all when empty).
func (s *Store) WebhookDeliveries(ctx context.Context, endpointID int64, statuses []models.WebhookDeliveryStatus, p models.PageRequest) (models.Page[*models.WebhookDelivery], error) {
	var page models.Page[*models.WebhookDelivery]
	q := s.conn(ctx)
	if _, _, err := s.managedEndpoint(ctx, q, endpointID); err != nil {
		return page, err
	}
	where := func() *gorm.DB {
		w := q.Model(&models.WebhookDelivery{}).Where("endpoint_id = ?", endpointID)
		if len(statuses) > 0 {
			w = w.Where("status IN ?", statuses)
		}
		return w
	}
	if err := where().Count(&page.Total).Error; err != nil {
		return page, translate(err)
	}
	err := readIDPage(where(), "id", true, p, &page)
	return page, err
}

// WebhookDelivery reads one delivery for a viewer who manages its
// endpoint.
func (s *Store) WebhookDelivery(ctx context.Context, id int64) (*models.WebhookDelivery, error) {
	q := s.conn(ctx)
	var d models.WebhookDelivery
	if err := q.Where("id = ?", id).Take(&d).Error; err != nil {
		if models.ErrorCode(translate(err)) == models.CodeNotFound {
			return nil, models.NotFound("webhook delivery")
		}
		return nil, translate(err)
	}
	if _, _, err := s.managedEndpoint(ctx, q, d.EndpointID); err != nil {
		if models.ErrorCode(err) == models.CodeNotFound {
			return nil, models.NotFound("webhook delivery")
		}
		return nil, err
	}
	return &d, nil
}

// WebhookAttempts lists the attempts of a delivery the viewer may see,
// newest first, at most limit.
func (s *Store) WebhookAttempts(ctx context.Context, d *models.WebhookDelivery, limit int) ([]*models.WebhookAttempt, error) {
	var out []*models.WebhookAttempt
	err := s.conn(ctx).Where("delivery_id = ?", d.ID).Order("id DESC").Limit(limit).Find(&out).Error
	return out, translate(err)
}

// ReplayWebhookDelivery sends a delivery again now, whatever became of it,
// with the same webhook-id (a receiver that already processed it can tell),
// retried for another day if it fails. The endpoint must be enabled.
func (s *Store) ReplayWebhookDelivery(ctx context.Context, id int64) (*models.WebhookDelivery, error) {
	var d models.WebhookDelivery
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := s.forUpdate(tx).Where("id = ?", id).Take(&d).Error; err != nil {
			if models.ErrorCode(translate(err)) == models.CodeNotFound {
				return models.NotFound("webhook delivery")
			}
			return err
		}
		_, e, err := s.managedEndpoint(ctx, tx, d.EndpointID)
		if err != nil {
			if models.ErrorCode(err) == models.CodeNotFound {
				return models.NotFound("webhook delivery")
			}
			return err
		}
		if !e.Enabled {
			return models.Errorf(models.CodeConflict, "this endpoint is disabled; enable it first")
		}
		now := s.Now()
		d.Status, d.NextAttemptAt, d.GiveUpAt, d.LockedBy, d.LockedUntil = models.WebhookPending, now, now.Add(s.opt.WebhookRetryFor), nil, nil
		s.markWebhooksQueued(tx)
		return tx.Model(&d).Select("status", "next_attempt_at", "give_up_at", "locked_by", "locked_until").Updates(&d).Error
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// The worker's side.

// WebhookJob is a claimed delivery and its endpoint.
type WebhookJob struct {
	Delivery *models.WebhookDelivery
	Endpoint *models.WebhookEndpoint
}

// ClaimWebhookDeliveries leases up to limit due deliveries of enabled
// endpoints to worker, with one conditional update: a row another worker
// leased first is not taken, so several nodes send each delivery once.
func (d *DB) ClaimWebhookDeliveries(ctx context.Context, worker string, limit int, lease time.Duration) ([]WebhookJob, error) {
	now := d.Now()
	q := d.conn(ctx)
	var ids []int64
	err := q.Table("webhook_deliveries d").Joins("JOIN webhook_endpoints e ON e.id = d.endpoint_id AND e.enabled = ?", true).
		Where("d.status = ? AND d.next_attempt_at <= ? AND (d.locked_until IS NULL OR d.locked_until < ?)", models.WebhookPending, now, now).
		Order("d.next_attempt_at, d.id").Limit(limit).Pluck("d.id", &ids).Error
	if err != nil || len(ids) == 0 {
		return nil, translate(err)
	}
	until := now.Add(lease)
	res := q.Model(&models.WebhookDelivery{}).
		Where("id IN ? AND status = ? AND (locked_until IS NULL OR locked_until < ?)", ids, models.WebhookPending, now).
		Updates(map[string]any{"locked_by": worker, "locked_until": until})
	if res.Error != nil || res.RowsAffected == 0 {
		return nil, translate(res.Error)
	}
	var rows []*models.WebhookDelivery
	if err := q.Where("id IN ? AND locked_by = ? AND locked_until >= ?", ids, worker, until).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	endpoints := map[int64]*models.WebhookEndpoint{}
	var eids []int64
	for _, r := range rows {
		if endpoints[r.EndpointID] == nil {
			endpoints[r.EndpointID] = &models.WebhookEndpoint{}
			eids = append(eids, r.EndpointID)
		}
	}
	var eps []*models.WebhookEndpoint
	if err := q.Where("id IN ?", eids).Find(&eps).Error; err != nil {
		return nil, translate(err)
	}
	for _, e := range eps {
		endpoints[e.ID] = e
	}
	jobs := make([]WebhookJob, 0, len(rows))
	for _, r := range rows {
		if e := endpoints[r.EndpointID]; e.ID != 0 {
			jobs = append(jobs, WebhookJob{Delivery: r, Endpoint: e})
		}
	}
	return jobs, nil
}

// WebhookAttemptResult is what one attempt came to.
type WebhookAttemptResult struct {
	At           time.Time
	Succeeded    bool
	ResponseCode int // 0 when no response came
	Latency      time.Duration
	Error        string
}

// WebhookRetry says when a failed delivery is tried again and when an
// endpoint failing for too long is disabled.
type WebhookRetry struct {
	Backoff      func(attempts int) time.Duration
	DisableAfter time.Duration
}

// RecordWebhookAttempt records an attempt made under worker's lease: the
// attempt in the log, the delivery's new state (delivered, due again after
// a backoff, or given up a day after it was queued), and the endpoint's
// health. An endpoint whose deliveries have all failed for DisableAfter is
// disabled and its organization's owners are mailed, once. It reports
// whether the endpoint was disabled. A lease lost meanwhile records nothing.
func (s *Store) RecordWebhookAttempt(ctx context.Context, job WebhookJob, worker string, r WebhookAttemptResult, retry WebhookRetry) (disabled bool, err error) {
	d, e := job.Delivery, job.Endpoint
	latency := int(r.Latency.Milliseconds())
	var code *int
	if r.ResponseCode != 0 {
		code = &r.ResponseCode
	}
	var errText *string
	if r.Error != "" {
		errText = ptr(truncate(r.Error, 1000))
	}
	at := r.At.UTC()
	mailed := false
	err = s.tx(ctx, func(tx *gorm.DB) error {
		up := map[string]any{"attempts": gorm.Expr("attempts + 1"), "last_attempt_at": at, "response_code": code,
			"latency_ms": latency, "last_error": errText, "locked_by": nil, "locked_until": nil}
		switch {
		case r.Succeeded:
			up["status"], up["delivered_at"] = models.WebhookSucceeded, at
		case !at.Before(d.GiveUpAt):
			up["status"] = models.WebhookFailed
		default:
			up["next_attempt_at"] = at.Add(retry.Backoff(d.Attempts + 1))
		}
		res := tx.Model(&models.WebhookDelivery{}).Where("id = ? AND locked_by = ?", d.ID, worker).Updates(up)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		if err := tx.Create(&models.WebhookAttempt{DeliveryID: d.ID, EndpointID: e.ID, AttemptedAt: at, Succeeded: r.Succeeded,
			ResponseCode: code, LatencyMs: latency, Error: errText}).Error; err != nil {
			return err
		}
		if r.Succeeded {
			return tx.Model(&models.WebhookEndpoint{}).Where("id = ? AND failing_since IS NOT NULL", e.ID).Update("failing_since", nil).Error
		}
		if err := tx.Model(&models.WebhookEndpoint{}).Where("id = ? AND failing_since IS NULL", e.ID).Update("failing_since", at).Error; err != nil {
			return err
		}
		var ep models.WebhookEndpoint
		if err := tx.Where("id = ?", e.ID).Take(&ep).Error; err != nil {
			return translate(err)
		}
		if !ep.Enabled || ep.FailingSince == nil || at.Sub(*ep.FailingSince) < retry.DisableAfter {
			return nil
		}
		reason := fmt.Sprintf("every delivery failed since %s", ep.FailingSince.UTC().Format(time.RFC3339))
		res = tx.Model(&models.WebhookEndpoint{}).Where("id = ? AND enabled = ?", e.ID, true).
			Updates(map[string]any{"enabled": false, "disabled_at": at, "disabled_reason": reason, "updated_at": at})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		disabled = true
		root, err := rootAccountID(tx, ep.OrganizationID)
		if err != nil {
			return err
		}
		before := endpointDetails(&ep)
		ep.Enabled = false
		if err := s.audit(ctx, tx, &models.AuditEvent{OrganizationID: ep.OrganizationID, Action: models.AuditWebhookDisabled, AccountID: &root,
			Details: details(map[string]any{"before": before, "after": endpointDetails(&ep), "reason": reason})}); err != nil {
			return err
		}
		mailed, err = s.mailWebhookDisabled(tx, &ep)
		return err
	})
	if err == nil && mailed {
		s.opt.OnMailQueued()
	}
	return disabled, translate(err)
}

// rootAccountID is the organization's root account.
func rootAccountID(tx *gorm.DB, orgID int64) (int64, error) {
	var id int64
	err := tx.Model(&models.Account{}).Where("organization_id = ? AND parent_id IS NULL", orgID).Order("id").Limit(1).Pluck("id", &id).Error
	return id, err
}

// mailWebhookDisabled tells each OWNER of the endpoint's organization that
// it was disabled, in their language.
func (s *Store) mailWebhookDisabled(tx *gorm.DB, e *models.WebhookEndpoint) (bool, error) {
	var org models.Organization
	if err := tx.Where("id = ?", e.OrganizationID).Take(&org).Error; err != nil {
		return false, err
	}
	var owners []models.User
	err := tx.Where("id IN (?)", tx.Model(&models.Membership{}).Distinct("user_id").
		Where("organization_id = ? AND role = ?", e.OrganizationID, models.RoleOwner)).Order("id").Find(&owners).Error
	if err != nil {
		return false, err
	}
	host := e.URL
	if u, err := url.Parse(e.URL); err == nil {
		host = u.Host
	}
	for i := range owners {
		o := &owners[i]
		if err := s.enqueueMail(tx, models.Email{Kind: models.MailWebhookDisabled, To: o.NotificationAddress(), Language: o.PreferredLanguage,
			Data: models.MailData{RecipientName: o.Name(), OrganizationName: org.Name, Endpoint: host, FailingSince: *e.FailingSince}}); err != nil {
			return false, err
		}
	}
	return len(owners) > 0, nil
}

// PurgeWebhookDeliveries deletes up to limit finished deliveries (and
// their attempts) queued before before, oldest first.
func (d *DB) PurgeWebhookDeliveries(ctx context.Context, before time.Time, limit int) (int64, error) {
	var ids []int64
	q := d.conn(ctx)
	err := q.Model(&models.WebhookDelivery{}).Where("status IN ? AND created_at < ?",
		[]models.WebhookDeliveryStatus{models.WebhookSucceeded, models.WebhookFailed}, before.UTC()).
		Order("created_at").Limit(limit).Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return 0, translate(err)
	}
	var n int64
	err = d.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("delivery_id IN ?", ids).Delete(&models.WebhookAttempt{}).Error; err != nil {
			return err
		}
		res := tx.Where("id IN ? AND status <> ?", ids, models.WebhookPending).Delete(&models.WebhookDelivery{})
		n = res.RowsAffected
		return res.Error
	})
	return n, err
}

// ReleaseWebhookDeliveries clears worker's leases on its unsent deliveries
// so they are due again at once on another node.
func (d *DB) ReleaseWebhookDeliveries(ctx context.Context, worker string) (int64, error) {
	res := d.conn(ctx).Model(&models.WebhookDelivery{}).
		Where("locked_by = ? AND status = ? AND locked_until IS NOT NULL", worker, models.WebhookPending).
		Updates(map[string]any{"locked_by": nil, "locked_until": nil})
	return res.RowsAffected, translate(res.Error)
}

// WebhookBacklog counts deliveries not yet delivered or given up.
func (d *DB) WebhookBacklog(ctx context.Context) (int64, error) {
	var n int64
	err := d.conn(ctx).Model(&models.WebhookDelivery{}).Where("status = ?", models.WebhookPending).Count(&n).Error
	return n, translate(err)
}

// RaiseExpiredInvitations raises invitation.expired for up to limit
// pending invitations whose expiry passed, each once: the mark is a
// conditional update, so of several nodes sweeping only one raises it. It
// returns how many it raised.
func (s *Store) RaiseExpiredInvitations(ctx context.Context, limit int) (int, error) {
	now := s.Now()
	var invs []*models.Invitation
	err := s.conn(ctx).Where("status = ? AND expired_event_at IS NULL AND expires_at <= ?", models.InvitationPending, now).
		Order("expires_at").Limit(limit).Find(&invs).Error
	if err != nil || len(invs) == 0 {
		return 0, translate(err)
	}
	n := 0
	err = s.tx(ctx, func(tx *gorm.DB) error {
		for _, inv := range invs {
			res := tx.Model(&models.Invitation{}).Where("id = ? AND status = ? AND expired_event_at IS NULL AND expires_at <= ?",
				inv.ID, models.InvitationPending, now).Update("expired_event_at", now)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				continue
			}
			n++
			var accounts []int64
			if err := tx.Table("invitation_accounts").Where("invitation_id = ?", inv.ID).Order("account_id").Pluck("account_id", &accounts).Error; err != nil {
				return err
			}
			ids := make([]string, len(accounts))
			for i, a := range accounts {
				ids[i] = models.GlobalID(models.KindAccount, a)
			}
			data := map[string]any{"invitation": models.GlobalID(models.KindInvitation, inv.ID), "email": inv.Email,
				"role": inv.Role, "accountIds": ids, "expiresAt": inv.ExpiresAt.UTC(), "actor": nil}
			if len(ids) > 0 {
				data["accountId"] = ids[0]
			}
			if err := s.raiseWebhook(tx, inv.OrganizationID, models.WebhookInvitationExpired, data); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}
