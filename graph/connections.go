package graph

import (
	"github.com/rollcall/rollcall/graph/model"
	"github.com/rollcall/rollcall/models"
)

// connection builds the edges and page info of a keyset page; id gives each
// row's cursor position.
func connection[T any, E any](page models.Page[T], id func(T) int64, edge func(T, string) E) ([]E, *model.PageInfo, int) {
	edges := make([]E, len(page.Rows))
	info := &model.PageInfo{HasNextPage: page.HasNext, HasPreviousPage: page.HasPrevious}
	for i, row := range page.Rows {
		c := models.EncodeCursor(id(row))
		edges[i] = edge(row, c)
		if i == 0 {
			info.StartCursor = &c
		}
		if i == len(page.Rows)-1 {
			info.EndCursor = &c
		}
	}
	return edges, info, int(page.Total)
}

// edgePageInfo is the page info of rows that carry their own cursors.
func edgePageInfo[T any](page models.Page[models.Edge[T]]) *model.PageInfo {
	info := &model.PageInfo{HasNextPage: page.HasNext, HasPreviousPage: page.HasPrevious}
	if rows := page.Rows; len(rows) > 0 {
		info.StartCursor, info.EndCursor = &rows[0].Cursor, &rows[len(rows)-1].Cursor
	}
	return info
}
