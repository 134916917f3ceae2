package db

import (
	"sync/atomic"

	"gorm.io/gorm"
)

// CountQueries counts every statement the store runs from now on (for
// tests that pin the number of queries a request makes, and for metrics).
func (d *DB) CountQueries() *atomic.Int64 {
	var n atomic.Int64
	inc := func(*gorm.DB) { n.Add(1) }
	cb := d.gorm.Callback()
	_ = cb.Query().After("gorm:query").Register("rollcall:count_query", inc)
	_ = cb.Row().After("gorm:row").Register("rollcall:count_row", inc)
	_ = cb.Raw().After("gorm:raw").Register("rollcall:count_raw", inc)
	_ = cb.Create().After("gorm:create").Register("rollcall:count_create", inc)
	_ = cb.Update().After("gorm:update").Register("rollcall:count_update", inc)
	_ = cb.Delete().After("gorm:delete").Register("rollcall:count_delete", inc)
	return &n
}
