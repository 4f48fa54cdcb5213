package payments

import (
	"context"
	"testing"
	"time"
)

type fakeProvider []Payout

func (f fakeProvider) Payouts(context.Context, time.Time, time.Time) ([]Payout, error) { return f, nil }

func TestReconcileMatchesByReferenceAndAmount(t *testing.T) {
	entries := []Entry{{ID: "e1", Reference: "INV-1", AmountCts: 1000}, {ID: "e2", Reference: "INV-2", AmountCts: 500}}
	report, err := Reconcile(context.Background(), fakeProvider{{Reference: "inv-1", AmountCts: 1000}}, entries, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if report.Matched != 1 || len(report.Mismatches) != 1 || report.Mismatches[0].Reference != "INV-2" {
		t.Fatalf("unexpected report: %+v", report)
	}
}
