/**
 * Small byte strings an instance keeps for its whole life (a prepared rtnetlink request, a GARP
 * frame, an advert's bytes), carved out of shared slabs. V8 gives every `new Uint8Array(n)` an
 * ArrayBuffer of its own (88 bytes of heap) and, once `.buffer` is read or the addon reads it, a
 * malloc'd backing store (~200 bytes with its bookkeeping) for 20-60 bytes of data; a view into a
 * slab is one Uint8Array object (native-notes/memory.md, "Bytes kept per instance").
 *
 * Nothing is freed piecemeal: a slab goes when the GC finds no view into it left. So only bytes
 * that live as long as their instance (or until a reload or a priority change replaces them)
 * belong here; a view that outlives its neighbours keeps its slab's written pages. A view's
 * `.buffer` is the whole slab: whoever reads it must honour `byteOffset` and `byteLength` (every
 * reader in src/ and the addon's get_bytes do).
 */

/**
 * Bytes per slab: one slab holds 255 instances' frames (~46 KB) and only its written pages are
 * resident. Above glibc's mmap threshold (128 KB, which a freed mapping at the start can raise to
 * its size: the largest file the daemon reads then is its ~180 KB bundle chunk), so a slab is a
 * mapping of its own. A 2 KB slab came from the top of the brk heap and pinned it: the memory
 * freed below it after the start stayed resident, +2.6 MB of RssAnon (native-notes/memory.md).
 */
export const SLAB_BYTES = 512 * 1024;

export class ByteArena {
  readonly #slabBytes: number;
  #slab: Uint8Array | undefined = undefined;
  #used = 0;
  #slabs = 0;

  constructor(slabBytes: number = SLAB_BYTES) {
    if (!Number.isInteger(slabBytes) || slabBytes < 64) throw new RangeError(`slab of ${slabBytes} bytes`);
    this.#slabBytes = slabBytes;
  }

  /** `n` zeroed bytes; more than a quarter of a slab get a buffer of their own. */
  alloc(n: number): Uint8Array {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`alloc(${n})`);
    if (n > this.#slabBytes >> 2) return new Uint8Array(n);
    if (this.#slab === undefined || this.#used + n > this.#slabBytes) {
      this.#slab = new Uint8Array(this.#slabBytes);
      this.#used = 0;
      this.#slabs++;
    }
    const view = this.#slab.subarray(this.#used, this.#used + n);
    this.#used += n;
    return view;
  }

  /** A copy of `bytes` in the arena. */
  copy(bytes: Uint8Array): Uint8Array {
    const view = this.alloc(bytes.length);
    view.set(bytes);
    return view;
  }

  /** Slabs made so far (tests, diagnostics). */
  get slabs(): number {
    return this.#slabs;
  }
}

/** The process's arena for bytes kept per instance (rtnl.ts prepareAddrRequest, io/garp.ts, daemon/advert-bytes.ts). */
export const keptBytes = new ByteArena();
