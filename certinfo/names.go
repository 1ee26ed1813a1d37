package certinfo

import (
	"crypto/x509/pkix"
	"fmt"
	"strings"
)

// attrNames are the short names of subject attributes, as OpenSSL and
// the Italian verifiers print them.
var attrNames = map[string]string{
	"2.5.4.3":              "CN",
	"2.5.4.4":              "SN",
	"2.5.4.5":              "serialNumber",
	"2.5.4.6":              "C",
	"2.5.4.7":              "L",
	"2.5.4.8":              "ST",
	"2.5.4.10":             "O",
	"2.5.4.11":             "OU",
	"2.5.4.12":             "title",
	"2.5.4.42":             "GN",
	"2.5.4.46":             "dnQualifier",
	"2.5.4.97":             "organizationIdentifier",
	"1.2.840.113549.1.9.1": "emailAddress",
}

// FormatName writes a distinguished name in the order it is encoded,
// with readable attribute names ("C=IT, CN=ROSSI MARIO, GN=MARIO, ...").
func FormatName(n pkix.Name) string {
	var parts []string
	for _, atv := range n.Names {
		key, ok := attrNames[atv.Type.String()]
		if !ok {
			key = atv.Type.String()
		}
		parts = append(parts, fmt.Sprintf("%s=%v", key, atv.Value))
	}
	return strings.Join(parts, ", ")
}

// oidNames names the policies and QC statements of Italian certificates.
var oidNames = map[string]string{
	OIDPolicyAgIDCert.String(): "AgID qualified certificate",
	OIDPolicyCNS.String():      "CNS authentication",
	OIDPolicyQCPnQSCD.String(): "QCP-n-qscd",
	OIDPolicyQCPn.String():     "QCP-n",
	OIDQcCompliance.String():   "QcCompliance",
	OIDQcLimitValue.String():   "QcLimitValue",
	OIDQcRetention.String():    "QcRetentionPeriod",
	OIDQcSSCD.String():         "QcSSCD",
	OIDQcPDS.String():          "QcPDS",
	OIDQcType.String():         "QcType",
	OIDQcTypeESign.String():    "QcType esign",
	OIDQcSemanticsEID.String(): "QcSemantics natural person",
	"0.4.0.194112.1.1":         "QCP-l",
	"0.4.0.194112.1.3":         "QCP-l-qscd",
}

// NameOID returns "OID (name)" for known identifiers, else the OID.
func NameOID(oid string) string {
	if n, ok := oidNames[oid]; ok {
		return oid + " (" + n + ")"
	}
	return oid
}
