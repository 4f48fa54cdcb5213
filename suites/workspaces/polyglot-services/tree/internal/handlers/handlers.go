package handlers

import (
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/acme/api/internal/auth"
)

// Handlers holds what the HTTP handlers share.
type Handlers struct {
	DB     *pgxpool.Pool
	Tokens *auth.Verifier
}

func New(db *pgxpool.Pool, tokens *auth.Verifier) *Handlers {
	return &Handlers{DB: db, Tokens: tokens}
}
