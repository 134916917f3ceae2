package models

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

func TestHashPassword(t *testing.T) {
	const pw = "correct horse battery staple"
	hash, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("PHCFormat", func(t *testing.T) {
		re := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
		if !re.MatchString(hash) {
			t.Errorf("hash %q is not in the expected PHC format", hash)
		}
	})
	t.Run("SaltedEachTime", func(t *testing.T) {
		again, err := HashPassword(pw)
		if err != nil {
			t.Fatal(err)
		}
		if again == hash {
			t.Error("two hashes of the same password are equal")
		}
	})

	// A hash made with other parameters: VerifyPassword reads them from it.
	salt := []byte("0123456789abcdef")
	cheap := fmt.Sprintf("$argon2id$v=19$m=64,t=1,p=1$%s$%s", base64.RawStdEncoding.EncodeToString(salt),
		base64.RawStdEncoding.EncodeToString(argon2.IDKey([]byte("sesame123"), salt, 1, 64, 1, 32)))
	verify := []struct {
		name, hash, pw string
		want           bool
	}{
		{"OK", hash, pw, true},
		{"WrongPassword", hash, "correct horse battery stapl", false},
		{"EmptyPassword", hash, "", false},
		{"CaseMatters", hash, strings.ToUpper(pw), false},
		{"OtherParameters", cheap, "sesame123", true},
		{"OtherParametersWrong", cheap, "sesame124", false},
	}
	for _, tc := range verify {
		t.Run("Verify"+tc.name, func(t *testing.T) {
			ok, err := VerifyPassword(tc.hash, tc.pw)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.want {
				t.Errorf("VerifyPassword = %v, want %v", ok, tc.want)
			}
		})
	}

	parts := strings.Split(cheap, "$")
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	malformed := []struct{ name, hash string }{
		{"Empty", ""},
		{"Bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"Argon2i", with(1, "argon2i")},
		{"OldVersion", with(2, "v=16")},
		{"MissingParameter", with(3, "m=64,t=1")},
		{"UnknownParameter", with(3, "m=64,t=1,p=1,x=2")},
		{"ZeroTime", with(3, "m=64,t=0,p=1")},
		{"HugeMemory", with(3, "m=4194304,t=1,p=1")},
		{"BadSalt", with(4, "not base64!")},
		{"ShortKey", with(5, "AAAA")},
		{"TooManyParts", cheap + "$x"},
	}
	for _, tc := range malformed {
		t.Run("ErrMalformed"+tc.name, func(t *testing.T) {
			ok, err := VerifyPassword(tc.hash, "sesame123")
			if ok || ErrorCode(err) != CodeInternal {
				t.Errorf("VerifyPassword = %v, %v; want false and an internal error", ok, err)
			}
		})
	}

	t.Run("DummyVerifyCostsAsMuch", func(t *testing.T) {
		// Counted in memory, not timed: argon2id's cost is its memory, and a
		// shortcut (no hashing for an unknown email) would allocate next to
		// nothing. Bytes allocated do not depend on how busy the machine is.
		allocated := func(f func()) uint64 {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			f()
			runtime.ReadMemStats(&after)
			return after.TotalAlloc - before.TotalAlloc
		}
		genuine := allocated(func() { _, _ = VerifyPassword(hash, "wrong password") })
		dummy := allocated(func() { DummyVerify("wrong password") })
		if genuine < argonMemoryKiB*1024 || dummy < genuine*9/10 {
			t.Errorf("DummyVerify allocated %d bytes, VerifyPassword %d (argon2id memory %d KiB)", dummy, genuine, argonMemoryKiB)
		}
	})
}

func TestValidatePassword(t *testing.T) {
	tests := []struct {
		name, pw string
		ok       bool
	}{
		{"OK", "hunter22", true},
		{"OKPassphrase", "correct horse battery staple", true},
		{"OKUnicodeCountsCharacters", "пароль12", true},
		{"OKMaxLength", strings.Repeat("é", MaxPasswordLength), true},
		{"OKInnerSpaces", "  a    b  ", true},
		{"ErrEmpty", "", false},
		{"ErrShort", "hunter2", false},
		{"ErrTooLong", strings.Repeat("a", MaxPasswordLength+1), false},
		{"ErrOnlySpaces", strings.Repeat(" ", 12), false},
		{"ErrOnlyWhiteSpace", " \t\n \u00a0 \t\n ", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidatePassword(tc.pw)
			if tc.ok {
				assertCode(t, err, "")
				return
			}
			assertInputError(t, err, "password")
		})
	}
}

func TestNewToken(t *testing.T) {
	token, hash := NewToken()
	t.Run("Token", func(t *testing.T) {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil || len(raw) != 32 {
			t.Errorf("token %q: %d bytes, %v", token, len(raw), err)
		}
	})
	t.Run("HashMatches", func(t *testing.T) {
		if hash != HashToken(token) || len(hash) != 64 {
			t.Errorf("hash %q, HashToken %q", hash, HashToken(token))
		}
	})
	t.Run("Unique", func(t *testing.T) {
		if other, _ := NewToken(); other == token {
			t.Error("two tokens are equal")
		}
	})
	t.Run("HashTokenSHA256", func(t *testing.T) {
		const want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
		if got := HashToken("abc"); got != want {
			t.Errorf("HashToken(abc) = %s, want %s", got, want)
		}
	})
}
