// Attaching a secondary MMU to an mm under the notifier design in force:
// virtual adds it to the mm's list after taking every rmap lock of the mm
// (mm_take_all_locks); interval inserts a subscription for its range;
// physical registers its kind's global rmap notifier once.
import { itree_insert } from "../lib/itree";
import { mm_addr } from "../machine";
import { count } from "../mm/vmstat";
import { MM_NOTIFIERS } from "../mm/types";
import { nr_vmas } from "../mm/vma";
import { inst_addr, nf_addr } from "../secondary/common";
import {
  DESIGN_BOTH, DESIGN_INTERVAL, DESIGN_PHYSICAL, DESIGN_VIRTUAL, MM_ITREE, NF_DESIGN, NF_ENT_BASE, NF_ENT_BUMP,
  NF_ALIASES, NF_ENT_CAP, NF_INST_CAP, NF_INST_USED, NF_RMAP_KINDS, NF_TLB_ENTRIES, SEC_GRU, SEC_KVM, SI_ALIAS, SI_BASE,
  SI_ENTRIES, SI_ID, SI_RMAP,
  SI_KIND, SI_MM, SI_NEXT, SI_NODE, SI_PAGES, SI_SIZE,
} from "./types";

/** Locks mm_take_all_locks takes to register (the cost of registration), counted in ST 128+6*8. */
const ST_REGISTER_LOCKS: u32 = 176;

/**
 * A new secondary MMU of `kind` on mm, translating [base, base + pages * 4 KiB).
 * Returns the instance id, or ~0 when out of instances or entry memory.
 */
export function sec_attach(m: usize, cpu: u32, kind: u32, mm: u32, base: u64, pages: u32): u32 {
  const nf = nf_addr(m);
  const id = load<u32>(nf, NF_INST_USED);
  if (id >= load<u32>(nf, NF_INST_CAP)) return ~0;
  const slots = kind == SEC_GRU ? load<u32>(nf, NF_TLB_ENTRIES) : pages;
  // KVM also keeps an rmap head per gfn and, with several shadow roots, their further sptes
  const aliases = load<u32>(nf, NF_ALIASES);
  const extra = kind == SEC_KVM && aliases > 1 ? ((pages + 1) >> 1) + pages * (aliases - 1) : 0;
  const bump = load<u32>(nf, NF_ENT_BUMP);
  if (bump + slots + extra > load<u32>(nf, NF_ENT_CAP)) return ~0;
  store<u32>(nf, bump + slots + extra, NF_ENT_BUMP);
  store<u32>(nf, id + 1, NF_INST_USED);
  const inst = inst_addr(m, id);
  memory.fill(inst, 0, SI_SIZE);
  const ents = <usize>load<u32>(nf, NF_ENT_BASE) + (<usize>bump << 3);
  memory.fill(ents, 0, <usize>(slots + extra) << 3);
  store<u32>(inst, kind, SI_KIND);
  store<u32>(inst, mm, SI_MM);
  store<u32>(inst, <u32>ents, SI_ENTRIES);
  store<u64>(inst, base, SI_BASE);
  store<u32>(inst, pages, SI_PAGES);
  store<u32>(inst, id, SI_ID);
  if (extra) {
    store<u32>(inst, <u32>(ents + (<usize>slots << 3)), SI_RMAP);
    store<u32>(inst, <u32>(ents + (<usize>(slots + ((pages + 1) >> 1)) << 3)), SI_ALIAS);
  }
  const d = load<u32>(nf, NF_DESIGN);
  const ma = mm_addr(m, mm);
  if (d == DESIGN_VIRTUAL || d == DESIGN_BOTH) {
    // mm_take_all_locks: every i_mmap and anon_vma lock of the mm's VMAs
    count(m, cpu, ST_REGISTER_LOCKS, <u64>nr_vmas(m, mm) * 2);
    store<u32>(inst, load<u32>(ma, MM_NOTIFIERS), SI_NEXT);
    store<u32>(ma, id + 1, MM_NOTIFIERS);
  }
  if (d == DESIGN_INTERVAL) {
    const first = <u32>(base >> 12);
    itree_insert(ma + MM_ITREE, inst + SI_NODE, first, first + pages - 1);
  }
  if (d == DESIGN_PHYSICAL || d == DESIGN_BOTH) store<u32>(nf, load<u32>(nf, NF_RMAP_KINDS) | (1 << kind), NF_RMAP_KINDS);
  return id;
}
