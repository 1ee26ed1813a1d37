//go:build cgo

package pkcs11

/*
#cgo linux LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>

// firma_dlopen_error tries to dlopen path and returns the loader's error,
// or NULL when it loads; then *has_entry says whether the library exports
// C_GetFunctionList. miekg/pkcs11's New loses both facts.
static char* firma_dlopen_error(const char* path, int* has_entry) {
	void* h = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
	*has_entry = 0;
	if (h == NULL) {
		return dlerror();
	}
	*has_entry = dlsym(h, "C_GetFunctionList") != NULL;
	dlclose(h);
	return NULL;
}
*/
import "C"

import (
	"errors"
	"unsafe"

	p11 "github.com/miekg/pkcs11"
)

// CgoEnabled reports whether this build can load PKCS#11 modules.
const CgoEnabled = true

// dlopenError returns the dynamic loader's reason for not loading path,
// "" when it loads, and whether it exports C_GetFunctionList.
func dlopenError(path string) (msg string, hasEntry bool) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var has C.int
	if m := C.firma_dlopen_error(cpath, &has); m != nil {
		return C.GoString(m), false
	}
	return "", has != 0
}

// openLibrary loads a module with miekg/pkcs11. It is a variable so tests
// can wrap the real module. A library that loads but is no PKCS#11
// module is a *NotPKCS11Error; a loader failure an error with the
// loader's message.
var openLibrary = func(path string) (P11, error) {
	ctx := p11.New(path)
	if ctx == nil {
		msg, hasEntry := dlopenError(path)
		if msg == "" {
			return nil, &NotPKCS11Error{Path: path, Exported: hasEntry}
		}
		return nil, errors.New(msg)
	}
	return &miekgP11{ctx}, nil
}

type miekgP11 struct{ c *p11.Ctx }

func (m *miekgP11) Initialize() error { return m.c.Initialize() }

func (m *miekgP11) GetInfo() (LibraryInfo, error) {
	i, err := m.c.GetInfo()
	if err != nil {
		return LibraryInfo{}, err
	}
	return LibraryInfo{
		CryptokiMajor: i.CryptokiVersion.Major, CryptokiMinor: i.CryptokiVersion.Minor,
		ManufacturerID: i.ManufacturerID, Description: i.LibraryDescription,
		VersionMajor: i.LibraryVersion.Major, VersionMinor: i.LibraryVersion.Minor,
	}, nil
}

func (m *miekgP11) GetSlotList(tokenPresent bool) ([]uint, error) {
	return m.c.GetSlotList(tokenPresent)
}

func (m *miekgP11) GetSlotInfo(slot uint) (SlotInfo, error) {
	i, err := m.c.GetSlotInfo(slot)
	if err != nil {
		return SlotInfo{}, err
	}
	return SlotInfo{Description: i.SlotDescription, ManufacturerID: i.ManufacturerID, Flags: i.Flags}, nil
}

func (m *miekgP11) GetTokenInfo(slot uint) (RawTokenInfo, error) {
	i, err := m.c.GetTokenInfo(slot)
	if err != nil {
		return RawTokenInfo{}, err
	}
	return RawTokenInfo{
		Label: i.Label, ManufacturerID: i.ManufacturerID, Model: i.Model,
		SerialNumber: i.SerialNumber, Flags: i.Flags,
		MinPinLen: i.MinPinLen, MaxPinLen: i.MaxPinLen,
	}, nil
}

func (m *miekgP11) GetMechanismList(slot uint) ([]uint, error) {
	ms, err := m.c.GetMechanismList(slot)
	if err != nil {
		return nil, err
	}
	out := make([]uint, len(ms))
	for i, mech := range ms {
		out[i] = mech.Mechanism
	}
	return out, nil
}

func (m *miekgP11) OpenSession(slot uint, flags uint) (uint, error) {
	s, err := m.c.OpenSession(slot, flags)
	return uint(s), err
}

func (m *miekgP11) CloseSession(s uint) error { return m.c.CloseSession(p11.SessionHandle(s)) }

func (m *miekgP11) Login(s uint, userType uint, pin string) error {
	return m.c.Login(p11.SessionHandle(s), userType, pin)
}

func (m *miekgP11) Logout(s uint) error { return m.c.Logout(p11.SessionHandle(s)) }

func (m *miekgP11) FindObjects(s uint, template []Attribute, max int) ([]uint, error) {
	sh := p11.SessionHandle(s)
	attrs := make([]*p11.Attribute, len(template))
	for i, a := range template {
		attrs[i] = &p11.Attribute{Type: a.Type, Value: a.Value}
	}
	if err := m.c.FindObjectsInit(sh, attrs); err != nil {
		return nil, err
	}
	var out []uint
	for len(out) < max {
		objs, _, err := m.c.FindObjects(sh, min(64, max-len(out)))
		if err != nil {
			m.c.FindObjectsFinal(sh)
			return nil, err
		}
		if len(objs) == 0 {
			break
		}
		for _, o := range objs {
			out = append(out, uint(o))
		}
	}
	return out, m.c.FindObjectsFinal(sh)
}

func (m *miekgP11) GetAttributeValue(s uint, o uint, types []uint) ([]Attribute, error) {
	tmpl := make([]*p11.Attribute, len(types))
	for i, t := range types {
		tmpl[i] = &p11.Attribute{Type: t}
	}
	got, err := m.c.GetAttributeValue(p11.SessionHandle(s), p11.ObjectHandle(o), tmpl)
	if err != nil {
		return nil, err
	}
	out := make([]Attribute, len(got))
	for i, a := range got {
		out[i] = Attribute{Type: a.Type, Value: a.Value}
	}
	return out, nil
}

func (m *miekgP11) SignInit(s uint, mech Mechanism, key uint) error {
	return m.c.SignInit(p11.SessionHandle(s), []*p11.Mechanism{p11.NewMechanism(mech.Mechanism, mech.Parameter)}, p11.ObjectHandle(key))
}

func (m *miekgP11) Sign(s uint, data []byte) ([]byte, error) {
	return m.c.Sign(p11.SessionHandle(s), data)
}

func (m *miekgP11) SetPIN(s uint, oldPIN, newPIN string) error {
	return m.c.SetPIN(p11.SessionHandle(s), oldPIN, newPIN)
}

func (m *miekgP11) InitPIN(s uint, pin string) error {
	return m.c.InitPIN(p11.SessionHandle(s), pin)
}

// pkcs11Code returns the CKR_ code of err, or 0.
func pkcs11Code(err error) uint {
	var e p11.Error
	if errors.As(err, &e) {
		return uint(e)
	}
	return 0
}
