package graph

import (
	"strings"

	"github.com/rollcall/rollcall/graph/model"
	"github.com/rollcall/rollcall/models"
)

// maxAttemptLog bounds WebhookDelivery.attemptLog.
const maxAttemptLog = 50

// webhookEventTypes turns the GraphQL enum (MEMBER_ACCESS_REVOKED) into
// wire names (member.access_revoked): the first underscore becomes the dot.
func webhookEventTypes(in []model.WebhookEventType) []models.WebhookEventType {
	out := make([]models.WebhookEventType, len(in))
	for i, t := range in {
		out[i] = models.WebhookEventType(strings.Replace(strings.ToLower(string(t)), "_", ".", 1))
	}
	return out
}

// webhookEventTypeEnum is the GraphQL enum value of a wire name.
func webhookEventTypeEnum(t models.WebhookEventType) model.WebhookEventType {
	return model.WebhookEventType(strings.ToUpper(strings.Replace(string(t), ".", "_", 1)))
}
