package httpapi

import (
	"errors"
	"net"
	"syscall"
	"testing"
)

// A connection within its address's cap still exposes its descriptor, so
// the websocket transport's inline writes work behind the cap (the
// default); one without a descriptor says so.
func TestLimitedConnExposesItsDescriptor(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	limited := LimitConnsPerIP(ln, 2, nil, nil)
	defer limited.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c, err := limited.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, ok := c.(*limitedConn); !ok {
		t.Fatalf("accepted %T, want the capped connection", c)
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		t.Fatalf("%T does not expose its descriptor", c)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var fd uintptr
	if err := raw.Control(func(d uintptr) { fd = d }); err != nil || fd == 0 {
		t.Fatalf("descriptor %d, %v", fd, err)
	}

	a, b := net.Pipe()
	defer b.Close()
	piped := &limitedConn{Conn: a, release: func() {}}
	defer piped.Close()
	if _, err := piped.SyscallConn(); !errors.Is(err, errNoDescriptor) {
		t.Fatalf("a pipe: %v, want errNoDescriptor", err)
	}
}
