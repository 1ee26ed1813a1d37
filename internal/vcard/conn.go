package vcard

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// vpcd control bytes.
const (
	ctrlOff   = 0x00
	ctrlOn    = 0x01
	ctrlReset = 0x02
	ctrlATR   = 0x04
)

// DefaultAddr is vpcd's first reader ("Virtual PCD 00 00"); the second
// listens on port 35964.
const DefaultAddr = "127.0.0.1:35963"

// maxMessage bounds a vpcd message: an extended APDU is at most 65544
// bytes and the length prefix cannot say more than 65535 anyway.
const maxMessage = 0xFFFF

// DialFunc opens the TCP connection to vpcd. Tests pass one that dials
// from inside pcscd's network namespace.
type DialFunc func(ctx context.Context, addr string) (net.Conn, error)

type conn struct {
	nc   net.Conn
	done chan struct{} // closed when the serve loop has ended
	err  error         // why it ended, valid after done
}

// ErrInserted is returned by Insert when the card is already in a reader.
var ErrInserted = errors.New("virtual card already inserted")

// Insert connects the card to vpcd at addr (DefaultAddr if empty) with
// dial (a plain TCP dial if nil) and serves vpcd until Remove or until
// vpcd closes the connection. It returns once connected.
func (c *Card) Insert(ctx context.Context, addr string, dial DialFunc) error {
	if addr == "" {
		addr = DefaultAddr
	}
	if dial == nil {
		dial = func(ctx context.Context, addr string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		}
	}
	c.mu.Lock()
	if c.conn != nil {
		c.mu.Unlock()
		return ErrInserted
	}
	c.mu.Unlock()
	nc, err := dial(ctx, addr)
	if err != nil {
		return fmt.Errorf("connecting virtual card to vpcd at %s: %w", addr, err)
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	cn := &conn{nc: nc, done: make(chan struct{})}
	c.mu.Lock()
	if c.conn != nil {
		c.mu.Unlock()
		nc.Close()
		return ErrInserted
	}
	c.conn = cn
	c.notifyLocked()
	c.mu.Unlock()
	go c.serve(cn)
	return nil
}

// Inserted reports whether the card is connected to vpcd.
func (c *Card) Inserted() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conn != nil
}

// Remove pulls the card out: it closes the connection to vpcd and waits
// for the serve loop to end. Removing a card that is not inserted is a
// no-op.
func (c *Card) Remove() {
	c.mu.Lock()
	cn := c.conn
	c.mu.Unlock()
	if cn == nil {
		return
	}
	cn.nc.Close()
	<-cn.done
}

// Done returns a channel closed when the current connection ends (nil if
// not inserted), and Err the reason.
func (c *Card) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		return nil
	}
	return c.conn.done
}

func quickACK(nc net.Conn) {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_QUICKACK, 1)
	})
}

func (c *Card) serve(cn *conn) {
	err := c.loop(cn.nc)
	cn.nc.Close()
	c.mu.Lock()
	cn.err = err
	if c.conn == cn {
		c.conn = nil
	}
	c.powerLocked(false)
	c.notifyLocked()
	c.mu.Unlock()
	close(cn.done)
}

var errRemoved = errors.New("card removed by trigger")

func (c *Card) loop(nc net.Conn) error {
	var hdr [2]byte
	buf := make([]byte, maxMessage)
	for {
		quickACK(nc)
		if _, err := io.ReadFull(nc, hdr[:]); err != nil {
			return readErr(err)
		}
		n := int(binary.BigEndian.Uint16(hdr[:]))
		msg := buf[:n]
		if _, err := io.ReadFull(nc, msg); err != nil {
			return readErr(err)
		}
		quickACK(nc)
		var resp []byte
		if n == 1 {
			switch msg[0] {
			case ctrlOff:
				c.mu.Lock()
				c.powerLocked(false)
				c.mu.Unlock()
			case ctrlOn, ctrlReset:
				c.mu.Lock()
				c.powerLocked(true)
				c.mu.Unlock()
			case ctrlATR:
				resp = c.profile.ATR
			}
			if resp == nil {
				continue
			}
		} else {
			var act action
			resp, act = c.handleAPDU(msg)
			switch act {
			case actRemove:
				return errRemoved
			case actSilent:
				continue
			}
		}
		out := make([]byte, 2+len(resp))
		binary.BigEndian.PutUint16(out, uint16(len(resp)))
		copy(out[2:], resp)
		if _, err := nc.Write(out); err != nil {
			return err
		}
	}
}

func readErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNRESET) {
		return nil
	}
	return err
}
