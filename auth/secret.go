package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// MinPasswordLength is the shortest password an account may have.
const MinPasswordLength = 10

// HashPassword hashes a password with bcrypt at the given cost (use
// bcrypt.DefaultCost or more in production; tests may use bcrypt.MinCost).
func HashPassword(password string, cost int) (string, error) {
	if len(password) < MinPasswordLength {
		return "", fmt.Errorf("password: at least %d characters", MinPasswordLength)
	}
	if len(password) > 72 {
		return "", errors.New("password: at most 72 bytes") // bcrypt's limit
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	return string(h), nil
}

// CheckPassword reports whether password matches hash.
func CheckPassword(hash, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// dummyHash is compared against when an account does not exist, so that
// a login takes as long for unknown users as for known ones.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("not a real password"), bcrypt.DefaultCost)
	return h
})

// SpendPasswordTime does the work of one password check and fails.
func SpendPasswordTime(password string) {
	bcrypt.CompareHashAndPassword(dummyHash(), []byte(password))
}

// NewToken returns a random secret with a readable prefix ("gms_" for
// sessions, "gmt_" for API and device tokens) and the SHA-256 hash that is
// stored in its place. Tokens carry 256 random bits, so a fast hash is
// enough.
func NewToken(prefix string) (plain string, hash []byte) {
	b := make([]byte, 32)
	rand.Read(b)
	plain = prefix + base64.RawURLEncoding.EncodeToString(b)
	return plain, HashToken(plain)
}

// HashToken returns the stored form of a token.
func HashToken(plain string) []byte {
	h := sha256.Sum256([]byte(plain))
	return h[:]
}
