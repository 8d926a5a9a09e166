package server_test

import (
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// blackholeProxy is a TCP proxy in front of a test server whose network
// can go silent: after blackhole it forwards no byte in either direction,
// yet every connection stays open and new ones are still accepted, like a
// route that drops packets (a dead Wi-Fi uplink, a stuck NAT or proxy)
// rather than a server that went away. No close, no reset: only a client's
// own timers can tell. restore lets the bytes through again; those held
// meanwhile go on in order, as TCP would retransmit them once the route
// heals.
//
// Use it for what a page or client does when its socket is open but
// silent: point the browser at url instead of the server's.
//
//	p := newBlackholeProxy(t, e.ts.Listener.Addr().String())
//	login(t, ctx, p.url, "/", ...)
//	p.blackhole() ... p.restore()
type blackholeProxy struct {
	url    string // http://127.0.0.1:port of the proxy
	target string

	mu    sync.Mutex
	gate  chan struct{} // closed while bytes flow; open (blocking) while black-holed
	conns []net.Conn
	ln    net.Listener
}

// newBlackholeProxy listens on a free local port and forwards each
// connection to target (host:port); it closes everything at the end of t.
func newBlackholeProxy(t *testing.T, target string) *blackholeProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	close(gate)
	p := &blackholeProxy{url: "http://" + ln.Addr().String(), target: strings.TrimPrefix(target, "http://"), gate: gate, ln: ln}
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *blackholeProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, up)
		p.mu.Unlock()
		go p.pump(up, c)
		go p.pump(c, up)
	}
}

// pump copies from src to dst, holding each chunk while the route is
// black-holed (before it is read and again before it is written, so a
// read under way when the hole opened is held too).
func (p *blackholeProxy) pump(dst, src net.Conn) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		p.wait()
		n, err := src.Read(buf)
		if n > 0 {
			p.wait()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if err != io.EOF {
				src.Close()
			}
			return
		}
	}
}

// wait blocks while the route is black-holed.
func (p *blackholeProxy) wait() {
	p.mu.Lock()
	g := p.gate
	p.mu.Unlock()
	<-g
}

// blackhole stops every byte, on open connections and new ones alike.
func (p *blackholeProxy) blackhole() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.gate:
		p.gate = make(chan struct{})
	default: // already black-holed
	}
}

// restore lets bytes flow again, those held first.
func (p *blackholeProxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.gate:
	default:
		close(p.gate)
	}
}

// close stops listening and closes every connection (releasing pumps held
// by a black hole).
func (p *blackholeProxy) close() {
	p.ln.Close()
	p.restore()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestBlackholeProxy: through the proxy an echo answers; black-holed, a
// line sent gets no answer yet the connection stays open, and a new
// connection is accepted but as silent; restored, the held line's echo
// arrives on the same connection.
func TestBlackholeProxy(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	p := newBlackholeProxy(t, ln.Addr().String())
	dial := func() net.Conn {
		c, err := net.Dial("tcp", strings.TrimPrefix(p.url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	echo := func(c net.Conn, line string, wait time.Duration) (string, error) {
		if _, err := c.Write([]byte(line)); err != nil {
			return "", err
		}
		return readN(c, len(line), wait)
	}
	c := dial()
	if got, err := echo(c, "one\n", 5*time.Second); got != "one\n" {
		t.Fatalf("echo through the proxy: %q, %v", got, err)
	}
	p.blackhole()
	if got, err := echo(c, "two\n", 500*time.Millisecond); got != "" || !timedOut(err) {
		t.Fatalf("black-holed: read %q, %v; want nothing until the deadline", got, err)
	}
	fresh := dial()
	if got, err := echo(fresh, "new\n", 500*time.Millisecond); got != "" || !timedOut(err) {
		t.Fatalf("black-holed, a new connection: read %q, %v; want nothing", got, err)
	}
	p.restore()
	if got, err := readN(c, 4, 5*time.Second); got != "two\n" {
		t.Fatalf("restored: read %q, %v; want the held echo", got, err)
	}
	if got, err := readN(fresh, 4, 5*time.Second); got != "new\n" {
		t.Fatalf("restored, the new connection: read %q, %v", got, err)
	}
}

// readN reads n bytes from c, waiting at most wait.
func readN(c net.Conn, n int, wait time.Duration) (string, error) {
	c.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, n)
	got, err := io.ReadFull(c, buf)
	return string(buf[:got]), err
}

// timedOut says err is a deadline passing.
func timedOut(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
