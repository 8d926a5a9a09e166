package server_test

import (
	"io"
	"net"
	"strings"
	"sync"
	"testing"
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
