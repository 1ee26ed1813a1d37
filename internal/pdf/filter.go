package pdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
)

// FilterError reports a stream the reader cannot decode.
type FilterError struct {
	Offset int64
	Msg    string
}

func (e *FilterError) Error() string {
	return fmt.Sprintf("pdf stream at offset %d: %s", e.Offset, e.Msg)
}

// decode applies the stream's filters to data, producing at most max
// bytes. Only FlateDecode (with PNG or TIFF-2 predictors) is supported:
// it is all that cross-reference and object streams use in practice.
func decode(s *Stream, data []byte, max int64) ([]byte, error) {
	var filters []Name
	var parms []Object
	switch f := s.Dict["Filter"].(type) {
	case nil:
	case Name:
		filters = []Name{f}
		parms = []Object{s.Dict["DecodeParms"]}
	case Array:
		pa, _ := s.Dict["DecodeParms"].(Array)
		for i, e := range f {
			n, ok := e.(Name)
			if !ok {
				return nil, &FilterError{Offset: s.Offset, Msg: "bad /Filter"}
			}
			filters = append(filters, n)
			if i < len(pa) {
				parms = append(parms, pa[i])
			} else {
				parms = append(parms, nil)
			}
		}
	default:
		return nil, &FilterError{Offset: s.Offset, Msg: "bad /Filter"}
	}
	for i, f := range filters {
		switch f {
		case "FlateDecode", "Fl":
			zr, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				return nil, &FilterError{Offset: s.Offset, Msg: "bad Flate data: " + err.Error()}
			}
			out, err := io.ReadAll(io.LimitReader(zr, max+1))
			if err != nil && len(out) == 0 {
				return nil, &FilterError{Offset: s.Offset, Msg: "bad Flate data: " + err.Error()}
			}
			if int64(len(out)) > max {
				return nil, &LimitError{Offset: s.Offset, What: "decoded stream size"}
			}
			p, _ := parms[i].(Dict)
			if data, err = unpredict(p, out, s.Offset); err != nil {
				return nil, err
			}
		default:
			return nil, &FilterError{Offset: s.Offset, Msg: fmt.Sprintf("unsupported filter %s", f)}
		}
	}
	return data, nil
}

// unpredict reverses a PNG (10-15) or TIFF (2) predictor.
func unpredict(p Dict, data []byte, at int64) ([]byte, error) {
	if p == nil {
		return data, nil
	}
	pred, _ := p.Int("Predictor")
	if pred <= 1 {
		return data, nil
	}
	cols, ok := p.Int("Columns")
	if !ok {
		cols = 1
	}
	colors, ok := p.Int("Colors")
	if !ok {
		colors = 1
	}
	bpc, ok := p.Int("BitsPerComponent")
	if !ok {
		bpc = 8
	}
	if cols <= 0 || cols > 1<<20 || colors <= 0 || colors > 32 || (bpc != 1 && bpc != 2 && bpc != 4 && bpc != 8 && bpc != 16) {
		return nil, &FilterError{Offset: at, Msg: "bad predictor parameters"}
	}
	bpp := int((colors*bpc + 7) / 8)
	row := int((cols*colors*bpc + 7) / 8)
	if pred == 2 {
		if bpc != 8 {
			return nil, &FilterError{Offset: at, Msg: "unsupported TIFF predictor depth"}
		}
		out := append([]byte(nil), data...)
		for r := 0; r+row <= len(out); r += row {
			for i := bpp; i < row; i++ {
				out[r+i] += out[r+i-bpp]
			}
		}
		return out, nil
	}
	if pred < 10 {
		return nil, &FilterError{Offset: at, Msg: fmt.Sprintf("unsupported predictor %d", pred)}
	}
	out := make([]byte, 0, len(data)/(row+1)*row)
	prev := make([]byte, row)
	for len(data) > 0 {
		if len(data) < row+1 {
			return nil, &FilterError{Offset: at, Msg: "truncated predictor row"}
		}
		ft, cur := data[0], append([]byte(nil), data[1:row+1]...)
		data = data[row+1:]
		for i := range cur {
			var a, b, c byte
			if i >= bpp {
				a = cur[i-bpp]
				c = prev[i-bpp]
			}
			b = prev[i]
			switch ft {
			case 0:
			case 1:
				cur[i] += a
			case 2:
				cur[i] += b
			case 3:
				cur[i] += byte((int(a) + int(b)) / 2)
			case 4:
				cur[i] += paeth(a, b, c)
			default:
				return nil, &FilterError{Offset: at, Msg: fmt.Sprintf("bad PNG filter type %d", ft)}
			}
		}
		out = append(out, cur...)
		prev = cur
	}
	return out, nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	if pa <= pb && pa <= pc {
		return a
	}
	if pb <= pc {
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
