// The module's export surface: exports only, no logic.
export * from "./layout";
export { machine_init } from "./machine";
export { barrier_wait, spin_is_locked } from "./sync";
export {
  mm_init, pt_map, pt_map_batch, pt_walk_batch, pt_zap_batch, pt_protect_batch, pt_mkold_batch, pt_digest,
} from "./pagetable";
export { rmap_add_batch, rmap_remove_batch, rmap_lookup_batch } from "./rmap/chain";
export { vidx_insert_batch, vidx_remove_batch, vidx_lookup_batch } from "./rmap/vindex";
export { noop_batch } from "./floor";
