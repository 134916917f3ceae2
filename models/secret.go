package models

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password hashing parameters: argon2id with OWASP's recommended minimum
// (19 MiB of memory, 2 passes, 1 lane), a 16-byte salt and a 32-byte key.
const (
	argonMemoryKiB = 19456
	argonTime      = 2
	argonThreads   = 1
	argonSaltLen   = 16
	argonKeyLen    = 32
)

// Password length bounds, in characters.
const (
	MinPasswordLength = 8
	MaxPasswordLength = 256
)

// tokenBytes is the entropy of every token handed out (sessions, invitation,
// password-reset and email-change links).
const tokenBytes = 32

// errBadHash is returned for a stored hash this code cannot read: an
// internal failure, never shown to a client.
var errBadHash = errors.New("models: malformed password hash")

// b64 is the PHC string format's base64: standard alphabet, no padding.
var b64 = base64.RawStdEncoding

// HashPassword hashes pw with argon2id and a random salt, in the PHC string
// format: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemoryKiB, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches hash, made by HashPassword
// (with these or other parameters: they are read from the hash). The
// comparison is constant-time. A malformed hash is an (internal) error.
func VerifyPassword(hash, pw string) (bool, error) {
	p, err := parseArgon2Hash(hash)
	if err != nil {
		return false, err
	}
	key := argon2.IDKey([]byte(pw), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(key, p.key) == 1, nil
}

// dummySalt and dummyKey feed DummyVerify.
var (
	dummySalt = make([]byte, argonSaltLen)
	dummyKey  = make([]byte, argonKeyLen)
)

// DummyVerify spends the time of a real VerifyPassword and discards the
// result. Sign-in calls it when the email is unknown, so a wrong email and a
// wrong password take the same time.
func DummyVerify(pw string) {
	key := argon2.IDKey([]byte(pw), dummySalt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	subtle.ConstantTimeCompare(key, dummyKey)
}

// ValidatePassword checks a new password: 8 to 256 characters, not only
// white space. Errors are BAD_USER_INPUT on field "password".
func ValidatePassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLength:
		return InvalidInput("password", "use at least %d characters", MinPasswordLength)
	case n > MaxPasswordLength:
		return InvalidInput("password", "use at most %d characters", MaxPasswordLength)
	case strings.TrimSpace(pw) == "":
		return InvalidInput("password", "a password cannot be only spaces")
	}
	return nil
}

// NewToken returns a new secret token (32 random bytes, base64url) to hand
// to the user, and the hash to store (HashToken).
func NewToken() (token string, hash string) {
	b := make([]byte, tokenBytes)
	// crypto/rand.Read never fails (since Go 1.24 it aborts the program if
	// the system's source breaks).
	_, _ = rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is the stored form of a token: hex SHA-256. Tokens carry 256
// bits of entropy, so a fast hash is enough; a lookup by hash never needs
// the token itself.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

type argon2Params struct {
	memory    uint32
	time      uint32
	threads   uint8
	salt, key []byte
}

// parseArgon2Hash reads a PHC argon2id string, refusing parameters outside
// sane bounds so a corrupt row cannot make a verify exhaust memory.
func parseArgon2Hash(hash string) (argon2Params, error) {
	var p argon2Params
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, errBadHash
	}
	var m, t, threads uint64
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return p, errBadHash
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, errBadHash
		}
		switch k {
		case "m":
			m = n
		case "t":
			t = n
		case "p":
			threads = n
		default:
			return p, errBadHash
		}
	}
	if threads < 1 || threads > 64 || t < 1 || t > 16 || m < 8*threads || m > 1<<21 {
		return p, errBadHash
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 || len(salt) > 64 {
		return p, errBadHash
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return p, errBadHash
	}
	return argon2Params{memory: uint32(m), time: uint32(t), threads: uint8(threads), salt: salt, key: key}, nil
}
