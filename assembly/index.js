"use strict";
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __exportStar = (this && this.__exportStar) || function(m, exports) {
    for (var p in m) if (p !== "default" && !Object.prototype.hasOwnProperty.call(exports, p)) __createBinding(exports, m, p);
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.noop_batch = exports.vidx_lookup_batch = exports.vidx_remove_batch = exports.vidx_insert_batch = exports.rmap_lookup_batch = exports.rmap_remove_batch = exports.rmap_add_batch = exports.pt_digest = exports.pt_mkold_batch = exports.pt_protect_batch = exports.pt_zap_batch = exports.pt_walk_batch = exports.pt_map_batch = exports.pt_map = exports.mm_init = exports.spin_is_locked = exports.barrier_wait = exports.machine_init = void 0;
// The module's export surface: exports only, no logic.
__exportStar(require("./layout"), exports);
var machine_1 = require("./machine");
Object.defineProperty(exports, "machine_init", { enumerable: true, get: function () { return machine_1.machine_init; } });
var sync_1 = require("./sync");
Object.defineProperty(exports, "barrier_wait", { enumerable: true, get: function () { return sync_1.barrier_wait; } });
Object.defineProperty(exports, "spin_is_locked", { enumerable: true, get: function () { return sync_1.spin_is_locked; } });
var pagetable_1 = require("./pagetable");
Object.defineProperty(exports, "mm_init", { enumerable: true, get: function () { return pagetable_1.mm_init; } });
Object.defineProperty(exports, "pt_map", { enumerable: true, get: function () { return pagetable_1.pt_map; } });
Object.defineProperty(exports, "pt_map_batch", { enumerable: true, get: function () { return pagetable_1.pt_map_batch; } });
Object.defineProperty(exports, "pt_walk_batch", { enumerable: true, get: function () { return pagetable_1.pt_walk_batch; } });
Object.defineProperty(exports, "pt_zap_batch", { enumerable: true, get: function () { return pagetable_1.pt_zap_batch; } });
Object.defineProperty(exports, "pt_protect_batch", { enumerable: true, get: function () { return pagetable_1.pt_protect_batch; } });
Object.defineProperty(exports, "pt_mkold_batch", { enumerable: true, get: function () { return pagetable_1.pt_mkold_batch; } });
Object.defineProperty(exports, "pt_digest", { enumerable: true, get: function () { return pagetable_1.pt_digest; } });
var chain_1 = require("./rmap/chain");
Object.defineProperty(exports, "rmap_add_batch", { enumerable: true, get: function () { return chain_1.rmap_add_batch; } });
Object.defineProperty(exports, "rmap_remove_batch", { enumerable: true, get: function () { return chain_1.rmap_remove_batch; } });
Object.defineProperty(exports, "rmap_lookup_batch", { enumerable: true, get: function () { return chain_1.rmap_lookup_batch; } });
var vindex_1 = require("./rmap/vindex");
Object.defineProperty(exports, "vidx_insert_batch", { enumerable: true, get: function () { return vindex_1.vidx_insert_batch; } });
Object.defineProperty(exports, "vidx_remove_batch", { enumerable: true, get: function () { return vindex_1.vidx_remove_batch; } });
Object.defineProperty(exports, "vidx_lookup_batch", { enumerable: true, get: function () { return vindex_1.vidx_lookup_batch; } });
var floor_1 = require("./floor");
Object.defineProperty(exports, "noop_batch", { enumerable: true, get: function () { return floor_1.noop_batch; } });
