package db

import (
	"sync/atomic"

	"gorm.io/gorm"
)

// CountQueries counts every statement the store runs from now on (for
// tests that pin the number of queries a request makes, and for metrics).
func (d *DB) CountQueries() *atomic.Int64 {
	var n atomic.Int64
	d.onStatement("count", func(*gorm.DB) { n.Add(1) })
	return &n
}

// RecordQueries calls fn with every statement the store runs from now on,
// its arguments written in, so a test that pins a request's statements can
// say which ones it found.
func (d *DB) RecordQueries(fn func(sql string)) {
	d.onStatement("record", func(tx *gorm.DB) {
		fn(tx.Dialector.Explain(tx.Statement.SQL.String(), tx.Statement.Vars...))
	})
}

// onStatement runs fn after every statement of each kind GORM executes.
func (d *DB) onStatement(name string, fn func(*gorm.DB)) {
	cb := d.gorm.Callback()
	_ = cb.Query().After("gorm:query").Register("rollcall:"+name+"_query", fn)
	_ = cb.Row().After("gorm:row").Register("rollcall:"+name+"_row", fn)
	_ = cb.Raw().After("gorm:raw").Register("rollcall:"+name+"_raw", fn)
	_ = cb.Create().After("gorm:create").Register("rollcall:"+name+"_create", fn)
	_ = cb.Update().After("gorm:update").Register("rollcall:"+name+"_update", fn)
	_ = cb.Delete().After("gorm:delete").Register("rollcall:"+name+"_delete", fn)
}
