package db

import "sync/atomic"

// CountPasswordHashes makes s count the passwords it hashes from now on.
func CountPasswordHashes(s *Store) *atomic.Int64 {
	var n atomic.Int64
	hash := s.hashPassword
	s.hashPassword = func(pw string) (string, error) {
		n.Add(1)
		return hash(pw)
	}
	return &n
}
