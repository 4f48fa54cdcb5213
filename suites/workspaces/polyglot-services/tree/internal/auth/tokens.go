package auth

import (
	"errors"

	"github.com/golang-jwt/jwt/v5"
)

type Verifier struct {
	secret []byte
}

func NewVerifier(secret string) *Verifier {
	return &Verifier{secret: []byte(secret)}
}

// Subject returns the token's subject claim if the token is valid.
func (v *Verifier) Subject(token string) (string, error) {
	parsed, err := jwt.Parse(token, func(*jwt.Token) (any, error) { return v.secret, nil },
		jwt.WithValidMethods([]string{"HS256"}))
	if err != nil {
		return "", err
	}
	sub, err := parsed.Claims.GetSubject()
	if err != nil || sub == "" {
		return "", errors.New("auth: token has no subject")
	}
	return sub, nil
}
