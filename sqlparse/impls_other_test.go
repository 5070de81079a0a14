//go:build !amd64 || purego

package sqlparse

func find2x64Impls() []find2x64Impl { return []find2x64Impl{{"go", find2x64Go}} }

func classifyImpls() []classifyImpl { return []classifyImpl{{"go", classifyGo}} }
