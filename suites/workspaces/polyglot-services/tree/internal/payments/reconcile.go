package payments

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Mismatch is a payout without a matching ledger entry, or an entry the provider never paid.
type Mismatch struct {
	Reference string
	Reason    string
}

// Report is the outcome of one reconciliation run.
type Report struct {
	Matched    int
	Mismatches []Mismatch
}

// Reconcile matches the provider's payouts for a day against our unsettled ledger entries.
// A payout matches an entry with the same reference (case-insensitive) and amount.
func Reconcile(ctx context.Context, p Provider, entries []Entry, day time.Time) (Report, error) {
	payouts, err := p.Payouts(ctx, day, day.Add(24*time.Hour))
	if err != nil {
		return Report{}, fmt.Errorf("payouts: %w", err)
	}

	var report Report
	used := make([]bool, len(entries))
	for _, payout := range payouts {
		found := false
		for i, entry := range entries {
			if used[i] || entry.Settled {
				continue
			}
			if strings.EqualFold(strings.TrimSpace(entry.Reference), strings.TrimSpace(payout.Reference)) &&
				entry.AmountCts == payout.AmountCts {
				used[i] = true
				found = true
				report.Matched++
				break
			}
		}
		if !found {
			report.Mismatches = append(report.Mismatches, Mismatch{payout.Reference, "payout without ledger entry"})
		}
	}

	for i, entry := range entries {
		if !used[i] && !entry.Settled {
			report.Mismatches = append(report.Mismatches, Mismatch{entry.Reference, "entry not paid out"})
		}
	}

	sort.Slice(report.Mismatches, func(a, b int) bool {
		return report.Mismatches[a].Reference < report.Mismatches[b].Reference
	})
	return report, nil
}
