// Package seed generates synthetic but realistic grid areas: the demo
// subdistrict modelled on Jianshe Road Subdistrict, Zhengzhou, and large
// generated cities for benchmarks. Output is deterministic for a seed.
// Generation is pure: it returns a model.Dataset, which
// store.ImportDataset writes with COPY.
package seed
