package server_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridmap/gridmap/internal/testdb"
)

// chromium is the one headless Chromium of this test binary, started by
// the first browser test. Each test gets its own browser context in it
// (cookies, storage, IndexedDB and cache of its own, as a separate
// profile would have) and its own tab, so tests stay independent while
// the browser starts once instead of once per test.
type chromium struct {
	once   sync.Once
	ctx    context.Context // the browser; cancelled by TestMain at the end
	cancel []context.CancelFunc
	err    error
}

var shared chromium

// TestMain stops the shared browser when the package's tests are done.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, c := range shared.cancel {
		c()
	}
	os.Exit(code)
}

func (c *chromium) start() {
	path, err := exec.LookPath("chromium")
	if err != nil {
		c.err = fmt.Errorf("chromium not installed (make setup): %w", err)
		return
	}
	dir, err := os.MkdirTemp("", "gridmap-chromium-")
	if err != nil {
		c.err = err
		return
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Background tabs of parallel tests keep their timers running.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1920, 1080),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	c.cancel = []context.CancelFunc{cancelBrowser, cancelAlloc, func() { os.RemoveAll(dir) }}
	if err := chromedp.Do(bctx); err != nil {
		c.err = fmt.Errorf("start chromium: %w", err)
		return
	}
	c.ctx = bctx
}

// newBrowser opens a tab with a viewport of width×height CSS pixels in a
// fresh browser context of the shared headless Chromium (Debian's, with
// the flags that work on a machine with no internet). It writes
// screenshots to $GRIDMAP_SCREENSHOTS when set.
func newBrowser(t testing.TB, width, height int) context.Context {
	t.Helper()
	return newBrowserFor(t, width, height, 3*time.Minute)
}

// newBrowserFor is newBrowser for a test that may take longer than three
// minutes (the soak test).
func newBrowserFor(t testing.TB, width, height int, limit time.Duration) context.Context {
	t.Helper()
	shared.once.Do(shared.start)
	if shared.err != nil {
		testdb.Unavailable(t, "%v", shared.err)
	}
	ctx, cancel := chromedp.NewContext(shared.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancel = context.WithTimeout(ctx, limit)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(int64(width), int64(height))); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return ctx
}
