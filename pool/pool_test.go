package pool

import "testing"

func TestGetPut(t *testing.T) {
	for _, n := range []int{0, 1, MinSize - 1, MinSize, MinSize + 1, 1 << 20, MaxSize, MaxSize + 1} {
		b := Get(n)
		if len(*b) != n || cap(*b) < n {
			t.Fatalf("Get(%d): len %d cap %d", n, len(*b), cap(*b))
		}
		Put(b)
	}
}

func TestClass(t *testing.T) {
	cases := map[int]int{1: 0, MinSize: 0, MinSize + 1: 1, 2 * MinSize: 1, MaxSize: classes - 1}
	for n, want := range cases {
		if got := class(n); got != want {
			t.Errorf("class(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestWorkers(t *testing.T) {
	if got := Workers(4, 2); got != 2 {
		t.Errorf("Workers(4, 2) = %d", got)
	}
	if got := Workers(0, 0); got != 1 {
		t.Errorf("Workers(0, 0) = %d", got)
	}
}

func BenchmarkGetPut(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(64 << 10)
	for b.Loop() {
		Put(Get(64 << 10))
	}
}
