/* G1 of BLS12-381 (y^2 = x^3 + 4) in XYZZ coordinates: x = X/ZZ, y = Y/ZZZ, ZZ^3 = ZZZ^2; the identity
 * has ZZ = ZZZ = 0. Formulas: hyperelliptic.org EFD, "xyzz" for a = 0 (add-2008-s, madd-2008-s,
 * dbl-2008-s-1, mdbl-2008-s-1). Coordinates in Montgomery form (fp.h). A point in global memory is
 * 48 words (X, Y, ZZ, ZZZ); an affine base point is 24 words (x, y). The three formulas are
 * DEVICE_FN_CALLED: each is some 10^4 instructions once the field operations are unrolled, and CUDA
 * would otherwise paste a copy at every call site (NVRTC then runs for minutes or crashes). */
#ifndef G1_H
#define G1_H
#include "fp.h"

#define G1_AFFINE_WORDS (2 * FP_LIMBS)
#define G1_XYZZ_WORDS (4 * FP_LIMBS)

typedef struct { u32 x[FP_LIMBS]; u32 y[FP_LIMBS]; u32 zz[FP_LIMBS]; u32 zzz[FP_LIMBS]; } g1_xyzz;

DEVICE_FN void g1_set_identity(g1_xyzz* p)
{
    fp_zero(p->x); fp_zero(p->y); fp_zero(p->zz); fp_zero(p->zzz);
}

DEVICE_FN int g1_is_identity(const g1_xyzz* p) { return fp_is_zero(p->zz); }

DEVICE_FN void g1_load(g1_xyzz* p, GLOBAL const u32* src)
{
    for (int i = 0; i < FP_LIMBS; i++) {
        p->x[i] = src[i]; p->y[i] = src[FP_LIMBS + i];
        p->zz[i] = src[2 * FP_LIMBS + i]; p->zzz[i] = src[3 * FP_LIMBS + i];
    }
}

DEVICE_FN void g1_store(GLOBAL u32* dst, const g1_xyzz* p)
{
    for (int i = 0; i < FP_LIMBS; i++) {
        dst[i] = p->x[i]; dst[FP_LIMBS + i] = p->y[i];
        dst[2 * FP_LIMBS + i] = p->zz[i]; dst[3 * FP_LIMBS + i] = p->zzz[i];
    }
}

/* p = 2 * p (dbl-2008-s-1). */
DEVICE_FN_CALLED void g1_double(g1_xyzz* p)
{
    u32 u[FP_LIMBS], v[FP_LIMBS], w[FP_LIMBS], s[FP_LIMBS], m[FP_LIMBS], t[FP_LIMBS];
    fp_add(u, p->y, p->y);          /* U = 2Y */
    fp_sqr(v, u);                   /* V = U^2 */
    fp_mul(w, u, v);                /* W = U V */
    fp_mul(s, p->x, v);             /* S = X V */
    fp_sqr(m, p->x);
    fp_add(t, m, m);
    fp_add(m, t, m);                /* M = 3 X^2 */
    fp_sqr(t, m);
    fp_sub(t, t, s);
    fp_sub(p->x, t, s);             /* X3 = M^2 - 2S */
    fp_sub(t, s, p->x);
    fp_mul(t, m, t);
    fp_mul(u, w, p->y);
    fp_sub(p->y, t, u);             /* Y3 = M (S - X3) - W Y */
    fp_mul(p->zz, p->zz, v);        /* ZZ3 = V ZZ */
    fp_mul(p->zzz, p->zzz, w);      /* ZZZ3 = W ZZZ */
}

/* p = 2 * (ax, ay) for an affine point (mdbl-2008-s-1). */
DEVICE_FN void g1_double_affine(g1_xyzz* p, const u32* ax, const u32* ay)
{
    fp_copy(p->x, ax); fp_copy(p->y, ay); fp_one(p->zz); fp_one(p->zzz);
    g1_double(p);
}

/* p += (ax, ay), an affine point that is not the identity (madd-2008-s). */
DEVICE_FN_CALLED void g1_add_affine(g1_xyzz* p, const u32* ax, const u32* ay)
{
    if (g1_is_identity(p)) {
        fp_copy(p->x, ax); fp_copy(p->y, ay); fp_one(p->zz); fp_one(p->zzz);
        return;
    }
    u32 pp[FP_LIMBS], r[FP_LIMBS], ppp[FP_LIMBS], q[FP_LIMBS], t[FP_LIMBS];
    fp_mul(pp, ax, p->zz);
    fp_sub(pp, pp, p->x);           /* P = x2 ZZ1 - X1 */
    fp_mul(r, ay, p->zzz);
    fp_sub(r, r, p->y);             /* R = y2 ZZZ1 - Y1 */
    if (fp_is_zero(pp)) {
        if (fp_is_zero(r)) g1_double_affine(p, ax, ay);
        else g1_set_identity(p);
        return;
    }
    fp_sqr(t, pp);                  /* PP */
    fp_mul(ppp, pp, t);             /* PPP = P PP */
    fp_mul(q, p->x, t);             /* Q = X1 PP */
    fp_mul(p->zz, p->zz, t);        /* ZZ3 = ZZ1 PP */
    fp_mul(p->zzz, p->zzz, ppp);    /* ZZZ3 = ZZZ1 PPP */
    fp_sqr(t, r);
    fp_sub(t, t, ppp);
    fp_sub(t, t, q);
    fp_sub(t, t, q);                /* X3 = R^2 - PPP - 2Q */
    fp_copy(p->x, t);
    fp_sub(q, q, t);
    fp_mul(q, r, q);
    fp_mul(t, p->y, ppp);
    fp_sub(p->y, q, t);             /* Y3 = R (Q - X3) - Y1 PPP */
}

/* p += q (add-2008-s). */
DEVICE_FN_CALLED void g1_add(g1_xyzz* p, const g1_xyzz* q)
{
    if (g1_is_identity(q)) return;
    if (g1_is_identity(p)) { *p = *q; return; }
    u32 u1[FP_LIMBS], s1[FP_LIMBS], pp[FP_LIMBS], r[FP_LIMBS], ppp[FP_LIMBS], t[FP_LIMBS];
    fp_mul(u1, p->x, q->zz);        /* U1 = X1 ZZ2 */
    fp_mul(pp, q->x, p->zz);
    fp_sub(pp, pp, u1);             /* P = U2 - U1 */
    fp_mul(s1, p->y, q->zzz);       /* S1 = Y1 ZZZ2 */
    fp_mul(r, q->y, p->zzz);
    fp_sub(r, r, s1);               /* R = S2 - S1 */
    if (fp_is_zero(pp)) {
        if (fp_is_zero(r)) g1_double(p);
        else g1_set_identity(p);
        return;
    }
    fp_sqr(t, pp);                  /* PP */
    fp_mul(ppp, pp, t);             /* PPP */
    fp_mul(u1, u1, t);              /* Q = U1 PP */
    fp_mul(p->zz, p->zz, q->zz);
    fp_mul(p->zz, p->zz, t);        /* ZZ3 = ZZ1 ZZ2 PP */
    fp_mul(p->zzz, p->zzz, q->zzz);
    fp_mul(p->zzz, p->zzz, ppp);    /* ZZZ3 = ZZZ1 ZZZ2 PPP */
    fp_sqr(t, r);
    fp_sub(t, t, ppp);
    fp_sub(t, t, u1);
    fp_sub(p->x, t, u1);            /* X3 = R^2 - PPP - 2Q */
    fp_sub(u1, u1, p->x);
    fp_mul(u1, r, u1);
    fp_mul(t, s1, ppp);
    fp_sub(p->y, u1, t);            /* Y3 = R (Q - X3) - S1 PPP */
}

/* p = k * p for a small non-negative k (double-and-add from the top set bit of k). */
DEVICE_FN void g1_mul_u32(g1_xyzz* p, u32 k)
{
    g1_xyzz base = *p;
    g1_set_identity(p);
    int top = 31;
    while (top >= 0 && !((k >> top) & 1u)) top--;
    for (int bit = top; bit >= 0; bit--) {
        g1_double(p);
        if ((k >> bit) & 1u) g1_add(p, &base);
    }
}

#endif /* G1_H */
