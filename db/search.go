package db

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/rollcall/rollcall/models"
)

// searchIndexVersion is the version of models.SearchEntries the index is
// built with: raising it rebuilds the index at the next start.
const searchIndexVersion = 1

// searchRow is one row of directory_search (see its migration).
type searchRow struct {
	OrganizationID int64  `gorm:"primaryKey;autoIncrement:false"`
	Prefix         string `gorm:"primaryKey"`
	FirstName      string `gorm:"primaryKey"`
	LastName       string `gorm:"primaryKey"`
	UserID         int64  `gorm:"primaryKey;autoIncrement:false"`
	Words          string
}

func (searchRow) TableName() string { return "directory_search" }

// searchPerson is what the index is made of.
type searchPerson struct {
	ID                                      int64
	FirstName, LastName, DisplayName, Email string
}

func (p searchPerson) rows(orgIDs []int64) []searchRow {
	entries := models.SearchEntries(p.FirstName, p.LastName, p.DisplayName, p.Email)
	out := make([]searchRow, 0, len(entries)*len(orgIDs))
	for _, org := range orgIDs {
		for _, e := range entries {
			out = append(out, searchRow{OrganizationID: org, Prefix: e.Prefix, FirstName: p.FirstName, LastName: p.LastName, UserID: p.ID, Words: e.Words})
		}
	}
	return out
}

// searchColumns are directory_search's columns in the order of
// appendSearchRows, for bulk inserts.
var searchColumns = []string{"organization_id", "prefix", "first_name", "last_name", "user_id", "words"}

func appendSearchRows(args []any, rows []searchRow) []any {
	for _, r := range rows {
		args = append(args, r.OrganizationID, r.Prefix, r.FirstName, r.LastName, r.UserID, r.Words)
	}
	return args
}

// searchInsertBatch keeps one INSERT under SQLite's placeholder limit.
const searchInsertBatch = 500

// indexUser files a person again in the search index of every organization
// whose directory lists them, inside tx: after their names or login email
// change, or they join an organization. Only the rows that change are
// written, each by its exact key: on MySQL a delete by a key range would
// lock the gaps beside it, and two people renamed at once would deadlock
// on each other's inserts. The person's row is locked first, so their own
// concurrent changes take turns.
func (d *DB) indexUser(tx *gorm.DB, userID int64) error {
	var p searchPerson
	if err := d.forUpdate(tx.Table("users").Select("id", "first_name", "last_name", "display_name", "email").Where("id = ?", userID)).Take(&p).Error; err != nil {
		return err
	}
	var orgs []int64
	if err := tx.Table("organization_members").Where("user_id = ?", userID).Pluck("organization_id", &orgs).Error; err != nil {
		return err
	}
	var old []searchRow
	if err := tx.Where("user_id = ?", userID).Find(&old).Error; err != nil {
		return err
	}
	want := p.rows(orgs)
	return replaceSearchRows(tx, old, want)
}

// replaceSearchRows turns one person's rows old into want, writing only
// the difference, each row by its exact key.
func replaceSearchRows(tx *gorm.DB, old, want []searchRow) error {
	keep := make(map[searchRow]bool, len(want))
	for _, r := range want {
		keep[r] = true
	}
	have := make(map[searchRow]bool, len(old))
	for _, r := range old {
		have[r] = true
		if keep[r] {
			continue
		}
		if err := tx.Where("organization_id = ? AND prefix = ? AND first_name = ? AND last_name = ? AND user_id = ?",
			r.OrganizationID, r.Prefix, r.FirstName, r.LastName, r.UserID).Delete(&searchRow{}).Error; err != nil {
			return err
		}
	}
	var add []searchRow
	for _, r := range want {
		if !have[r] {
			add = append(add, r)
		}
	}
	if len(add) == 0 {
		return nil
	}
	return tx.CreateInBatches(add, searchInsertBatch).Error
}

// unindexMember takes a person out of one organization's search index,
// inside tx (they left its directory).
func unindexMember(tx *gorm.DB, orgID, userID int64) error {
	var old []searchRow
	if err := tx.Where("organization_id = ? AND user_id = ?", orgID, userID).Find(&old).Error; err != nil {
		return err
	}
	return replaceSearchRows(tx, old, nil)
}

// rebuildBatch is the number of people indexed per transaction.
const rebuildBatch = 2000

// RebuildSearchIndex files everyone again in the search index of each
// organization whose directory lists them, rebuildBatch people per
// transaction, so that it can run on a live store: each batch replaces its
// people's rows whole. An empty index (its first build) is only inserted
// into, each batch's rows in key order.
func (d *DB) RebuildSearchIndex(ctx context.Context) error {
	db := d.gorm.WithContext(ctx)
	var existing []int64
	if err := db.Table("directory_search").Limit(1).Pluck("user_id", &existing).Error; err != nil {
		return translate(err)
	}
	replace := len(existing) > 0
	var after int64
	for {
		var people []searchPerson
		if err := db.Table("users").Select("id", "first_name", "last_name", "display_name", "email").
			Where("id > ?", after).Order("id").Limit(rebuildBatch).Scan(&people).Error; err != nil {
			return translate(err)
		}
		if len(people) == 0 {
			return nil
		}
		ids := make([]int64, len(people))
		for i, p := range people {
			ids[i] = p.ID
		}
		var members []struct{ OrganizationID, UserID int64 }
		if err := db.Table("organization_members").Select("organization_id", "user_id").Where("user_id IN ?", ids).Scan(&members).Error; err != nil {
			return translate(err)
		}
		orgsOf := map[int64][]int64{}
		for _, m := range members {
			orgsOf[m.UserID] = append(orgsOf[m.UserID], m.OrganizationID)
		}
		var rows []searchRow
		for _, p := range people {
			rows = append(rows, p.rows(orgsOf[p.ID])...)
		}
		// In key order, the batch's inserts land on neighbouring pages.
		slices.SortFunc(rows, func(a, b searchRow) int {
			return cmp.Or(cmp.Compare(a.OrganizationID, b.OrganizationID), strings.Compare(a.Prefix, b.Prefix),
				strings.Compare(a.FirstName, b.FirstName), strings.Compare(a.LastName, b.LastName), cmp.Compare(a.UserID, b.UserID))
		})
		err := db.Transaction(func(tx *gorm.DB) error {
			if replace {
				if err := tx.Where("user_id IN ?", ids).Delete(&searchRow{}).Error; err != nil {
					return err
				}
			}
			return d.bulkInsert(tx, "directory_search", searchColumns, appendSearchRows(nil, rows))
		})
		if err != nil {
			return translate(err)
		}
		after = people[len(people)-1].ID
	}
}

// ensureSearchIndex builds the search index when it was made by an older
// version of the words (or never): the first start after the migration
// that adds it. Two nodes starting together may both rebuild; each batch
// replaces its people's rows whole, so the result is the same.
func (d *DB) ensureSearchIndex(ctx context.Context, log *slog.Logger) error {
	var version int
	if err := d.gorm.WithContext(ctx).Table("directory_search_state").Where("id = 1").Pluck("version", &version).Error; err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	if version >= searchIndexVersion {
		return nil
	}
	start := d.Now()
	if err := d.RebuildSearchIndex(ctx); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	if err := d.gorm.WithContext(ctx).Table("directory_search_state").Where("id = 1").Update("version", searchIndexVersion).Error; err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	if log != nil {
		log.Info("search index built", "version", searchIndexVersion, "took", d.Now().Sub(start).String())
	}
	return nil
}

// maxRune ends the range of index keys that start with a short word.
var maxRune = string(utf8.MaxRune)

// searchWordCondition is the condition of the index row alias (of one
// person in one organization) on one query word: its prefix key, and for
// a word longer than the key, the word starting one of the row's words. A
// word shorter than the key matches the range of keys it starts. Words
// are letters and digits only (models.SearchWords), so they need no
// escaping in a LIKE pattern.
func searchWordCondition(alias, word string) (string, []any) {
	if !models.Indexed(word) {
		return alias + ".prefix >= ? AND " + alias + ".prefix < ?", []any{word, word + maxRune}
	}
	p := models.SearchPrefix(word)
	if p == word {
		return alias + ".prefix = ?", []any{p}
	}
	return alias + ".prefix = ? AND " + alias + ".words LIKE ?", []any{p, "% " + word + "%"}
}

// searchExists is "the person userCol has a word starting with word in the
// organization's index".
func searchExists(orgID int64, userCol, word string) (string, []any) {
	cond, args := searchWordCondition("sx", word)
	return "EXISTS (SELECT 1 FROM directory_search sx WHERE sx.user_id = " + userCol + " AND sx.organization_id = ? AND " + cond + ")",
		append([]any{orgID}, args...)
}

// searchFilter is the condition that the person userCol matches every word
// of the query, each tested on its own.
func searchFilter(orgID int64, userCol string, q models.SearchQuery) (string, []any) {
	var parts []string
	var args []any
	for _, w := range q.Words {
		cond, a := searchExists(orgID, userCol, w)
		parts = append(parts, cond)
		args = append(args, a...)
	}
	return strings.Join(parts, " AND "), args
}

// searchDriven is the index read that finds the people of the query's most
// selective word (alias s, one row per person when the word is indexed)
// and the EXISTS conditions of its other words.
func searchDriven(orgID int64, q models.SearchQuery) (string, []any) {
	cond, args := searchWordCondition("s", q.Words[0])
	where := "s.organization_id = ? AND " + cond
	args = append([]any{orgID}, args...)
	if len(q.Words) > 1 {
		rest, restArgs := searchFilter(orgID, "s.user_id", models.SearchQuery{Words: q.Words[1:]})
		where += " AND " + rest
		args = append(args, restArgs...)
	}
	return where, args
}
