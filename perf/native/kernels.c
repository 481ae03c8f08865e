/*
 * parafor's C peer: the benchmark kernels of perf/kernels.mjs with OpenMP, and EPCC-style
 * overheads of `parallel for`, `barrier` and `reduction`, so that JS/C ratios come from one
 * run on one machine.
 *
 * Built twice by perf/steps/native.mjs:
 *   gcc -O2 -fopenmp kernels.c -lm -o kernels-omp      (the parallel runs)
 *   gcc -O2          kernels.c -lm -o kernels-serial   (pragmas ignored: the C serial baseline)
 *
 * Every loop does the operations of its JS twin in the same order, so checksums agree
 * (sum of sqrt differs in the last bits only, by the order of the partial sums).
 *
 * Usage:
 *   kernels-omp kernel NAME THREADS REPS [SIZE...]   one JSON line: times (s) and checksum
 *   kernels-omp epcc THREADS OUTERREPS [INNERREPS]   one JSON line: overheads (us)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Start of the timed part of a kernel run; kernels with set-up reset it after their set-up. */
static double g_t0;

static int thread_num(void) {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

static int num_threads(void) {
#ifdef _OPENMP
  return omp_get_num_threads();
#else
  return 1;
#endif
}

/* ---- 1. sum of sqrt(i) ------------------------------------------------------------- */
static double k_sqrtsum(long n) {
  double sum = 0;
#pragma omp parallel for schedule(static) reduction(+ : sum)
  for (long i = 0; i < n; i++) sum += sqrt((double)i);
  return sum;
}

/* ---- 2. Mandelbrot ------------------------------------------------------------------- */
static double k_mandel(int w, int h, int guided) {
  double *rows = malloc(sizeof(double) * h);
  if (guided) {
#pragma omp parallel for schedule(guided)
    for (int y = 0; y < h; y++) {
      double ci = (2.0 * y) / h - 1, sum = 0;
      for (int x = 0; x < w; x++) {
        double cr = (2.0 * x) / w - 1.5, zr = 0, zi = 0;
        int k = 0;
        for (; k < 200; k++) {
          double zr2 = zr * zr, zi2 = zi * zi;
          if (zr2 + zi2 > 4) break;
          zi = 2 * zr * zi + ci;
          zr = zr2 - zi2 + cr;
        }
        sum += k;
      }
      rows[y] = sum;
    }
  } else {
#pragma omp parallel for schedule(dynamic, 1)
    for (int y = 0; y < h; y++) {
      double ci = (2.0 * y) / h - 1, sum = 0;
      for (int x = 0; x < w; x++) {
        double cr = (2.0 * x) / w - 1.5, zr = 0, zi = 0;
        int k = 0;
        for (; k < 200; k++) {
          double zr2 = zr * zr, zi2 = zi * zi;
          if (zr2 + zi2 > 4) break;
          zi = 2 * zr * zi + ci;
          zr = zr2 - zi2 + cr;
        }
        sum += k;
      }
      rows[y] = sum;
    }
  }
  double total = 0;
  for (int y = 0; y < h; y++) total += rows[y];
  free(rows);
  return total;
}

/* ---- 3. Jacobi ----------------------------------------------------------------------- */
static double *jac_a, *jac_b;
static void jacobi_init(int n) {
  jac_a = malloc(sizeof(double) * n * n);
  jac_b = malloc(sizeof(double) * n * n);
  for (long i = 0; i < (long)n * n; i++) jac_a[i] = jac_b[i] = (double)(i % 97) / 97;
}
static double k_jacobi(int n, int sweeps) {
  double *src = jac_a, *dst = jac_b;
  g_t0 = now();
  for (int s = 0; s < sweeps; s++) {
#pragma omp parallel for schedule(static)
    for (int i = 1; i < n - 1; i++) {
      long r = (long)i * n;
      for (int j = 1; j < n - 1; j++) dst[r + j] = 0.25 * (src[r - n + j] + src[r + n + j] + src[r + j - 1] + src[r + j + 1]);
    }
    double *t = src;
    src = dst;
    dst = t;
  }
  double sum = 0;
  for (long i = 0; i < (long)n * n; i++) sum += src[i];
  return sum;
}

/* ---- 4. histogram ---------------------------------------------------------------------- */
static void histo_range(int32_t *bins, long lo, long hi) {
  uint32_t am = 1, cm = 0, a = 1664525u, c = 1013904223u;
  for (long k = lo; k > 0; k >>= 1) {
    if (k & 1) {
      am *= a;
      cm = cm * a + c;
    }
    c = c * a + c;
    a *= a;
  }
  uint32_t x = am * 42u + cm;
  for (long i = lo; i < hi; i++) {
    x = x * 1664525u + 1013904223u;
    bins[x >> 24]++;
  }
}
static double k_histogram(long n) {
  int32_t total[256] = {0};
#pragma omp parallel
  {
    /* Private bins per thread, combined at the end; the static block as LLVM computes it. */
    int32_t bins[256] = {0};
    long p = num_threads(), t = thread_num(), base = n / p, extra = n % p;
    long lo = t * base + (t < extra ? t : extra), hi = lo + base + (t < extra ? 1 : 0);
    histo_range(bins, lo, hi);
#pragma omp critical
    for (int b = 0; b < 256; b++) total[b] += bins[b];
  }
  double check = 0, count = 0;
  for (int b = 0; b < 256; b++) {
    check += (double)b * total[b];
    count += total[b];
  }
  return count == (double)n ? check : -1;
}

/* ---- 5. spectral-norm ------------------------------------------------------------------ */
static void spec_av(int n, const double *x, double *y) {
#pragma omp parallel for schedule(static)
  for (int i = 0; i < n; i++) {
    double sum = 0;
    for (int j = 0; j < n; j++) sum += x[j] / ((double)((i + j) * (i + j + 1) / 2) + i + 1);
    y[i] = sum;
  }
}
static void spec_atv(int n, const double *x, double *y) {
#pragma omp parallel for schedule(static)
  for (int i = 0; i < n; i++) {
    double sum = 0;
    for (int j = 0; j < n; j++) sum += x[j] / ((double)((i + j) * (i + j + 1) / 2) + j + 1);
    y[i] = sum;
  }
}
static double k_spectral(int n) {
  double *u = malloc(sizeof(double) * n), *v = malloc(sizeof(double) * n), *t = malloc(sizeof(double) * n);
  for (int i = 0; i < n; i++) u[i] = 1;
  g_t0 = now();
  for (int k = 0; k < 10; k++) {
    spec_av(n, u, t);
    spec_atv(n, t, v);
    spec_av(n, v, t);
    spec_atv(n, t, u);
  }
  double vbv = 0, vv = 0;
  for (int i = 0; i < n; i++) {
    vbv += u[i] * v[i];
    vv += v[i] * v[i];
  }
  free(u);
  free(v);
  free(t);
  return sqrt(vbv / vv);
}

/* ---- 6. fine-grained ------------------------------------------------------------------- */
static double k_fine(int steps, int m) {
  double *a = malloc(sizeof(double) * m);
  for (int i = 0; i < m; i++) a[i] = i % 7;
  g_t0 = now();
  for (int s = 0; s < steps; s++) {
#pragma omp parallel for schedule(static)
    for (int i = 0; i < m; i++) a[i] += 1;
  }
  double sum = 0;
  for (int i = 0; i < m; i++) sum += a[i];
  free(a);
  return sum;
}

/* ---- EPCC-style overheads (syncbench / schedbench) -------------------------------------- */
static int delay_len = 100;
static void delay(int len) {
  float a = 0.;
  for (int i = 0; i < len; i++) a += i;
  if (a < 0) printf("%f", a);
}
static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}
static double median(double *v, int n) {
  qsort(v, n, sizeof(double), cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * T_EMPTY and T_EMPTY_REDUCTION are libgomp's plain cost: a loop of empty constructs, no
 * delay. EPCC's (construct with delay) - (delay) cancels the delay only when the threads'
 * delays overlap perfectly; on a loaded machine they do not, and the difference is no
 * longer the construct's cost. Both are reported.
 */
enum { T_REF, T_PARFOR, T_BARRIER, T_REDUCTION, T_DYNAMIC, T_EMPTY, T_EMPTY_REDUCTION };

/* Time of one construct (us), `inner` back to back. */
static double one_test(int which, int threads, int inner) {
  double t0 = now();
  switch (which) {
    case T_REF:
      for (int r = 0; r < inner; r++) delay(delay_len);
      break;
    case T_PARFOR:
      for (int r = 0; r < inner; r++) {
#pragma omp parallel for schedule(static)
        for (int i = 0; i < threads; i++) delay(delay_len);
      }
      break;
    case T_EMPTY:
      for (int r = 0; r < inner; r++) {
#pragma omp parallel for schedule(static)
        for (int i = 0; i < threads; i++) {
          __asm__ volatile("" ::: "memory");
        }
      }
      break;
    case T_EMPTY_REDUCTION: {
      int aaaa = 0;
      for (int r = 0; r < inner; r++) {
#pragma omp parallel for schedule(static) reduction(+ : aaaa)
        for (int i = 0; i < threads; i++) aaaa += 1;
      }
      if (aaaa != inner * threads) printf("reduction failed\n");
      break;
    }
    case T_BARRIER:
#pragma omp parallel
      for (int r = 0; r < inner; r++) {
        delay(delay_len);
#pragma omp barrier
      }
      break;
    case T_REDUCTION: {
      int aaaa = 0;
      for (int r = 0; r < inner; r++) {
#pragma omp parallel for schedule(static) reduction(+ : aaaa)
        for (int i = 0; i < threads; i++) {
          delay(delay_len);
          aaaa += 1;
        }
      }
      if (aaaa != inner * threads) printf("reduction failed\n");
      break;
    }
    case T_DYNAMIC:
      for (int r = 0; r < inner; r++) {
#pragma omp parallel for schedule(dynamic, 1)
        for (int i = 0; i < 1024; i++) {
          __asm__ volatile("" ::: "memory");
        }
      }
      break;
  }
  return (now() - t0) * 1e6 / inner;
}

static double test_median(int which, int threads, int outer, int inner) {
  double *v = malloc(sizeof(double) * outer);
  one_test(which, threads, inner); /* warm-up */
  for (int k = 0; k < outer; k++) v[k] = one_test(which, threads, inner);
  double m = median(v, outer);
  free(v);
  return m;
}

static void epcc(int threads, int outer, int inner) {
#ifdef _OPENMP
  omp_set_num_threads(threads);
#endif
  double ref = test_median(T_REF, threads, outer, inner);
  double parfor = test_median(T_PARFOR, threads, outer, inner);
  double empty = test_median(T_EMPTY, threads, outer, inner);
  double emptyReduction = test_median(T_EMPTY_REDUCTION, threads, outer, inner);
  double barrier = test_median(T_BARRIER, threads, outer, inner);
  double reduction = test_median(T_REDUCTION, threads, outer, inner);
  double dynamic = test_median(T_DYNAMIC, threads, outer, inner / 10 + 1);
  const char *policy = getenv("OMP_WAIT_POLICY");
  printf("{\"threads\":%d,\"waitPolicy\":\"%s\",\"delayUs\":%.5f,\"parallelForUs\":%.5f,\"emptyParallelForUs\":%.5f,"
         "\"barrierUs\":%.5f,\"reductionUs\":%.5f,\"emptyReductionUs\":%.5f,\"dynamic1x1024Us\":%.5f}\n",
         threads, policy ? policy : "default", ref, parfor - ref, empty, barrier - ref, reduction - ref, emptyReduction, dynamic);
}

int main(int argc, char **argv) {
  if (argc >= 4 && strcmp(argv[1], "epcc") == 0) {
    epcc(atoi(argv[2]), atoi(argv[3]), argc > 4 ? atoi(argv[4]) : 1000);
    return 0;
  }
  if (argc < 5 || strcmp(argv[1], "kernel") != 0) {
    fprintf(stderr, "usage: %s kernel NAME THREADS REPS [SIZE...] | epcc THREADS OUTERREPS [INNERREPS]\n", argv[0]);
    return 2;
  }
  const char *name = argv[2];
  int threads = atoi(argv[3]), reps = atoi(argv[4]);
  long s1 = argc > 5 ? atol(argv[5]) : 0, s2 = argc > 6 ? atol(argv[6]) : 0;
#ifdef _OPENMP
  omp_set_num_threads(threads);
#else
  (void)threads;
#endif
  /* Start the OpenMP team before the first timed run, as the JS contestants start theirs. */
#pragma omp parallel
  {
    __asm__ volatile("" ::: "memory");
  }
  printf("{\"kernel\":\"%s\",\"threads\":%d,\"times\":[", name, threads);
  double check = 0;
  for (int r = 0; r < reps; r++) {
    g_t0 = now();
    double t1 = 0;
    if (strcmp(name, "sqrtsum") == 0) check = k_sqrtsum(s1);
    else if (strcmp(name, "mandelbrot") == 0) check = k_mandel((int)s1, (int)s1, 0);
    else if (strcmp(name, "mandelbrot-guided") == 0) check = k_mandel((int)s1, (int)s1, 1);
    else if (strcmp(name, "jacobi") == 0) {
      jacobi_init((int)s1);
      check = k_jacobi((int)s1, (int)s2);
      t1 = now();
      free(jac_a);
      free(jac_b);
    } else if (strcmp(name, "histogram") == 0) check = k_histogram(s1);
    else if (strcmp(name, "spectral") == 0) check = k_spectral((int)s1);
    else if (strcmp(name, "fine") == 0) check = k_fine((int)s1, (int)s2);
    else {
      fprintf(stderr, "unknown kernel %s\n", name);
      return 2;
    }
    if (t1 == 0) t1 = now();
    printf("%s%.6f", r ? "," : "", t1 - g_t0);
  }
  printf("],\"checksum\":%.17g}\n", check);
  return 0;
}
