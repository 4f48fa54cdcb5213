package payments

import (
	"context"
	"time"
)

// Payout is one transfer reported by the payment provider.
type Payout struct {
	ID        string
	Reference string
	AmountCts int64
	Currency  string
	PaidAt    time.Time
}

// Provider is the payment provider's API, as far as reconciliation needs it.
type Provider interface {
	Payouts(ctx context.Context, from, to time.Time) ([]Payout, error)
}
