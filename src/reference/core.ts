// The TS twin of the Wasm core: the same algorithms over the same layout, in
// the fastest plain-TS form (u32 word pairs, no BigInt in loops). It is the
// oracle of the differential tests and the "ts" row of the kernels suite.
// Every function mirrors the one of the same name in assembly/.
import type { Core } from "../core.js";
import { C, CH, H, MACHINE_MAGIC, MM, PG, PTD, PTE, PTE_TABLE, VX } from "../layout.js";
import { fmix32, mix64, sumword } from "./hash.js";

const TWO20 = 0x100000;
const TWO32 = 0x1_0000_0000;
const ADDR_HI = 0x000fffff;
const ADDR_LO = 0xfffff000;
const VIDX_NONE = 0xffffffff;
const RANGE_ZAP = 0;
const RANGE_WRPROTECT = 1;

export class TsCore implements Core {
  readonly impl = "ts" as const;
  private readonly w: Uint32Array;
  private readonly u8: Uint8Array;

  constructor(readonly buffer: ArrayBufferLike) {
    this.w = new Uint32Array(buffer);
    this.u8 = new Uint8Array(buffer);
  }

  // --- machine.ts -----------------------------------------------------------

  machine_init(m: number): void {
    const w = this.w;
    const h = m >>> 2;
    w[h + H.MAGIC / 4] = MACHINE_MAGIC;
    w[h + H.PT_BUMP / 4] = w[h + H.PT_BASE / 4];
    w[h + H.PT_FREE / 4] = 0;
    w[h + H.PT_USED / 4] = 0;
    w[h + H.CHAIN_BUMP / 4] = w[h + H.CHAIN_BASE / 4] + CH.SIZE;
    w[h + H.CHAIN_FREE / 4] = 0;
    w[h + H.CHAIN_USED / 4] = 0;
    w[h + H.ALLOC_LOCK / 4] = 0;
  }

  private hdr(m: number, off: number): number {
    return this.w[(m + off) >>> 2];
  }

  private setHdr(m: number, off: number, v: number): void {
    this.w[(m + off) >>> 2] = v;
  }

  private pageAddr(m: number, pfn: number): number {
    return this.hdr(m, H.FRAMES) + pfn * PG.SIZE;
  }

  private mmAddr(m: number, mm: number): number {
    return this.hdr(m, H.MM_BASE) + mm * MM.SIZE;
  }

  private cpuAddr(m: number, cpu: number): number {
    return this.hdr(m, H.CPU_BASE) + cpu * C.SIZE;
  }

  private ptdesc(m: number, table: number): number {
    return this.hdr(m, H.PTDESC) + ((table - this.hdr(m, H.PT_BASE)) >>> 12) * PTD.SIZE;
  }

  /** Adds v to the u64 counter at addr. */
  private count(addr: number, v: number): void {
    const w = this.w;
    const i = addr >>> 2;
    const lo = w[i] + v;
    w[i] = lo >>> 0;
    w[i + 1] = (w[i + 1] + Math.floor(lo / TWO32)) >>> 0;
  }

  private pt_alloc(m: number): number {
    const w = this.w;
    let t = this.hdr(m, H.PT_FREE);
    if (t) {
      this.setHdr(m, H.PT_FREE, w[t >>> 2]);
      w[t >>> 2] = 0;
    } else {
      t = this.hdr(m, H.PT_BUMP);
      if (((t - this.hdr(m, H.PT_BASE)) >>> 0) / 4096 >= this.hdr(m, H.PT_CAP)) return 0;
      this.setHdr(m, H.PT_BUMP, t + 4096);
      w.fill(0, t >>> 2, (t + 4096) >>> 2);
    }
    this.setHdr(m, H.PT_USED, this.hdr(m, H.PT_USED) + 1);
    const d = this.ptdesc(m, t) >>> 2;
    w.fill(0, d, d + PTD.SIZE / 4);
    return t;
  }

  private pt_free(m: number, t: number): void {
    this.w[t >>> 2] = this.hdr(m, H.PT_FREE);
    this.setHdr(m, H.PT_FREE, t);
    this.setHdr(m, H.PT_USED, this.hdr(m, H.PT_USED) - 1);
  }

  private chain_alloc(m: number): number {
    let n = this.hdr(m, H.CHAIN_FREE);
    if (n) {
      this.setHdr(m, H.CHAIN_FREE, this.w[n >>> 2]);
    } else {
      n = this.hdr(m, H.CHAIN_BUMP);
      if (((n - this.hdr(m, H.CHAIN_BASE)) >>> 0) / CH.SIZE >= this.hdr(m, H.CHAIN_CAP)) return 0;
      this.setHdr(m, H.CHAIN_BUMP, n + CH.SIZE);
    }
    this.setHdr(m, H.CHAIN_USED, this.hdr(m, H.CHAIN_USED) + 1);
    this.u8.fill(0, n, n + CH.SIZE);
    return n;
  }

  private chain_free(m: number, n: number): void {
    this.w[n >>> 2] = this.hdr(m, H.CHAIN_FREE);
    this.setHdr(m, H.CHAIN_FREE, n);
    this.setHdr(m, H.CHAIN_USED, this.hdr(m, H.CHAIN_USED) - 1);
  }

  // --- pagetable.ts ---------------------------------------------------------

  private topShift(m: number): number {
    return 3 + 9 * this.hdr(m, H.LEVELS);
  }

  /** Records the owner mm and the va span of a table (the 2.5 ptep_to_mm / ptep_to_address data). */
  private setOwner(m: number, t: number, mm: number, shift: number, baseLo: number, baseHi: number): void {
    const d = (this.ptdesc(m, t) + PTD.MM) >>> 2;
    const w = this.w;
    w[d] = mm;
    w[d + 1] = shift;
    w[d + 2] = baseLo >>> 0;
    w[d + 3] = baseHi >>> 0;
  }

  mm_init(m: number, mm: number): boolean {
    const t = this.pt_alloc(m);
    if (!t) return false;
    this.setOwner(m, t, mm, this.topShift(m), 0, 0);
    const a = this.mmAddr(m, mm);
    this.w[(a + MM.PGD) >>> 2] = t;
    this.w[(a + MM.NR_TABLES) >>> 2] = 1;
    return true;
  }

  pt_map(m: number, mm: number, va: bigint, pte: bigint): number {
    return this.map(m, mm, Number(va & 0xffffffffn), Number(va >> 32n), Number(pte & 0xffffffffn), Number(pte >> 32n));
  }

  private map(m: number, mm: number, vlo: number, vhi: number, plo: number, phi: number): number {
    const w = this.w;
    const ma = this.mmAddr(m, mm);
    let table = w[(ma + MM.PGD) >>> 2];
    for (let shift = this.topShift(m); shift > 12; shift -= 9) {
      const slot = (table + (index(vlo, vhi, shift) << 3)) >>> 2;
      let elo = w[slot];
      if (!(elo & PTE.P)) {
        const t = this.pt_alloc(m);
        if (!t) return -1;
        // base = va with the bits below `shift` cleared
        const lo = shift >= 32 ? 0 : (vlo & ~(2 ** shift - 1)) >>> 0;
        const hi = shift >= 32 ? vhi & ~(2 ** (shift - 32) - 1) : vhi;
        this.setOwner(m, t, mm, shift - 9, lo, hi);
        elo = (t | PTE_TABLE) >>> 0;
        w[slot] = elo;
        w[slot + 1] = 0;
        w[this.ptdesc(m, table) >>> 2]++;
        w[(ma + MM.NR_TABLES) >>> 2]++;
      } else if (elo & PTE.PSE) {
        return -2;
      }
      table = (elo & ADDR_LO) >>> 0;
    }
    const slot = (table + (index(vlo, vhi, 12) << 3)) >>> 2;
    const fresh = !(w[slot] & PTE.P);
    w[slot] = plo >>> 0;
    w[slot + 1] = phi >>> 0;
    if (fresh) w[this.ptdesc(m, table) >>> 2]++;
    return fresh ? 1 : 0;
  }

  pt_map_batch(m: number, mm: number, vas: number, ptes: number, n: number): number {
    const w = this.w;
    let fresh = 0;
    for (let i = 0; i < n; i++) {
      const v = (vas >>> 2) + 2 * i;
      const p = (ptes >>> 2) + 2 * i;
      const r = this.map(m, mm, w[v], w[v + 1], w[p], w[p + 1]);
      if (r < 0) return r;
      fresh += r;
    }
    return fresh;
  }

  pt_walk_batch(m: number, cpu: number, mm: number, vas: number, n: number, out: number): bigint {
    const w = this.w;
    const pgd = w[(this.mmAddr(m, mm) + MM.PGD) >>> 2];
    const top = this.topShift(m);
    let sum = 0;
    let big = 0n;
    const v0 = vas >>> 2;
    const o0 = out >>> 2;
    for (let i = 0; i < n; i++) {
      const vlo = w[v0 + 2 * i];
      const vhi = w[v0 + 2 * i + 1];
      // walk1, inlined by hand: one load per level.
      let table = pgd;
      let shift = top;
      let rlo = 0xffffffff;
      let rhi = 0xffffffff;
      let pfn = -1;
      for (;;) {
        const slot = (table + (index(vlo, vhi, shift) << 3)) >>> 2;
        const elo = w[slot];
        if (!(elo & PTE.P)) break;
        if (shift === 12 || elo & PTE.PSE) {
          const write = vhi >>> 31;
          if (write && !(elo & PTE.RW)) {
            rlo = 0xfffffffe;
            break;
          }
          const want = write ? PTE.A | PTE.D : PTE.A;
          if ((elo & want) !== want) w[slot] = (elo | want) >>> 0;
          pfn = (elo >>> 12) + (w[slot + 1] & ADDR_HI) * TWO20;
          if (shift !== 12) pfn += vpnOf(vlo, vhi & 0x7fffffff) % 2 ** (shift - 12);
          rlo = pfn % TWO32;
          rhi = Math.floor(pfn / TWO32);
          break;
        }
        table = (elo & ADDR_LO) >>> 0;
        shift -= 9;
      }
      if (out) {
        w[o0 + 2 * i] = rlo;
        w[o0 + 2 * i + 1] = rhi;
      }
      if (pfn >= 0) {
        sum += pfn;
        if (sum >= 2 ** 52) {
          big += BigInt(sum);
          sum = 0;
        }
      }
    }
    const c = this.cpuAddr(m, cpu);
    this.count(c + C.WALKS, n);
    this.count(c + C.LEVELS, n * ((top - 12) / 9 + 1));
    return BigInt.asUintN(64, big + BigInt(sum));
  }

  /**
   * pt_range_table in page-number space: [first, last] are the pages of
   * [start, end), exact as doubles (< 2^45) where byte addresses are not.
   */
  private rangeTable(m: number, c: number, table: number, shift: number, first: number, last: number, mode: number) {
    const w = this.w;
    const s = shift - 12;
    const span = 2 ** s;
    const i0 = Math.floor(first / span) % 512;
    const i1 = Math.floor(last / span) % 512;
    const tbase = first - (first % (span * 512));
    const d = this.ptdesc(m, table) >>> 2;
    let used = w[d];
    let hash = 0;
    let cnt = 0;
    for (let i = i0; i <= i1; i++) {
      const slot = (table + (i << 3)) >>> 2;
      const elo = w[slot];
      if (!(elo & PTE.P)) continue;
      if (shift === 12 || elo & PTE.PSE) {
        if (mode === RANGE_ZAP) {
          hash = (hash + mix64(elo & ADDR_LO, w[slot + 1] & ADDR_HI)) >>> 0;
          w[slot] = 0;
          w[slot + 1] = 0;
          used--;
        } else if (mode === RANGE_WRPROTECT) {
          if (!(elo & PTE.RW)) continue;
          w[slot] = (elo & ~PTE.RW) >>> 0;
        } else {
          if (!(elo & PTE.A)) continue;
          w[slot] = (elo & ~PTE.A) >>> 0;
        }
        cnt++;
        continue;
      }
      const base = tbase + i * span;
      const cf = Math.max(first, base);
      const cl = Math.min(last, base + span - 1);
      const child = (elo & ADDR_LO) >>> 0;
      if (this.rangeTable(m, c, child, shift - 9, cf, cl, mode) === 0 && mode === RANGE_ZAP) {
        w[slot] = 0;
        w[slot + 1] = 0;
        this.pt_free(m, child);
        this.count(c + C.TABLES_FREED, 1);
        used--;
      }
    }
    if (cnt) {
      w[(c + C.SCRATCH_HASH) >>> 2] = (w[(c + C.SCRATCH_HASH) >>> 2] + hash) >>> 0;
      this.count(c + C.SCRATCH_COUNT, cnt);
    }
    if (mode === RANGE_ZAP) w[d] = used;
    return used;
  }

  private rangeBatch(m: number, cpu: number, mm: number, ranges: number, n: number, mode: number): void {
    const w = this.w;
    const top = this.topShift(m);
    const limHi = 2 ** (top + 9 - 32); // the end of the address space, 2^48 or 2^57, as (0, limHi)
    const pgd = w[(this.mmAddr(m, mm) + MM.PGD) >>> 2];
    const c = this.cpuAddr(m, cpu);
    for (let i = 0; i < n; i++) {
      const r = (ranges >>> 2) + 4 * i;
      const slo = w[r];
      const shi = w[r + 1];
      let elo = w[r + 2];
      let ehi = w[r + 3];
      if (ehi > limHi || (ehi === limHi && elo > 0)) {
        elo = 0;
        ehi = limHi;
      }
      if (ehi < shi || (ehi === shi && elo <= slo)) continue;
      // last byte = end - 1, with the borrow
      const llo = (elo - 1) >>> 0;
      const lhi = elo === 0 ? ehi - 1 : ehi;
      this.rangeTable(m, c, pgd, top, vpnOf(slo, shi), vpnOf(llo, lhi), mode);
    }
  }

  private scratchReset(c: number): void {
    const w = this.w;
    w.fill(0, (c + C.SCRATCH_HASH) >>> 2, (c + C.SCRATCH_COUNT + 8) >>> 2);
  }

  private scratchCount(c: number): number {
    const i = (c + C.SCRATCH_COUNT) >>> 2;
    return this.w[i] + this.w[i + 1] * TWO32;
  }

  pt_zap_batch(m: number, cpu: number, mm: number, ranges: number, n: number): bigint {
    const w = this.w;
    const c = this.cpuAddr(m, cpu);
    this.scratchReset(c);
    const fi = (c + C.TABLES_FREED) >>> 2;
    const freed0 = w[fi] + w[fi + 1] * TWO32;
    this.rangeBatch(m, cpu, mm, ranges, n, RANGE_ZAP);
    const cleared = this.scratchCount(c);
    this.count(c + C.PTES_CLEARED, cleared);
    const ma = this.mmAddr(m, mm);
    const freed = w[fi] + w[fi + 1] * TWO32 - freed0;
    w[(ma + MM.NR_TABLES) >>> 2] = (w[(ma + MM.NR_TABLES) >>> 2] - freed) >>> 0;
    return sumword(cleared, w[(c + C.SCRATCH_HASH) >>> 2]);
  }

  pt_protect_batch(m: number, cpu: number, mm: number, ranges: number, n: number): bigint {
    const c = this.cpuAddr(m, cpu);
    this.scratchReset(c);
    this.rangeBatch(m, cpu, mm, ranges, n, RANGE_WRPROTECT);
    return BigInt(this.scratchCount(c));
  }

  pt_mkold_batch(m: number, cpu: number, mm: number, ranges: number, n: number): bigint {
    const c = this.cpuAddr(m, cpu);
    this.scratchReset(c);
    this.rangeBatch(m, cpu, mm, ranges, n, 2);
    return BigInt(this.scratchCount(c));
  }

  pt_digest(m: number, mm: number): bigint {
    const [count, sum] = this.digestTable(this.w[(this.mmAddr(m, mm) + MM.PGD) >>> 2], this.topShift(m), 0);
    return sumword(count, sum);
  }

  private digestTable(table: number, shift: number, basePage: number): [number, number] {
    const w = this.w;
    let count = 0;
    let sum = 0;
    for (let i = 0; i < 512; i++) {
      const slot = (table + (i << 3)) >>> 2;
      const elo = w[slot];
      if (!(elo & PTE.P)) continue;
      const page = basePage + i * 2 ** (shift - 12);
      if (shift === 12 || elo & PTE.PSE) {
        // va << 4 for va = page << 12: lo = page[0..15] << 16, hi = page >> 16
        const xlo = (elo ^ ((page % 0x10000) * 0x10000)) >>> 0;
        const xhi = (w[slot + 1] ^ Math.floor(page / 0x10000)) >>> 0;
        count++;
        sum = (sum + mix64(xlo, xhi)) >>> 0;
      } else {
        const [c, s] = this.digestTable((elo & ADDR_LO) >>> 0, shift - 9, page);
        count += c;
        sum = (sum + s) >>> 0;
      }
    }
    return [count, sum];
  }

  // --- rmap/chain.ts --------------------------------------------------------

  private rmapAdd(m: number, pfn: number, elo: number, ehi: number): boolean {
    const w = this.w;
    const page = this.pageAddr(m, pfn);
    let head = w[(page + PG.RMAP) >>> 2];
    if (!head || w[(head + CH.NR) >>> 2] === CH.SLOTS) {
      const n = this.chain_alloc(m);
      if (!n) return false;
      w[(n + CH.NEXT) >>> 2] = head;
      w[(page + PG.RMAP) >>> 2] = n;
      head = n;
    }
    const nr = w[(head + CH.NR) >>> 2];
    const s = (head + CH.ENT + nr * 8) >>> 2;
    w[s] = elo;
    w[s + 1] = ehi;
    w[(head + CH.NR) >>> 2] = nr + 1;
    w[(page + PG.MAPCOUNT) >>> 2]++;
    return true;
  }

  private rmapRemove(m: number, pfn: number, elo: number, ehi: number): boolean {
    const w = this.w;
    const page = this.pageAddr(m, pfn);
    const head = w[(page + PG.RMAP) >>> 2];
    for (let n = head; n; n = w[(n + CH.NEXT) >>> 2]) {
      const nr = w[(n + CH.NR) >>> 2];
      for (let i = 0; i < nr; i++) {
        const s = (n + CH.ENT + i * 8) >>> 2;
        if (w[s] !== elo || w[s + 1] !== ehi) continue;
        const hnr = w[(head + CH.NR) >>> 2] - 1;
        const last = (head + CH.ENT + hnr * 8) >>> 2;
        w[s] = w[last];
        w[s + 1] = w[last + 1];
        w[last] = 0;
        w[last + 1] = 0;
        w[(head + CH.NR) >>> 2] = hnr;
        if (!hnr) {
          w[(page + PG.RMAP) >>> 2] = w[(head + CH.NEXT) >>> 2];
          this.chain_free(m, head);
        }
        w[(page + PG.MAPCOUNT) >>> 2] = (w[(page + PG.MAPCOUNT) >>> 2] - 1) >>> 0;
        return true;
      }
    }
    return false;
  }

  rmap_add_batch(m: number, pfns: number, ents: number, n: number): number {
    const w = this.w;
    for (let i = 0; i < n; i++) {
      const e = (ents >>> 2) + 2 * i;
      if (!this.rmapAdd(m, w[(pfns >>> 2) + i], w[e], w[e + 1])) return i;
    }
    return n;
  }

  rmap_remove_batch(m: number, pfns: number, ents: number, n: number): number {
    const w = this.w;
    let found = 0;
    for (let i = 0; i < n; i++) {
      const e = (ents >>> 2) + 2 * i;
      if (this.rmapRemove(m, w[(pfns >>> 2) + i], w[e], w[e + 1])) found++;
    }
    return found;
  }

  rmap_lookup_batch(m: number, cpu: number, pfns: number, n: number, out: number): bigint {
    const w = this.w;
    const frames = this.hdr(m, H.FRAMES);
    let visits = 0;
    let nodes = 0;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const page = frames + w[(pfns >>> 2) + i] * PG.SIZE;
      let cnt = 0;
      let h = 0;
      for (let c = w[(page + PG.RMAP) >>> 2]; c; c = w[(c + CH.NEXT) >>> 2]) {
        const nr = w[(c + CH.NR) >>> 2];
        const e0 = (c + CH.ENT) >>> 2;
        for (let k = 0; k < nr; k++) h = (h + mix64(w[e0 + 2 * k], w[e0 + 2 * k + 1])) >>> 0;
        cnt += nr;
        nodes++;
      }
      if (out) {
        w[(out >>> 2) + 2 * i] = h;
        w[(out >>> 2) + 2 * i + 1] = cnt;
      }
      visits += cnt;
      sum = (sum + h) >>> 0;
    }
    const c = this.cpuAddr(m, cpu);
    this.count(c + C.RMAP_VISITS, visits);
    this.count(c + C.CHAIN_NODES, nodes);
    return sumword(visits, sum);
  }

  // --- rmap/vindex.ts -------------------------------------------------------

  private vslot(base: number, i: number): number {
    return (base + i * VX.SIZE) >>> 2;
  }

  private vidxInsert(m: number, klo: number, khi: number, handle: number): number {
    const w = this.w;
    const base = this.hdr(m, H.VIDX_BASE);
    const mask = this.hdr(m, H.VIDX_MASK);
    let i = mix64(klo, khi) & mask;
    let s = this.vslot(base, i);
    while ((w[s] || w[s + 1]) && (w[s] !== klo || w[s + 1] !== khi)) {
      i = (i + 1) & mask;
      s = this.vslot(base, i);
    }
    if (w[s] || w[s + 1]) {
      w[s + 2] = handle;
      return 0;
    }
    const used = this.hdr(m, H.VIDX_USED);
    if (used >= mask) return -1;
    w[s] = klo;
    w[s + 1] = khi;
    w[s + 2] = handle;
    this.setHdr(m, H.VIDX_USED, used + 1);
    return 1;
  }

  private vidxRemove(m: number, klo: number, khi: number): number {
    const w = this.w;
    const base = this.hdr(m, H.VIDX_BASE);
    const mask = this.hdr(m, H.VIDX_MASK);
    let i = mix64(klo, khi) & mask;
    for (;;) {
      const s = this.vslot(base, i);
      if (!w[s] && !w[s + 1]) return VIDX_NONE;
      if (w[s] === klo && w[s + 1] === khi) break;
      i = (i + 1) & mask;
    }
    const handle = w[this.vslot(base, i) + 2];
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const sj = this.vslot(base, j);
      if (!w[sj] && !w[sj + 1]) break;
      const home = mix64(w[sj], w[sj + 1]) & mask;
      const inside = i <= j ? home > i && home <= j : home > i || home <= j;
      if (inside) continue;
      const si = this.vslot(base, i);
      w[si] = w[sj];
      w[si + 1] = w[sj + 1];
      w[si + 2] = w[sj + 2];
      i = j;
    }
    const si = this.vslot(base, i);
    w[si] = 0;
    w[si + 1] = 0;
    w[si + 2] = 0;
    this.setHdr(m, H.VIDX_USED, this.hdr(m, H.VIDX_USED) - 1);
    return handle;
  }

  vidx_insert_batch(m: number, keys: number, handles: number, n: number): number {
    const w = this.w;
    let fresh = 0;
    for (let i = 0; i < n; i++) {
      const k = (keys >>> 2) + 2 * i;
      const r = this.vidxInsert(m, w[k], w[k + 1], w[(handles >>> 2) + i]);
      if (r < 0) return -1;
      fresh += r;
    }
    return fresh;
  }

  vidx_remove_batch(m: number, keys: number, n: number): number {
    const w = this.w;
    let found = 0;
    for (let i = 0; i < n; i++) {
      const k = (keys >>> 2) + 2 * i;
      if (this.vidxRemove(m, w[k], w[k + 1]) !== VIDX_NONE) found++;
    }
    return found;
  }

  vidx_lookup_batch(m: number, cpu: number, keys: number, n: number, out: number): bigint {
    const w = this.w;
    const base = this.hdr(m, H.VIDX_BASE);
    const mask = this.hdr(m, H.VIDX_MASK);
    let found = 0;
    let sum = 0;
    let probes = 0;
    for (let i = 0; i < n; i++) {
      const klo = w[(keys >>> 2) + 2 * i];
      const khi = w[(keys >>> 2) + 2 * i + 1];
      let h = VIDX_NONE;
      for (let j = mix64(klo, khi) & mask; ; j = (j + 1) & mask) {
        probes++;
        const s = this.vslot(base, j);
        if (w[s] === klo && w[s + 1] === khi) {
          h = w[s + 2];
          found++;
          sum = (sum + fmix32(h)) >>> 0;
          break;
        }
        if (!w[s] && !w[s + 1]) break;
      }
      if (out) w[(out >>> 2) + i] = h;
    }
    this.count(this.cpuAddr(m, cpu) + C.VIDX_PROBES, probes);
    return sumword(found, sum);
  }

  noop_batch(m: number, _cpu: number, mm: number, ops: number, n: number): bigint {
    return BigInt(m + mm + ops + n);
  }
}

/** Page-table index of (lo, hi) at `shift` (12..48). */
function index(lo: number, hi: number, shift: number): number {
  return (shift >= 32 ? hi >>> (shift - 32) : (lo >>> shift) | (hi << (32 - shift))) & 511;
}

/** The virtual page number of the byte address (lo, hi): exact, < 2^52. */
function vpnOf(lo: number, hi: number): number {
  return (lo >>> 12) + hi * TWO20;
}
