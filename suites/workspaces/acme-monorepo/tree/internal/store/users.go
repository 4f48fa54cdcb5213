package store

import (
	"database/sql"
)

type UserStore struct {
	db *sql.DB
}

func (s *UserStore) Get(id int64) (*User, error) {
	u := &User{}
	err := s.db.QueryRow(`SELECT id, email FROM users WHERE id = $1`, id).Scan(&u.ID, &u.Email)
	return u, err
}

func (s *UserStore) Create(email string) (int64, error) {
	var id int64
	err := s.db.QueryRow(`INSERT INTO users (email) VALUES ($1) RETURNING id`, email).Scan(&id)
	return id, err
}

func (s *UserStore) Delete(id int64) error {
	_, err := s.db.Exec(`DELETE FROM users WHERE id = $1`, id)
	return err
}
