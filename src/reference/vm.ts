// A reference model of the primary MMU's semantics in plain TypeScript: maps
// and objects instead of page tables and pools, no rmap at all (a page's
// mappings are found by scanning). It answers what each VM operation must do
// — which addresses map which page, with which permission, dirty and young
// bits, and which are swapped out — so the Wasm model can be checked against
// an implementation that shares none of its code (test/vm.test.ts).
import type { VmOp } from "../vm/machine.js";
import { FAULT, NIL, OP, VM_FLAG } from "../vmlayout.js";

export interface MPage {
  id: number;
  anon: boolean;
  file: number;
  index: number;
  dirty: boolean;
  referenced: boolean;
  inCache: boolean;
  slot?: MSlot;
}

export interface MSlot {
  id: number;
  count: number;
  cached?: MPage;
  file: number;
  index: number;
}

export type MEntry = { page: MPage; rw: boolean; d: boolean; a: boolean } | { slot: MSlot };

interface MVma {
  start: bigint;
  end: bigint;
  flags: number;
  file: number;
  pgoff: number;
}

interface MMm {
  vmas: MVma[];
  ptes: Map<bigint, MEntry>;
}

const PAGE = 4096n;

export class VmModel {
  mms = new Map<number, MMm>();
  cache = new Map<string, MPage>();
  sizes = new Map<number, number>();
  private nextPage = 1;
  private nextSlot = 1;

  run(ops: VmOp[]): number[] {
    return ops.map((o) => this.one(o));
  }

  private one(o: VmOp): number {
    const mm = o.mm ?? 0;
    const a = o.a ?? 0n;
    const b = o.b ?? 0n;
    const c = o.c ?? 0;
    const d = o.d ?? 0;
    switch (o.kind) {
      case OP.MM_INIT:
        this.mms.set(mm, { vmas: [], ptes: new Map() });
        return 1;
      case OP.MMAP:
        return this.mmap(mm, a, c, d, Number(b >> 32n), Number(b & 0xffffffffn));
      case OP.FAULT:
        return this.fault(mm, a, c !== 0);
      case OP.POPULATE: {
        let r: number = FAULT.OK;
        for (let va = a; va < b && r === FAULT.OK; va += PAGE) r = this.fault(mm, va, c !== 0);
        return r === FAULT.OK ? 1 : 0;
      }
      case OP.MUNMAP:
        return this.munmap(mm, a, b);
      case OP.MPROTECT:
        return this.mprotect(mm, a, b, c);
      case OP.MREMAP:
        return this.mremap(mm, a, b, (BigInt(d) << 32n) | BigInt(c));
      case OP.FORK:
        return this.fork(mm, c);
      case OP.EXIT:
        this.zap(mm, 0n, 1n << 48n);
        this.mms.delete(mm);
        return 1;
      case OP.TRUNCATE:
        this.truncate(c, d);
        return 1;
      default: {
        const e = this.mms.get(mm)?.ptes.get(a / PAGE);
        if (!e || !("page" in e)) return NIL;
        const page = e.page;
        if (o.kind === OP.RECLAIM) {
          this.referenced(page);
          return this.reclaim(page) ? 1 : 0;
        }
        if (o.kind === OP.MIGRATE) {
          // the same page at a new frame; each mapping comes back old and clean, its dirt in the page
          for (const { pte } of this.mappings(page)) {
            if (pte.d) page.dirty = true;
            pte.a = pte.d = false;
          }
          return 1;
        }
        if (o.kind === OP.MKCLEAN) return this.mkclean(page);
        if (o.kind === OP.AGE) return this.referenced(page);
        return NIL;
      }
    }
  }

  private find(m: MMm, va: bigint): MVma | undefined {
    return m.vmas.find((v) => v.start <= va && va < v.end);
  }

  private mmap(mm: number, start: bigint, pages: number, flags: number, file: number, pgoff: number): number {
    const m = this.mms.get(mm);
    const end = start + BigInt(pages) * PAGE;
    if (!m || !pages || m.vmas.some((v) => v.start < end && start < v.end)) return 0;
    if (file) this.sizes.set(file, Math.max(this.sizes.get(file) ?? 0, pgoff + pages));
    const mayw = flags & VM_FLAG.WRITE ? VM_FLAG.MAYWRITE : 0;
    m.vmas.push({ start, end, flags: flags | mayw, file, pgoff: file ? pgoff : Number(start / PAGE) });
    m.vmas.sort((x, y) => (x.start < y.start ? -1 : 1));
    return 1;
  }

  /** Mappings of a page, found by scanning every mm. */
  mappings(page: MPage): { pte: { page: MPage; rw: boolean; d: boolean; a: boolean } }[] {
    const out: { pte: { page: MPage; rw: boolean; d: boolean; a: boolean } }[] = [];
    for (const m of this.mms.values()) {
      for (const e of m.ptes.values()) if ("page" in e && e.page === page) out.push({ pte: e });
    }
    return out;
  }

  private mapcount(page: MPage): number {
    return this.mappings(page).length;
  }

  private newAnon(vma: MVma, va: bigint): MPage {
    vma.flags |= VM_FLAG.ANON_PAGES;
    const index = vma.pgoff + Number((va - vma.start) / PAGE);
    return { id: this.nextPage++, anon: true, file: 0, index, dirty: false, referenced: false, inCache: false };
  }

  fault(mm: number, va: bigint, write: boolean): number {
    const m = this.mms.get(mm);
    const vma = m && this.find(m, va);
    if (!m || !vma) return FAULT.SEGV;
    if (write ? !(vma.flags & VM_FLAG.WRITE) : !(vma.flags & VM_FLAG.READ)) return FAULT.SEGV;
    const vpn = va / PAGE;
    const e = m.ptes.get(vpn);
    if (e && "page" in e) {
      if (write && !e.rw) return this.wp(m, vma, vpn, e);
      e.a = true;
      if (write) e.d = true;
      return FAULT.OK;
    }
    if (e) return this.swapin(m, vma, vpn, e.slot, write);
    if (!vma.file) {
      const rw = (vma.flags & VM_FLAG.WRITE) !== 0;
      m.ptes.set(vpn, { page: this.newAnon(vma, vpn * PAGE), rw, d: rw, a: true });
      return FAULT.OK;
    }
    const index = vma.pgoff + Number(vpn - vma.start / PAGE);
    const key = `${vma.file}:${index}`;
    let page = this.cache.get(key);
    if (!page) {
      page = {
        id: this.nextPage++,
        anon: false,
        file: vma.file,
        index,
        dirty: false,
        referenced: false,
        inCache: true,
      };
      this.cache.set(key, page);
    }
    if (write && !(vma.flags & VM_FLAG.SHARED)) {
      m.ptes.set(vpn, { page: this.newAnon(vma, vpn * PAGE), rw: true, d: true, a: true });
      return FAULT.OK;
    }
    if (write) page.dirty = true;
    m.ptes.set(vpn, { page, rw: write, d: write, a: true });
    return FAULT.OK;
  }

  private wp(m: MMm, vma: MVma, vpn: bigint, e: { page: MPage; rw: boolean; d: boolean; a: boolean }): number {
    const page = e.page;
    const reuse = vma.flags & VM_FLAG.SHARED ? true : page.anon && this.mapcount(page) === 1 && !page.slot;
    if (reuse) {
      e.rw = e.d = e.a = true;
      page.dirty = true;
      return FAULT.OK;
    }
    m.ptes.set(vpn, { page: this.newAnon(vma, vpn * PAGE), rw: true, d: true, a: true });
    return FAULT.OK;
  }

  private swapin(m: MMm, vma: MVma, vpn: bigint, slot: MSlot, write: boolean): number {
    let page = slot.cached;
    if (!page) {
      page = {
        id: this.nextPage++,
        anon: true,
        file: 0,
        index: slot.index,
        dirty: false,
        referenced: false,
        inCache: false,
      };
      page.slot = slot;
      slot.cached = page;
    }
    const exclusive = slot.count === 1 && this.mapcount(page) === 0;
    const rw = write && exclusive;
    const e = { page, rw, d: rw, a: true };
    m.ptes.set(vpn, e);
    this.swapFree(slot);
    if (write && !exclusive) return this.wp(m, vma, vpn, e);
    return FAULT.OK;
  }

  private swapFree(slot: MSlot): void {
    slot.count--;
    if (slot.count === 0 && slot.cached) {
      slot.cached.slot = undefined;
      slot.cached = undefined;
    }
  }

  /** unmap_vmas over [start, end): every entry in the range goes, dirty and young to the page. */
  private zap(mm: number, start: bigint, end: bigint): void {
    const m = this.mms.get(mm);
    if (!m) return;
    for (const [vpn, e] of [...m.ptes]) {
      if (vpn < start / PAGE || vpn * PAGE >= end) continue;
      m.ptes.delete(vpn);
      if ("page" in e) {
        if (e.d) e.page.dirty = true;
        if (e.a && !e.page.anon) e.page.referenced = true;
      } else this.swapFree(e.slot);
    }
  }

  private split(m: MMm, addr: bigint): void {
    const v = this.find(m, addr);
    if (!v || v.start === addr) return;
    const tail = { ...v, start: addr, pgoff: v.pgoff + Number((addr - v.start) / PAGE) };
    v.end = addr;
    m.vmas.push(tail);
    m.vmas.sort((x, y) => (x.start < y.start ? -1 : 1));
  }

  private munmap(mm: number, start: bigint, end: bigint): number {
    const m = this.mms.get(mm);
    if (!m) return 0;
    this.split(m, start);
    this.split(m, end);
    this.zap(mm, start, end);
    m.vmas = m.vmas.filter((v) => v.start < start || v.start >= end);
    return 1;
  }

  private mprotect(mm: number, start: bigint, end: bigint, flags: number): number {
    const m = this.mms.get(mm);
    if (!m) return 0;
    this.split(m, start);
    this.split(m, end);
    for (const [vpn, e] of m.ptes) if (vpn >= start / PAGE && vpn * PAGE < end && "page" in e) e.rw = false;
    for (const v of m.vmas) {
      if (v.start < start || v.start >= end) continue;
      const keep = v.flags & ~(VM_FLAG.READ | VM_FLAG.WRITE | VM_FLAG.EXEC);
      v.flags = keep | flags | (flags & VM_FLAG.WRITE ? VM_FLAG.MAYWRITE : 0);
    }
    return 1;
  }

  private mremap(mm: number, start: bigint, end: bigint, to: bigint): number {
    const m = this.mms.get(mm);
    if (!m) return 0;
    this.split(m, start);
    this.split(m, end);
    const v = this.find(m, start);
    const len = end - start;
    if (!v || v.end !== end || m.vmas.some((x) => x.start < to + len && to < x.end)) return 0;
    const moved = [...m.ptes].filter(([vpn]) => vpn >= start / PAGE && vpn < end / PAGE);
    for (const [vpn] of moved) m.ptes.delete(vpn);
    for (const [vpn, e] of moved) m.ptes.set(vpn - start / PAGE + to / PAGE, e);
    v.start = to;
    v.end = to + len;
    m.vmas.sort((x, y) => (x.start < y.start ? -1 : 1));
    return 1;
  }

  private fork(parent: number, child: number): number {
    const p = this.mms.get(parent);
    if (!p) return 0;
    const c: MMm = { vmas: p.vmas.map((v) => ({ ...v })), ptes: new Map() };
    this.mms.set(child, c);
    for (const v of p.vmas) {
      if (!(v.flags & VM_FLAG.ANON_PAGES)) continue;
      const cow = (v.flags & (VM_FLAG.SHARED | VM_FLAG.MAYWRITE)) === VM_FLAG.MAYWRITE;
      for (const [vpn, e] of p.ptes) {
        if (vpn < v.start / PAGE || vpn >= v.end / PAGE) continue;
        if ("page" in e) {
          if (cow) e.rw = false;
          c.ptes.set(vpn, { page: e.page, rw: e.rw, d: e.d, a: false });
        } else {
          e.slot.count++;
          c.ptes.set(vpn, { slot: e.slot });
        }
      }
    }
    return 1;
  }

  private truncate(file: number, pages: number): void {
    const size = this.sizes.get(file) ?? 0;
    if (pages >= size) return;
    for (const [mm, m] of this.mms) {
      for (const v of m.vmas) {
        if (v.file !== file) continue;
        const vpages = Number((v.end - v.start) / PAGE);
        const last = size - 1;
        if (last < v.pgoff || pages >= v.pgoff + vpages) continue;
        const lo = Math.max(pages, v.pgoff);
        const hi = Math.min(last, v.pgoff + vpages - 1);
        this.zap(mm, v.start + BigInt(lo - v.pgoff) * PAGE, v.start + BigInt(hi - v.pgoff + 1) * PAGE);
      }
    }
    for (let i = pages; i < size; i++) {
      const p = this.cache.get(`${file}:${i}`);
      if (p) {
        p.inCache = false;
        this.cache.delete(`${file}:${i}`);
      }
    }
    this.sizes.set(file, pages);
  }

  /** page_referenced: young mappings and the page's own referenced bit, each test-and-cleared. */
  private referenced(page: MPage): number {
    let refs = 0;
    for (const { pte } of this.mappings(page)) {
      if (pte.a) {
        pte.a = false;
        refs++;
      }
    }
    if (page.referenced) {
      page.referenced = false;
      refs++;
    }
    return refs;
  }

  private reclaim(page: MPage): boolean {
    if (this.referenced(page)) return false;
    let slot = page.slot;
    if (page.anon && !slot) {
      slot = { id: this.nextSlot++, count: 0, cached: page, file: 0, index: page.index };
      page.slot = slot;
    }
    for (const m of this.mms.values()) {
      for (const [vpn, e] of [...m.ptes]) {
        if (!("page" in e) || e.page !== page) continue;
        if (e.d) page.dirty = true;
        if (slot) {
          slot.count++;
          m.ptes.set(vpn, { slot });
        } else m.ptes.delete(vpn);
      }
    }
    page.dirty = false;
    if (slot) {
      slot.cached = undefined;
      page.slot = undefined;
    } else if (page.inCache) {
      this.cache.delete(`${page.file}:${page.index}`);
      page.inCache = false;
    }
    return true;
  }

  private mkclean(page: MPage): number {
    if (page.anon) return 0;
    let n = 0;
    for (const { pte } of this.mappings(page)) {
      if (pte.rw || pte.d) {
        if (pte.d) page.dirty = true;
        pte.rw = pte.d = false;
        n++;
      }
    }
    page.dirty = false; // the write-back completed
    return n;
  }
}
