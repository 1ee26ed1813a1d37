package tsl

import (
	"bytes"
	"testing"
	"time"
)

const seedList = `<?xml version="1.0" encoding="UTF-8"?>
<TrustServiceStatusList xmlns="http://uri.etsi.org/02231/v2#" TSLTag="http://uri.etsi.org/19612/TSLTag">
<SchemeInformation><TSLVersionIdentifier>5</TSLVersionIdentifier><SchemeTerritory>IT</SchemeTerritory>
<ListIssueDateTime>2026-11-01T00:00:00Z</ListIssueDateTime><NextUpdate><dateTime>2027-05-01T00:00:00Z</dateTime></NextUpdate></SchemeInformation>
<TrustServiceProviderList><TrustServiceProvider><TSPInformation><TSPName><Name xml:lang="it">Prova</Name></TSPName></TSPInformation>
<TSPServices><TSPService><ServiceInformation>
<ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/CA/QC</ServiceTypeIdentifier>
<ServiceName><Name xml:lang="it">Prova CA</Name></ServiceName>
<ServiceDigitalIdentity><DigitalId><X509Certificate>AAAA</X509Certificate></DigitalId></ServiceDigitalIdentity>
<ServiceStatus>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted</ServiceStatus>
<StatusStartingTime>2016-07-01T00:00:00Z</StatusStartingTime></ServiceInformation>
<ServiceHistory><ServiceHistoryInstance><ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/CA/QC</ServiceTypeIdentifier>
<ServiceName><Name xml:lang="it">Prova CA</Name></ServiceName>
<ServiceStatus>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/accredited</ServiceStatus>
<StatusStartingTime>2010-01-01T00:00:00Z</StatusStartingTime></ServiceHistoryInstance></ServiceHistory>
</TSPService></TSPServices></TrustServiceProvider></TrustServiceProviderList></TrustServiceStatusList>`

// FuzzRead: any input gives a list or an error, never a panic or a hang;
// an unsigned list is taken only when allowed; memory stays bounded (the
// fuzzer caps inputs far below MaxSize).
func FuzzRead(f *testing.F) {
	f.Add([]byte(seedList))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>`))
	f.Add([]byte(`<TrustServiceStatusList/>`))
	now := func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > 1<<20 {
			return
		}
		for _, o := range []Options{{Now: now}, {AllowUnsigned: true, Now: now}} {
			l, err := Read(bytes.NewReader(in), o)
			if err != nil {
				continue
			}
			if !o.AllowUnsigned && l.Info.Signature == Unsigned {
				t.Fatal("unsigned list taken")
			}
			for i := range l.Services {
				l.Services[i].Periods(QualifiedCA)
				l.Services[i].Periods(TSA)
			}
		}
	})
}

// The seed list, unsigned but allowed, gives its service with both
// periods: accredited from 2010 to July 2016, granted since.
func TestReadSeed(t *testing.T) {
	l, err := Read(bytes.NewReader([]byte(seedList)), Options{AllowUnsigned: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Services) != 1 || l.Info.Signature != Unsigned {
		t.Fatalf("services %d, signature %q", len(l.Services), l.Info.Signature)
	}
	ps := l.Services[0].Periods(QualifiedCA)
	in2012 := time.Date(2012, 1, 1, 0, 0, 0, 0, time.UTC)
	in2026 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var covers2012, covers2026 bool
	for _, p := range ps {
		covers2012 = covers2012 || p.Contains(in2012)
		covers2026 = covers2026 || p.Contains(in2026)
	}
	if len(ps) != 2 || !covers2012 || !covers2026 {
		t.Errorf("periods %+v", ps)
	}
	if _, err := Read(bytes.NewReader([]byte(seedList)), Options{}); err == nil {
		t.Error("an unsigned list was read without AllowUnsigned")
	}
}
