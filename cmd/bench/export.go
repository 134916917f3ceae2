package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// exportResult is the CSV export measurement.
type exportResult struct {
	status                 int
	rows                   int // data rows, the header not included
	bytes                  int64
	wall                   time.Duration
	rssBefore, rssPeak     int64 // bytes
	rssAfter               int64
	samples                int
	contentType, firstLine string
	// cut says the download was stopped at -export-timeout: rows and wall
	// are what it read until then.
	cut bool
}

// vmRSS reads the resident set size of this process from /proc/self/status.
func vmRSS() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0, err
			}
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/self/status")
}

// measureExport downloads the account's CSV export once, counting rows as
// they stream in, while a goroutine samples VmRSS every 10 ms. The node runs
// in this process, so the figure is the server's growth plus the (constant,
// streaming) client's. A download still running after limit is stopped
// and reported as cut, so a slow export bounds the run instead of holding
// it for an hour.
func measureExport(ctx context.Context, c *gqlClient, accountGID string, limit time.Duration) (exportResult, error) {
	var res exportResult
	before, err := vmRSS()
	if err != nil {
		return res, err
	}
	res.rssBefore, res.rssPeak = before, before
	var (
		mu   sync.Mutex
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if v, err := vmRSS(); err == nil {
					mu.Lock()
					res.rssPeak = max(res.rssPeak, v)
					res.samples++
					mu.Unlock()
				}
			}
		}
	}()

	t0 := time.Now()
	dctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	// The API client's overall timeout is for GraphQL requests; this
	// download is bounded by limit alone.
	download := *c.http
	download.Timeout = 0
	err = func() error {
		req, err := http.NewRequestWithContext(dctx, http.MethodGet, c.base+"/export/accounts/"+accountGID+"/members.csv", nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+c.token)
		resp, err := download.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		res.status, res.contentType = resp.StatusCode, resp.Header.Get("Content-Type")
		if resp.StatusCode != http.StatusOK {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
			return fmt.Errorf("export: %d %s", resp.StatusCode, b)
		}
		// Count records, not lines: a quoted cell may hold a newline, so
		// count newlines outside quotes.
		buf := make([]byte, 64<<10)
		inQuote, lines := false, 0
		var first bytes.Buffer
		for {
			n, err := resp.Body.Read(buf)
			for _, b := range buf[:n] {
				if lines == 0 && b != '\n' && first.Len() < 300 {
					first.WriteByte(b)
				}
				switch b {
				case '"':
					inQuote = !inQuote
				case '\n':
					if !inQuote {
						lines++
					}
				}
			}
			res.bytes += int64(n)
			if err == io.EOF {
				break
			}
			if err != nil && dctx.Err() != nil && ctx.Err() == nil {
				res.cut = true
				break
			}
			if err != nil {
				return err
			}
		}
		res.rows = max(0, lines-1)
		res.firstLine = strings.TrimSpace(first.String())
		return nil
	}()
	res.wall = time.Since(t0)
	close(done)
	wg.Wait()
	if err != nil {
		return res, err
	}
	res.rssAfter, err = vmRSS()
	return res, err
}
