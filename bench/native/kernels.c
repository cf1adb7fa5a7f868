// kernels IMAGE_PATH: runs the C twin (core.c) over a memory image dumped
// from the Wasm shared memory, driven by one command per stdin line; each
// command gets exactly one JSON line on stdout (bench/native/native.ts is the
// client):
//   walk M CPU MM VAS N REPS          -> {"ns":[...],"checksum":"<u64>"}
//   lookup M CPU PFNS N REPS          -> {"ns":[...],"checksum":"<u64>"}
//   zap M CPU MM RANGES NR MAPVAS MAPPTES NMAP REPS
//                                     -> {"ns":[...],"checksum":"<u64>","digest":"<u64>"}
//   noop M CPU MM OPS N REPS          -> {"ns":[...],"checksum":"<u64>"}
//   digest M MM                       -> {"digest":"<u64>"}
//   quit                              -> exit 0 (so does EOF)
// Anything else, or arguments that point outside the image, gets {"error":"..."}.
// Only the batch call sits between the two clock reads.
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core.h"

#define MAX_ARGS 16
#define MAX_REPS 1000000u

static uint8_t *base;
static uint64_t image_bytes;

// The noop floor is called through a volatile function pointer: the compiler
// must reload the pointer and make a real call on every rep, so it cannot see
// that noop_batch has no side effects and drop or hoist the call.
typedef uint64_t (*noop_fn)(uint8_t *, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t);
static noop_fn volatile noop_ptr = noop_batch;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

static void reply_error(const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fputs("{\"error\":\"", stdout);
  for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
    if (*p == '"' || *p == '\\') {
      putchar('\\');
      putchar(*p);
    } else if (*p < 0x20) {
      printf("\\u%04x", *p);
    } else {
      putchar(*p);
    }
  }
  fputs("\"}\n", stdout);
  fflush(stdout);
}

static void reply_timed(const uint64_t *ns, uint32_t reps, uint64_t checksum, const uint64_t *digest) {
  fputs("{\"ns\":[", stdout);
  for (uint32_t i = 0; i < reps; i++) printf(i ? ",%" PRIu64 : "%" PRIu64, ns[i]);
  printf("],\"checksum\":\"%" PRIu64 "\"", checksum);
  if (digest) printf(",\"digest\":\"%" PRIu64 "\"", *digest);
  fputs("}\n", stdout);
  fflush(stdout);
}

/** Is [addr, addr + bytes) inside the image? */
static int in_image(uint64_t addr, uint64_t bytes) { return addr <= image_bytes && bytes <= image_bytes - addr; }

/** Checks the machine header at m and, when given, the cpu and mm ids against it. */
static int check_machine(uint32_t m, const uint32_t *cpu, const uint32_t *mm) {
  if (!in_image(m, MACHINE_SIZE)) {
    reply_error("machine address %" PRIu32 " is outside the %" PRIu64 "-byte image", m, image_bytes);
    return 0;
  }
  uint32_t magic, cpus, mms;
  memcpy(&magic, base + m + H_MAGIC, 4);
  memcpy(&cpus, base + m + H_CPU_CAP, 4);
  memcpy(&mms, base + m + H_MM_CAP, 4);
  if (magic != MACHINE_MAGIC) {
    reply_error("no machine at %" PRIu32 " (magic 0x%08" PRIx32 ")", m, magic);
    return 0;
  }
  if (cpu && *cpu >= cpus) {
    reply_error("cpu %" PRIu32 " out of range (machine has %" PRIu32 ")", *cpu, cpus);
    return 0;
  }
  if (mm && *mm >= mms) {
    reply_error("mm %" PRIu32 " out of range (machine has %" PRIu32 ")", *mm, mms);
    return 0;
  }
  return 1;
}

static int check_array(const char *what, uint32_t addr, uint32_t n, uint32_t elem) {
  if (!in_image(addr, (uint64_t)n * elem)) {
    reply_error("%s array [%" PRIu32 ", +%" PRIu64 ") is outside the %" PRIu64 "-byte image", what, addr,
                (uint64_t)n * elem, image_bytes);
    return 0;
  }
  return 1;
}

static int check_reps(uint32_t reps) {
  if (reps < 1 || reps > MAX_REPS) {
    reply_error("REPS must be in 1..%u, got %" PRIu32, MAX_REPS, reps);
    return 0;
  }
  return 1;
}

static void cmd_walk(const uint32_t *a) {
  const uint32_t m = a[0], cpu = a[1], mm = a[2], vas = a[3], n = a[4], reps = a[5];
  if (!check_machine(m, &cpu, &mm) || !check_array("VAS", vas, n, 8) || !check_reps(reps)) return;
  uint64_t *ns = malloc(sizeof *ns * reps);
  if (!ns) {
    reply_error("out of memory");
    return;
  }
  uint64_t r = 0;
  for (uint32_t i = 0; i < reps; i++) {
    const uint64_t t0 = now_ns();
    r = pt_walk_batch(base, m, cpu, mm, vas, n, 0);
    ns[i] = now_ns() - t0;
  }
  reply_timed(ns, reps, r, NULL);
  free(ns);
}

static void cmd_lookup(const uint32_t *a) {
  const uint32_t m = a[0], cpu = a[1], pfns = a[2], n = a[3], reps = a[4];
  if (!check_machine(m, &cpu, NULL) || !check_array("PFNS", pfns, n, 4) || !check_reps(reps)) return;
  uint64_t *ns = malloc(sizeof *ns * reps);
  if (!ns) {
    reply_error("out of memory");
    return;
  }
  uint64_t r = 0;
  for (uint32_t i = 0; i < reps; i++) {
    const uint64_t t0 = now_ns();
    r = rmap_lookup_batch(base, m, cpu, pfns, n, 0);
    ns[i] = now_ns() - t0;
  }
  reply_timed(ns, reps, r, NULL);
  free(ns);
}

static void cmd_zap(const uint32_t *a) {
  const uint32_t m = a[0], cpu = a[1], mm = a[2], ranges = a[3], nr = a[4];
  const uint32_t map_vas = a[5], map_ptes = a[6], nmap = a[7], reps = a[8];
  if (!check_machine(m, &cpu, &mm) || !check_array("RANGES", ranges, nr, 16) || !check_array("MAPVAS", map_vas, nmap, 8) ||
      !check_array("MAPPTES", map_ptes, nmap, 8) || !check_reps(reps))
    return;
  uint64_t *ns = malloc(sizeof *ns * reps);
  if (!ns) {
    reply_error("out of memory");
    return;
  }
  uint64_t sum0 = 0, digest0 = 0;
  for (uint32_t i = 0; i < reps; i++) {
    const uint64_t t0 = now_ns();
    const uint64_t r = pt_zap_batch(base, m, cpu, mm, ranges, nr);
    ns[i] = now_ns() - t0;
    // Untimed: fingerprint what the zap left, then re-install the zapped leaves.
    const uint64_t d = pt_digest(base, m, mm);
    const int32_t mapped = pt_map_batch(base, m, mm, map_vas, map_ptes, nmap);
    if (i == 0) {
      sum0 = r;
      digest0 = d;
    } else if (r != sum0 || d != digest0) {
      free(ns);
      reply_error("zap rep %" PRIu32 " differs from rep 0: checksum %" PRIu64 " vs %" PRIu64 ", digest %" PRIu64
                         " vs %" PRIu64,
                  i, r, sum0, d, digest0);
      return;
    }
    if (mapped < 0) {
      free(ns);
      reply_error("restore after zap rep %" PRIu32 " ran out of page tables", i);
      return;
    }
  }
  reply_timed(ns, reps, sum0, &digest0);
  free(ns);
}

static void cmd_noop(const uint32_t *a) {
  const uint32_t m = a[0], cpu = a[1], mm = a[2], ops = a[3], n = a[4], reps = a[5];
  if (!check_machine(m, &cpu, &mm) || !check_reps(reps)) return;
  uint64_t *ns = malloc(sizeof *ns * reps);
  if (!ns) {
    reply_error("out of memory");
    return;
  }
  uint64_t r = 0;
  for (uint32_t i = 0; i < reps; i++) {
    const uint64_t t0 = now_ns();
    r = noop_ptr(base, m, cpu, mm, ops, n);
    ns[i] = now_ns() - t0;
  }
  reply_timed(ns, reps, r, NULL);
  free(ns);
}

static void cmd_digest(const uint32_t *a) {
  const uint32_t m = a[0], mm = a[1];
  if (!check_machine(m, NULL, &mm)) return;
  printf("{\"digest\":\"%" PRIu64 "\"}\n", pt_digest(base, m, mm));
  fflush(stdout);
}

struct command {
  const char *name;
  unsigned nargs;
  void (*run)(const uint32_t *args);
};

static const struct command commands[] = {
    {"walk", 6, cmd_walk}, {"lookup", 5, cmd_lookup}, {"zap", 9, cmd_zap},
    {"noop", 6, cmd_noop}, {"digest", 2, cmd_digest},
};

/** Runs one command line (NUL-terminated, newline stripped). Returns 0 on quit. */
static int dispatch(char *line) {
  const char *const sep = " \t\r";
  char *save = NULL;
  const char *name = strtok_r(line, sep, &save);
  if (!name) {
    reply_error("empty command");
    return 1;
  }
  if (strcmp(name, "quit") == 0) return 0;
  const struct command *cmd = NULL;
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
    if (strcmp(name, commands[i].name) == 0) cmd = &commands[i];
  }
  if (!cmd) {
    reply_error("unknown command \"%s\"", name);
    return 1;
  }
  uint32_t args[MAX_ARGS];
  unsigned n = 0;
  for (const char *tok; (tok = strtok_r(NULL, sep, &save));) {
    if (n == cmd->nargs) {
      reply_error("%s takes %u arguments, got more", cmd->name, cmd->nargs);
      return 1;
    }
    char *end;
    errno = 0;
    const unsigned long long v = strtoull(tok, &end, 10);
    if (*tok < '0' || *tok > '9' || *end || errno || v > UINT32_MAX) {
      reply_error("%s: argument %u (\"%s\") is not a u32", cmd->name, n + 1, tok);
      return 1;
    }
    args[n++] = (uint32_t)v;
  }
  if (n != cmd->nargs) {
    reply_error("%s takes %u arguments, got %u", cmd->name, cmd->nargs, n);
    return 1;
  }
  cmd->run(args);
  return 1;
}

static int load_image(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "kernels: cannot open image %s: %s\n", path, strerror(errno));
    return 0;
  }
  long size = -1;
  if (fseek(f, 0, SEEK_END) == 0) size = ftell(f);
  if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fprintf(stderr, "kernels: cannot read image %s: %s\n", path, strerror(errno));
    fclose(f);
    return 0;
  }
  if (size == 0 || (uint64_t)size > UINT64_C(1) << 32) {
    fprintf(stderr, "kernels: image %s has %ld bytes; expected 1 byte to 4 GiB\n", path, size);
    fclose(f);
    return 0;
  }
  image_bytes = (uint64_t)size;
  const size_t alloc = ((size_t)size + 4095) & ~(size_t)4095;
  base = aligned_alloc(4096, alloc);
  if (!base) {
    fprintf(stderr, "kernels: cannot allocate %zu bytes for the image\n", alloc);
    fclose(f);
    return 0;
  }
  memset(base + size, 0, alloc - (size_t)size);
  const size_t got = fread(base, 1, (size_t)size, f);
  if (got != (size_t)size) {
    fprintf(stderr, "kernels: cannot read image %s: %s (%zu of %ld bytes)\n", path,
            ferror(f) ? strerror(errno) : "short read", got, size);
    fclose(f);
    return 0;
  }
  fclose(f);
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: kernels IMAGE_PATH  (commands on stdin, one JSON reply per line on stdout)\n");
    return 2;
  }
  if (!load_image(argv[1])) return 2;
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  int go = 1;
  while (go && (len = getline(&line, &cap, stdin)) >= 0) {
    if (len > 0 && line[len - 1] == '\n') line[len - 1] = '\0';
    go = dispatch(line);
  }
  free(line);
  free(base);
  return 0;
}
