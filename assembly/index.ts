// The module's export surface: exports only, no logic.
export * from "./layout";
export { machine_init } from "./machine";
export {
  barrier_wait, spin_lock, spin_trylock, spin_unlock, spin_is_locked, down_read, down_read_trylock, up_read,
  down_write, down_write_trylock, down_write_trywait, up_write, rwsem_is_locked, bit_lock, bit_trylock, bit_unlock,
  bit_is_locked, RWSEM_WRITER, RWSEM_WAITING, RWSEM_READERS,
} from "./sync";
export {
  LC_I_MUTEX, LC_I_ALLOC_SEM, LC_MMAP_LOCK, LC_PAGE_LOCK, LC_I_MMAP, LC_ANON_VMA, LC_PAGE_TABLE_LOCK, LC_PTL,
  LC_LRU_LOCK, LC_SWAP_LOCK, LC_MMLIST_LOCK, LC_TREE_LOCK, LC_COUNT, LK_SPIN, LK_SLEEP, NEST_NONE, NEST_SINGLE,
  NEST_ALL, LOCKDEP_ORDER, LOCKDEP_RECURSION, LOCKDEP_UNHELD, LOCKDEP_MODE, LOCKDEP_OVERFLOW, LOCKDEP_BAD_CLASS,
  LF_READ, LF_TRY, lock_class_rank, lock_class_kind, lock_class_nest, lock_acquired, lock_acquired_flags,
  lock_released, spin_held, locks_held, lock_order_violations, lock_is_held, lockdep_reset, lock_spin, trylock_spin,
  unlock_spin, lock_read, trylock_read, unlock_read, lock_write, trylock_write, unlock_write, lock_page, trylock_page,
  unlock_page, STRESS_SPIN, STRESS_WRITE, STRESS_PAGE, STRESS_READ, STRESS_NONE, lock_stress,
} from "./lockdep";
export {
  mm_init, pt_map, pt_map_batch, pt_walk_batch, pt_zap_batch, pt_protect_batch, pt_mkold_batch, pt_digest,
} from "./pagetable";
export { rmap_add_batch, rmap_remove_batch, rmap_lookup_batch } from "./rmap/chain";
export { vidx_insert_batch, vidx_remove_batch, vidx_lookup_batch } from "./rmap/vindex";
export { noop_batch } from "./floor";
export {
  IT_START, IT_LAST, IT_MAX, IT_LEFT, IT_RIGHT, IT_PARENT, IT_PRIO, IT_PAD, IT_NODE_SIZE,
  IT_OK, IT_ERR_ROOT_PARENT, IT_ERR_PARENT, IT_ERR_ORDER, IT_ERR_HEAP, IT_ERR_MAX, IT_ERR_PRIO, IT_ERR_INTERVAL,
  IT_OP_ROOT, IT_OP_INSERT, IT_OP_REMOVE, IT_OP_QUERY, IT_OP_CHECK, IT_OP_COUNT, IT_OP_SIZE, IT_BATCH_ERROR,
  itree_test_batch,
} from "./lib/itree";
export { vm_init, vm_run_batch, vm_rmap_collect, vm_pfn_at } from "./mm/ops";
export * from "./mm/types";
export { VMSTAT_OFF, ST_MODELED_NS, ST_IPIS } from "./mm/vmstat";
export {
  VM_COST, CO_INVLPG, CO_FULL_FLUSH, CO_FLUSH_CEILING, CO_IPI, CO_IPI_EXTRA, CO_LINE, CO_WALK, CO_TOUCH, CO_LOCK, COST_SIZE,
  COST_INVLPG_NS, COST_FULL_FLUSH_NS, COST_FLUSH_CEILING, COST_IPI_NS, COST_IPI_EXTRA_NS, COST_LINE_NS, COST_WALK_NS,
  COST_TOUCH_NS, COST_LOCK_NS,
} from "./cost";
export * from "./notifier/types";
export { check_coherence } from "./check";
export * from "./smp";
export { cpu_setup, cpu_teardown, cpu_run, cpu_step, MUNMAP_CHUNK_PAGES } from "./cpu";
export * from "./mm/import";
