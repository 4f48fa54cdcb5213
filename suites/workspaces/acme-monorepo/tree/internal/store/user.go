package store

// User is a row of the users table.
type User struct {
	ID    int64
	Email string
}
