package payments

import "sync"

// Entry is one booking in our ledger.
type Entry struct {
	ID        string
	Account   string
	Reference string
	AmountCts int64
	Settled   bool
}

// Ledger keeps balances per account in memory; the database is the source of truth.
type Ledger struct {
	mu       sync.Mutex
	balances map[string]int64
}

func NewLedger() *Ledger {
	return &Ledger{balances: map[string]int64{}}
}

func (l *Ledger) Book(e Entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.balances[e.Account] += e.AmountCts
	if l.balances[e.Account] < 0 {
		panic("ledger: balance went negative for " + e.Account)
	}
}

func (l *Ledger) Balance(account string) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.balances[account]
}
