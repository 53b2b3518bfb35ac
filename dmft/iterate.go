package dmft

import (
	"context"
	"errors"
)

func (b *batch) iterate(ctx context.Context, seed uint64, it Iterate, tick func()) (*result, error) {
	return nil, errors.New("dmft: iterate not implemented")
}
